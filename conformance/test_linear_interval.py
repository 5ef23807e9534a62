"""LinearLrInterval's own rules (clauses LLI-*), each checked on its own inputs and edges.

Expected lrs come from conformance/harness/oracle.py, the one writing of the clauses' rules the
tests share: ``oracle.staircase_value`` is LLI-STAIRCASE with LLI-ABSOLUTE-VALUE, and
``oracle.lli_outcome`` adds the window (WIN-ACTIVE), the dip (LLI-FIRST-STEP-DIP) and the
failures of the formula. In the driver's iteration loop call k reads the progress of
iteration k-1 (LLI-RUNNER-LAG).
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from mmengine.logging import MessageHub

from conformance.harness import compare, driver, messages, observed, oracle
from conformance.harness import upstream as upstream_module
from conformance.harness.adapters import RUNNER_HUB, classes_of
from conformance.harness.isolation import isolated_message_hubs
from conformance.harness.repro import optimizer
from conformance.harness.runner import train
from conformance.harness.scenario import INF, OptimizerSpec, Scenario, SchedulerSpec, single

LLI = 'LinearLrInterval'
pytestmark = pytest.mark.scheduler(LLI)
_HYPOTHESIS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


# -- helpers -------------------------------------------------------------------------------------


def _kw(**overrides):
    """Fully specified constructor arguments (no reliance on defaults unless a test says so)."""
    kwargs = {'start_factor': 0.5, 'end_factor': 0.0, 'begin': 0, 'end': 8, 'interval': 1,
              'by_epoch': False}
    kwargs.update(overrides)
    return kwargs


def _scenario(kw, steps, lrs=(0.1,), **fields):
    return single(LLI, kwargs=kw, steps=steps, lrs=lrs, **fields)


def _run(adapter, kw, steps, lrs=(0.1,), **fields):
    return driver.run(_scenario(kw, steps, lrs, **fields), adapter)


def _expected(kw, steps, lrs=(0.1,), **fields):
    """The oracle's outcome of the driver scenario ``_run`` builds from the same arguments."""
    scenario = _scenario(kw, steps, lrs, **fields)
    by_epoch = oracle.lli_arguments(kw)['by_epoch']
    return oracle.lli_outcome(oracle.initial_row(scenario.optimizers), kw, steps,
                              lambda call: oracle.published_progress(scenario, call, by_epoch))


def _check_run(adapter, kw, steps, lrs=(0.1,), **fields):
    """Run the scenario and require the oracle's rows and failure (type and call); return it."""
    __tracebackhide__ = True
    trace = _run(adapter, kw, steps, lrs, **fields)
    compare.assert_rows(_expected(kw, steps, lrs, **fields).trace(), trace)
    return trace


def _step(scheduler, opt, iteration=None, epoch=None):
    """One Runner-like call: publish progress, step the optimizer, then the scheduler."""
    hub = MessageHub.get_instance(RUNNER_HUB)
    if iteration is not None:
        hub.update_info('iter', iteration)
    if epoch is not None:
        hub.update_info('epoch', epoch)
    opt.step()
    scheduler.step()


def _hooks():
    """mmagic's ReduceLRSchedulerHook, and the reference's (which must create the hub alike)."""
    from reference.hook import ReduceLRSchedulerHook

    params = [pytest.param(ReduceLRSchedulerHook, id='reference-hook')]
    with contextlib.suppress(ImportError):  # mmagic not installed: only the reference hook
        params.append(pytest.param(upstream_module.load().hook, id='mmagic-hook'))
    return params


# -- construction --------------------------------------------------------------------------------


@pytest.mark.subject('LLI-DEFAULTS')
class TestDefaults:
    def test_factor_and_interval_defaults(self, adapter):
        """Defaults interval to 1, start_factor to 1/3 and end_factor to 1.0."""
        scheduler = classes_of(adapter)[LLI](optimizer())
        for name in ('interval', 'start_factor', 'end_factor'):
            assert observed.same(getattr(scheduler, name), oracle.LLI_DEFAULTS[name]), name

    def test_positional_parameters_follow_linear_lr(self, adapter):
        """Takes start_factor, end_factor, begin, end, last_step, by_epoch, verbose by position."""
        scheduler = classes_of(adapter)[LLI](optimizer(), 0.5, 0.25, 1, 5, -1, False, True)
        assert (scheduler.start_factor, scheduler.end_factor, scheduler.begin, scheduler.end,
                scheduler.last_step, scheduler.by_epoch, scheduler.verbose) == (
            0.5, 0.25, 1, 5, -1, False, True)

    def test_interval_is_keyword_only(self, adapter):
        """Raises TypeError for a ninth positional argument, and only for it."""
        eight = (0.5, 0.0, 0, 8, -1, False, False)
        assert classes_of(adapter)[LLI](optimizer(), *eight, interval=2).interval == 2
        with pytest.raises(TypeError):
            classes_of(adapter)[LLI](optimizer(), *eight, 2)

    def test_omitted_arguments_give_the_default_trace(self, adapter):
        """Schedules with the defaults exactly as with them spelled out."""
        spelled = {name: oracle.LLI_DEFAULTS[name] for name in _kw()}
        omitted = _check_run(adapter, {}, steps=4, progress_offset=3)
        compare.assert_rows(omitted, _run(adapter, spelled, steps=4, progress_offset=3))


@pytest.mark.subject('LLI-FACTOR-RANGE')
class TestFactorRange:
    START = oracle.START_FACTOR_MESSAGE
    END = oracle.END_FACTOR_MESSAGE
    OUTSIDE = (1.0000000000000002, 1.5, -5e-324, -1.0)

    @pytest.mark.parametrize('value', OUTSIDE)
    def test_rejects_start_factor_outside(self, adapter, value):
        """Raises ValueError for a start_factor outside [0, 1]."""
        with pytest.raises(ValueError) as caught:
            classes_of(adapter)[LLI](optimizer(), start_factor=value)
        messages.assert_message(caught, self.START)

    @pytest.mark.parametrize('value', OUTSIDE)
    def test_rejects_end_factor_outside(self, adapter, value):
        """Raises ValueError for an end_factor outside [0, 1]."""
        with pytest.raises(ValueError) as caught:
            classes_of(adapter)[LLI](optimizer(), end_factor=value)
        messages.assert_message(caught, self.END)

    def test_start_factor_checked_first(self, adapter):
        """Reports start_factor when both factors are outside."""
        with pytest.raises(ValueError) as caught:
            classes_of(adapter)[LLI](optimizer(), start_factor=2.0, end_factor=-1.0)
        messages.assert_message(caught, self.START)

    @pytest.mark.subject('WIN-CHECK-ORDER')
    @pytest.mark.parametrize(('factors', 'message'),
                             [({'start_factor': 2.0}, START), ({'end_factor': -1.0}, END)])
    def test_factors_checked_before_the_window(self, adapter, factors, message):
        """Raises the factor's ValueError before the optimizer type and window checks."""
        with pytest.raises(ValueError) as caught:
            classes_of(adapter)[LLI](object(), begin=3, end=3, last_step=-7, **factors)
        messages.assert_message(caught, message)

    @pytest.mark.parametrize(('start', 'end'), [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)])
    def test_accepts_the_bounds(self, adapter, start, end):
        """Accepts 0 and 1 for both factors and schedules with them."""
        _check_run(adapter, _kw(start_factor=start, end_factor=end, end=4), steps=5)


@pytest.mark.subject('LLI-TOTAL-ITERS')
class TestTotalIters:
    @pytest.mark.parametrize(('begin', 'end'), [(0, 8), (3, 10), (5, 6), (0, INF), (-4, 2)])
    def test_is_end_minus_begin_minus_one(self, adapter, begin, end):
        """Sets total_iters to end - begin - 1."""
        scheduler = classes_of(adapter)[LLI](optimizer(), begin=begin, end=end)
        assert scheduler.total_iters == oracle.total_iters(begin, end)

    @pytest.mark.parametrize('total', [0, -7, 1, 10**12])
    def test_changes_nothing(self, adapter, total):
        """Gives the same lrs whatever total_iters is set to after construction."""
        kw = _kw(end=9, interval=2)
        expected = oracle.lli_outcome((0.1,), kw, 10).rows
        opt = optimizer(0.1)
        scheduler = classes_of(adapter)[LLI](opt, **kw)
        scheduler.total_iters = total
        for iteration in range(10):
            _step(scheduler, opt, iteration)
            assert observed.same(opt.param_groups[0]['lr'], expected[iteration + 1][0])


@pytest.mark.subject('LLI-INTERVAL-UNVALIDATED')
class TestIntervalUnvalidated:
    @pytest.mark.parametrize('interval', [0, -2, 2.5, 'x', None], ids=repr)
    def test_accepts_any_interval(self, adapter, interval):
        """Stores any interval as given, without a check."""
        assert classes_of(adapter)[LLI](optimizer(), interval=interval).interval is interval

    @pytest.mark.parametrize('interval', [-1, -2, -3, 2.5, 0.5], ids=repr)
    def test_floor_division_semantics(self, adapter, interval):
        """Computes the staircase with Python floor division for negative and float intervals."""
        trace = _check_run(adapter, _kw(end=8, interval=interval), steps=9)
        assert trace.error is None

    def test_non_numeric_interval_fails_late(self, adapter):
        """Raises TypeError only at the second active call for a non-numeric interval."""
        trace = _check_run(adapter, _kw(begin=2, interval='x'), steps=4)
        assert (trace.error.type, trace.error.step) == ('TypeError', 3)
        assert _check_run(adapter, _kw(begin=2, interval=1), steps=4).error is None  # the cause


# -- the values ----------------------------------------------------------------------------------


@pytest.mark.subject('LLI-FIRST-STEP-DIP')
class TestFirstStepDip:
    @pytest.mark.parametrize('begin', [0, 1, 3])
    @pytest.mark.parametrize('lrs', [(0.1,), (0.1, 0.01, 1.0), (2e-4,)], ids=str)
    def test_multiplies_each_group_at_begin(self, adapter, begin, lrs):
        """Sets each group's lr to lr * start_factor at call begin."""
        kw = _kw(start_factor=2e-4 if lrs == (2e-4,) else 0.5, begin=begin, end=begin + 4)
        trace = _check_run(adapter, kw, steps=begin + 2, lrs=lrs)
        compare.assert_lr([oracle.dip(lr, kw['start_factor']) for lr in lrs], trace.lrs[begin])

    def test_happens_in_the_constructor_for_begin_zero(self, adapter):
        """Dips during construction when begin is 0, before any progress exists."""
        kw, lrs = _kw(), (0.1, 0.4)
        scheduler = classes_of(adapter)[LLI](optimizer(*lrs), **kw)
        compare.assert_lr([oracle.dip(lr, kw['start_factor']) for lr in lrs],
                          scheduler.get_last_value())

    def test_reads_no_hub(self, adapter):
        """Leaves the MessageHub registry empty: the dip consults no hub."""
        assert not MessageHub._instance_dict
        classes_of(adapter)[LLI](optimizer(), **_kw())
        assert not MessageHub._instance_dict

    def test_multiplies_the_current_lr(self, adapter):
        """Multiplies the lr the group has at the call, not its initial lr."""
        opt = optimizer(0.1)
        scheduler = classes_of(adapter)[LLI](opt, **_kw(begin=2))
        _step(scheduler, opt, 0)
        opt.param_groups[0]['lr'] = 0.3
        _step(scheduler, opt, 1)
        compare.assert_lr(oracle.dip(0.3, 0.5), opt.param_groups[0]['lr'])
        assert opt.param_groups[0]['initial_lr'] == 0.1

    @pytest.mark.subject('WIN-WRAPPER-BASE-GROUP')
    def test_applies_to_the_wrapper_pseudo_group(self, adapter):
        """Dips the OptimWrapper pseudo-group's lr like the real groups'."""
        opt = optimizer(0.1, 0.2, wrapper=True)
        classes_of(adapter)[LLI](opt, **_kw())
        got = opt.get_lr()
        assert sorted(got) == ['base_lr', 'lr']
        compare.assert_lr([oracle.dip(0.1, 0.5)], got['base_lr'])
        compare.assert_lr([oracle.dip(0.1, 0.5), oracle.dip(0.2, 0.5)], got['lr'])

    @pytest.mark.subject('LLI-ABSOLUTE-VALUE')
    def test_next_active_call_replaces_the_dip(self, adapter):
        """Writes start_factor itself (k = 0) at the call after the dip."""
        kw = _kw(start_factor=0.5, begin=1)
        trace = _check_run(adapter, kw, steps=2, lrs=(0.3,))
        compare.assert_lr([kw['start_factor']], trace.lrs[2])


@pytest.mark.subject('LLI-PROGRESS-SOURCE')
class TestProgressSource:
    @pytest.mark.parametrize(('iteration', 'epoch'), [(7, 2), (2, 7), (0, 5), (5, 0)])
    @pytest.mark.parametrize('by_epoch', [False, True])
    def test_reads_the_key_by_epoch_names(self, adapter, iteration, epoch, by_epoch):
        """Reads 'epoch' when by_epoch is True and 'iter' when it is False."""
        kw = _kw(end=10, by_epoch=by_epoch)
        opt = optimizer()
        scheduler = classes_of(adapter)[LLI](opt, **kw)
        _step(scheduler, opt, iteration, epoch)
        progress = epoch if by_epoch else iteration
        compare.assert_lr([oracle.staircase_value(kw, progress)], scheduler.get_last_value())

    @pytest.mark.subject('LLI-PROGRESS-MISSING')
    @pytest.mark.parametrize('by_epoch', [False, True])
    def test_other_key_is_ignored(self, adapter, by_epoch):
        """Works with only its own key published and fails with only the other one."""
        kw = _kw(end=10, by_epoch=by_epoch)
        own, other = optimizer(), optimizer()
        cls = classes_of(adapter)[LLI]
        works, fails = cls(own, **kw), cls(other, **kw)
        own_key, other_key = ('epoch', 'iter') if by_epoch else ('iter', 'epoch')
        assert oracle.second_active_call(kw['begin'], kw['end'], 1) == 1  # reads progress
        with isolated_message_hubs():
            MessageHub.get_instance(RUNNER_HUB).update_info(own_key, 4)
            own.step()
            works.step()
        compare.assert_lr([oracle.staircase_value(kw, 4)], works.get_last_value())
        with isolated_message_hubs():
            MessageHub.get_instance(RUNNER_HUB).update_info(other_key, 4)
            other.step()
            with pytest.raises(TypeError):
                fails.step()

    def test_epoch_loop(self, adapter):
        """Reads the epoch index when by_epoch is True in an epoch loop."""
        _check_run(adapter, _kw(end=5, by_epoch=True), steps=6, loop='epoch', epoch_length=3)

    @pytest.mark.subject('LLI-PROGRESS-INCONSISTENT')
    def test_iteration_key_in_an_epoch_loop(self, adapter):
        """Reads the epoch's last iteration when by_epoch is False and it is called per epoch."""
        length = 3
        kw = _kw(end=40, by_epoch=False)
        trace = _run(adapter, kw, steps=5, loop='epoch', epoch_length=length)
        expected = oracle.lli_outcome((0.1,), kw, 5, progress=lambda call: call * length - 1)
        compare.assert_rows(expected.trace(), trace)


@pytest.mark.subject('LLI-CURRENT-HUB')
class TestCurrentHub:
    def test_reads_the_newest_hub(self, adapter):
        """Reads progress from the most recently created hub, not the runner's."""
        kw = _kw(end=10)
        MessageHub.get_instance(RUNNER_HUB).update_info('iter', 2)
        opt = optimizer()
        scheduler = classes_of(adapter)[LLI](opt, **kw)
        MessageHub.get_instance('newer').update_info('iter', 6)
        opt.step()
        scheduler.step()
        compare.assert_lr([oracle.staircase_value(kw, 6)], scheduler.get_last_value())

    def test_using_an_older_hub_does_not_make_it_current(self, adapter):
        """Keeps reading the newest hub after an older one is fetched and updated."""
        kw = _kw(end=10)
        opt = optimizer()
        scheduler = classes_of(adapter)[LLI](opt, **kw)
        MessageHub.get_instance(RUNNER_HUB)
        MessageHub.get_instance('newer').update_info('iter', 6)
        MessageHub.get_instance(RUNNER_HUB).update_info('iter', 1)
        opt.step()
        scheduler.step()
        compare.assert_lr([oracle.staircase_value(kw, 6)], scheduler.get_last_value())

    def test_creates_and_reads_a_default_hub_when_none_exists(self, adapter):
        """Creates the 'mmengine' hub when there is none, and fails on its missing progress."""
        opt = optimizer()
        scheduler = classes_of(adapter)[LLI](opt, **_kw())
        opt.step()
        with pytest.raises(TypeError):
            scheduler.step()
        assert list(MessageHub._instance_dict) == ['mmengine']

    @pytest.mark.scheduler('ReduceLR')
    @pytest.mark.parametrize('hub_first', [False, True])
    def test_reduce_lr_built_after_the_runner_hub(self, adapter, hub_first):
        """Fails at the second active call when a ReduceLR created 'reduce_lr' last."""
        kw = _kw(begin=1)
        scenario = Scenario(
            id='lli-beside-reduce-lr',
            schedulers=(SchedulerSpec(LLI, kw), SchedulerSpec('ReduceLR', {'patience': 100}, 1)),
            optimizers=(OptimizerSpec(), OptimizerSpec()),
            steps=5,
            metrics=(1.0,) * 5,
            reduce_lr_hub_first=hub_first,
        )
        trace = driver.run(scenario, adapter)
        # Without the runner's hub as the newest, no progress is ever found (LLI-CURRENT-HUB).
        linear = oracle.lli_outcome((0.1,), kw, 5, None if hub_first else (lambda call: None))
        reduce = oracle.rlr_outcome((0.1,), scenario.metrics, {'patience': 100})
        expected = oracle.Outcome([a + b for a, b in zip(linear.rows, reduce.rows)],
                                  linear.error, linear.error_call)
        assert (expected.error, expected.error_call) == (
            (None, None) if hub_first else ('TypeError', 2))
        compare.assert_rows(expected.trace(), trace)

    @pytest.mark.runner
    @pytest.mark.parametrize('hook', _hooks())
    def test_reduce_lr_hook_breaks_a_runner(self, adapter, hook):
        """Trains through the dip and then raises TypeError under ReduceLRSchedulerHook."""
        kw = _kw(begin=2)
        record = train(schedulers={'type': classes_of(adapter)[LLI], **kw}, iterations=6,
                       classes=classes_of(adapter), hook={'type': hook, 'by_epoch': False})
        expected = oracle.lli_outcome((0.1,), kw, 6, progress=lambda call: None)
        assert record.error is not None
        assert (record.error.type, record.error.step) == (expected.error, expected.error_call)
        compare.assert_lr([row[0] for row in expected.rows], record.lr())

    @pytest.mark.runner
    def test_default_hook_runner_works(self, adapter):
        """Trains the whole schedule under mmengine's own ParamSchedulerHook."""
        kw = _kw(begin=2)
        record = train(schedulers={'type': classes_of(adapter)[LLI], **kw}, iterations=6,
                       classes=classes_of(adapter))
        assert record.error is None
        compare.assert_lr([row[0] for row in oracle.lli_outcome((0.1,), kw, 5).rows], record.lr())


@pytest.mark.subject('LLI-STAIRCASE')
class TestStaircase:
    @_HYPOTHESIS
    @given(
        begin=st.integers(0, 5),
        length=st.integers(2, 30),
        interval_share=st.floats(0, 1),
        progress_share=st.floats(0, 1, exclude_max=True),
        start_factor=st.sampled_from([0.0, 2e-4, 1.0 / 3, 0.5, 1.0]),
        end_factor=st.sampled_from([0.0, 1e-3, 0.25, 1.0]),
    )
    def test_value_for_any_progress_in_the_window(self, adapter, begin, length, interval_share,
                                                  progress_share, start_factor, end_factor):
        """Writes sf + (ef - sf) * k with k from completed intervals over whole intervals."""
        interval = 1 + int(interval_share * (length - 1))
        progress = begin + int(progress_share * length)
        kw = _kw(start_factor=start_factor, end_factor=end_factor, begin=begin,
                 end=begin + length, interval=interval)
        note(f'kwargs {kw}, progress {progress}')
        with isolated_message_hubs():
            opt = optimizer(0.1)
            scheduler = classes_of(adapter)[LLI](opt, **kw)
            for iteration in range(begin):  # up to and including the dip
                _step(scheduler, opt, iteration)
            _step(scheduler, opt, progress)
            compare.assert_lr([oracle.staircase_value(kw, progress)], scheduler.get_last_value())

    @pytest.mark.parametrize(
        ('begin', 'end', 'interval'),
        [(1, 8, 3), (0, 8, 2), (0, 9, 2), (2, 12, 5), (0, 5, 1), (40, 80, 4), (3, 20, 17)],
    )
    def test_traces(self, adapter, begin, end, interval):
        """Follows the staircase through whole traces, the remainder of the window dropped."""
        kw = _kw(begin=begin, end=end, interval=interval, start_factor=2e-4)
        trace = _check_run(adapter, kw, steps=end + 2, lrs=(2e-4,))
        assert trace.error is None

    def test_progress_before_begin_counts_as_zero(self, adapter):
        """Uses k = 0 for progress before begin."""
        kw = _kw(begin=5, end=10)
        opt = optimizer()
        scheduler = classes_of(adapter)[LLI](opt, **kw)
        for iteration in range(5):
            _step(scheduler, opt, iteration)
        _step(scheduler, opt, 1)
        compare.assert_lr([kw['start_factor']], scheduler.get_last_value())


@pytest.mark.subject('LLI-ABSOLUTE-VALUE')
class TestAbsoluteValue:
    @pytest.mark.parametrize('lr', [2.0, 0.1, 1e-6, 0.5])
    def test_independent_of_the_optimizer_lr(self, adapter, lr):
        """Writes the same values after the dip whatever lr the optimizer started with."""
        kw = _kw(start_factor=0.5, end_factor=0.25, end=4)
        trace = _check_run(adapter, kw, steps=5, lrs=(lr,))
        assert trace.lrs[1:] == _run(adapter, kw, steps=5, lrs=(0.1,)).lrs[1:]

    def test_ignores_outside_changes(self, adapter):
        """Overwrites an lr set from outside with the absolute value."""
        kw = _kw(end=6)
        opt = optimizer()
        scheduler = classes_of(adapter)[LLI](opt, **kw)
        opt.param_groups[0]['lr'] = 7.0
        _step(scheduler, opt, 3)
        compare.assert_lr(oracle.staircase_value(kw, 3), opt.param_groups[0]['lr'])


@pytest.mark.subject('LLI-GROUPS-COLLAPSE')
class TestGroupsCollapse:
    @pytest.mark.parametrize('wrapper', [False, True], ids=['optimizer', 'wrapper'])
    def test_all_groups_share_the_value(self, adapter, wrapper):
        """Gives every group, the wrapper pseudo-group included, one value except on the dip."""
        lrs = (0.1, 0.01, 1.0)
        kw = _kw(begin=1, end=5)
        trace = _check_run(adapter, kw, steps=6, lrs=lrs, wrapper=wrapper)
        assert trace.error is None
        groups = lrs + ((lrs[0],) if wrapper else ())
        assert len(set(trace.lrs[1])) == len(set(groups))
        for row in trace.lrs[2:]:
            assert len(set(row)) == 1


@pytest.mark.subject('LLI-BEFORE-BEGIN')
class TestBeforeBegin:
    @pytest.mark.parametrize('begin', [1, 3, 6])
    def test_optimizer_lrs_until_begin(self, adapter, begin):
        """Keeps the optimizer's own lrs, not start_factor, before begin."""
        lrs = (0.1, 0.02)
        kw = _kw(begin=begin, end=begin + 3)
        trace = _check_run(adapter, kw, steps=begin + 1, lrs=lrs)
        compare.assert_lr([list(lrs)] * begin, trace.lrs[:begin])
        assert all(kw['start_factor'] not in row for row in trace.lrs[:begin])

    def test_keeps_outside_changes(self, adapter):
        """Keeps an lr set from outside before begin, and dips from it."""
        opt = optimizer()
        scheduler = classes_of(adapter)[LLI](opt, **_kw(begin=3))
        opt.param_groups[0]['lr'] = 0.3
        for iteration in range(2):
            _step(scheduler, opt, iteration)
            compare.assert_lr(0.3, opt.param_groups[0]['lr'])
        _step(scheduler, opt, 2)
        compare.assert_lr(oracle.dip(0.3, 0.5), opt.param_groups[0]['lr'])


# -- the Runner ----------------------------------------------------------------------------------


def _change_iterations(rows):
    return [i for i in range(1, len(rows)) if rows[i] != rows[i - 1]]


@pytest.mark.subject('LLI-RUNNER-LAG')
class TestRunnerLag:
    @pytest.mark.parametrize(('begin', 'end', 'interval'),
                             [(2, 8, 2), (10, 30, 4), (0, 9, 3), (5, 12, 1)])
    def test_changes_at_begin_plus_one_plus_intervals(self, adapter, begin, end, interval):
        """Dips at iteration begin and changes at begin + 1 + m * interval while in the window."""
        kw = _kw(begin=begin, end=end, interval=interval)
        trace = _run(adapter, kw, steps=end + 3)
        assert trace.error is None
        assert len(trace.lrs) == end + 4
        expected = [begin, begin + 1] + [
            begin + 1 + m * interval for m in range(1, end) if begin + 1 + m * interval < end]
        assert _change_iterations(trace.lrs) == [i for i in expected if i > 0]

    def test_call_counter_runs_one_ahead_of_progress(self, adapter):
        """Has _global_step i + 1 at the call after iteration i, which reads iter = i."""
        kw = _kw(begin=0, end=20, interval=1)
        opt = optimizer()
        scheduler = classes_of(adapter)[LLI](opt, **kw)
        for iteration in range(5):
            _step(scheduler, opt, iteration)
            assert scheduler._global_step == iteration + 1
            compare.assert_lr([oracle.staircase_value(kw, iteration)], scheduler.get_last_value())

    @pytest.mark.runner
    def test_real_runner(self, adapter):
        """Trains iteration i with row i of the rule in a real mmengine Runner."""
        kw = _kw(begin=3, end=11, interval=3, start_factor=2e-4)
        record = train(schedulers={'type': classes_of(adapter)[LLI], **kw}, lrs=((2e-4, 0.1),),
                       iterations=13, classes=classes_of(adapter))
        assert record.error is None
        # the Runner's OptimWrapper has two groups, so a pseudo-group with the default lr too
        compare.assert_rows(oracle.lli_outcome((2e-4, 0.1, 2e-4), kw, 12).trace(),
                            driver.Trace(lrs=record.used))


@pytest.mark.subject('LLI-NEVER-END-FACTOR')
class TestNeverEndFactor:
    WINDOWS = ((0, 5, 1), (0, 8, 2), (0, 9, 2), (3, 43, 4), (0, 10, 4), (0, 8, 3), (2, 13, 4),
               (1, 3, 1), (0, 12, 5))

    @pytest.mark.parametrize(('begin', 'end', 'interval'), WINDOWS)
    def test_final_lr_is_the_value_for_end_minus_two(self, adapter, begin, end, interval):
        """Ends at the value for P = end - 2, reaching end_factor only if the remainder is >= 2."""
        kw = _kw(begin=begin, end=end, interval=interval)
        trace = _check_run(adapter, kw, steps=end + 4)
        final = oracle.final_runner_value(kw)
        compare.assert_lr([[final]] * 6, trace.lrs[end - 1:])
        remainder = (end - begin) % interval
        assert (final == kw['end_factor']) is (remainder >= 2)

    def test_cyclegan_facades_shape(self, adapter):
        """Ends one stair above end_factor for the facades config's divisible window."""
        kw = _kw(start_factor=2e-4, end_factor=0.0, begin=40, end=80, interval=4)
        trace = _check_run(adapter, kw, steps=82, lrs=(2e-4,))
        assert trace.error is None
        stairs = oracle.stairs_total(kw['begin'], kw['end'], kw['interval'])
        one_short = oracle.absolute_value(kw['start_factor'], kw['end_factor'],
                                          (stairs - 1) / stairs)
        compare.assert_lr([one_short], trace.lrs[-1])
        assert trace.lrs[-1] != [kw['end_factor']]


# -- failures ------------------------------------------------------------------------------------


@pytest.mark.subject('LLI-INTERVAL-TOO-LARGE')
class TestIntervalTooLarge:
    @pytest.mark.parametrize(('begin', 'end', 'interval'), [(0, 4, 5), (3, 7, 5), (2, 3, 2),
                                                             (1, 5, 100)])
    def test_second_active_call_divides_by_zero(self, adapter, begin, end, interval):
        """Raises ZeroDivisionError at call begin + 1, after a normal dip."""
        kw = _kw(begin=begin, end=end, interval=interval)
        trace = _check_run(adapter, kw, steps=begin + 3)
        if begin + 1 < end:
            assert (trace.error.type, trace.error.step) == ('ZeroDivisionError', begin + 1)
        else:  # a one-call window never computes k
            assert trace.error is None

    @pytest.mark.parametrize(('begin', 'end'), [(0, 4), (2, 9)])
    def test_interval_equal_to_window_stays_at_start_factor(self, adapter, begin, end):
        """Keeps start_factor after the dip when interval == end - begin."""
        kw = _kw(begin=begin, end=end, interval=end - begin)
        trace = _check_run(adapter, kw, steps=end + 1)
        assert trace.error is None
        compare.assert_lr([[kw['start_factor']]] * (end + 1 - begin), trace.lrs[begin + 1:])


@pytest.mark.subject('LLI-INTERVAL-ZERO')
class TestIntervalZero:
    @pytest.mark.parametrize('begin', [0, 2])
    def test_second_active_call_fails(self, adapter, begin):
        """Raises ZeroDivisionError at call begin + 1."""
        trace = _check_run(adapter, _kw(begin=begin, interval=0), steps=begin + 3)
        assert (trace.error.type, trace.error.step) == ('ZeroDivisionError', begin + 1)


@pytest.mark.subject('LLI-PROGRESS-MISSING')
class TestProgressMissing:
    @pytest.mark.parametrize('begin', [0, 1, 4])
    @pytest.mark.parametrize('by_epoch', [False, True])
    def test_second_active_call_fails(self, adapter, begin, by_epoch):
        """Raises TypeError on None - begin at call begin + 1 when nothing is published."""
        kw = _kw(begin=begin, by_epoch=by_epoch)
        trace = _check_run(adapter, kw, steps=begin + 3, progress='absent')
        assert (trace.error.type, trace.error.step) == ('TypeError', begin + 1)

    def test_published_none_fails_alike(self, adapter):
        """Raises the same TypeError when the progress key holds None."""
        opt = optimizer()
        scheduler = classes_of(adapter)[LLI](opt, **_kw())
        MessageHub.get_instance(RUNNER_HUB).update_info('iter', None)
        opt.step()
        with pytest.raises(TypeError):
            scheduler.step()


@pytest.mark.subject('LLI-PROGRESS-INCONSISTENT')
class TestProgressInconsistent:
    @pytest.mark.parametrize('offset', [3, 100, -3, -50])
    def test_value_follows_the_hub(self, adapter, offset):
        """Computes the value from the hub's progress, however far it is from the call count."""
        kw = _kw(end=8, interval=2)
        trace = _run(adapter, kw, steps=10, progress_offset=offset)
        expected = oracle.lli_outcome((0.1,), kw, 10, progress=lambda call: call - 1 + offset)
        compare.assert_rows(expected.trace(), trace)

    def test_no_clamp_beyond_end_factor(self, adapter):
        """Goes past end_factor, below zero, when progress runs ahead."""
        kw = _kw(end=4)
        trace = _check_run(adapter, kw, steps=3, progress_offset=4)
        compare.assert_lr([kw['end_factor']], trace.lrs[1])
        assert trace.lrs[2][0] < kw['end_factor']
        assert trace.lrs[3][0] < 0

    def test_progress_behind_gives_start_factor(self, adapter):
        """Writes start_factor while progress is at or before begin."""
        kw = _kw(begin=2, end=10)
        trace = _check_run(adapter, kw, steps=9, progress_offset=-20)
        compare.assert_lr([[kw['start_factor']]] * 7, trace.lrs[3:])

    def test_frozen_progress_keeps_one_value(self, adapter):
        """Keeps one value while the hub's progress never changes."""
        kw = _kw(end=10)
        trace = _check_run(adapter, kw, steps=9, progress='frozen', progress_offset=4)
        compare.assert_lr([[oracle.staircase_value(kw, 4)]] * 9, trace.lrs[1:])

    def test_window_follows_the_calls(self, adapter):
        """Stops changing lr after end calls while the hub's progress goes on."""
        kw = _kw(end=4)
        trace = _check_run(adapter, kw, steps=8, progress_offset=2)
        compare.assert_lr([oracle.staircase_value(kw, 4)], trace.lrs[3])
        assert trace.lrs[4:] == [trace.lrs[3]] * 5


@pytest.mark.subject('LLI-RESUME-LAST-STEP')
class TestResumeLastStep:
    @pytest.mark.parametrize('last_step', [0, 3, 5])
    def test_constructor_call_reads_the_hub(self, adapter, last_step):
        """Makes call 0 active with last_step + 1 and the hub's value, without a dip."""
        kw = _kw(end=10, last_step=last_step)
        MessageHub.get_instance(RUNNER_HUB).update_info('iter', 5)
        scheduler = classes_of(adapter)[LLI](optimizer(0.1, initial=(0.1,)), **kw)
        assert (scheduler._global_step, scheduler.last_step) == (0, last_step + 1)
        compare.assert_lr([oracle.staircase_value(kw, 5)], scheduler.get_last_value())

    def test_later_begin_keeps_last_step_until_then(self, adapter):
        """Keeps last_step until begin, then reads the hub instead of dipping."""
        kw = _kw(begin=2, end=10, last_step=3)
        opt = optimizer(0.1, initial=(0.1,))
        scheduler = classes_of(adapter)[LLI](opt, **kw)
        _step(scheduler, opt, 0)
        assert (scheduler.last_step, opt.param_groups[0]['lr']) == (3, 0.1)
        _step(scheduler, opt, 6)
        assert scheduler.last_step == 4
        compare.assert_lr(oracle.staircase_value(kw, 6), opt.param_groups[0]['lr'])

    def test_needs_progress_at_construction(self, adapter):
        """Raises TypeError in the constructor when begin is 0 and no progress is published."""
        kw = _kw(last_step=2)
        published = _check_run(adapter, kw, steps=2, progress='frozen', progress_offset=1,
                                initial_lrs=(0.1,))
        assert published.error is None
        trace = _check_run(adapter, kw, steps=2, progress='absent', initial_lrs=(0.1,))
        assert (trace.error.type, trace.error.step, trace.error.phase) == (
            'TypeError', 0, 'construct')

    def test_trace_continues_the_schedule(self, adapter):
        """Follows the staircase from the hub at every call after a last_step resume."""
        kw = _kw(end=10, last_step=4)
        trace = _check_run(adapter, kw, steps=6, progress='frozen', progress_offset=4,
                           initial_lrs=(0.1,))
        assert trace.error is None
        compare.assert_lr([[oracle.staircase_value(kw, 4)]] * 7, trace.lrs)


@pytest.mark.subject('LLI-ITER-FROM-EPOCH')
class TestIterFromEpoch:
    @pytest.mark.parametrize(('begin', 'end', 'interval', 'length'),
                             [(2, 10, 3, 100), (1, 3, 2, 4), (0, 5, 1, 7), (1.5, 2.5, 2, 3)])
    def test_scales_the_window_not_the_interval(self, adapter, begin, end, interval, length):
        """Scales begin and end by int(x * epoch_length), keeps interval, sets by_epoch False."""
        scheduler = classes_of(adapter)[LLI].build_iter_from_epoch(
            optimizer(), begin=begin, end=end, interval=interval, epoch_length=length)
        assert (scheduler.begin, scheduler.end) == oracle.iter_from_epoch_window(begin, end,
                                                                                 length)
        assert scheduler.interval is interval
        assert scheduler.by_epoch is False
        assert scheduler.total_iters == oracle.total_iters(scheduler.begin, scheduler.end)

    def test_infinite_end_is_kept(self, adapter):
        """Leaves the default end of 10**9 unscaled."""
        scheduler = classes_of(adapter)[LLI].build_iter_from_epoch(optimizer(), begin=1,
                                                                epoch_length=3)
        assert (scheduler.begin, scheduler.end) == (3, INF)

    def test_passes_factors_through(self, adapter):
        """Passes the factors and verbose to the constructor unchanged."""
        scheduler = classes_of(adapter)[LLI].build_iter_from_epoch(
            optimizer(), start_factor=0.25, end_factor=0.75, verbose=True, epoch_length=2)
        assert (scheduler.start_factor, scheduler.end_factor, scheduler.verbose) == (
            0.25, 0.75, True)

    def test_rejects_iteration_kwargs(self, adapter):
        """Raises AssertionError for by_epoch=False."""
        with pytest.raises(AssertionError) as caught:
            classes_of(adapter)[LLI].build_iter_from_epoch(optimizer(), by_epoch=False,
                                                       epoch_length=3)
        messages.assert_message(caught, (
            'Only epoch-based kwargs whose `by_epoch=True` can be converted to iter-based.'))

    @pytest.mark.parametrize('length', [None, 0, -1])
    def test_rejects_bad_epoch_length(self, adapter, length):
        """Raises AssertionError naming an epoch_length that is not a positive number."""
        with pytest.raises(AssertionError) as caught:
            classes_of(adapter)[LLI].build_iter_from_epoch(optimizer(), epoch_length=length)
        messages.assert_message(
            caught, f'`epoch_length` must be a positive integer, but got {length}.')

    def test_trace_equals_the_scaled_iteration_scheduler(self, adapter):
        """Schedules exactly like an iteration-based scheduler built with the scaled window."""
        epoch_kw = {'start_factor': 0.5, 'end_factor': 0.0, 'begin': 1, 'end': 3, 'interval': 2}
        length = 4
        converted = _run(adapter, epoch_kw, steps=14, epoch_length=length,
                         build='iter_from_epoch')
        begin, end = oracle.iter_from_epoch_window(epoch_kw['begin'], epoch_kw['end'], length)
        iteration_kw = _kw(begin=begin, end=end, interval=epoch_kw['interval'])
        compare.assert_rows(oracle.lli_outcome((0.1,), iteration_kw, 14).trace(), converted)
        compare.assert_rows(converted, _run(adapter, iteration_kw, steps=14))
