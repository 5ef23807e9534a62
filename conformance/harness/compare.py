"""Comparison of traces, and failure messages a person can act on.

Traces are compared exactly (types, and floats bit for bit) unless the run sets a tolerance
(``--rtol``/``--atol``, :func:`set_tolerance`), which lets floats differ within it; the type and
everything that is not a float stay exact (docs/reports.md). The first difference is a
:class:`Divergence`, data whose ``str()`` is the message: the first divergent call, the param
group (or the scheduler and attribute), expected and got with their types and float bits. A
failure adds the clause the scenario pins and a line that reproduces the scenario; the assertion
functions record the failing traces for the conformance report (report.py) before raising.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from . import messages, observed, report
from .driver import Trace

#: What a comparison looks at: the lrs and the exception, and the state attributes.
TRACE = ('lrs', 'error')
STATE = ('state',)

_tolerance = observed.EXACT
#: The --impl value of the run, for the replay command of a failure message (set by the plugin).
impl_value = None


def tolerance() -> observed.Tolerance:
    """The tolerance floats are compared within (``--rtol``/``--atol``); exact by default."""
    return _tolerance


def set_tolerance(value: observed.Tolerance) -> observed.Tolerance:
    """Make ``value`` the tolerance of every comparison; return the previous one."""
    global _tolerance
    previous, _tolerance = _tolerance, value
    return previous


@contextlib.contextmanager
def tolerated(value: observed.Tolerance):
    """Compare within ``value`` inside the block (tests of the harness itself)."""
    previous = set_tolerance(value)
    try:
        yield value
    finally:
        set_tolerance(previous)


def same_lr(expected: Any, got: Any) -> bool:
    """An lr (or a list or rows of lrs) equal to the expected one: its type exactly, its value
    bit for bit, or within the run's tolerance (``--rtol``/``--atol``).

    The one comparison for checks that read lrs directly instead of through a trace.
    """
    return observed.close(_observed(expected), _observed(got), _tolerance)


def assert_lr(expected: Any, got: Any) -> None:
    """Fail unless :func:`same_lr`; the message shows both with types and bits."""
    __tracebackhide__ = True
    if not same_lr(expected, got):
        note = '' if _tolerance.exact else f' (compared within {_tolerance})'
        raise AssertionError(f'expected lr {_show_lrs(expected)}, got {_show_lrs(got)}{note}')


def _show_lrs(value):
    if isinstance(value, (list, tuple)):
        return '[' + ', '.join(_show_lrs(item) for item in value) + ']'
    return observed.show(observed.observe(value))


def _observed(value):
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, list):
        return [_observed(item) for item in value]
    return observed.observe(value)


@dataclass(frozen=True)
class Divergence:
    """Where two traces first differ, as data; ``str()`` is the message a person reads.

    ``aspect`` is what differs: ``lr`` (a param group's lr at ``call``), ``groups`` (the number
    of param groups), ``state`` (``attribute`` of scheduler ``scheduler``), ``calls`` (the
    number of recorded calls) or ``error`` (the exception). ``expected`` and ``got`` are the
    observed values (an lr, a state value, a count, or an error as its JSON dict).
    """

    message: str
    aspect: str
    call: Optional[int] = None
    group: Optional[int] = None
    scheduler: Optional[int] = None
    attribute: Optional[str] = None
    expected: Any = None
    got: Any = None

    def __str__(self):
        return self.message

    def to_json(self) -> dict:
        return {
            'message': self.message, 'aspect': self.aspect, 'call': self.call,
            'group': self.group, 'scheduler': self.scheduler, 'attribute': self.attribute,
            'expected': _encode(self.expected), 'got': _encode(self.got),
            'expected_text': _text(self.expected), 'got_text': _text(self.got),
        }


def _encode(value):
    try:
        return observed.encode(value)
    except TypeError:
        return repr(value)


def _text(value):
    if value is None or isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return observed.show(value)


def first_divergence(expected: Trace, got: Trace, aspects=TRACE + STATE,
                     tolerance: Optional[observed.Tolerance] = None) -> Optional[Divergence]:
    """The first difference between two traces, or None when they agree.

    ``aspects`` picks what is compared: ``lrs`` (values and types, row by row), ``state``
    (skipped when either trace has none) and ``error`` (type, call and phase always; the
    message only where the expectation says it is normative). Row counts are compared whatever
    the aspects: a run that stopped early has no rows to agree with, which is no agreement.
    Floats (lrs and float state values) are compared within ``tolerance``, by default the
    run's (:func:`tolerance`, exact unless ``--rtol``/``--atol``); everything else exactly.
    """
    tolerance = _tolerance if tolerance is None else tolerance
    for call in range(min(len(expected.lrs), len(got.lrs))):
        if 'lrs' in aspects:
            problem = _row_divergence(call, expected.lrs[call], got.lrs[call], tolerance)
            if problem:
                return problem
        if 'state' in aspects and expected.state is not None and got.state is not None:
            problem = _state_divergence(call, expected.state[call], got.state[call], tolerance)
            if problem:
                return problem
    if len(expected.lrs) != len(got.lrs):
        shorter = min(len(expected.lrs), len(got.lrs))
        return Divergence(
            f'call {shorter}: expected {len(expected.lrs)} recorded calls, got {len(got.lrs)} '
            f'(expected error: {_error(expected)}; got error: {_error(got)})',
            'calls', call=shorter, expected=len(expected.lrs), got=len(got.lrs))
    if 'error' in aspects and not errors_match(expected.error, got.error):
        return _error_divergence(expected, got)
    return None


def _error_divergence(expected, got):
    return Divergence(
        f'expected error {_error(expected)}, got {_error(got)}', 'error',
        call=_error_call(expected, got),
        expected=None if expected.error is None else expected.error.to_json(),
        got=None if got.error is None else got.error.to_json())


def _error_call(expected, got):
    calls = [trace.error.step for trace in (expected, got) if trace.error is not None]
    return min(calls) if calls else None


def _row_divergence(call, want_row, got_row, tolerance):
    if len(want_row) != len(got_row):
        return Divergence(f'call {call}: {len(want_row)} param groups expected, got {len(got_row)}',
                          'groups', call=call, expected=len(want_row), got=len(got_row))
    for group, (want, have) in enumerate(zip(want_row, got_row)):
        if not observed.close(want, have, tolerance):
            return Divergence(f'call {call}{_call_note(call)}, param group {group}: '
                              f'expected lr {observed.show(want)}, got {observed.show(have)}',
                              'lr', call=call, group=group, expected=want, got=have)
    return None


def _state_divergence(call, want_row, got_row, tolerance):
    for index, (want, have) in enumerate(zip(want_row, got_row)):
        for name in want:
            value = have.get(name, observed.MISSING)
            if not observed.close(want[name], value, tolerance):
                return Divergence(f'call {call}{_call_note(call)}, scheduler {index}: expected '
                                  f'{name} {observed.show(want[name])}, got '
                                  f'{observed.show(value)}',
                                  'state', call=call, scheduler=index, attribute=name,
                                  expected=want[name], got=value)
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


def ending_divergence(expected: Trace, got: Trace) -> Optional[Divergence]:
    """How ``got`` ends differently from ``expected``: its error (type, call, phase) or its
    number of rows; None when both end alike. What a check states before reading the rows."""
    if not errors_match(expected.error, got.error):
        return _error_divergence(expected, got)
    if len(expected.lrs) != len(got.lrs):
        return Divergence(f'expected {len(expected.lrs)} recorded calls, got {len(got.lrs)}',
                          'calls', call=min(len(expected.lrs), len(got.lrs)),
                          expected=len(expected.lrs), got=len(got.lrs))
    return None


#: A scenario whose Python is longer than this is not pasted into a failure message.
REPRO_LIMIT = 400
#: The command that replays a golden case or a scenario file (conformance/harness/replay.py).
REPLAY = 'python -m conformance.harness.replay'


def explain(scenario, divergence) -> str:
    """The failure message: where the traces part, the clauses, and the scenario to replay.

    A scenario built inside a test (not a golden) may leave its clauses to the test's markers,
    which the report's 'conformance clause' section shows.
    """
    if scenario.subject:
        clauses = f'{scenario.subject} (also touches: {", ".join(scenario.touches) or "-"})'
    else:
        clauses = "the test's (see its 'conformance clause' section)"
    note = '' if _tolerance.exact else f'  compared within {_tolerance}\n'
    return (
        f'scenario {scenario.id!r} diverges from the specification\n'
        f'  {divergence}\n'
        f'{note}'
        f'  subject clause: {clauses}\n'
        f'  description: {scenario.description or "-"}\n'
        f'  reproduce with:\n    {reproduction(scenario)}'
    )


def reproduction(scenario) -> str:
    """A line that reproduces ``scenario``, short enough to read.

    A golden case is named by its file and id (``python -m conformance.harness.replay --case
    fixtures/configs.json:ID``), with its Python too when that is short; any other scenario is
    its Python, or, when that is long, a JSON file written to the temporary directory and the
    command that replays it.
    """
    text = scenario.to_python()
    case = golden_case(scenario)
    if case is not None:
        command = f'{REPLAY} --case {case.file}:{case.id}'
        if impl_value and impl_value != 'reference':
            command += f' --impl={impl_value}'
        return command if len(text) > REPRO_LIMIT else f'{command}\n    or: {text}'
    if len(text) <= 10 * REPRO_LIMIT:
        return text
    command = f'{REPLAY} --scenario {_scenario_file(scenario)}'
    return command + (f' --impl={impl_value}' if impl_value else '')


def golden_case(scenario):
    """The golden case whose scenario ``scenario`` is (same id, same inputs), or None."""
    case = _golden_index().get(scenario.id)
    return case if case is not None and case.scenario == scenario else None


@functools.lru_cache(maxsize=1)
def _golden_index() -> dict:
    from . import goldens

    try:
        return {case.id: case for case in goldens.load(goldens.directory())}
    except Exception:  # the fixtures are unusable: test_golden says so; a message goes on
        return {}


def _scenario_file(scenario) -> Path:
    text = json.dumps(scenario.to_json(), sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    path = Path(tempfile.gettempdir()) / f'conformance-scenario-{digest}.json'
    path.write_text(text + '\n', encoding='utf-8')
    return path


def fail(scenario, expected: Trace, got: Trace, divergence) -> None:
    """Record the divergence for the report (conformance/harness/report.py), then raise
    :func:`explain`'s message."""
    __tracebackhide__ = True
    report.record(expected, got, divergence, scenario)
    raise AssertionError(explain(scenario, divergence))


def assert_same_trace(scenario, expected: Trace, got: Trace, aspects=TRACE + STATE) -> None:
    """Fail with :func:`explain`'s message when the traces differ in ``aspects``."""
    __tracebackhide__ = True
    divergence = first_divergence(expected, got, aspects)
    if divergence is not None:
        fail(scenario, expected, got, divergence)


def assert_rows(expected: Trace, got: Trace, scenario=None) -> None:
    """Fail unless ``got`` has ``expected``'s error (type, call, phase) and rows, bit for bit
    (or within the run's tolerance).

    Without a scenario the message shows the rows that were recorded instead.
    """
    __tracebackhide__ = True
    divergence = ending_divergence(expected, got) or first_divergence(expected, got, TRACE)
    if divergence is None:
        return
    if scenario is not None:
        fail(scenario, expected, got, divergence)
    report.record(expected, got, divergence, None)
    raise AssertionError(f'{divergence}\n  recorded rows: {got.lrs}\n  error: {_error(got)}')
