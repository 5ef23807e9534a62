"""Invariants every conforming implementation satisfies, checked on hypothesis-drawn scenarios.

Each property derives its expectation from the rule of the clauses it cites, computed by
conformance/harness/oracle.py (or compares two runs that the rules say are equal); every run goes
through the driver, so the implementation under test is reached only through its adapter.

Before reading a property from a run, each test requires the run to end as the oracle predicts
(``_expect``): no exception, or exactly the exception type at the call the rules give, and the
rows up to it. A run that raised unexpectedly or recorded nothing therefore fails instead of
satisfying the property vacuously; a test that compares two runs checks the first one so.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from conformance.harness import compare, driver, observed, oracle
from conformance.harness import strategies as strat
from conformance.harness.scenario import INF, OptimizerSpec, Resume, SchedulerSpec

# The autouse MessageHub isolation is function-scoped; each driver run isolates itself anyway.
_SETTINGS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


# -- helpers -------------------------------------------------------------------------------------


def _run(adapter, scenario, *clause_ids):
    """Run ``scenario`` (tagged with the clauses under test) and note it for the failure report."""
    scenario = scenario.replace(subject=clause_ids[0], touches=tuple(clause_ids[1:]))
    note(f'scenario: {scenario.to_python()}')
    return scenario, driver.run(scenario, adapter)


def _check(condition, scenario, trace, message):
    """Fail with the clause, what was expected, the trace and a scenario to paste."""
    __tracebackhide__ = True
    if not condition:
        rows = '\n'.join(f'    call {k}: {row}' for k, row in enumerate(trace.lrs))
        raise AssertionError(
            f'{scenario.subject}: {message}\n'
            f'  trace:\n{rows}\n  error: {trace.error}\n'
            f'  reproduce with:\n    {scenario.to_python()}'
        )


def _same_row(a, b):
    return len(a) == len(b) and all(observed.same(x, y) for x, y in zip(a, b))


def _lli(scenario):
    return oracle.lli_arguments(scenario.schedulers[0].kwargs)


def _rlr(scenario):
    return oracle.rlr_arguments(scenario.schedulers[0].kwargs)


def _progress(scenario, call):
    """The progress the scheduler of ``scenario`` reads at call ``call`` (its by_epoch's key)."""
    return oracle.published_progress(scenario, call, _lli(scenario)['by_epoch'])


def _outcome(scenario):
    """The oracle's outcome of a one-scheduler scenario (resumes included)."""
    spec = scenario.schedulers[0]
    lrs = oracle.initial_row(scenario.optimizers)
    if spec.type == 'ReduceLR':
        metrics = scenario.metrics or (None,) * scenario.steps
        return oracle.rlr_outcome(lrs, metrics, spec.kwargs, scenario.metric_before_build,
                                  scenario.resumes)
    kwargs = spec.kwargs
    if spec.build == 'iter_from_epoch':  # LLI-ITER-FROM-EPOCH
        kw = oracle.lli_arguments(kwargs)
        begin, end = oracle.iter_from_epoch_window(kw['begin'], kw['end'], scenario.epoch_length)
        kwargs = {**kwargs, 'begin': begin, 'end': end, 'by_epoch': False}
    by_epoch = oracle.lli_arguments(kwargs)['by_epoch']
    # A resume restores every attribute the staircase reads (LLI-STATE-KEYS): no effect here.
    return oracle.lli_outcome(lrs, kwargs, scenario.steps,
                              lambda call: oracle.published_progress(scenario, call, by_epoch))


def _expect(scenario, trace, outcome=None):
    """Require the run to end as the oracle predicts before any property is read from it.

    The oracle's exception (type and call) or none, and exactly its number of rows: a run that
    raised unexpectedly, or recorded nothing, fails here instead of passing vacuously.
    """
    __tracebackhide__ = True
    expected = (outcome or _outcome(scenario)).trace()
    problem = compare.ending_divergence(expected, trace)
    _check(problem is None, scenario, trace, f'the run ends as the rules say: {problem}')
    return expected


def _reducing_calls(scenario, trace):
    """Calls at which at least one group's lr changed."""
    return [k for k in range(1, len(trace.lrs))
            if not _same_row(trace.lrs[k - 1], trace.lrs[k])]


def _flip(scenario):
    """The same scenario with the other OptimWrapper flag."""
    optimizers = tuple(OptimizerSpec(s.lrs, s.initial_lrs, not s.wrapper)
                       for s in scenario.optimizers)
    return scenario.replace(optimizers=optimizers)


def _real_columns(scenario, trace):
    """The trace restricted to the optimizers' own param groups (no wrapper pseudo-group)."""
    keep = []
    position = 0
    for spec in scenario.optimizers:
        keep += range(position, position + len(spec.lrs))
        position += len(spec.lrs) + (1 if spec.wrapper and len(spec.lrs) > 1 else 0)
    return [[row[i] for i in keep] for row in trace.lrs]


# -- LinearLrInterval ----------------------------------------------------------------------------


@pytest.mark.scheduler('LinearLrInterval')
class TestLinearLrIntervalProperties:
    @pytest.mark.subject('LLI-BEFORE-BEGIN')
    @pytest.mark.touches('WIN-ACTIVE', 'WIN-CONSTRUCTOR-STEP')
    @_SETTINGS
    @given(data=st.data())
    def test_lr_untouched_before_begin(self, adapter, data):
        """Leaves every group's lr as the optimizer set it at every call before begin."""
        scenario = strat.lli_scenario(strat.labelled(data), interval_kinds=strat.INTERVAL_KINDS,
                                      progress=('loop', 'absent', 'frozen'), resumes=True)
        scenario, trace = _run(adapter, scenario, 'LLI-BEFORE-BEGIN', 'WIN-ACTIVE')
        _expect(scenario, trace)
        initial = oracle.initial_row(scenario.optimizers)
        for call in range(min(_lli(scenario)['begin'], len(trace.lrs))):
            _check(_same_row(trace.lrs[call], initial), scenario, trace,
                   f'call {call} is before begin, so the lrs stay {initial}')

    @pytest.mark.subject('LLI-FIRST-STEP-DIP')
    @pytest.mark.touches('WIN-CONSTRUCTOR-STEP')
    @_SETTINGS
    @given(data=st.data())
    def test_first_active_call_multiplies_by_start_factor(self, adapter, data):
        """Sets each group's lr to lr * start_factor at the first active call, begin=0 included."""
        scenario = strat.lli_scenario(strat.labelled(data), interval_kinds=strat.INTERVAL_KINDS,
                                      progress=('loop', 'absent', 'frozen'))
        kw = _lli(scenario)
        first = kw['begin']  # windows start at 0 or later: call begin is the first active one
        scenario = scenario.replace(steps=max(scenario.steps, first))
        scenario, trace = _run(adapter, scenario, 'LLI-FIRST-STEP-DIP')
        _expect(scenario, trace)
        _check(len(trace.lrs) > first, scenario, trace,
               f'the first active call {first} reads no progress and cannot fail')
        expected = [oracle.dip(lr, kw['start_factor'])
                    for lr in oracle.initial_row(scenario.optimizers)]
        _check(_same_row(trace.lrs[first], expected), scenario, trace,
               f'call {first} (the first active one) gives {expected}')

    @pytest.mark.subject('LLI-GROUPS-COLLAPSE')
    @pytest.mark.touches('LLI-ABSOLUTE-VALUE')
    @_SETTINGS
    @given(data=st.data())
    def test_all_groups_equal_after_the_dip(self, adapter, data):
        """Gives every group the same lr at each active call after the first."""
        scenario = strat.lli_scenario(strat.labelled(data), resumes=True)
        scenario, trace = _run(adapter, scenario, 'LLI-GROUPS-COLLAPSE')
        _expect(scenario, trace)
        kw = _lli(scenario)
        for call in range(kw['begin'] + 1, min(kw['end'], len(trace.lrs))):
            row = trace.lrs[call]
            _check(all(observed.same(lr, row[0]) for lr in row), scenario, trace,
                   f'call {call} is active after the first, so all groups share one lr')

    @pytest.mark.subject('LLI-STAIRCASE')
    @pytest.mark.touches('LLI-ABSOLUTE-VALUE', 'LLI-PROGRESS-SOURCE', 'LLI-RUNNER-LAG',
                         'LLI-PROGRESS-INCONSISTENT', 'LLI-DEFAULTS')
    @_SETTINGS
    @given(data=st.data())
    def test_values_lie_on_the_staircase(self, adapter, data):
        """Sets start + (end - start) * k at each later active call, k from the hub's progress."""
        scenario = strat.lli_scenario(strat.labelled(data), resumes=True)
        scenario, trace = _run(adapter, scenario, 'LLI-STAIRCASE', 'LLI-ABSOLUTE-VALUE',
                               'LLI-PROGRESS-SOURCE', 'LLI-RUNNER-LAG')
        _expect(scenario, trace)
        kw = _lli(scenario)
        _check(trace.error is None and len(trace.lrs) == scenario.steps + 1, scenario, trace,
               'a window at least one interval long with progress published never fails')
        for call in range(kw['begin'] + 1, min(kw['end'], scenario.steps + 1)):
            progress = _progress(scenario, call)
            value = oracle.staircase_value(kw, progress)
            _check(all(observed.same(lr, value) for lr in trace.lrs[call]), scenario, trace,
                   f'call {call} reads progress {progress}, so every group gets {value!r}')

    @pytest.mark.subject('LLI-PROGRESS-INCONSISTENT')
    @pytest.mark.touches('LLI-STAIRCASE')
    @_SETTINGS
    @given(data=st.data())
    def test_progress_ahead_of_the_calls_overshoots_the_end_factor(self, adapter, data):
        """Extrapolates past end_factor, unclamped, when the hub's progress runs ahead."""
        draw = strat.labelled(data)
        scenario = strat.lli_scenario(draw, offsets=False, interval_kinds=('divides', 'one'))
        kw = _lli(scenario)
        assume(kw['end'] != INF and kw['start_factor'] != kw['end_factor'])
        window = kw['end'] - kw['begin']
        offset = draw(st.integers(2 * window, 2 * window + 60), 'progress ahead by')
        scenario, trace = _run(adapter, scenario.replace(progress_offset=offset),
                               'LLI-PROGRESS-INCONSISTENT', 'LLI-STAIRCASE')
        _expect(scenario, trace)
        for call in range(kw['begin'] + 1, min(kw['end'], scenario.steps + 1)):
            progress = _progress(scenario, call)
            value = oracle.staircase_value(kw, progress)  # k >= 2 here: beyond end_factor
            _check(all(observed.same(lr, value) for lr in trace.lrs[call]), scenario, trace,
                   f'call {call} reads progress {progress}, so every group gets {value!r}')

    @pytest.mark.subject('LLI-STAIRCASE')
    @pytest.mark.touches('LLI-RUNNER-LAG')
    @_SETTINGS
    @given(data=st.data())
    def test_values_change_only_at_staircase_boundaries(self, adapter, data):
        """Keeps the lr between two later active calls whose progress is in the same interval."""
        scenario = strat.lli_scenario(strat.labelled(data), offsets=False, resumes=True)
        scenario, trace = _run(adapter, scenario, 'LLI-STAIRCASE')
        _expect(scenario, trace)
        kw = _lli(scenario)
        for call in range(kw['begin'] + 2, min(kw['end'], len(trace.lrs))):
            before = oracle.stairs_done(_progress(scenario, call - 1), kw['begin'],
                                        kw['interval'])
            now = oracle.stairs_done(_progress(scenario, call), kw['begin'], kw['interval'])
            if before == now:
                _check(_same_row(trace.lrs[call - 1], trace.lrs[call]), scenario, trace,
                       f'calls {call - 1} and {call} are on the same stair, so the lr is kept')

    @pytest.mark.subject('WIN-ACTIVE')
    @pytest.mark.touches('LLI-NEVER-END-FACTOR')
    @_SETTINGS
    @given(data=st.data())
    def test_lr_frozen_from_the_last_active_call(self, adapter, data):
        """Keeps the lr of call end-1 at every later call."""
        scenario = strat.lli_scenario(strat.labelled(data), interval_kinds=strat.INTERVAL_KINDS,
                                      progress=('loop', 'frozen'), resumes=True)
        scenario, trace = _run(adapter, scenario, 'WIN-ACTIVE', 'LLI-NEVER-END-FACTOR')
        _expect(scenario, trace)
        last = _lli(scenario)['end'] - 1
        for call in range(last + 1, len(trace.lrs)):
            _check(_same_row(trace.lrs[call], trace.lrs[last]), scenario, trace,
                   f'call {call} is after the window, so the lr of call {last} is kept')

    @pytest.mark.subject('LLI-INTERVAL-TOO-LARGE')
    @pytest.mark.touches('LLI-INTERVAL-ZERO', 'LLI-INTERVAL-UNVALIDATED')
    @_SETTINGS
    @given(data=st.data())
    def test_interval_longer_than_window_divides_by_zero_on_second_active_call(self, adapter,
                                                                               data):
        """Raises ZeroDivisionError at the second active call, not before, for such intervals."""
        draw = strat.labelled(data)
        scenario = strat.lli_scenario(draw, interval_kinds=('too_large', 'zero'))
        kw = _lli(scenario)
        assume(kw['end'] != INF)
        scenario, trace = _run(adapter, scenario, 'LLI-INTERVAL-TOO-LARGE', 'LLI-INTERVAL-ZERO',
                               'LLI-INTERVAL-UNVALIDATED')
        _expect(scenario, trace)
        second = oracle.second_active_call(kw['begin'], kw['end'], scenario.steps)
        if second is not None:
            _check(trace.error is not None and trace.error.type == 'ZeroDivisionError'
                   and trace.error.step == second and trace.error.phase == 'step',
                   scenario, trace, f'call {second} divides by (end - begin) // interval == 0')
        else:
            _check(trace.error is None, scenario, trace,
                   'no second active call, so nothing divides by zero')

    @pytest.mark.subject('LLI-PROGRESS-MISSING')
    @_SETTINGS
    @given(data=st.data())
    def test_missing_progress_fails_on_second_active_call(self, adapter, data):
        """Raises TypeError at the second active call when no progress was ever published."""
        scenario = strat.lli_scenario(strat.labelled(data), progress=('absent',))
        scenario, trace = _run(adapter, scenario, 'LLI-PROGRESS-MISSING')
        _expect(scenario, trace)
        kw = _lli(scenario)
        second = oracle.second_active_call(kw['begin'], kw['end'], scenario.steps)
        if second is not None:
            _check(trace.error is not None and trace.error.type == 'TypeError'
                   and trace.error.step == second, scenario, trace,
                   f'call {second} subtracts begin from a missing progress')
        else:
            _check(trace.error is None, scenario, trace, 'no call reads the progress')

    @pytest.mark.subject('LLI-CURRENT-HUB')
    @_SETTINGS
    @given(data=st.data())
    def test_progress_read_from_the_newest_hub(self, adapter, data):
        """Fails like missing progress once a newer 'reduce_lr' hub exists, else is unaffected."""
        draw = strat.labelled(data)
        plain = strat.lli_scenario(draw, offsets=False)
        values = draw(strat.metric_streams(plain.steps), 'values published to reduce_lr')
        first = draw(st.booleans(), "'reduce_lr' hub created before the runner's")
        scenario = plain.replace(metrics=values, reduce_lr_hub_first=first)
        scenario, trace = _run(adapter, scenario, 'LLI-CURRENT-HUB')
        # Publishing a value creates 'reduce_lr' before call 1: then it is the newest hub,
        # unless it existed before the runner's.
        alike = plain if first else plain.replace(progress='absent')
        _, expected = _run(adapter, alike, 'LLI-CURRENT-HUB')
        _expect(alike, expected)
        compare.assert_same_trace(scenario, expected, trace)

    @pytest.mark.subject('LLI-PROGRESS-SOURCE')
    @pytest.mark.touches('WIN-BY-EPOCH')
    @_SETTINGS
    @given(data=st.data())
    def test_epochs_in_epoch_loop_match_iterations_in_iteration_loop(self, adapter, data):
        """Gives by_epoch=True in an epoch loop the trace of by_epoch=False in an iteration loop."""
        draw = strat.labelled(data)
        length = draw(st.integers(1, 4), 'epoch length')
        epochs = strat.lli_scenario(draw, loop=('epoch', length))
        spec = epochs.schedulers[0]
        epochs = epochs.replace(schedulers=(SchedulerSpec(spec.type,
                                                          {**spec.kwargs, 'by_epoch': True}),))
        iters = epochs.replace(loop='iter', epoch_length=1, schedulers=(
            SchedulerSpec(spec.type, {**spec.kwargs, 'by_epoch': False}),))
        epochs, got = _run(adapter, epochs, 'LLI-PROGRESS-SOURCE', 'WIN-BY-EPOCH')
        iters, expected = _run(adapter, iters, 'LLI-PROGRESS-SOURCE', 'WIN-BY-EPOCH')
        _expect(iters, expected)
        compare.assert_same_trace(epochs, expected, got)

    @pytest.mark.subject('LLI-ITER-FROM-EPOCH')
    @_SETTINGS
    @given(data=st.data())
    def test_iter_from_epoch_scales_window_but_not_interval(self, adapter, data):
        """Builds from epochs a by_epoch=False scheduler with begin and end times epoch_length."""
        draw = strat.labelled(data)
        scenario = strat.lli_scenario(draw, builds=('iter_from_epoch',))
        spec = scenario.schedulers[0]
        kw = oracle.lli_arguments(spec.kwargs)
        begin, end = oracle.iter_from_epoch_window(kw['begin'], kw['end'], scenario.epoch_length)
        kwargs = {**spec.kwargs, 'by_epoch': False, 'begin': begin}
        if 'end' in kwargs:
            kwargs['end'] = end
        direct = scenario.replace(schedulers=(SchedulerSpec(spec.type, kwargs),))
        scenario, got = _run(adapter, scenario, 'LLI-ITER-FROM-EPOCH')
        direct, expected = _run(adapter, direct, 'LLI-ITER-FROM-EPOCH')
        _expect(direct, expected)
        compare.assert_same_trace(scenario, expected, got)

    @pytest.mark.subject('LLI-STATE-KEYS')
    @pytest.mark.touches('WIN-STATE-DICT')
    @_SETTINGS
    @given(data=st.data())
    def test_resume_reproduces_the_uninterrupted_trace(self, adapter, data):
        """Continues a run resumed through any transport, in any process, as if uninterrupted."""
        scenario = strat.lli_scenario(strat.labelled(data), interval_kinds=strat.INTERVAL_KINDS,
                                      progress=('loop', 'absent', 'frozen'), resumes='always')
        assume(scenario.resumes)  # only a run of fewer than two calls has no room for one
        scenario, got = _run(adapter, scenario, 'LLI-STATE-KEYS', 'WIN-STATE-DICT')
        plain, expected = _run(adapter, scenario.replace(resumes=()), 'LLI-STATE-KEYS')
        _expect(plain, expected)
        compare.assert_same_trace(scenario, expected, got)


# -- ReduceLR ------------------------------------------------------------------------------------


def _reduction(lr, kw):
    """One group's lr after a reducing call (oracle.reduced) for the arguments ``kw``."""
    return oracle.reduced(lr, kw['factor'], kw['min_lr'], kw['eps'])


@pytest.mark.scheduler('ReduceLR')
class TestReduceLRProperties:
    @pytest.mark.subject('RLR-MIN-LR')
    @pytest.mark.touches('RLR-REDUCE-ORDER')
    @_SETTINGS
    @given(data=st.data())
    def test_lrs_never_increase_unless_below_min_lr(self, adapter, data):
        """Never raises a group's lr, except from below min_lr to exactly min_lr."""
        scenario = strat.rlr_scenario(strat.labelled(data), gaps=True, bursts=True, resumes=True)
        scenario, trace = _run(adapter, scenario, 'RLR-MIN-LR', 'RLR-REDUCE-ORDER')
        _expect(scenario, trace)
        min_lr = _rlr(scenario)['min_lr']
        for call in range(1, len(trace.lrs)):
            for group, (old, new) in enumerate(zip(trace.lrs[call - 1], trace.lrs[call])):
                _check(new <= old or (old < min_lr and observed.same(new, min_lr)), scenario, trace,
                       f'call {call}, group {group}: {old!r} -> {new!r} rises above the old lr '
                       f'and is not min_lr={min_lr!r}')

    @pytest.mark.subject('RLR-REDUCE-ORDER')
    @pytest.mark.touches('RLR-EPS', 'RLR-MIN-LR', 'RLR-FACTOR-ZERO')
    @_SETTINGS
    @given(data=st.data())
    def test_each_change_is_exactly_one_reduction(self, adapter, data):
        """Changes a group's lr only to max(lr*factor, min_lr), and only if lr - lr*factor > eps."""
        scenario = strat.rlr_scenario(strat.labelled(data), gaps=True, bursts=True, resumes=True)
        scenario, trace = _run(adapter, scenario, 'RLR-REDUCE-ORDER', 'RLR-EPS', 'RLR-MIN-LR')
        _expect(scenario, trace)
        kw = _rlr(scenario)
        for call in range(1, len(trace.lrs)):
            for group, (old, new) in enumerate(zip(trace.lrs[call - 1], trace.lrs[call])):
                _check(observed.same(new, old) or observed.same(new, _reduction(old, kw)), scenario,
                       trace, f'call {call}, group {group}: {old!r} -> {new!r} is neither kept '
                       f'nor reduced to {_reduction(old, kw)!r}')

    @pytest.mark.subject('RLR-GROUPS')
    @pytest.mark.touches('RLR-EPS')
    @_SETTINGS
    @given(data=st.data())
    def test_groups_reduce_together(self, adapter, data):
        """Reduces every group that the eps test and the floor let change, on the same call."""
        scenario = strat.rlr_scenario(strat.labelled(data), gaps=True, resumes=True)
        scenario, trace = _run(adapter, scenario, 'RLR-GROUPS', 'RLR-EPS')
        _expect(scenario, trace)
        kw = _rlr(scenario)
        for call in _reducing_calls(scenario, trace):
            for group, (old, new) in enumerate(zip(trace.lrs[call - 1], trace.lrs[call])):
                _check(observed.same(new, _reduction(old, kw)), scenario, trace,
                       f'call {call} reduces, so group {group} goes {old!r} -> '
                       f'{_reduction(old, kw)!r}, not {new!r}')

    @pytest.mark.subject('RLR-FIRST-STEP')
    @pytest.mark.touches('WIN-ACTIVE', 'WIN-CONSTRUCTOR-STEP')
    @_SETTINGS
    @given(data=st.data())
    def test_lrs_untouched_outside_consuming_calls(self, adapter, data):
        """Keeps the lrs at the constructor, before begin, at the first active call and from end."""
        scenario = strat.rlr_scenario(strat.labelled(data), gaps=True, bursts=True, resumes=True)
        scenario, trace = _run(adapter, scenario, 'RLR-FIRST-STEP', 'WIN-ACTIVE')
        _expect(scenario, trace)
        kw = _rlr(scenario)
        consuming = set(oracle.consuming_calls(kw['begin'], kw['end'], scenario.steps))
        _check(_same_row(trace.lrs[0], oracle.initial_row(scenario.optimizers)), scenario, trace,
               'the constructor keeps the lrs')
        for call in range(1, len(trace.lrs)):
            if call not in consuming:
                _check(_same_row(trace.lrs[call - 1], trace.lrs[call]), scenario, trace,
                       f'call {call} does not consume a value, so it keeps the lrs')

    @pytest.mark.subject('RLR-PATIENCE')
    @pytest.mark.touches('RLR-COOLDOWN', 'RLR-COUNT')
    @_SETTINGS
    @given(data=st.data())
    def test_reductions_bounded_by_patience_and_cooldown(self, adapter, data):
        """Reduces at most once in patience+1 consuming calls, then once per cooldown+patience+1."""
        scenario = strat.rlr_scenario(strat.labelled(data), patience=(0, 4), gaps=True,
                                      bursts=True, resumes=True)
        scenario, trace = _run(adapter, scenario, 'RLR-PATIENCE', 'RLR-COOLDOWN')
        _expect(scenario, trace)
        kw = _rlr(scenario)
        consuming = len([k for k in oracle.consuming_calls(kw['begin'], kw['end'], scenario.steps)
                         if k < len(trace.lrs)])
        bound = oracle.max_reductions(consuming, kw['patience'], kw['cooldown'])
        changes = _reducing_calls(scenario, trace)
        _check(len(changes) <= bound, scenario, trace,
               f'{consuming} consuming calls allow at most {bound} reductions, '
               f'got changes at calls {changes}')

    @pytest.mark.subject('RLR-PATIENCE')
    @pytest.mark.touches('RLR-COOLDOWN', 'RLR-COUNT', 'RLR-MODE-WORSE', 'RLR-INITIAL-STATE',
                         'RLR-IS-BETTER', 'RLR-FIRST-STEP', 'RLR-METRIC-STALE', 'RLR-DEFAULTS')
    @_SETTINGS
    @given(data=st.data())
    def test_plateau_reduces_on_a_fixed_period(self, adapter, data):
        """Reduces a plateau at consuming call patience+2, then every cooldown+patience+1 calls."""
        draw = strat.labelled(data)
        kwargs = draw(strat.rlr_kwargs(patience=(0, 4)), 'ReduceLR kwargs')
        kw = oracle.rlr_arguments(kwargs)
        if not 0.0 <= kw['threshold'] < 1.0:  # keep the first value an improvement, no later one
            kwargs['threshold'] = kw['threshold'] = draw(st.sampled_from([0.0, 1e-4, 0.5]),
                                                         'threshold')
        value = draw(st.floats(min_value=0.0 if kw['threshold_mode'] == 'rel' else -1e6,
                               max_value=1e6, allow_nan=False), 'the constant value')
        scenario = strat.rlr_scenario(draw, kwargs=kwargs, resumes=True, drop_keys=())
        gaps = draw(st.lists(st.booleans(), min_size=scenario.steps, max_size=scenario.steps),
                    'calls with nothing published')
        metrics = tuple(None if gap and index else value for index, gap in enumerate(gaps))
        scenario = scenario.replace(metrics=metrics)
        scenario, trace = _run(adapter, scenario, 'RLR-PATIENCE', 'RLR-COOLDOWN', 'RLR-COUNT',
                               'RLR-IS-BETTER', 'RLR-METRIC-STALE')
        better = oracle.is_better
        assert better(value, oracle.mode_worse(kw['mode']), kw['mode'], kw['threshold_mode'],
                      kw['threshold'])
        assert not better(value, value, kw['mode'], kw['threshold_mode'], kw['threshold'])
        consuming = oracle.consuming_calls(kw['begin'], kw['end'], scenario.steps)
        expected = [oracle.initial_row(scenario.optimizers)]
        for call in range(1, scenario.steps + 1):
            row = expected[-1]
            if call in consuming and oracle.plateau_reduces(consuming.index(call) + 1,
                                                            kw['patience'], kw['cooldown']):
                row = [_reduction(lr, kw) for lr in row]
            expected.append(row)
        compare.assert_rows(driver.Trace(lrs=expected), trace, scenario)

    @pytest.mark.subject('RLR-UNVALIDATED')
    @pytest.mark.touches('RLR-PATIENCE')
    @_SETTINGS
    @given(data=st.data())
    def test_negative_patience_reduces_at_every_consuming_call(self, adapter, data):
        """Reduces at every consuming call when patience is negative, whatever the values."""
        scenario = strat.rlr_scenario(strat.labelled(data), patience=(-3, -1), bursts=True,
                                      keep=('patience',))
        scenario, trace = _run(adapter, scenario, 'RLR-UNVALIDATED', 'RLR-PATIENCE')
        kw = _rlr(scenario)
        consuming = oracle.consuming_calls(kw['begin'], kw['end'], scenario.steps)
        expected = [oracle.initial_row(scenario.optimizers)]
        for call in range(1, scenario.steps + 1):
            row = expected[-1]
            expected.append([_reduction(lr, kw) for lr in row] if call in consuming else row)
        compare.assert_rows(driver.Trace(lrs=expected), trace, scenario)

    @pytest.mark.subject('RLR-METRIC-CURRENT')
    @_SETTINGS
    @given(data=st.data())
    def test_only_the_last_value_published_counts(self, adapter, data):
        """Gives the same trace when only the last of several values published is kept."""
        scenario = strat.rlr_scenario(strat.labelled(data), gaps=True, bursts=True)
        assume(any(isinstance(entry, tuple) for entry in scenario.metrics))
        last = tuple(entry[-1] if isinstance(entry, tuple) else entry
                     for entry in scenario.metrics)
        scenario, got = _run(adapter, scenario, 'RLR-METRIC-CURRENT')
        lasts, expected = _run(adapter, scenario.replace(metrics=last), 'RLR-METRIC-CURRENT')
        _expect(lasts, expected)
        compare.assert_same_trace(scenario, expected, got)

    @pytest.mark.subject('RLR-IS-BETTER')
    @pytest.mark.touches('RLR-IS-BETTER-EDGES', 'RLR-MODE-WORSE')
    @_SETTINGS
    @given(data=st.data())
    def test_max_mode_mirrors_min_mode(self, adapter, data):
        """Gives mode='max' on negated values the trace of mode='min' (rel: negated threshold)."""
        draw = strat.labelled(data)
        kwargs = draw(strat.rlr_kwargs(omit_defaults=False), 'ReduceLR kwargs')
        kwargs['mode'] = 'min'
        scenario = strat.rlr_scenario(draw, kwargs=kwargs, gaps=True, bursts=True, resumes=True)
        mirrored_kwargs = {**kwargs, 'mode': 'max'}
        if kwargs['threshold_mode'] == 'rel':
            mirrored_kwargs['threshold'] = -kwargs['threshold']
        mirrored = scenario.replace(
            schedulers=(SchedulerSpec('ReduceLR', mirrored_kwargs),),
            metrics=tuple(_negate(entry) for entry in scenario.metrics),
        )
        scenario, expected = _run(adapter, scenario, 'RLR-IS-BETTER', 'RLR-MODE-WORSE')
        _expect(scenario, expected)
        mirrored, got = _run(adapter, mirrored, 'RLR-IS-BETTER', 'RLR-MODE-WORSE')
        # best is negated too, so only the lrs and the exception mirror exactly.
        compare.assert_same_trace(mirrored, expected, got, compare.TRACE)

    @pytest.mark.subject('RLR-RESUME-STALE-HUB')
    @pytest.mark.touches('RLR-STATE-KEYS', 'WIN-STATE-DICT')
    @_SETTINGS
    @given(data=st.data())
    def test_resume_reading_the_live_hub_reproduces_the_uninterrupted_trace(self, adapter, data):
        """Continues as if uninterrupted when message_hub is dropped or the live hub is reloaded."""
        draw = strat.labelled(data)
        new_process = draw(st.booleans(), 'resume in a new process')
        scenario = strat.rlr_scenario(draw, gaps=not new_process, bursts=True, resumes='always',
                                      new_process=new_process)
        resumes = tuple(
            r if r.drop_keys or (r.transport == 'memory' and not r.new_process)
            else Resume(r.after, r.transport, r.new_process, ('message_hub',))
            for r in scenario.resumes
        )
        assume(resumes)  # only a run of fewer than two calls has no room for one
        scenario, got = _run(adapter, scenario.replace(resumes=resumes), 'RLR-RESUME-STALE-HUB')
        plain, expected = _run(adapter, scenario.replace(resumes=()), 'RLR-RESUME-STALE-HUB')
        _expect(plain, expected)
        compare.assert_same_trace(scenario, expected, got)

    @pytest.mark.subject('RLR-RESUME-STALE-HUB')
    @pytest.mark.touches('RLR-METRIC-STALE', 'RLR-HUB-BINDING')
    @_SETTINGS
    @given(data=st.data())
    def test_resume_with_saved_hub_rereads_the_value_of_the_checkpoint(self, adapter, data):
        """Re-reads forever the value of the checkpoint after a copied or new-process resume."""
        draw = strat.labelled(data)
        scenario = strat.rlr_scenario(draw, gaps=True, bursts=True)
        assume(scenario.steps >= 2)  # a resume needs a call before and after it
        after = draw(st.integers(1, scenario.steps - 1), 'resume after call')
        transport, new_process = draw(st.sampled_from([
            ('memory', True), ('deepcopy', False), ('deepcopy', True),
            ('torch_save_unsafe', False), ('torch_save_unsafe', True),
        ]), 'transport and process')
        resumed = scenario.replace(resumes=(Resume(after, transport, new_process),))
        stale = scenario.replace(metrics=scenario.metrics[:after]
                                 + (None,) * (scenario.steps - after))
        resumed, got = _run(adapter, resumed, 'RLR-RESUME-STALE-HUB', 'RLR-METRIC-STALE')
        stale, expected = _run(adapter, stale, 'RLR-RESUME-STALE-HUB', 'RLR-METRIC-STALE')
        _expect(stale, expected)
        compare.assert_same_trace(resumed, expected, got)

    @pytest.mark.subject('RLR-SHARED-HUB')
    @pytest.mark.touches('RLR-GROUPS')
    @_SETTINGS
    @given(data=st.data())
    def test_every_reduce_lr_sees_the_same_value(self, adapter, data):
        """Drives two ReduceLRs on two optimizers as it drives each one alone."""
        draw = strat.labelled(data)
        scenario = strat.rlr_scenario(draw, gaps=True, bursts=True, wrapper=False)
        other = draw(strat.optimizers(wrapper=False), 'second optimizer')
        spec = scenario.schedulers[0]
        both = scenario.replace(
            optimizers=(*scenario.optimizers, other),
            schedulers=(spec, SchedulerSpec('ReduceLR', spec.kwargs, 1)),
        )
        both, got = _run(adapter, both, 'RLR-SHARED-HUB')
        scenario, first = _run(adapter, scenario, 'RLR-SHARED-HUB')
        _expect(scenario, first)
        alone, second = _run(adapter, scenario.replace(optimizers=(other,)), 'RLR-SHARED-HUB')
        _expect(alone, second)
        width = len(scenario.optimizers[0].lrs)
        expected = driver.Trace(
            lrs=[a + b for a, b in zip(first.lrs, second.lrs)],
            error=first.error if first.error is not None else second.error,
        )
        _check(len(got.lrs[0]) == width + len(other.lrs), both, got, 'one column per group')
        compare.assert_same_trace(both, expected, got)

    @pytest.mark.subject('RLR-HUB-BINDING')
    @pytest.mark.touches('WIN-BY-EPOCH')
    @_SETTINGS
    @given(data=st.data())
    def test_progress_is_never_read(self, adapter, data):
        """Gives the same trace whatever loop runs and whatever progress is published."""
        draw = strat.labelled(data)
        scenario = strat.rlr_scenario(draw, gaps=True, bursts=True)
        baseline = scenario.replace(loop='iter', epoch_length=1, progress='loop')
        scenario = scenario.replace(
            progress=draw(st.sampled_from(['loop', 'absent', 'frozen']), 'progress'),
            progress_offset=draw(strat.progress_offsets(), 'progress offset'),
        )
        scenario, got = _run(adapter, scenario, 'RLR-HUB-BINDING', 'WIN-BY-EPOCH')
        baseline, expected = _run(adapter, baseline, 'RLR-HUB-BINDING', 'WIN-BY-EPOCH')
        _expect(baseline, expected)
        compare.assert_same_trace(scenario, expected, got)


def _negate(entry):
    if entry is None:
        return None
    if isinstance(entry, tuple):
        return tuple(-value for value in entry)
    return -entry


# -- both schedulers -----------------------------------------------------------------------------


class TestOptimWrapperProperties:
    @pytest.mark.subject('RLR-OPTIM-WRAPPER')
    @pytest.mark.touches('WIN-OPTIMIZER-TYPE', 'WIN-WRAPPER-BASE-GROUP')
    @_SETTINGS
    @given(data=st.data())
    def test_wrapper_and_bare_optimizer_give_the_same_trace(self, adapter, data):
        """Schedules an OptimWrapper's groups exactly as the bare optimizer's."""
        draw = strat.labelled(data)
        kind = draw(st.sampled_from(sorted(adapter.provides)), 'scheduler')
        if kind == 'LinearLrInterval':
            scenario = strat.lli_scenario(draw, interval_kinds=strat.INTERVAL_KINDS,
                                          progress=('loop', 'absent', 'frozen'), wrapper=False)
        else:
            scenario = strat.rlr_scenario(draw, gaps=True, bursts=True, wrapper=False)
        scenario, bare = _run(adapter, scenario, 'RLR-OPTIM-WRAPPER', 'WIN-OPTIMIZER-TYPE')
        _expect(scenario, bare)
        wrapped, got = _run(adapter, _flip(scenario), 'RLR-OPTIM-WRAPPER', 'WIN-OPTIMIZER-TYPE')
        got = driver.Trace(lrs=_real_columns(wrapped, got), error=got.error)
        compare.assert_same_trace(wrapped, bare, got)
