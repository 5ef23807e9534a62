"""The recorder: the first divergence of the test being run, for the conformance report.

compare's assertion functions call :func:`record` before they raise. Nothing is kept unless the
report plugin (conformance/harness/reporting.py, ``--conformance-report``) has called
:func:`start` for the current test, so without a report recording is a no-op; and recording
never raises (a report is an artifact of the run, never a reason for it to fail).
:func:`suspended` stops recording inside a block, for runs that are not the candidate's own
(the deviation verdict's probe of each test on the reference).
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import Any, Optional

_current: Optional[str] = None  # node id of the test being recorded; None: not recording
_suspended = 0
_records: dict = {}


@dataclass
class Record:
    """A failing comparison: the divergence, both traces, and the scenario (if any)."""

    divergence: Any
    expected: Any
    got: Any
    scenario: Any = None

    def to_json(self) -> dict:
        """JSON data: the divergence's fields, the scenario id, and both lr traces as floats
        (what a plot draws; a value that is not a number is null)."""
        to_json = getattr(self.divergence, 'to_json', None)
        data = to_json() if to_json else {
            'message': str(self.divergence), 'aspect': None, 'call': None, 'group': None,
            'scheduler': None, 'attribute': None, 'expected': None, 'got': None,
            'expected_text': None, 'got_text': None}
        data['scenario'] = getattr(self.scenario, 'id', None)
        data['expected_lrs'] = _plottable(getattr(self.expected, 'lrs', []))
        data['got_lrs'] = _plottable(getattr(self.got, 'lrs', []))
        return data


def _plottable(rows) -> list:
    return [[_number(value) for value in row] for row in rows]


def _number(value) -> Optional[float]:
    value = getattr(value, 'value', value)  # a Typed value holds its number
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def start(nodeid: str) -> None:
    """Record the divergences of test ``nodeid`` from now on."""
    global _current
    _current = nodeid
    _records.pop(nodeid, None)


def stop() -> None:
    """Stop recording (the test is over)."""
    global _current
    _current = None


def take(nodeid: str) -> Optional[Record]:
    """The first divergence recorded for ``nodeid``, removed from memory; None if none."""
    return _records.pop(nodeid, None)


def record(expected, got, divergence, scenario=None) -> None:
    """Keep the current test's first divergence; a no-op when not recording."""
    if _current is None or _suspended or _current in _records:
        return
    _records[_current] = Record(divergence, expected, got, scenario)


@contextlib.contextmanager
def suspended():
    """Record nothing inside the block (runs that are not the candidate's own)."""
    global _suspended
    _suspended += 1
    try:
        yield
    finally:
        _suspended -= 1
