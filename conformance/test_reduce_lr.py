"""ReduceLR's own rules (docs/spec.md, clauses RLR-*): construction, the monitored value, counting,
patience, cooldown and the reduction itself.

Expected traces come from conformance/harness/oracle.py (``oracle.rlr_outcome`` writes out the
per-call algorithm of RLR-FIRST-STEP, RLR-COUNT, RLR-COOLDOWN, RLR-PATIENCE and
RLR-REDUCE-ORDER); state, checkpoint and resume are in test_state.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from mmengine.logging import MessageHub
from mmengine.registry import PARAM_SCHEDULERS

from conformance.harness import compare, driver, messages, observed, oracle, repro
from conformance.harness.adapters import REDUCE_LR_HUB, VALUE_KEY, classes_of
from conformance.harness.compare import assert_same_trace
from conformance.harness.isolation import isolated_message_hubs
from conformance.harness.scenario import INF, OptimizerSpec, Scenario, SchedulerSpec, single
from conformance.harness.strategies import RLR_RULE_LRS as LRS
from conformance.harness.strategies import RLR_RULE_METRICS as METRICS
from conformance.harness.strategies import rlr_rule_kwargs

pytestmark = pytest.mark.scheduler('ReduceLR')

MODE_MESSAGE = 'mode must be one of "min" or "max", instead got {mode}'
FACTOR_MESSAGE = 'Factor should be < 1.0 and >=0'


# -- helpers ------------------------------------------------------------------------------------


def make_optimizer(*lrs, initial=None, wrapper=False):
    return repro.optimizer(*(lrs or (1.0,)), initial=initial, wrapper=wrapper)


def build(adapter, *lrs, **kwargs):
    """The implementation's ReduceLR on a fresh SGD with one group per lr."""
    return classes_of(adapter)['ReduceLR'](make_optimizer(*lrs), **kwargs)


def publish(value):
    MessageHub.get_instance(REDUCE_LR_HUB).update_scalar(VALUE_KEY, value)


def call(scheduler, value=None):
    """One training iteration as the Runner runs it: optimizer step, publish, scheduler step."""
    scheduler.optimizer.step()
    if value is not None:
        publish(value)
    scheduler.step()


def lr_of(scheduler, group=0):
    return scheduler.optimizer.param_groups[group]['lr']


def run(adapter, steps, metrics=None, lrs=(1.0,), **fields):
    return driver.run(single('ReduceLR', lrs=lrs, steps=steps, metrics=metrics, **fields), adapter)


def column(trace, group=0):
    return [row[group] for row in trace.lrs]


def expected_lrs(lrs, metrics, **kwargs):
    """The oracle's rows for a fresh run publishing ``metrics``; the run must not fail."""
    outcome = oracle.rlr_outcome(lrs, metrics, kwargs)
    assert outcome.error is None, f'the oracle expects {outcome.error} at {outcome.error_call}'
    return outcome.rows


def check_run(adapter, steps, metrics=None, lrs=(1.0,), **fields):
    """Run the scenario and require the oracle's rows and failure (type and call); return it."""
    __tracebackhide__ = True
    scenario = single('ReduceLR', lrs=lrs, steps=steps, metrics=metrics, **fields)
    published = metrics if metrics is not None else (None,) * steps
    expected = oracle.rlr_outcome(oracle.initial_row(scenario.optimizers), published,
                                  fields.get('kwargs', {}),
                                  fields.get('metric_before_build'))
    trace = driver.run(scenario, adapter)
    compare.assert_rows(expected.trace(), trace, scenario)
    return trace


def assert_rows(trace, expected, scenario=None):
    """Bitwise equality of every recorded row with ``expected`` rows; no error expected."""
    __tracebackhide__ = True
    compare.assert_rows(driver.Trace(lrs=expected), trace, scenario)


# -- construction -------------------------------------------------------------------------------


@pytest.mark.subject('RLR-DEFAULTS')
class TestDefaults:
    def test_defaults_are_documented_values(self, adapter):
        """Uses the documented defaults and mmengine's INF for end when built from an optimizer."""
        s = build(adapter, 1.0)
        for name in (*oracle.RLR_POSITIONAL, 'begin', 'end', 'by_epoch', 'verbose'):
            assert observed.same(getattr(s, name), oracle.RLR_DEFAULTS[name]), name
        assert s.param_name == 'lr'

    def test_own_parameters_are_positional_in_documented_order(self, adapter):
        """Accepts the eight own parameters positionally in the documented order."""
        values = ('max', 0.5, 2, 0.1, 'abs', 3, 0.01, 1e-3)
        s = classes_of(adapter)['ReduceLR'](make_optimizer(1.0), *values)
        assert tuple(getattr(s, name) for name in oracle.RLR_POSITIONAL) == values

    def test_window_arguments_are_forwarded(self, adapter):
        """Forwards begin, end, last_step, by_epoch and verbose to the base scheduler."""
        s = build(adapter, 1.0, begin=2, end=7, by_epoch=False, verbose=False)
        assert (s.begin, s.end, s.by_epoch, s.last_step, s._global_step) == (2, 7, False, -1, 0)


@pytest.mark.subject('RLR-EXTRA-KWARGS')
class TestExtraKwargs:
    @pytest.mark.parametrize('name', ['patiance', 'param_name', 'interval', 'epoch_length'])
    def test_unknown_keyword_raises_type_error_first(self, adapter, name):
        """Raises TypeError for the keyword before touching the optimizer or the hub."""
        # Without the keyword the same call reaches the mode check (RLR-VALIDATION).
        with isolated_message_hubs(), pytest.raises(ValueError):
            classes_of(adapter)['ReduceLR'](make_optimizer(1.0), mode='invalid')
        optimizer = make_optimizer(1.0)
        with pytest.raises(TypeError):  # Python words the message: type and moment only
            classes_of(adapter)['ReduceLR'](optimizer, mode='invalid', **{name: 3})
        assert 'initial_lr' not in optimizer.param_groups[0]
        assert not hasattr(optimizer.step, '_with_counter')
        assert not MessageHub.check_instance_created(REDUCE_LR_HUB)

    def test_too_many_positional_arguments_raise_type_error(self, adapter):
        """Raises TypeError for a ninth positional argument after the optimizer."""
        values = tuple(oracle.RLR_DEFAULTS[name] for name in oracle.RLR_POSITIONAL)
        assert classes_of(adapter)['ReduceLR'](make_optimizer(1.0), *values).eps == values[-1]
        with pytest.raises(TypeError):
            classes_of(adapter)['ReduceLR'](make_optimizer(1.0), *values, 0)


@pytest.mark.subject('RLR-CONSTRUCTOR-ORDER')
class TestConstructorOrder:
    @pytest.mark.parametrize(
        'kwargs', [dict(mode='avg'), dict(factor=2.0), dict(threshold_mode='relative')]
    )
    def test_failed_validation_leaves_base_initialisation_done(self, adapter, kwargs):
        """Leaves initial_lr recorded, optimizer.step wrapped and the hub created on ValueError."""
        optimizer = make_optimizer(0.3, 0.2)
        with pytest.raises(ValueError):
            classes_of(adapter)['ReduceLR'](optimizer, **kwargs)
        assert [g['initial_lr'] for g in optimizer.param_groups] == [0.3, 0.2]
        assert getattr(optimizer.step, '_with_counter', False)
        assert optimizer._global_step == -1
        assert MessageHub.check_instance_created(REDUCE_LR_HUB)

    def test_optimizer_type_error_wins_over_invalid_mode(self, adapter):
        """Raises the base constructor's TypeError for a non-optimizer even with a bad mode."""
        not_an_optimizer = object()
        with pytest.raises(TypeError) as caught:
            classes_of(adapter)['ReduceLR'](not_an_optimizer, mode='avg')
        messages.assert_message(caught, oracle.optimizer_type_message(not_an_optimizer))
        assert not MessageHub.check_instance_created(REDUCE_LR_HUB)

    def test_window_error_wins_over_invalid_mode(self, adapter):
        """Raises the base constructor's ValueError for end <= begin even with a bad mode."""
        with pytest.raises(ValueError) as caught:
            build(adapter, 1.0, mode='avg', begin=3, end=3)
        messages.assert_message(caught, oracle.window_message(3, 3))

    def test_constructor_call_runs_before_validation(self, adapter):
        """Raises the missing-hub AttributeError of call 0, not the mode error, on a resume."""
        optimizer = make_optimizer(1.0, initial=(1.0,))
        with pytest.raises(AttributeError):  # Python words the message: type and moment only
            classes_of(adapter)['ReduceLR'](optimizer, last_step=5, mode='avg')


@pytest.mark.subject('RLR-VALIDATION')
class TestValidation:
    @pytest.mark.parametrize('mode', ['avg', 'MIN', '', None, 'minimum'])
    def test_invalid_mode_message_keeps_literal_placeholder(self, adapter, mode):
        """Raises ValueError whose message shows the literal {mode}, not the value."""
        with pytest.raises(ValueError) as info:
            build(adapter, 1.0, mode=mode)
        messages.assert_message(info, MODE_MESSAGE)

    @pytest.mark.parametrize('factor', [1.0, 1.5, -0.1, -1e-300, math.inf, -math.inf])
    def test_factor_outside_unit_interval_raises(self, adapter, factor):
        """Raises ValueError for factor >= 1.0 or factor < 0."""
        with pytest.raises(ValueError) as info:
            build(adapter, 1.0, factor=factor)
        messages.assert_message(info, FACTOR_MESSAGE)

    @pytest.mark.parametrize('factor', [0.0, 0.5, math.nextafter(1.0, 0.0)])
    def test_factor_inside_unit_interval_is_accepted(self, adapter, factor):
        """Accepts factor in [0, 1) and stores it unchanged."""
        assert build(adapter, 1.0, factor=factor).factor == factor

    @pytest.mark.parametrize('threshold_mode', ['relative', 'ABS', '', None])
    def test_invalid_threshold_mode_message_has_no_space(self, adapter, threshold_mode):
        """Raises ValueError naming thresh_mode, with no space after the comma."""
        with pytest.raises(ValueError) as info:
            build(adapter, 1.0, threshold_mode=threshold_mode)
        expected = f'thresh_mode must be one of "rel" or "abs",instead got {threshold_mode}'
        messages.assert_message(info, expected)

    @pytest.mark.parametrize(
        ('kwargs', 'message'),
        [
            (dict(mode='x', factor=2.0, threshold_mode='x'), MODE_MESSAGE),
            (dict(factor=2.0, threshold_mode='x'), FACTOR_MESSAGE),
        ],
    )
    def test_checks_run_in_order_mode_factor_threshold_mode(self, adapter, kwargs, message):
        """Reports the first invalid argument in the order mode, factor, threshold_mode."""
        with pytest.raises(ValueError) as info:
            build(adapter, 1.0, **kwargs)
        messages.assert_message(info, message)

    def test_nan_factor_is_accepted_and_reductions_keep_lr(self, adapter):
        """Accepts a NaN factor; a reduction then keeps lr but still starts the cooldown."""
        s = build(adapter, 1.0, factor=math.nan, patience=0, cooldown=3)
        call(s, 1.0)
        call(s, 1.0)  # not better: num_bad_epochs 1 > patience 0 -> a reduction
        assert lr_of(s) == 1.0
        assert (s.cooldown_counter, s.num_bad_epochs) == (3, 0)


@pytest.mark.subject('RLR-UNVALIDATED')
class TestUnvalidated:
    @pytest.mark.parametrize(
        'kwargs',
        [dict(patience=-3), dict(cooldown=-2), dict(threshold=-0.5), dict(min_lr=-1.0),
         dict(eps=-1.0), dict(patience=2.5), dict(min_lr=5.0)],
    )
    def test_values_are_stored_as_given(self, adapter, kwargs):
        """Stores patience, cooldown, threshold, min_lr and eps unchecked."""
        s = build(adapter, 1.0, **kwargs)
        for name, value in kwargs.items():
            assert getattr(s, name) == value

    def test_negative_patience_reduces_on_every_consuming_call(self, adapter):
        """Reduces on every consuming call, the improving first one included, with patience < 0."""
        factor, steps = 0.5, 5
        trace = check_run(adapter, steps, (1.0,) * steps, kwargs=dict(patience=-1, factor=factor))
        assert column(trace) == [1.0] + [factor**k for k in range(1, steps + 1)]

    def test_negative_cooldown_acts_like_zero(self, adapter):
        """Gives the cooldown=0 trace with cooldown < 0, storing the negative counter."""
        metrics = (1.0,) * 6
        base = check_run(adapter, 6, metrics, kwargs=dict(patience=0, factor=0.5))
        negative = check_run(adapter, 6, metrics, kwargs=dict(patience=0, factor=0.5, cooldown=-2))
        assert base.error is None
        assert negative.lrs == base.lrs
        s = build(adapter, 1.0, patience=0, cooldown=-2)
        call(s, 1.0)
        call(s, 1.0)
        assert s.cooldown_counter == -2

    def test_negative_threshold_makes_constant_value_improve(self, adapter):
        """Never reduces a constant value in min/rel mode when threshold < 0."""
        trace = check_run(adapter, 6, (1.0,) * 6, kwargs=dict(patience=0, threshold=-0.5))
        assert column(trace) == [1.0] * 7

    def test_negative_min_lr_acts_like_zero(self, adapter):
        """Gives the min_lr=0 trace for non-negative lrs when min_lr < 0."""
        metrics = (1.0,) * 5
        base = check_run(adapter, 5, metrics, kwargs=dict(patience=0, factor=0.5))
        negative = check_run(adapter, 5, metrics, kwargs=dict(patience=0, factor=0.5, min_lr=-1.0))
        assert base.error is None
        assert negative.lrs == base.lrs

    def test_negative_eps_raises_zero_lr_to_min_lr(self, adapter):
        """Raises an lr of 0.0 to min_lr on a reduction when eps < 0, and not when eps >= 0."""
        kwargs = dict(patience=0, factor=0.5, min_lr=0.1)
        metrics = (1.0, 1.0)
        negative = check_run(adapter, 2, metrics, lrs=(0.0,), kwargs={**kwargs, 'eps': -1.0})
        default = check_run(adapter, 2, metrics, lrs=(0.0,), kwargs=kwargs)
        assert column(negative) == [0.0, 0.0, kwargs['min_lr']]
        assert column(default) == [0.0, 0.0, 0.0]


@pytest.mark.subject('RLR-LAST-EPOCH')
class TestLastEpoch:
    def test_last_epoch_stays_zero(self, adapter):
        """Keeps last_epoch at 0 through active, reducing and inactive calls."""
        s = build(adapter, 1.0, patience=0, factor=0.5, end=4)
        seen = [s.last_epoch]
        for value in (1.0, 1.0, 1.0, 1.0, 1.0, 1.0):
            call(s, value)
            seen.append(s.last_epoch)
        assert lr_of(s) < 1.0
        assert seen == [0] * len(seen)
        assert s.last_step == 3  # calls 0..3 were active, so the counters did move


@pytest.mark.subject('RLR-MODE-WORSE')
class TestModeWorse:
    @pytest.mark.parametrize('threshold_mode', ['rel', 'abs'])
    @pytest.mark.parametrize(('mode', 'worse'), [('min', math.inf), ('max', -math.inf)])
    def test_mode_worse_is_infinity_of_the_wrong_sign(self, adapter, mode, worse, threshold_mode):
        """Sets mode_worse to inf for min and -inf for max, whatever the threshold mode."""
        s = build(adapter, 1.0, mode=mode, threshold_mode=threshold_mode)
        assert observed.same(s.mode_worse, worse)
        assert observed.same(worse, oracle.mode_worse(mode))


@pytest.mark.subject('RLR-INITIAL-STATE')
class TestInitialState:
    @pytest.mark.parametrize('begin', [0, 2])
    @pytest.mark.parametrize('mode', ['min', 'max'])
    def test_initial_state_ignores_published_value(self, adapter, begin, mode):
        """Starts with best = mode_worse, no bad epochs and no cooldown, whatever was published."""
        publish(-5.0)
        s = build(adapter, 1.0, mode=mode, begin=begin, cooldown=4)
        assert observed.same(s.best, oracle.mode_worse(mode))
        assert (s.num_bad_epochs, s.cooldown_counter) == (0, 0)


# -- the monitored value ------------------------------------------------------------------------


@pytest.mark.subject('RLR-HUB-BINDING')
class TestHubBinding:
    def test_binds_the_registry_instance(self, adapter):
        """Binds the object MessageHub.get_instance('reduce_lr') returns."""
        s = build(adapter, 1.0)
        assert s.message_hub is MessageHub.get_instance(REDUCE_LR_HUB)

    def test_reuses_an_existing_instance(self, adapter):
        """Binds an existing 'reduce_lr' instance and leaves the current instance alone."""
        existing = MessageHub.get_instance(REDUCE_LR_HUB)
        later = MessageHub.get_instance('created-later')
        s = build(adapter, 1.0)
        assert s.message_hub is existing
        assert MessageHub.get_current_instance() is later

    def test_creating_the_hub_makes_it_current(self, adapter):
        """Creates 'reduce_lr' when absent, which becomes MessageHub's current instance."""
        MessageHub.get_instance('runner')
        s = build(adapter, 1.0)
        assert MessageHub.get_current_instance() is s.message_hub
        assert s.message_hub.instance_name == REDUCE_LR_HUB

    def test_replaced_instance_is_not_followed(self, adapter):
        """Keeps reading the bound object after the registry's 'reduce_lr' is replaced."""
        s = build(adapter, 1.0)
        bound = s.message_hub
        del MessageHub._instance_dict[REDUCE_LR_HUB]
        publish(2.0)  # goes to a new 'reduce_lr' instance
        assert MessageHub.get_instance(REDUCE_LR_HUB) is not bound
        with pytest.raises(KeyError):
            call(s)
        bound.update_scalar(VALUE_KEY, 3.0)
        call(s)
        assert s.best == 3.0


@pytest.mark.subject('RLR-FIRST-STEP')
class TestFirstStep:
    def test_constructor_call_reads_nothing(self, adapter):
        """Constructs with begin=0 while no value exists and leaves the state untouched."""
        s = build(adapter, 1.0, 0.5)
        assert s.last_step == 0
        assert s.best == s.mode_worse
        assert s.num_bad_epochs == 0
        assert [g['lr'] for g in s.optimizer.param_groups] == [1.0, 0.5]

    @pytest.mark.parametrize('begin', [1, 2, 4])
    def test_first_value_is_read_on_the_call_after_begin(self, adapter, begin):
        """Needs no value until call begin + 1, which raises KeyError when none exists."""
        steps = begin + 2
        trace = check_run(adapter, steps, None, kwargs=dict(begin=begin))
        assert (trace.error.type, trace.error.step) == ('KeyError', begin + 1)

    @pytest.mark.parametrize('begin', [0, 1, 3])
    def test_values_before_the_first_consuming_call_are_ignored(self, adapter, begin):
        """Gives the same trace whatever was published before call begin + 1."""
        steps = begin + 4
        tail = (1.0, 1.0, 1.0, 1.0)
        kwargs = dict(begin=begin, patience=0, factor=0.5)
        low = check_run(adapter, steps, (-50.0,) * begin + tail, kwargs=kwargs,
                        metric_before_build=-50.0)
        high = check_run(adapter, steps, (50.0,) * begin + tail, kwargs=kwargs,
                         metric_before_build=50.0)
        assert low.error is None
        assert low.lrs == high.lrs

    def test_inactive_calls_read_nothing(self, adapter):
        """Makes no read on calls at or after end, so no value is needed there."""
        trace = check_run(adapter, 5, None, kwargs=dict(end=1))
        assert trace.error is None
        assert column(trace) == [1.0] * 6


@pytest.mark.subject('RLR-METRIC-CURRENT')
class TestMetricCurrent:
    def test_last_publish_between_calls_wins(self, adapter):
        """Gives the trace of the last value when several are published before each call."""
        kwargs = dict(patience=0, factor=0.5)
        several = run(adapter, 4, ((9.0, 1.0), (0.0, 2.0), (-5.0, 2.0), 0.5), kwargs=kwargs)
        last = check_run(adapter, 4, (1.0, 2.0, 2.0, 0.5), kwargs=kwargs)
        assert last.error is None
        compare.assert_rows(last, several)

    @pytest.mark.parametrize(
        'values',
        [(2.5,), (np.float32(1.1),), (torch.tensor(1.25, dtype=torch.float32),),
         (torch.tensor(1.5),), (3,), (3, 4), (3, 2.5), (2.5, 3), (np.int32(2),),
         (torch.tensor(3),)],
        ids=['float', 'np.float32', 'tensor32', 'tensor64', 'int', 'ints', 'int-float',
             'float-int', 'np.int32', 'int-tensor'],
    )
    def test_value_has_the_dtype_of_the_history(self, adapter, values):
        """Reads the last value as a numpy scalar of the dtype of all values published so far."""
        items = [getattr(value, 'item', lambda v=value: v)() for value in values]  # as mmengine
        history = np.array(items)
        s = build(adapter, 1.0, patience=10**6)
        for value in values:
            call(s, value)
        assert type(s.message_hub.get_scalar(VALUE_KEY).current()) is history.dtype.type
        assert type(s.best) is history.dtype.type
        best = min(items)
        assert s.best == best


@pytest.mark.subject('RLR-METRIC-MISSING')
class TestMetricMissing:
    def test_missing_value_raises_key_error(self, adapter):
        """Raises KeyError (MessageHub's, worded by it) on the first consuming call."""
        trace = check_run(adapter, 3, None)
        assert (trace.error.type, trace.error.step, trace.error.phase) == ('KeyError', 1, 'step')

    def test_failed_call_is_counted(self, adapter):
        """Leaves _global_step and last_step advanced by the call that raised."""
        s = build(adapter, 1.0, patience=0)
        with pytest.raises(KeyError):
            call(s)
        assert (s._global_step, s.last_step, s.num_bad_epochs) == (1, 1, 0)
        call(s, 1.0)
        assert (s._global_step, s.last_step, s.best) == (2, 2, 1.0)


@pytest.mark.subject('RLR-METRIC-STALE')
class TestMetricStale:
    @given(data=st.data())
    def test_unpublished_calls_reread_the_last_value(self, adapter, data):
        """Gives the trace of the last value re-published before every call."""
        kwargs = data.draw(rlr_rule_kwargs(), label='kwargs')
        steps = data.draw(st.integers(2, 10), label='steps')
        values = data.draw(st.lists(st.one_of(st.none(), METRICS), min_size=steps - 1,
                                    max_size=steps - 1), label='later values')
        sparse = (data.draw(METRICS, label='first value'), *values)
        dense, last = [], None
        for value in sparse:
            last = value if value is not None else last
            dense.append(last)
        want = check_run(adapter, steps, tuple(dense), kwargs=kwargs)
        assert want.error is None
        compare.assert_rows(want, run(adapter, steps, sparse, kwargs=kwargs))

    def test_value_published_before_construction_is_reread(self, adapter):
        """Reads a value published only before construction on every consuming call."""
        kwargs = dict(patience=1, factor=0.5)
        every = check_run(adapter, 5, (5.0,) * 5, kwargs=kwargs)
        assert every.error is None
        compare.assert_rows(every, run(adapter, 5, None, kwargs=kwargs, metric_before_build=5.0))


# -- counting -----------------------------------------------------------------------------------


@pytest.mark.subject('RLR-IS-BETTER')
class TestIsBetter:
    @given(data=st.data())
    def test_is_better_matches_the_four_formulas(self, adapter, data):
        """Evaluates min/rel, min/abs, max/rel and max/abs exactly as the formulas."""
        mode = data.draw(st.sampled_from(('min', 'max')), label='mode')
        threshold_mode = data.draw(st.sampled_from(('rel', 'abs')), label='threshold_mode')
        threshold = data.draw(st.one_of(st.sampled_from((1e-4, 0.0, 0.5, -0.5)),
                                        st.floats(-2, 2)), label='threshold')
        a = data.draw(METRICS, label='a')
        best = data.draw(METRICS, label='best')
        s = build(adapter, 1.0, mode=mode, threshold_mode=threshold_mode, threshold=threshold)
        assert s.is_better(a, best) == oracle.is_better(a, best, mode, threshold_mode, threshold)

    @pytest.mark.parametrize(
        ('mode', 'threshold_mode', 'first', 'bar'),
        [('min', 'rel', 2.0, 2.0 * (1.0 - 0.5)), ('min', 'abs', 2.0, 2.0 - 0.5),
         ('max', 'rel', 2.0, 2.0 * (1.0 + 0.5)), ('max', 'abs', 2.0, 2.0 + 0.5)],
    )
    def test_a_value_exactly_at_the_bar_is_not_better(self, adapter, mode, threshold_mode,
                                                      first, bar):
        """Counts a value equal to the threshold-shifted best as a bad epoch (strict test)."""
        s = build(adapter, 1.0, mode=mode, threshold_mode=threshold_mode, threshold=0.5)
        call(s, first)
        call(s, bar)
        assert (s.best, s.num_bad_epochs) == (first, 1)
        step_past = math.nextafter(bar, -math.inf if mode == 'min' else math.inf)
        call(s, step_past)
        assert (s.best, s.num_bad_epochs) == (step_past, 0)


@pytest.mark.subject('RLR-IS-BETTER-EDGES')
class TestIsBetterEdges:
    @pytest.mark.parametrize(
        ('mode', 'threshold_mode', 'worse', 'improves'),
        [('min', 'rel', -9.9995, True), ('min', 'abs', -9.9995, False),
         ('max', 'rel', -10.0005, True), ('max', 'abs', -10.0005, False)],
    )
    def test_negative_best_inverts_the_rel_margin(self, adapter, mode, threshold_mode, worse,
                                                  improves):
        """Accepts a slightly worse value as improvement after a negative best in rel mode only."""
        s = build(adapter, 1.0, mode=mode, threshold_mode=threshold_mode)
        call(s, -10.0)
        call(s, worse)
        assert improves == oracle.is_better(worse, -10.0, mode, threshold_mode, s.threshold)
        assert bool(s.best == worse) is improves
        assert s.num_bad_epochs == (0 if improves else 1)

    @pytest.mark.parametrize('mode', ['min', 'max'])
    def test_nan_is_never_better(self, adapter, mode):
        """Counts NaN as a bad epoch, even on the first consuming call, and never stores it."""
        s = build(adapter, 1.0, mode=mode)
        for count in (1, 2):
            call(s, math.nan)
            assert s.best == s.mode_worse
            assert s.num_bad_epochs == count
        call(s, 1.0)
        call(s, math.nan)
        assert (s.best, s.num_bad_epochs) == (1.0, 1)

    @pytest.mark.parametrize(('mode', 'extreme'), [('min', -math.inf), ('max', math.inf)])
    def test_best_infinity_cannot_be_beaten(self, adapter, mode, extreme):
        """Stores the favourable infinity as best and counts every later value as bad."""
        s = build(adapter, 1.0, mode=mode)
        call(s, extreme)
        assert s.best == extreme
        for count, value in enumerate((1e300, -1e300, extreme, 0.0), start=1):
            call(s, value)
            assert (s.best, s.num_bad_epochs) == (extreme, count)

    @pytest.mark.parametrize(('mode', 'extreme'), [('min', math.inf), ('max', -math.inf)])
    def test_unfavourable_infinity_is_not_better_than_mode_worse(self, adapter, mode, extreme):
        """Counts the mode_worse infinity as bad on the first consuming call."""
        s = build(adapter, 1.0, mode=mode)
        call(s, extreme)
        assert (s.best, s.num_bad_epochs) == (s.mode_worse, 1)

    def test_repeated_zero_is_not_better_in_rel_mode(self, adapter):
        """Counts a repeated 0.0 as bad in min/rel mode, so lr is reduced."""
        trace = check_run(adapter, 3, (0.0,) * 3, kwargs=dict(patience=0, factor=0.5))
        assert column(trace) == [1.0, 1.0, 0.5, 0.25]


@pytest.mark.subject('RLR-COUNT')
class TestCount:
    @given(data=st.data())
    def test_best_and_bad_count_follow_each_value(self, adapter, data):
        """Updates best on an improvement and otherwise adds one bad epoch, call by call."""
        mode = data.draw(st.sampled_from(('min', 'max')), label='mode')
        threshold_mode = data.draw(st.sampled_from(('rel', 'abs')), label='threshold_mode')
        values = data.draw(st.lists(METRICS, min_size=1, max_size=12), label='values')
        kwargs = dict(mode=mode, threshold_mode=threshold_mode, patience=10**6)
        s = build(adapter, 1.0, **kwargs)
        best, bad = oracle.mode_worse(mode), 0
        for value in values:
            call(s, value)
            best, bad = oracle.counted(value, best, bad, kwargs)
            assert observed.same_number(s.best, best)
            assert s.num_bad_epochs == bad


def _plateau_rows(steps, kwargs):
    """RLR-PATIENCE and RLR-COOLDOWN in closed form: a plateau from lr 1.0, begin 0."""
    kw = oracle.rlr_arguments(kwargs)
    rows = [[1.0]]
    for call in range(1, steps + 1):
        lr = rows[-1][0]
        if oracle.plateau_reduces(call, kw['patience'], kw['cooldown']):
            lr = oracle.reduced(lr, kw['factor'], kw['min_lr'], kw['eps'])
        rows.append([lr])
    return rows


@pytest.mark.subject('RLR-PATIENCE')
class TestPatience:
    @pytest.mark.parametrize('patience', [0, 1, 2, 5])
    def test_reductions_follow_patience(self, adapter, patience):
        """Reduces on consuming call patience + 2 and then every patience + 1 calls."""
        steps, kwargs = 4 * (patience + 1) + 2, dict(patience=patience, factor=0.5)
        trace = run(adapter, steps, (1.0,) * steps, kwargs=kwargs)
        assert_rows(trace, _plateau_rows(steps, kwargs))

    @pytest.mark.parametrize('patience', [0, 1, 3])
    def test_exactly_patience_bad_calls_do_not_reduce(self, adapter, patience):
        """Keeps lr after exactly patience bad calls and reduces on one more."""
        s = build(adapter, 1.0, patience=patience, factor=0.5)
        call(s, 1.0)
        for _ in range(patience):
            call(s, 1.0)
        assert (lr_of(s), s.num_bad_epochs) == (1.0, patience)
        call(s, 1.0)
        assert (lr_of(s), s.num_bad_epochs) == (oracle.reduced(1.0, 0.5, 0.0, 1e-8), 0)

    @given(data=st.data())
    def test_trace_follows_the_per_call_rules(self, adapter, data):
        """Gives the trace of count, cooldown tick, patience test and reduction, per call."""
        kwargs = data.draw(rlr_rule_kwargs(), label='kwargs')
        lrs = data.draw(st.lists(LRS, min_size=1, max_size=3), label='lrs')
        steps = data.draw(st.integers(1, 12), label='steps')
        metrics = data.draw(st.lists(METRICS, min_size=steps, max_size=steps),
                            label='metrics')
        scenario = single('ReduceLR', lrs=tuple(lrs), steps=steps, metrics=tuple(metrics),
                          kwargs=kwargs)
        expected = oracle.rlr_outcome(lrs, metrics, kwargs)
        assert expected.error is None  # every call publishes a value
        compare.assert_rows(expected.trace(), driver.run(scenario, adapter), scenario)


@pytest.mark.subject('RLR-COOLDOWN')
class TestCooldown:
    @pytest.mark.parametrize(('patience', 'cooldown'), [(0, 1), (1, 2), (2, 0), (0, 3), (3, 1)])
    def test_constant_value_reduces_every_cooldown_plus_patience_plus_one(self, adapter, patience,
                                                                          cooldown):
        """Reduces first on call patience + 2, then every cooldown + patience + 1 calls."""
        steps = 3 * (cooldown + patience + 1) + patience + 2
        kwargs = dict(patience=patience, cooldown=cooldown, factor=0.5)
        trace = run(adapter, steps, (1.0,) * steps, kwargs=kwargs)
        assert_rows(trace, _plateau_rows(steps, kwargs))

    def test_counter_ticks_and_forgives_bad_epochs(self, adapter):
        """Counts down once per consuming call and resets num_bad_epochs while positive."""
        cooldown = 3
        s = build(adapter, 1.0, patience=0, cooldown=cooldown)
        call(s, 1.0)
        call(s, 1.0)  # the reduction starts the cooldown
        assert (s.cooldown_counter, s.in_cooldown) == (cooldown, True)
        for remaining in range(cooldown - 1, -1, -1):
            call(s, 1.0)
            assert (s.cooldown_counter, s.num_bad_epochs) == (remaining, 0)
        assert s.in_cooldown is False
        call(s, 1.0)
        assert s.cooldown_counter == cooldown  # the next bad call reduced again

    def test_improvement_during_cooldown_updates_best(self, adapter):
        """Stores a better value as best while cooling down."""
        s = build(adapter, 1.0, patience=0, cooldown=2, factor=0.5)
        call(s, 1.0)
        call(s, 1.0)
        call(s, 0.5)
        assert (s.best, s.cooldown_counter, lr_of(s)) == (0.5, 1, 0.5)


# -- the reduction ------------------------------------------------------------------------------


@pytest.mark.subject('RLR-REDUCE-ORDER')
class TestReduceOrder:
    @given(data=st.data())
    def test_one_reduction_tests_eps_before_flooring(self, adapter, data):
        """Sets max(lr*factor, min_lr) when lr - lr*factor > eps, else keeps lr, per group."""
        lrs = data.draw(st.lists(LRS, min_size=1, max_size=3), label='lrs')
        factor = data.draw(st.floats(0.0, 0.99), label='factor')
        min_lr = data.draw(st.one_of(st.sampled_from((0.0, 0.1, 1e-9)), st.floats(0, 2)),
                           label='min_lr')
        eps = data.draw(st.sampled_from((1e-8, 0.0, 1e-3, 0.05)), label='eps')
        kwargs = dict(patience=0, factor=factor, min_lr=min_lr, eps=eps)
        trace = check_run(adapter, 2, (1.0, 1.0), lrs=tuple(lrs), kwargs=kwargs)
        assert trace.error is None
        for group, lr in enumerate(lrs):
            assert observed.same(trace.lrs[2][group], oracle.reduced(lr, factor, min_lr, eps))

    @pytest.mark.parametrize(
        ('lr', 'factor', 'min_lr'), [(0.1 + 5e-9, 0.5, 0.1), (1e-6, 0.1, 9.95e-7)]
    )
    def test_floored_change_below_eps_is_still_applied(self, adapter, lr, factor, min_lr):
        """Applies a floored change smaller than eps that torch's order would ignore."""
        eps = 1e-8
        trace = check_run(adapter, 2, (1.0, 1.0), lrs=(lr,),
                          kwargs=dict(patience=0, factor=factor, min_lr=min_lr, eps=eps))
        torch_order = max(lr * factor, min_lr)
        assert lr - torch_order <= eps  # torch's ReduceLROnPlateau would keep lr
        assert column(trace)[2] == min_lr != lr


@pytest.mark.subject('RLR-EPS')
class TestEps:
    def test_eps_is_tested_per_group(self, adapter):
        """Holds back only the group whose decrement is not larger than eps."""
        lrs, factor, eps = (1.0, 0.1, 1e-9), 0.5, 1e-8
        trace = check_run(adapter, 4, (1.0,) * 4, lrs=lrs, kwargs=dict(patience=0, factor=factor))
        for call_index in range(2, 5):
            reductions = call_index - 1
            assert trace.lrs[call_index][:2] == [lr * factor**reductions for lr in lrs[:2]]
            assert trace.lrs[call_index][2] == lrs[2]
        assert lrs[2] - lrs[2] * factor <= eps

    @pytest.mark.parametrize(('lr', 'kept'), [(2e-8, True), (1.5e-8, True), (2.0000001e-8, False)])
    def test_strict_comparison_at_the_eps_boundary(self, adapter, lr, kept):
        """Keeps lr when lr - lr*factor equals or falls below eps (strict comparison)."""
        trace = check_run(adapter, 2, (1.0, 1.0), lrs=(lr,), kwargs=dict(patience=0, factor=0.5))
        assert (column(trace)[2] == lr) is kept
        assert kept is not (lr - lr * 0.5 > 1e-8)

    def test_zero_lr_is_never_raised_with_default_eps(self, adapter):
        """Keeps an lr of 0.0 even with a positive min_lr, because its decrement is 0."""
        trace = check_run(adapter, 3, (1.0,) * 3, lrs=(0.0,), kwargs=dict(patience=0, min_lr=0.1))
        assert column(trace) == [0.0] * 4


@pytest.mark.subject('RLR-MIN-LR')
class TestMinLr:
    def test_lr_below_min_lr_is_raised(self, adapter):
        """Raises an lr below min_lr to min_lr on the first reduction."""
        lr, min_lr = 0.01, 0.1
        trace = check_run(adapter, 3, (1.0,) * 3, lrs=(lr,),
                          kwargs=dict(patience=0, factor=0.5, min_lr=min_lr))
        assert column(trace) == [lr, lr, min_lr, min_lr]

    def test_floor_holds_lr_at_min_lr(self, adapter):
        """Floors a reduced lr at min_lr and keeps it there on later reductions."""
        factor, min_lr = 0.1, 0.05
        trace = check_run(adapter, 5, (1.0,) * 5,
                          kwargs=dict(patience=0, factor=factor, min_lr=min_lr))
        assert column(trace) == [1.0, 1.0, factor, min_lr, min_lr, min_lr]

    def test_lr_at_min_lr_is_replaced_by_min_lr(self, adapter):
        """Writes the min_lr object over an lr equal to it: an int min_lr turns 1.0 into 1."""
        trace = check_run(adapter, 2, (1.0,) * 2, lrs=(1.0, 2.0),
                          kwargs=dict(patience=0, factor=0.5, min_lr=1, eps=-1.0))
        assert trace.lrs[2] == [1, 1.0]
        assert [type(lr) for lr in trace.lrs[2]] == [int, float]

    def test_min_lr_is_not_applied_without_a_reduction(self, adapter):
        """Leaves an lr below min_lr alone while the value keeps improving."""
        trace = check_run(adapter, 4, (4.0, 3.0, 2.0, 1.0), lrs=(0.01,),
                          kwargs=dict(patience=0, min_lr=0.1))
        assert column(trace) == [0.01] * 5


@pytest.mark.subject('RLR-FACTOR-ZERO')
class TestFactorZero:
    @pytest.mark.parametrize('min_lr', [0.0, 0.05])
    def test_factor_zero_drops_to_min_lr(self, adapter, min_lr):
        """Sets lr to max(0.0, min_lr) on the first reduction and keeps it there."""
        trace = check_run(adapter, 4, (1.0,) * 4,
                          kwargs=dict(patience=0, factor=0.0, min_lr=min_lr))
        assert column(trace) == [1.0, 1.0] + [max(0.0, min_lr)] * 3

    def test_factor_zero_respects_eps(self, adapter):
        """Keeps a group whose lr is not larger than eps when factor is 0."""
        lrs = (1.0, 1e-8, 5e-9)
        trace = check_run(adapter, 2, (1.0, 1.0), lrs=lrs, kwargs=dict(patience=0, factor=0.0))
        assert trace.lrs[2] == [0.0, 1e-8, 5e-9]


@pytest.mark.subject('RLR-GROUPS')
class TestGroups:
    def test_every_group_is_reduced_on_the_same_call(self, adapter):
        """Reduces all groups on each reducing call, each floored separately."""
        lrs, factor, min_lr = (1.0, 0.3, 0.02), 0.5, 0.01
        kwargs = dict(patience=0, factor=factor, min_lr=min_lr)
        trace = check_run(adapter, 3, (1.0,) * 3, lrs=lrs, kwargs=kwargs)
        assert trace.error is None
        assert trace.lrs[2] == [max(lr * factor, min_lr) for lr in lrs]

    def test_reduction_starts_from_the_current_group_lr(self, adapter):
        """Reduces a group's lr as found, including a value set from outside."""
        s = build(adapter, 1.0, 1.0, patience=0, factor=0.5)
        call(s, 1.0)
        s.optimizer.param_groups[1]['lr'] = 0.2
        call(s, 1.0)
        assert [g['lr'] for g in s.optimizer.param_groups] == [0.5, 0.2 * 0.5]


@pytest.mark.subject('RLR-SHARED-HUB')
class TestSharedHub:
    def test_instances_bind_the_same_hub(self, adapter):
        """Binds every ReduceLR of the process to one 'reduce_lr' object."""
        first, second = build(adapter, 1.0), build(adapter, 1.0, mode='max')
        assert first.message_hub is second.message_hub

    def test_schedulers_stepped_after_one_publish_see_the_same_value(self, adapter):
        """Gives each of two schedulers the trace it has alone with the same published values."""
        metrics = (3.0, 2.0, 1.0, 1.5, 0.5)
        g_kwargs = dict(patience=0, factor=0.5)
        d_kwargs = dict(mode='max', patience=0, factor=0.5)
        both = Scenario(
            id='shared-hub',
            schedulers=(SchedulerSpec('ReduceLR', g_kwargs, 0),
                        SchedulerSpec('ReduceLR', d_kwargs, 1)),
            optimizers=(OptimizerSpec((1.0,)), OptimizerSpec((1.0,))),
            steps=len(metrics),
            metrics=metrics,
        )
        trace = driver.run(both, adapter)
        expected = [a + b for a, b in zip(expected_lrs((1.0,), metrics, **g_kwargs),
                                          expected_lrs((1.0,), metrics, **d_kwargs))]
        assert_rows(trace, expected)
        assert column(trace, 0) != column(trace, 1)


@pytest.mark.subject('RLR-OPTIM-WRAPPER')
class TestOptimWrapper:
    @given(data=st.data())
    def test_wrapper_and_bare_optimizer_give_the_same_real_groups(self, adapter, data):
        """Gives the real groups bitwise the same trace on an OptimWrapper as on the optimizer."""
        kwargs = data.draw(rlr_rule_kwargs(), label='kwargs')
        lrs = tuple(data.draw(st.lists(LRS, min_size=1, max_size=3), label='lrs'))
        steps = data.draw(st.integers(1, 8), label='steps')
        metrics = tuple(data.draw(st.lists(METRICS, min_size=steps, max_size=steps),
                                  label='metrics'))
        bare = single('ReduceLR', lrs=lrs, steps=steps, metrics=metrics, kwargs=kwargs)
        wrapped = single('ReduceLR', lrs=lrs, wrapper=True, steps=steps, metrics=metrics,
                         kwargs=kwargs)
        bare_trace, wrapped_trace = driver.run(bare, adapter), driver.run(wrapped, adapter)
        compare.assert_rows(oracle.rlr_outcome(lrs, metrics, kwargs).trace(), bare_trace, bare)
        real = driver.Trace([row[: len(lrs)] for row in wrapped_trace.lrs], wrapped_trace.error)
        assert_same_trace(wrapped, bare_trace, real)

    def test_pseudo_group_is_reduced_too(self, adapter):
        """Reduces the wrapper's pseudo-group of a multi-group optimizer like a real group."""
        lrs = (1.0, 0.1)
        trace = check_run(adapter, 2, (1.0, 1.0), lrs=lrs, wrapper=True,
                          kwargs=dict(patience=0, factor=0.5))
        assert trace.lrs[0] == [*lrs, lrs[0]]
        assert trace.lrs[2] == [oracle.reduced(lr, 0.5, 0.0, 1e-8) for lr in (*lrs, lrs[0])]


# -- resume without state, iteration-based builds -----------------------------------------------


@pytest.mark.subject('RLR-RESUME-LAST-STEP')
class TestResumeLastStep:
    def test_resume_without_initial_lr_raises_key_error(self, adapter):
        """Raises the base constructor's KeyError when a group lacks initial_lr."""
        trace = run(adapter, 1, (1.0,), kwargs=dict(last_step=5))
        error = trace.error
        assert error is not None
        # mmengine's base constructor writes the message (WIN-RESUME-INITIAL-VALUE): normative.
        assert (error.type, error.message, error.step, error.phase) == (
            'KeyError', repr(oracle.initial_lr_message(0)), 0, 'construct')

    @pytest.mark.parametrize('last_step', [0, 5])
    def test_in_window_resume_raises_attribute_error(self, adapter, last_step):
        """Raises AttributeError for message_hub when call 0 is active and consuming."""
        trace = check_run(adapter, 1, (1.0,), initial_lrs=(1.0,),
                          kwargs=dict(last_step=last_step))
        assert (trace.error.type, trace.error.step, trace.error.phase) == (
            'AttributeError', 0, 'construct')

    def test_out_of_window_resume_consumes_from_the_first_active_call(self, adapter):
        """Constructs with begin > 0 and reads a value on the first active call."""
        begin, last_step = 2, 5
        s = classes_of(adapter)['ReduceLR'](make_optimizer(1.0, initial=(1.0,)),
                                            last_step=last_step, begin=begin, patience=0,
                                            factor=0.5)
        assert (s.last_step, s._global_step) == (last_step, 0)
        call(s)  # call 1: inactive, reads nothing
        with pytest.raises(KeyError):
            call(s)  # call 2 = begin: active with last_step 6, so it consumes
        trace = check_run(adapter, 4, (1.0,) * 4, initial_lrs=(1.0,),
                          kwargs=dict(last_step=last_step, begin=begin, patience=0, factor=0.5))
        assert trace.error is None
        assert column(trace)[begin + 1] < 1.0  # one call after the first value read


@pytest.mark.subject('RLR-NO-ITER-FROM-EPOCH')
class TestNoIterFromEpoch:
    def test_class_has_no_build_iter_from_epoch(self, adapter):
        """Lacks build_iter_from_epoch, so the driver's iteration-based build fails at once."""
        assert not hasattr(classes_of(adapter)['ReduceLR'], 'build_iter_from_epoch')
        trace = run(adapter, 1, (1.0,), build='iter_from_epoch')
        assert trace.error is not None
        assert (trace.error.type, trace.error.step, trace.error.phase) == (
            'AttributeError', 0, 'construct')
        assert trace.lrs == []

    def test_convert_to_iter_based_config_raises_attribute_error(self, adapter):
        """Raises AttributeError from mmengine's builder before constructing anything."""
        optimizer = make_optimizer(1.0)
        cfg = dict(type=classes_of(adapter)['ReduceLR'], convert_to_iter_based=True, patience=2)
        with pytest.raises(AttributeError):
            PARAM_SCHEDULERS.build(cfg, default_args=dict(optimizer=optimizer, epoch_length=4))
        assert 'initial_lr' not in optimizer.param_groups[0]

    def test_by_epoch_false_fails_mmengine_assertion_first(self, adapter):
        """Raises mmengine's AssertionError when converting a by_epoch=False config."""
        cfg = dict(type=classes_of(adapter)['ReduceLR'], convert_to_iter_based=True, by_epoch=False)
        with pytest.raises(AssertionError):
            PARAM_SCHEDULERS.build(cfg, default_args=dict(optimizer=make_optimizer(1.0),
                                                          epoch_length=4))

    def test_config_without_conversion_drops_epoch_length(self, adapter):
        """Builds normally through mmengine's builder, which discards epoch_length."""
        cfg = dict(type=classes_of(adapter)['ReduceLR'], patience=2)
        s = PARAM_SCHEDULERS.build(cfg, default_args=dict(optimizer=make_optimizer(1.0),
                                                          epoch_length=4))
        assert (s.patience, s.by_epoch, s.end) == (2, True, INF)
