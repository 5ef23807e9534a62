"""Every golden case in fixtures/ replays on the implementation under test, exactly.

The cases load at collection time; a fixture that is missing, corrupt, hand-edited or malformed
stops collection with one error naming the file (regenerate with
``python -m conformance.generate_fixtures``). Each case is two checks with the case's subject:
its lrs and exception, and the scheduler state after every call (not applicable to an adapter
that does not expose upstream's state attributes).

Under declared intents (docs/deviations.md) a case that an intent changes is expected as the
intent golden (``fixtures/intents/``) of exactly the declared intents says; when several declared
intent sets change one case and no file holds their combination, as the reference with all the
declared intents runs it. Every intent case is an upstream case that the intent changes.
"""

from __future__ import annotations

import pytest

from conformance.harness import compare, driver, goldens


def _load():
    try:
        return goldens.load(goldens.directory()), None
    except goldens.GoldenError as exc:
        return [], str(exc)


def _load_intents():
    try:
        return goldens.load_intents(goldens.directory()), None
    except goldens.GoldenError as exc:
        return {}, str(exc)


_CASES, _PROBLEM = _load()
_INTENT_CASES, _INTENT_PROBLEM = _load_intents()
for _problem in (_PROBLEM, _INTENT_PROBLEM):
    if _problem is not None:
        pytest.fail(f'golden fixtures unusable:\n{_problem}', pytrace=False)
#: Per intent set, its cases by id.
_INTENT_BY_ID = {ids: {case.id: case for case in cases} for ids, cases in _INTENT_CASES.items()}
_UPSTREAM_IDS = {case.id for case in _CASES}
_ORPHANS = sorted(f'{goldens.intent_key(ids)}:{case_id}' for ids, cases in _INTENT_BY_ID.items()
                  for case_id in cases if case_id not in _UPSTREAM_IDS)
if _ORPHANS:  # an intent golden is a changed upstream case, never a case of its own
    pytest.fail(f'golden fixtures unusable: intent cases without an upstream case: {_ORPHANS}',
                pytrace=False)


def _param(case):
    return pytest.param(
        case,
        id=case.id,
        marks=[pytest.mark.subject(case.subject), pytest.mark.touches(*case.touches),
               pytest.mark.scheduler(*case.scheduler_types)],
    )


_RECENT = {}


def _replay(case, adapter):
    """One run per case and process: the trace check and the state check share it."""
    key = (id(case), id(adapter))
    if key not in _RECENT:
        if len(_RECENT) >= 8:
            _RECENT.pop(next(iter(_RECENT)))
        _RECENT[key] = (case, adapter, driver.run(case.scenario, adapter))
    return _RECENT[key][2]


def _expected(case, declared, intent_reference):
    """The trace the candidate must produce for ``case`` under the declared intents."""
    wanted = declared.intents
    if not wanted:
        return case.expected
    exact = _INTENT_BY_ID.get(wanted, {}).get(case.id)
    if exact is not None:
        return exact.expected
    changers = [ids for ids, cases in _INTENT_BY_ID.items() if ids <= wanted and case.id in cases]
    if not changers:
        return case.expected
    return _replay(case, intent_reference())


_PARAMS = [_param(case) for case in _CASES]


@pytest.fixture
def intent_reference(request):
    """A callable giving the reference with the declared intents (built only when needed)."""
    from conformance.harness import impl

    declared = request.getfixturevalue('declared')
    return lambda: impl.resolve(f'reference[{",".join(sorted(declared.intents))}]')


@pytest.mark.filterwarnings('ignore:overflow encountered:RuntimeWarning')
class TestGolden:
    @pytest.mark.parametrize('case', _PARAMS)
    def test_trace_matches_golden(self, case, adapter, declared, intent_reference):
        """Reproduces the case's lrs with their types, or its exception at its call, exactly."""
        __tracebackhide__ = True
        expected = _expected(case, declared, intent_reference)
        got = _replay(case, adapter)
        compare.assert_same_trace(case.scenario, expected, got, compare.TRACE)

    @pytest.mark.parametrize('case', _PARAMS)
    def test_state_matches_golden(self, case, adapter, declared, intent_reference):
        """Reproduces the scheduler state attributes, with their types, after every call."""
        __tracebackhide__ = True
        _require_state(adapter)
        expected = _expected(case, declared, intent_reference)
        got = _replay(case, adapter)
        # The run must end as the case says (its exception, its number of calls) before its
        # state can agree: a run stopped early has no state to compare.
        compare.assert_same_trace(case.scenario, expected, got, ('error', *compare.STATE))


def _require_state(adapter):
    if not driver.exposes_state(adapter):
        pytest.skip(f'not applicable: the adapter {adapter.name} does not expose '
                    "upstream's state attributes")
