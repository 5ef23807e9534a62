"""Exact comparison of traces, and failure messages a person can act on.

A message names the first divergent call, the param group (or the scheduler and attribute),
expected and got with their types and float bits, the clause the scenario pins, and the
scenario as Python that can be pasted into a test.
"""

from __future__ import annotations

from typing import Optional

from . import messages, observed
from .driver import Trace

#: What a comparison looks at: the lrs and the exception, and the state attributes.
TRACE = ('lrs', 'error')
STATE = ('state',)


def first_divergence(expected: Trace, got: Trace, aspects=TRACE + STATE) -> Optional[str]:
    """Describe the first difference between two traces, or return None when they agree.

    ``aspects`` picks what is compared: ``lrs`` (values and types, row by row), ``state``
    (skipped when either trace has none) and ``error`` (type, call and phase always; the
    message only where the expectation says it is normative). Row counts are compared whatever
    the aspects: a run that stopped early has no rows to agree with, which is no agreement.
    """
    for call in range(min(len(expected.lrs), len(got.lrs))):
        if 'lrs' in aspects:
            problem = _row_divergence(call, expected.lrs[call], got.lrs[call])
            if problem:
                return problem
        if 'state' in aspects and expected.state is not None and got.state is not None:
            problem = _state_divergence(call, expected.state[call], got.state[call])
            if problem:
                return problem
    if len(expected.lrs) != len(got.lrs):
        shorter = min(len(expected.lrs), len(got.lrs))
        return (
            f'call {shorter}: expected {len(expected.lrs)} recorded calls, got {len(got.lrs)} '
            f'(expected error: {_error(expected)}; got error: {_error(got)})'
        )
    if 'error' in aspects and not errors_match(expected.error, got.error):
        return f'expected error {_error(expected)}, got {_error(got)}'
    return None


def _row_divergence(call, want_row, got_row):
    if len(want_row) != len(got_row):
        return f'call {call}: {len(want_row)} param groups expected, got {len(got_row)}'
    for group, (want, have) in enumerate(zip(want_row, got_row)):
        if not observed.same(want, have):
            return (f'call {call}{_call_note(call)}, param group {group}: '
                    f'expected lr {observed.show(want)}, got {observed.show(have)}')
    return None


def _state_divergence(call, want_row, got_row):
    for index, (want, have) in enumerate(zip(want_row, got_row)):
        for name in want:
            if not observed.same(want[name], have.get(name, observed.MISSING)):
                return (f'call {call}{_call_note(call)}, scheduler {index}: expected '
                        f'{name} {observed.show(want[name])}, got '
                        f'{observed.show(have.get(name, observed.MISSING))}')
    return None


def errors_match(expected, got) -> bool:
    """Same type, call and phase; the same message too when the expected one is normative."""
    if expected is None or got is None:
        return expected is got
    if (expected.type, expected.step, expected.phase) != (got.type, got.step, got.phase):
        return False
    return not expected.normative or messages.same(expected.message, got.message)


def _call_note(call):
    return ' (the constructor)' if call == 0 else ''


def _error(trace: Trace) -> str:
    if trace.error is None:
        return 'none'
    e = trace.error
    words = '' if e.normative else ' (message informative only)'
    return f'{e.type}({e.message!r}){words} at call {e.step} [{e.phase}]'


def ending_divergence(expected: Trace, got: Trace) -> Optional[str]:
    """How ``got`` ends differently from ``expected``: its error (type, call, phase) or its
    number of rows; None when both end alike. What a check states before reading the rows."""
    if not errors_match(expected.error, got.error):
        return f'expected error {_error(expected)}, got {_error(got)}'
    if len(expected.lrs) != len(got.lrs):
        return f'expected {len(expected.lrs)} recorded calls, got {len(got.lrs)}'
    return None


def explain(scenario, divergence: str) -> str:
    """The failure message: where the traces part, the clauses, and the scenario to replay.

    A scenario built inside a test (not a golden) may leave its clauses to the test's markers,
    which the report's 'conformance clause' section shows.
    """
    if scenario.subject:
        clauses = f'{scenario.subject} (also touches: {", ".join(scenario.touches) or "-"})'
    else:
        clauses = "the test's (see its 'conformance clause' section)"
    return (
        f'scenario {scenario.id!r} diverges from the specification\n'
        f'  {divergence}\n'
        f'  subject clause: {clauses}\n'
        f'  description: {scenario.description or "-"}\n'
        f'  reproduce with:\n    {scenario.to_python()}'
    )


def assert_same_trace(scenario, expected: Trace, got: Trace, aspects=TRACE + STATE) -> None:
    """Fail with :func:`explain`'s message when the traces differ in ``aspects``."""
    __tracebackhide__ = True
    divergence = first_divergence(expected, got, aspects)
    if divergence is not None:
        raise AssertionError(explain(scenario, divergence))


def assert_rows(expected: Trace, got: Trace, scenario=None) -> None:
    """Fail unless ``got`` has ``expected``'s error (type, call, phase) and rows, bit for bit.

    Without a scenario the message shows the rows that were recorded instead.
    """
    __tracebackhide__ = True
    divergence = ending_divergence(expected, got) or first_divergence(expected, got, TRACE)
    if divergence is None:
        return
    if scenario is not None:
        raise AssertionError(explain(scenario, divergence))
    raise AssertionError(f'{divergence}\n  recorded rows: {got.lrs}\n  error: {_error(got)}')
