"""Bitwise comparison of traces, and failure messages a person can act on.

A message names the first divergent call, the param group, expected and got (with hex bits),
the clauses the scenario pins, and the scenario as Python that can be pasted into a test.
"""

from __future__ import annotations

from typing import Optional

from . import floats
from .driver import Trace


def first_divergence(expected: Trace, got: Trace) -> Optional[str]:
    """Describe the first difference between two traces, or return None when they agree."""
    for step, (want_row, got_row) in enumerate(zip(expected.lrs, got.lrs)):
        if len(want_row) != len(got_row):
            return f'call {step}: {len(want_row)} param groups expected, got {len(got_row)}'
        for group, (want, have) in enumerate(zip(want_row, got_row)):
            if not floats.same(want, have):
                return (
                    f'call {step}{_call_note(step)}, param group {group}: '
                    f'expected lr {floats.show(want)}, got {floats.show(have)}'
                )
    if len(expected.lrs) != len(got.lrs):
        shorter = min(len(expected.lrs), len(got.lrs))
        return (
            f'call {shorter}: expected {len(expected.lrs)} recorded calls, got {len(got.lrs)} '
            f'(expected error: {_error(expected)}; got error: {_error(got)})'
        )
    if not errors_match(expected.error, got.error):
        return f'expected error {_error(expected)}, got {_error(got)}'
    return None


def errors_match(expected, got) -> bool:
    """Same type, call and phase; the same message unless the expectation leaves it open (None).

    Goldens leave the message open for exceptions raised by torch or pickle, whose wording
    belongs to their versions, not to this specification.
    """
    if expected is None or got is None:
        return expected is got
    if (expected.type, expected.step, expected.phase) != (got.type, got.step, got.phase):
        return False
    return expected.message is None or expected.message == got.message


def _call_note(step):
    return ' (the constructor)' if step == 0 else ''


def _error(trace: Trace) -> str:
    if trace.error is None:
        return 'none'
    e = trace.error
    return f'{e.type}({e.message!r}) at call {e.step} [{e.phase}]'


def explain(scenario, divergence: str) -> str:
    clauses = ', '.join(scenario.clauses) or '(none cited)'
    return (
        f'scenario {scenario.id!r} diverges from the specification\n'
        f'  {divergence}\n'
        f'  clauses: {clauses}\n'
        f'  description: {scenario.description or "-"}\n'
        f'  reproduce with:\n    {scenario.to_python()}'
    )


def assert_same_trace(scenario, expected: Trace, got: Trace) -> None:
    """Fail with :func:`explain`'s message when the traces differ anywhere."""
    __tracebackhide__ = True
    divergence = first_divergence(expected, got)
    if divergence is not None:
        raise AssertionError(explain(scenario, divergence))
