"""The mutants docs/mutation.md declares equivalent: its table under "## Equivalent mutants".

Each row is ``| `mutant ID` | one-line reason |``; other tables and text are ignored. A survivor
listed there does not fail the run; a survivor not listed does.
"""

from __future__ import annotations

import re
from pathlib import Path

HEADING = '## Equivalent mutants'
_ROW = re.compile(r'^\|\s*`([^`]+:\d+:\d+:[^`]+)`\s*\|\s*(.*?)\s*\|\s*$')


def load(path) -> dict:
    """Mutant ID -> reason, from the Equivalent mutants section of ``path`` (none if absent)."""
    path = Path(path)
    if not path.is_file():
        return {}
    found, inside = {}, False
    for line in path.read_text(encoding='utf-8').splitlines():
        if line.startswith('## '):
            inside = line.strip() == HEADING
            continue
        match = _ROW.match(line) if inside else None
        if match:
            mutant_id, reason = match.groups()
            if not reason:
                raise ValueError(f'{path}: {mutant_id} is declared equivalent with no reason')
            if mutant_id in found:
                raise ValueError(f'{path}: {mutant_id} is declared equivalent twice')
            found[mutant_id] = reason
    return found
