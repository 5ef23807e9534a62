"""Every golden case in fixtures/ replays on the implementation under test, bit for bit.

The cases load at collection time; a fixture that is missing, corrupt, hand-edited or malformed
stops collection with one error naming the file (regenerate with
``python -m conformance.generate_fixtures``).
"""

from __future__ import annotations

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
        marks=[pytest.mark.clause(*case.clauses), pytest.mark.scheduler(*case.scheduler_types)],
    )


@pytest.mark.filterwarnings('ignore:overflow encountered:RuntimeWarning')
class TestGolden:
    @pytest.mark.parametrize('case', [_param(case) for case in _CASES])
    def test_trace_matches_golden(self, case, adapter):
        """Reproduces the case's lr trace, or its exception at its call, exactly."""
        __tracebackhide__ = True
        got = driver.run(case.scenario, adapter)
        compare.assert_same_trace(case.scenario, case.expected, got)
