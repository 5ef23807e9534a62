"""Every golden case in fixtures/ replays on the implementation under test, exactly.

The cases load at collection time; a fixture that is missing, corrupt, hand-edited or malformed
stops collection with one error naming the file (regenerate with
``python -m conformance.generate_fixtures``). Each case is two checks with the case's subject:
its lrs and exception, and the scheduler state after every call (not applicable to an adapter
that does not expose upstream's state attributes).

Under declared intents (docs/deviations.md) a case that an intent changes is expected as the
intent golden (``fixtures/intents/``) of exactly the declared intents says; when several declared
intent sets change one case and no file holds their combination, as the reference with all the
declared intents runs it. Every intent case is an upstream case that the intent changes. The
intent goldens are read (and checked) only by a run that declares an intent.
"""

from __future__ import annotations

import pytest

from conformance.harness import compare, deviations, driver, goldens


def _load():
    try:
        return goldens.load(goldens.directory()), None
    except goldens.GoldenError as exc:
        return [], str(exc)


_CASES, _PROBLEM = _load()
if _PROBLEM is not None:
    pytest.fail(f'golden fixtures unusable:\n{_PROBLEM}', pytrace=False)
_UPSTREAM_IDS = {case.id for case in _CASES}
#: Per intent set, its cases by id; loaded by the first run that declares an intent.
_INTENT_BY_ID = {}


def _load_intents():
    """The intent goldens, checked; a run that declares no intent never reads them."""
    try:
        loaded = goldens.load_intents(goldens.directory())
    except goldens.GoldenError as exc:
        pytest.fail(f'golden fixtures unusable:\n{exc}', pytrace=False)
    by_id = {ids: {case.id: case for case in cases} for ids, cases in loaded.items()}
    orphans = sorted(f'{goldens.intent_key(ids)}:{case_id}' for ids, cases in by_id.items()
                     for case_id in cases if case_id not in _UPSTREAM_IDS)
    if orphans:  # an intent golden is a changed upstream case, never a case of its own
        pytest.fail(f'golden fixtures unusable: intent cases without an upstream case: {orphans}',
                    pytrace=False)
    return by_id


def pytest_generate_tests(metafunc):
    """Reads the intent goldens at collection when the run declares intents (one clear error)."""
    if metafunc.config.stash.get(deviations.STASH_KEY, deviations.NONE).intents \
            and not _INTENT_BY_ID:
        _INTENT_BY_ID.update(_load_intents())


def _param(case):
    return pytest.param(
        case,
        id=case.id,
        marks=[pytest.mark.subject(case.subject), pytest.mark.touches(*case.touches),
               pytest.mark.scheduler(*case.scheduler_types)],
    )


#: Runs not yet read by both of their checks, by (case, adapter); in any test order, the trace
#: check and the state check of a case share one run when they run in the same process.
_RUNS = {}


def _replay(case, adapter):
    """The run of ``case`` on ``adapter``: its first check makes it, the other one reads it."""
    key = (case.id, id(adapter))
    entry = _RUNS.get(key)
    if entry is None or entry[0] is not adapter:
        _RUNS[key] = (adapter, driver.run(case.scenario, adapter))
        return _RUNS[key][1]
    del _RUNS[key]  # the second reader: nothing else needs it
    return entry[1]


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
