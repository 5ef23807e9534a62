"""Every golden case in fixtures/ replays on the implementation under test, exactly.

The cases load at collection time; a fixture that is missing, corrupt, hand-edited or malformed
stops collection with one error naming the file (regenerate with
``python -m conformance.generate_fixtures``). Each case is two checks with the case's subject:
its lrs and exception, and the scheduler state after every call (not applicable to an adapter
that does not expose upstream's state attributes).
"""

from __future__ import annotations

import functools

import pytest

from conformance.harness import compare, driver, goldens


def _load():
    try:
        return goldens.load(goldens.directory()), None
    except goldens.GoldenError as exc:
        return [], str(exc)


_CASES, _PROBLEM = _load()
if _PROBLEM is not None:
    pytest.fail(f'golden fixtures unusable:\n{_PROBLEM}', pytrace=False)


def _param(case):
    return pytest.param(
        case,
        id=case.id,
        marks=[pytest.mark.subject(case.subject), pytest.mark.touches(*case.touches),
               pytest.mark.scheduler(*case.scheduler_types)],
    )


@functools.lru_cache(maxsize=8)
def _replay(case_id, adapter):
    """One run per case and process: the trace check and the state check share it."""
    case = next(case for case in _CASES if case.id == case_id)
    return driver.run(case.scenario, adapter)


_PARAMS = [_param(case) for case in _CASES]


@pytest.mark.filterwarnings('ignore:overflow encountered:RuntimeWarning')
class TestGolden:
    @pytest.mark.parametrize('case', _PARAMS)
    def test_trace_matches_golden(self, case, adapter):
        """Reproduces the case's lrs with their types, or its exception at its call, exactly."""
        __tracebackhide__ = True
        got = _replay(case.id, adapter)
        compare.assert_same_trace(case.scenario, case.expected, got, compare.TRACE)

    @pytest.mark.parametrize('case', _PARAMS)
    def test_state_matches_golden(self, case, adapter):
        """Reproduces the scheduler state attributes, with their types, after every call."""
        __tracebackhide__ = True
        if not driver.exposes_state(adapter):
            pytest.skip(f'not applicable: the adapter {adapter.name} does not expose '
                        "upstream's state attributes")
        got = _replay(case.id, adapter)
        # The run must end as the case says (its exception, its number of calls) before its
        # state can agree: a run stopped early has no state to compare.
        compare.assert_same_trace(case.scenario, case.expected, got, ('error', *compare.STATE))
