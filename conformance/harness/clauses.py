"""Clause IDs as docs/spec.md defines them: a heading ``### ID: one-line statement`` per clause."""

from __future__ import annotations

import re

from . import resources

#: docs/spec.md, in the checkout or in the installed package (harness/resources.py).
SPEC = resources.spec()
_HEADING = re.compile(r'^### ([A-Z0-9-]+): (.+)$')
_EXAMPLE = re.compile(r'```python\n(.*?)```', re.DOTALL)
#: An intent's example: run on the reference with that intent, never on upstream.
_INTENT_EXAMPLE = re.compile(
    r'^Intent example \(run on the reference with intent:([A-Z0-9-]+)\):\n```python\n(.*?)```',
    re.DOTALL | re.MULTILINE)
#: The paragraph that names a clause's intent.
_INTENT = re.compile(r'^Intent \(`intent:([A-Z0-9-]+)`\)', re.MULTILINE)


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
    """Map clause IDs to the doctest text of their upstream ```python examples (without: absent).

    Intent examples are not among them: they hold on the reference with the intent only
    (:func:`intent_examples`).
    """
    result = {}
    for clause_id, text in sections().items():
        upstream_text = _INTENT_EXAMPLE.sub('', text)
        blocks = [block for block in _EXAMPLE.findall(upstream_text) if '>>>' in block]
        if blocks:
            result[clause_id] = '\n'.join(blocks)
    return result


def intents() -> list:
    """The clause IDs that have an ``Intent (`intent:ID`)`` paragraph, in spec order."""
    found = []
    for clause_id, text in sections().items():
        for named in _INTENT.findall(text):
            if named != clause_id:
                raise ValueError(f'{SPEC.name}: clause {clause_id} names intent:{named}')
            found.append(clause_id)
    return found


def intent_examples() -> dict:
    """Map clause IDs to the doctest text of their intent example (clauses without: absent)."""
    result = {}
    for clause_id, text in sections().items():
        for named, block in _INTENT_EXAMPLE.findall(text):
            if named != clause_id:
                raise ValueError(f'{SPEC.name}: clause {clause_id} has an intent example for '
                                 f'intent:{named}')
            result[clause_id] = result.get(clause_id, '') + block
    return result
