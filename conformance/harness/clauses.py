"""Clause IDs as docs/spec.md defines them: a heading ``### ID: one-line statement`` per clause."""

from __future__ import annotations

import re

from . import resources

#: docs/spec.md, in the checkout or in the installed package (harness/resources.py).
SPEC = resources.spec()
_HEADING = re.compile(r'^### ([A-Z0-9-]+): (.+)$')
_EXAMPLE = re.compile(r'```python\n(.*?)```', re.DOTALL)


def sections() -> dict:
    """Map every clause ID to the text of its section (heading line included)."""
    found = {}
    current = None
    for line in SPEC.read_text(encoding='utf-8').splitlines(keepends=True):
        match = _HEADING.match(line.rstrip('\n'))
        if match:
            current = match.group(1)
            if current in found:
                raise ValueError(f'{SPEC.name}: clause {current} is defined twice')
            found[current] = ''
        elif line.startswith(('## ', '# ')):
            current = None
        if current is not None:
            found[current] += line
    return found


def defined() -> dict:
    """Map every clause ID in the spec to its one-line statement."""
    result = {}
    for clause_id, text in sections().items():
        result[clause_id] = _HEADING.match(text.splitlines()[0]).group(2).strip()
    return result


def examples() -> dict:
    """Map clause IDs to the doctest text of their ```python examples (clauses without: absent)."""
    result = {}
    for clause_id, text in sections().items():
        blocks = [block for block in _EXAMPLE.findall(text) if '>>>' in block]
        if blocks:
            result[clause_id] = '\n'.join(blocks)
    return result
