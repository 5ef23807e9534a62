"""Clause IDs as docs/spec.md defines them: a heading ``### ID: one-line statement`` per clause."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / 'docs' / 'spec.md'
CLAUSE_ID = re.compile(r'^[A-Z]{3,4}(?:-[A-Z0-9]+)+$')
_HEADING = re.compile(r'^### ([A-Z0-9-]+): (.+)$')


def defined(spec_path: Path = SPEC) -> dict:
    """Map every clause ID in the spec to its one-line statement."""
    found = {}
    for line in spec_path.read_text(encoding='utf-8').splitlines():
        match = _HEADING.match(line)
        if match:
            clause_id, statement = match.groups()
            if clause_id in found:
                raise ValueError(f'{spec_path.name}: clause {clause_id} is defined twice')
            found[clause_id] = statement.strip()
    return found
