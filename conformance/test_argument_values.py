"""Arguments and inputs nobody validates, taken at their word (LLI-FACTOR-NAN,
WIN-BOUNDS-UNCHECKED, LLI-INTERVAL-TYPES, LLI-PROGRESS-VALUES, RLR-ARG-TYPES, WIN-FLAGS-TRUTHY).

Upstream converts and checks nothing here, so whatever Python, numpy or torch make of a value
in the rule's own arithmetic is the behaviour. The expected lrs and exceptions are therefore
computed by evaluating the clauses' formulas on the very values passed (the oracle,
conformance/harness/oracle.py), or cross-checked against a run with an ordinary value that the
clause says behaves the same.
"""

from __future__ import annotations

import contextlib
import math
from unittest import mock

import numpy
import pytest
import torch
from mmengine.logging import MessageHub, MMLogger

from conformance.harness import compare, driver, messages, observed, oracle
from conformance.harness.adapters import REDUCE_LR_HUB, RUNNER_HUB
from conformance.harness.repro import optimizer
from conformance.harness.scenario import SchedulerSpec, single

LLI = 'LinearLrInterval'
RLR = 'ReduceLR'
NAN = float('nan')
INFINITY = float('inf')
BOTH = [
    pytest.param(LLI, marks=pytest.mark.scheduler(LLI), id=LLI),
    pytest.param(RLR, marks=pytest.mark.scheduler(RLR), id=RLR),
]


def assert_outcome(trace, kw, lrs, steps):
    """The oracle's rows (types and bits) and exception (type and call) for ``kw``: the
    clauses' formulas evaluated on the very values given, never CPython's wording."""
    __tracebackhide__ = True
    compare.assert_rows(oracle.lli_outcome(lrs, kw, steps).trace(), trace)


def _call(scheduler):
    scheduler.optimizer.step()
    scheduler.step()


def _hubs():
    """'reduce_lr' first, then the runner's hub, which LinearLrInterval then reads."""
    MessageHub.get_instance(REDUCE_LR_HUB)
    return MessageHub.get_instance(RUNNER_HUB)


# -- LLI-FACTOR-NAN ------------------------------------------------------------------------------


@pytest.mark.subject('LLI-FACTOR-NAN')
@pytest.mark.touches('LLI-FACTOR-RANGE', 'LLI-FIRST-STEP-DIP', 'LLI-ABSOLUTE-VALUE')
@pytest.mark.scheduler(LLI)
class TestNanFactors:
    @pytest.mark.parametrize(('begin', 'end'), [(0, 5), (2, 7), (1, 3)])
    @pytest.mark.parametrize(('sf', 'ef'), [(NAN, 0.0), (0.5, NAN), (NAN, NAN)],
                             ids=['nan-start', 'nan-end', 'both-nan'])
    def test_nan_factor_is_accepted_and_written(self, adapter, begin, end, sf, ef):
        """Accepts a NaN factor and writes NaN from the dip (start) or the next call (end) on."""
        kw = dict(start_factor=sf, end_factor=ef, begin=begin, end=end, by_epoch=False)
        steps = end + 2
        trace = driver.run(single(LLI, kwargs=kw, steps=steps, lrs=(0.1, 0.4)), adapter)
        assert_outcome(trace, kw, (0.1, 0.4), steps)
        first_nan = begin if math.isnan(sf) else begin + 1
        for call, row in enumerate(trace.lrs):
            assert all(math.isnan(value) for value in row) == (call >= first_nan), (call, row)

    @pytest.mark.parametrize('factor', ['start_factor', 'end_factor'])
    @pytest.mark.parametrize('value', [INFINITY, -INFINITY])
    def test_infinite_factor_is_refused(self, classes, factor, value):
        """Refuses an infinite factor with LLI-FACTOR-RANGE's ValueError, unlike NaN."""
        with pytest.raises(ValueError):
            classes[LLI](optimizer(), **{factor: value})


# -- WIN-BOUNDS-UNCHECKED ------------------------------------------------------------------------


@pytest.mark.subject('WIN-BOUNDS-UNCHECKED')
@pytest.mark.touches('WIN-ACTIVE', 'WIN-END-AFTER-BEGIN')
class TestUncheckedBounds:
    @pytest.mark.parametrize('name', BOTH)
    @pytest.mark.parametrize(('begin', 'end'), [(1.5, 6), (1, 5.5), (0.5, 3.5), (-2, 4),
                                            (2, INFINITY), (-INFINITY, 3), (NAN, 5), (0, NAN),
                                            (numpy.int64(1), numpy.float64(4.5))], ids=repr)
    def test_calls_are_active_by_the_plain_comparison(self, adapter, name, begin, end):
        """Makes exactly the calls with begin <= call < end active, for any numbers."""
        if not driver.exposes_state(adapter):
            pytest.skip('not applicable: the adapter exposes no state')
        steps = 7
        kw = dict(begin=begin, end=end, by_epoch=False)
        if name == LLI:
            kw.update(start_factor=0.5, end_factor=0.0, interval=1)
        trace = driver.run(single(name, kwargs=kw, steps=steps, lrs=(0.1,),
                                  metrics=(1.0,) * steps, reduce_lr_hub_first=True), adapter)
        assert trace.error is None, trace.error
        got = [row[0]['last_step'] for row in trace.state]
        assert got == [oracle.last_step_after(call, begin, end) for call in range(steps + 1)]

    @pytest.mark.scheduler(LLI)
    @pytest.mark.parametrize(('begin', 'end'), [(1.5, 6), (-2, 4), (0, INFINITY), (-INFINITY, 5),
                                            (0, NAN), (NAN, 5)], ids=repr)
    def test_linear_interval_values_follow_the_formula(self, adapter, begin, end):
        """Writes what the staircase gives for those bounds: NaN after the dip for infinite ones."""
        kw = dict(start_factor=0.5, end_factor=0.0, begin=begin, end=end, by_epoch=False)
        trace = driver.run(single(LLI, kwargs=kw, steps=6), adapter)
        assert_outcome(trace, kw, (0.1,), 6)

    @pytest.mark.scheduler(RLR)
    def test_reduce_lr_checks_the_optimizer_before_a_none_bound(self, classes):
        """Raises WIN-OPTIMIZER-TYPE's TypeError for a non-optimizer even when end is None."""
        with pytest.raises(TypeError) as caught:
            classes[RLR](object(), end=None)
        messages.assert_message(caught, oracle.optimizer_type_message(object()))
        opt = optimizer(1.0)
        with pytest.raises(TypeError):
            classes[RLR](opt, end=None)
        assert 'initial_lr' not in opt.param_groups[0]

    @pytest.mark.scheduler(RLR)
    def test_reduce_lr_string_bounds_fail_at_call_zero(self, classes):
        """Accepts begin='3', end='5' and raises TypeError from call 0, after initial_lr."""
        opt = optimizer(1.0)
        with pytest.raises(TypeError):
            classes[RLR](opt, begin='3', end='5')
        assert opt.param_groups[0]['initial_lr'] == 1.0
        assert getattr(opt.step, '_with_counter', False)

    @pytest.mark.scheduler(LLI)
    @pytest.mark.parametrize('bounds', [dict(end=None), dict(begin=None), dict(end='10'),
                                        dict(begin='1', end='10')], ids=repr)
    def test_linear_interval_refuses_bounds_that_do_not_subtract(self, classes, bounds):
        """Raises TypeError at construction for such bounds, the optimizer untouched."""
        opt = optimizer(0.1)
        with pytest.raises(TypeError):
            classes[LLI](opt, **bounds)
        assert 'initial_lr' not in opt.param_groups[0]
        with pytest.raises(TypeError):
            classes[LLI](object(), **bounds)


# -- LLI-INTERVAL-TYPES --------------------------------------------------------------------------

_INTERVALS = [True, False, 0.0, -0.0, 1.5, 2.0, INFINITY, -INFINITY, NAN, None, 'a', 1 + 0j,
              numpy.int64(2), numpy.float64(2.0), torch.tensor(2), -2]


@pytest.mark.subject('LLI-INTERVAL-TYPES')
@pytest.mark.touches('LLI-STAIRCASE', 'LLI-INTERVAL-ZERO', 'LLI-VALUE-TYPES')
@pytest.mark.scheduler(LLI)
class TestIntervalTypes:
    @pytest.mark.parametrize('interval', _INTERVALS, ids=repr)
    @pytest.mark.parametrize('begin', [0, 2])
    def test_interval_is_used_only_by_the_floor_divisions(self, adapter, interval, begin):
        """Constructs and dips with any interval; later calls write or raise as the formula."""
        kw = dict(start_factor=0.5, end_factor=0.0, begin=begin, end=begin + 6,
                  interval=interval, by_epoch=False)
        steps = begin + 7
        trace = driver.run(single(LLI, kwargs=kw, steps=steps), adapter)
        assert_outcome(trace, kw, (0.1,), steps)
        assert len(trace.lrs) > begin, 'the dip must succeed whatever the interval'


# -- LLI-PROGRESS-VALUES -------------------------------------------------------------------------

_PROGRESS = [2.5, -5, -INFINITY, NAN, INFINITY, '3', None, numpy.int64(3), numpy.float32(2.0),
             torch.tensor(3), 10**12, 7]


@pytest.mark.subject('LLI-PROGRESS-VALUES')
@pytest.mark.touches('LLI-STAIRCASE', 'LLI-PROGRESS-SOURCE')
@pytest.mark.scheduler(LLI)
class TestProgressValues:
    @pytest.mark.parametrize('progress', _PROGRESS, ids=repr)
    @pytest.mark.parametrize(('begin', 'interval'), [(0, 1), (2, 3)])
    def test_progress_enters_the_formula_as_it_is(self, classes, progress, begin, interval):
        """Writes the formula's value for the published progress, or raises what it raises."""
        hub = _hubs()
        end = begin + 8
        opt = optimizer(0.1)
        s = classes[LLI](opt, start_factor=0.5, end_factor=0.0, begin=begin, end=end,
                         interval=interval, by_epoch=False)
        for _ in range(begin):  # calls before begin, then the dip at call begin
            _call(s)
        kw = dict(start_factor=0.5, end_factor=0.0, begin=begin, end=end, interval=interval)
        try:
            want = ('value', observed.observe(oracle.staircase_value(kw, progress)))
        except Exception as exc:  # the type is what the implementation must raise
            want = ('raises', type(exc))
        hub.update_info('iter', progress)
        if want[0] == 'raises':
            with pytest.raises(want[1]):
                _call(s)
            return
        _call(s)
        got = observed.observe(opt.param_groups[0]['lr'])
        assert observed.same(want[1], got), (observed.show(want[1]), observed.show(got))


# -- RLR-ARG-TYPES -------------------------------------------------------------------------------


def _rlr(adapter, steps=6, **kwargs):
    kwargs = {'patience': 0, 'factor': 0.5, **kwargs}
    return driver.run(single(RLR, kwargs=kwargs, steps=steps, lrs=(1.0, 0.3),
                             metrics=(1.0,) * steps), adapter)


def _first_change(trace):
    """The first call after which some lr differs from the row before."""
    return next(call for call in range(1, len(trace.lrs))
                if not all(observed.same(a, b)
                           for a, b in zip(trace.lrs[call], trace.lrs[call - 1])))


@pytest.mark.subject('RLR-ARG-TYPES')
@pytest.mark.touches('RLR-UNVALIDATED', 'WIN-FAILED-CALL')
@pytest.mark.scheduler(RLR)
class TestReduceLRArgumentTypes:
    @pytest.mark.parametrize('kwargs', [dict(min_lr=[0.1]), dict(min_lr=(0.1, 0.01)),
                                        dict(min_lr=None), dict(eps=None)], ids=repr)
    def test_reduction_arguments_fail_at_the_first_reduction(self, adapter, kwargs):
        """Raises TypeError at the call that would first reduce, with the rows before intact."""
        ordinary = _rlr(adapter)
        reduction = _first_change(ordinary)
        trace = _rlr(adapter, **kwargs)
        assert trace.error is not None and trace.error.type == 'TypeError', trace.error
        assert (trace.error.step, trace.error.phase) == (reduction, 'step')
        assert trace.lrs == ordinary.lrs[:reduction]

    @pytest.mark.parametrize('kwargs', [dict(threshold=None), dict(threshold='0.1'),
                                        dict(patience=None)], ids=repr)
    def test_counting_arguments_fail_at_the_first_consuming_call(self, adapter, kwargs):
        """Raises TypeError at call 1, the first consuming call."""
        trace = _rlr(adapter, **kwargs)
        assert trace.error is not None
        assert (trace.error.type, trace.error.step, trace.error.phase) == ('TypeError', 1, 'step')

    def test_cooldown_none_fails_at_the_call_after_the_first_reduction(self, adapter):
        """Stores cooldown=None at the first reduction and raises TypeError at the next call."""
        reduction = _first_change(_rlr(adapter))
        trace = _rlr(adapter, cooldown=None)
        assert trace.error is not None
        assert (trace.error.type, trace.error.step) == ('TypeError', reduction + 1)
        assert len(trace.lrs) == reduction + 1  # the reduction itself was written

    def test_float_cooldown_counts_down_through_non_integers(self, adapter):
        """Schedules cooldown=1.5 like cooldown=2 (two cooldown calls), counting 1.5, 0.5, -0.5."""
        steps = 9
        fractional = _rlr(adapter, steps=steps, cooldown=1.5)
        whole = _rlr(adapter, steps=steps, cooldown=2)
        assert fractional.error is None and fractional.lrs == whole.lrs
        if fractional.state is not None:
            counters = {row[0]['cooldown_counter'] for row in fractional.state}
            assert {1.5, 0.5, -0.5} <= counters

    def test_nan_eps_resets_the_counters_but_never_reduces(self, adapter):
        """Writes no reduction with eps=NaN while counting exactly as with an ordinary eps."""
        steps = 8
        nan_eps = _rlr(adapter, steps=steps, eps=NAN, cooldown=1)
        ordinary = _rlr(adapter, steps=steps, cooldown=1)
        assert nan_eps.error is None
        assert all(row == nan_eps.lrs[0] for row in nan_eps.lrs)
        assert _first_change(ordinary) < steps  # the ordinary run does reduce
        if nan_eps.state is not None:
            assert nan_eps.state == ordinary.state

    def test_nan_min_lr_is_no_floor(self, adapter):
        """Reduces with min_lr=NaN exactly as with no floor at all (min_lr=-inf)."""
        nan_floor = _rlr(adapter, steps=8, factor=0.1, min_lr=NAN)
        no_floor = _rlr(adapter, steps=8, factor=0.1, min_lr=-INFINITY)
        floored = _rlr(adapter, steps=8, factor=0.1, min_lr=0.01)
        assert nan_floor.error is None and nan_floor.lrs == no_floor.lrs
        assert nan_floor.lrs != floored.lrs

    @pytest.mark.parametrize(('factor', 'kind'), [('0.5', TypeError), (None, TypeError),
                                              (1 + 0j, TypeError),
                                              (torch.tensor([0.5, 0.2]), RuntimeError)],
                             ids=repr)
    def test_uncomparable_factor_raises_after_the_base_constructor(self, classes, factor, kind):
        """Raises from the factor test with the optimizer already holding initial_lr."""
        opt = optimizer(1.0)
        with pytest.raises(kind):
            classes[RLR](opt, factor=factor)
        assert opt.param_groups[0]['initial_lr'] == 1.0
        assert getattr(opt.step, '_with_counter', False)

    def test_mode_is_checked_before_factor_and_factor_before_threshold_mode(self, classes):
        """Reports an invalid mode before a bad factor, and a bad factor before threshold_mode."""
        with pytest.raises(ValueError) as caught:
            classes[RLR](optimizer(1.0), mode='avg', factor='x')
        messages.assert_message(caught, 'mode must be one of "min" or "max", instead got {mode}')
        with pytest.raises(TypeError):
            classes[RLR](optimizer(1.0), factor='x', threshold_mode='bad')

    @pytest.mark.parametrize('factor', [torch.tensor(0.5), -0.0, numpy.float64(0.5)], ids=repr)
    def test_comparable_factor_types_are_accepted(self, classes, factor):
        """Accepts a 0-d tensor, -0.0 and a numpy scalar as factor and stores it as given."""
        s = classes[RLR](optimizer(1.0), factor=factor)
        assert s.factor is factor


# -- WIN-FLAGS-TRUTHY ----------------------------------------------------------------------------

_TRUTHY = ['False', 'no', 1, [0]]
_FALSY = [0, None, '', 0.0]


@pytest.mark.subject('WIN-FLAGS-TRUTHY')
@pytest.mark.touches('LLI-PROGRESS-SOURCE', 'WIN-VERBOSE')
class TestTruthyFlags:
    @pytest.mark.scheduler(LLI)
    @pytest.mark.parametrize('flag', _TRUTHY + _FALSY, ids=repr)
    def test_by_epoch_acts_by_its_truth_value(self, adapter, flag):
        """Schedules exactly as by_epoch=bool(flag), reading 'epoch' or 'iter' accordingly."""
        kw = dict(start_factor=0.5, end_factor=0.0, end=8, by_epoch=flag)
        scenario = single(LLI, kwargs=kw, steps=6, loop='epoch', epoch_length=2)
        got = driver.run(scenario, adapter)
        want = driver.run(scenario.replace(
            schedulers=(SchedulerSpec(LLI, dict(kw, by_epoch=bool(flag))),)), adapter)
        assert got.error is None and got.lrs == want.lrs
        other = driver.run(scenario.replace(
            schedulers=(SchedulerSpec(LLI, dict(kw, by_epoch=not flag)),)), adapter)
        assert got.lrs != other.lrs  # the two keys give different schedules here

    @pytest.mark.parametrize('name', BOTH)
    @pytest.mark.parametrize('flag', _TRUTHY + _FALSY, ids=repr)
    def test_flags_are_stored_as_given(self, classes, name, flag):
        """Keeps the very by_epoch and verbose objects passed."""
        with _log_calls():
            s = classes[name](optimizer(), by_epoch=flag, verbose=flag)
        assert s.by_epoch is flag and s.verbose is flag

    @pytest.mark.parametrize('name', BOTH)
    @pytest.mark.parametrize('flag', _TRUTHY + _FALSY, ids=repr)
    def test_verbose_logs_by_its_truth_value(self, classes, name, flag):
        """Logs the written values exactly when verbose is truthy."""
        with _log_calls() as log:
            classes[name](optimizer(0.1, 0.2), verbose=flag)
        with _log_calls() as reference_log:
            classes[name](optimizer(0.1, 0.2), verbose=bool(flag))
        assert log.call_args_list == reference_log.call_args_list
        assert bool(log.call_args_list) == bool(flag)

    @pytest.mark.scheduler(LLI)
    def test_build_iter_from_epoch_asserts_by_epochs_truth(self, classes):
        """Converts with by_epoch='no' and refuses by_epoch=0 with its AssertionError."""
        cls = classes[LLI]
        s = cls.build_iter_from_epoch(optimizer(), by_epoch='no', begin=1, end=3,
                                      epoch_length=2)
        assert (s.begin, s.end, s.by_epoch) == (*oracle.iter_from_epoch_window(1, 3, 2), False)
        with pytest.raises(AssertionError) as caught:
            cls.build_iter_from_epoch(optimizer(), by_epoch=0, epoch_length=2)
        messages.assert_message(caught, ('Only epoch-based kwargs whose `by_epoch=True` can be '
                                     'converted to iter-based.'))


@contextlib.contextmanager
def _log_calls():
    """Record what is logged to the current MMLogger (WIN-VERBOSE) without printing it."""
    with mock.patch.object(MMLogger.get_current_instance(), 'log') as log:
        yield log
