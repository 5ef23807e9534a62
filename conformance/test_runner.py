"""Real mmengine Runners against the driver: the LOOP-* clauses, bit for bit.

Each test trains a tiny linear model on the CPU with a real Runner and the implementation's
schedulers (harness/runner.py), then runs the scenario that describes the same run through
driver.run and requires the same lrs after every round of scheduler calls and at every
iteration. ReduceLRSchedulerHook is the reference hook in every run; TestUpstreamHook shows that
upstream's hook publishes the same values and steps at the same points.
"""

from __future__ import annotations

import re

import pytest
from mmengine.logging import MessageHub

from conformance.harness import compare, configs, driver, observed, oracle, upstream
from conformance.harness.adapters import REDUCE_LR_HUB
from conformance.harness.driver import ErrorRecord, Trace
from conformance.harness.isolation import isolated_message_hubs
from conformance.harness.runner import SAMPLE_KEYS, StreamMetric, train
from conformance.harness.scenario import OptimizerSpec, Scenario, SchedulerSpec, single
from reference.hook import ReduceLRSchedulerHook

pytestmark = pytest.mark.runner

_HOOK_SUFFIX = re.compile(r' in <[^<>]*>$')


@pytest.fixture
def classes(adapter):
    """The implementation's scheduler classes, which a Runner builds from its config."""
    found = getattr(adapter, 'classes', None)
    if not found:
        pytest.skip(f'not applicable: {adapter.name} builds no classes a Runner could use')
    return found


# -- comparison ------------------------------------------------------------------------------


def _as_driver_error(error):
    """The Runner re-raises a hook's TypeError with ' in <hook>' appended; the rest is the same."""
    if error is None:
        return None
    return ErrorRecord(error.type, _HOOK_SUFFIX.sub('', error.message), error.step, error.phase)


def _expand(rows, rounds, iterations):
    """The lr every iteration uses when round k (after ``rounds[k-1]`` iterations) sets rows[k]."""
    used, done = [], 0
    for iteration in range(iterations):
        while done < len(rounds) and rounds[done] <= iteration:
            done += 1
        used.append(rows[min(done, len(rows) - 1)])
    return used


def _same_rows(want, got):
    return len(want) == len(got) and all(
        len(a) == len(b) and all(observed.same(x, y) for x, y in zip(a, b))
        for a, b in zip(want, got)
    )


def assert_runner_is_driver(scenario, record, adapter, *, uniform=True, error=None):
    """The Runner's rows, error and per-iteration lrs equal the driver's for ``scenario``.

    The driver's run must first end as the test says: without an exception, or with ``error``
    (type, call); two runs that fail alike would otherwise agree about nothing.
    ``uniform``: the scenario's loop also says where the rounds fall (every iteration, or every
    ``epoch_length`` iterations), so the driver's own lrs_used must match too.
    """
    __tracebackhide__ = True
    expected = driver.run(scenario, adapter)
    ended = None if expected.error is None else (expected.error.type, expected.error.step)
    assert ended == error, f'{scenario.id}: the driver run ends with {expected.error}'
    if error is None:
        assert len(expected.lrs) == scenario.steps + 1
    got = Trace(lrs=record.rows, error=_as_driver_error(record.error))
    compare.assert_same_trace(scenario, expected, got)
    placed = _expand(expected.lrs, record.rounds, len(record.used))
    assert _same_rows(placed, record.used), (
        f'{scenario.id}: the Runner used other lrs than the driver rows placed at its rounds\n'
        f'  rounds {record.rounds}\n  runner {record.used}\n  driver {placed}'
    )
    if uniform and record.error is None:
        per_call = 1 if scenario.loop == 'iter' else scenario.epoch_length
        assert record.rounds == [per_call * k for k in range(1, scenario.steps + 1)]
        assert _same_rows(driver.lrs_used(expected, scenario), record.used)


def loss_averages(record, block):
    """What the hook publishes for the losses the run logged, ``block`` iterations at a time."""
    return oracle.loss_averages(record.losses, record.batch_lengths, block)


def _same_values(want, got):
    return len(want) == len(got) and all(observed.same(a, b) for a, b in zip(want, got))


def _lli(**kwargs):
    return {'start_factor': 0.5, 'end_factor': 0.0, **kwargs}


def _wrapped(*lrs):
    return (OptimizerSpec(tuple(lrs), wrapper=True),)


# -- the loops -------------------------------------------------------------------------------


@pytest.mark.subject('LOOP-ITER')
@pytest.mark.scheduler('LinearLrInterval')
class TestIterationLoop:
    @pytest.mark.subject('LLI-RUNNER-LAG')
    @pytest.mark.touches('LLI-FIRST-STEP-DIP', 'LLI-BEFORE-BEGIN')
    def test_linear_interval_matches_driver(self, adapter, classes):
        """Uses at iteration i the driver's lr after i calls, dip and lag included."""
        kwargs = {'start_factor': 2e-4, 'end_factor': 0.0, 'begin': 10, 'end': 30,
                  'interval': 4, 'by_epoch': False}
        record = train(schedulers={'type': classes['LinearLrInterval'], **kwargs},
                       lrs=((2e-4,),), iterations=34)
        scenario = single('LinearLrInterval', 'runner-iter-lli', lrs=(2e-4,), wrapper=True,
                          kwargs=kwargs, steps=34)
        assert_runner_is_driver(scenario, record, adapter)

    @pytest.mark.subject('WIN-CONSTRUCTOR-STEP')
    def test_constructor_step_precedes_iteration_zero(self, adapter, classes):
        """Trains iteration 0 with the lr the constructor's in-window call wrote."""
        kwargs = _lli(begin=0, end=8, interval=2, by_epoch=False)
        record = train(schedulers={'type': classes['LinearLrInterval'], **kwargs}, iterations=12)
        scenario = single('LinearLrInterval', 'runner-iter-begin0', wrapper=True, kwargs=kwargs,
                          steps=12)
        assert record.used[0] == [0.1 * kwargs['start_factor']]
        assert_runner_is_driver(scenario, record, adapter)

    @pytest.mark.subject('WIN-BY-EPOCH')
    def test_epoch_scheduler_steps_once_after_the_last_iteration(self, adapter, classes):
        """Steps a by_epoch scheduler once, after the last iteration of an iteration loop."""
        kwargs = _lli(begin=0, end=8)
        record = train(schedulers={'type': classes['LinearLrInterval'], **kwargs}, iterations=5)
        assert record.rounds == [5]
        scenario = single('LinearLrInterval', 'runner-iter-epoch-scheduler', wrapper=True,
                          kwargs=kwargs, steps=1, loop='epoch', epoch_length=5)
        assert_runner_is_driver(scenario, record, adapter)


@pytest.mark.subject('LOOP-EPOCH')
@pytest.mark.scheduler('LinearLrInterval')
class TestEpochLoop:
    @pytest.mark.subject('LLI-PROGRESS-SOURCE')
    @pytest.mark.touches('LLI-RUNNER-LAG')
    def test_epoch_scheduler_matches_driver(self, adapter, classes):
        """Uses in every iteration of epoch e the driver's lr after e calls."""
        kwargs = _lli(begin=2, end=6, interval=1, by_epoch=True)
        record = train(schedulers={'type': classes['LinearLrInterval'], **kwargs},
                       loop='epoch', epochs=8, epoch_length=3)
        scenario = single('LinearLrInterval', 'runner-epoch-lli', wrapper=True, kwargs=kwargs,
                          steps=8, loop='epoch', epoch_length=3)
        assert_runner_is_driver(scenario, record, adapter)

    def test_iteration_scheduler_steps_every_iteration(self, adapter, classes):
        """Steps a by_epoch=False scheduler after every iteration of an epoch loop."""
        kwargs = _lli(begin=3, end=15, interval=3, by_epoch=False)
        record = train(schedulers={'type': classes['LinearLrInterval'], **kwargs},
                       loop='epoch', epochs=4, epoch_length=4)
        scenario = single('LinearLrInterval', 'runner-epoch-iter-lli', wrapper=True,
                          kwargs=kwargs, steps=16)
        assert_runner_is_driver(scenario, record, adapter)


@pytest.mark.subject('LOOP-DEFAULT-END')
class TestDefaultEnd:
    @pytest.mark.scheduler('LinearLrInterval')
    def test_iteration_scheduler_ends_at_max_iters(self, adapter, classes):
        """Builds a by_epoch=False config without end with end = max_iters."""
        kwargs = _lli(begin=0, interval=2, by_epoch=False)
        record = train(schedulers={'type': classes['LinearLrInterval'], **kwargs}, iterations=10)
        assert record.built[0]['end'] == 10
        scenario = single('LinearLrInterval', 'runner-default-end-iter', wrapper=True,
                          kwargs={**kwargs, 'end': 10}, steps=10)
        assert_runner_is_driver(scenario, record, adapter)

    @pytest.mark.scheduler('ReduceLR')
    def test_epoch_scheduler_ends_at_max_epochs(self, adapter, classes):
        """Builds a config without end or by_epoch with end = max_epochs."""
        kwargs = {'patience': 0, 'factor': 0.5, 'threshold': 0.6}
        record = train(schedulers={'type': classes['ReduceLR'], **kwargs}, loop='epoch',
                       epochs=6, epoch_length=2, hook={'type': ReduceLRSchedulerHook})
        assert record.built[0]['end'] == 6
        scenario = single('ReduceLR', 'runner-default-end-epoch', wrapper=True,
                          kwargs={**kwargs, 'end': 6}, steps=6, loop='epoch', epoch_length=2,
                          metrics=tuple(loss_averages(record, 2)))
        assert_runner_is_driver(scenario, record, adapter)


@pytest.mark.subject('LOOP-CONVERT-ITER')
@pytest.mark.touches('LLI-ITER-FROM-EPOCH')
@pytest.mark.scheduler('LinearLrInterval')
class TestConvertToIterBased:
    def test_window_scales_by_dataloader_length(self, adapter, classes):
        """Builds begin and end times len(train_dataloader), keeps interval, steps per iteration."""
        kwargs = _lli(begin=1, end=3, interval=2)
        record = train(schedulers={'type': classes['LinearLrInterval'], **kwargs,
                                   'convert_to_iter_based': True},
                       loop='epoch', epochs=4, epoch_length=4)
        built = record.built[0]
        assert (built['begin'], built['end'], built['interval'], built['by_epoch']) == (
            kwargs['begin'] * 4, kwargs['end'] * 4, kwargs['interval'], False)
        scenario = single('LinearLrInterval', 'runner-convert', wrapper=True, kwargs=kwargs,
                          build='iter_from_epoch', steps=16, loop='iter', epoch_length=4)
        assert_runner_is_driver(scenario, record, adapter)

    def test_default_end_is_scaled_too(self, adapter, classes):
        """Scales the default end (max_epochs) by the dataloader length as well."""
        kwargs = _lli(begin=1, interval=2)
        record = train(schedulers={'type': classes['LinearLrInterval'], **kwargs,
                                   'convert_to_iter_based': True},
                       loop='epoch', epochs=4, epoch_length=4)
        assert record.built[0]['end'] == 4 * 4
        scenario = single('LinearLrInterval', 'runner-convert-default-end', wrapper=True,
                          kwargs={**kwargs, 'end': 4}, build='iter_from_epoch', steps=16,
                          epoch_length=4)
        assert_runner_is_driver(scenario, record, adapter)


# -- ReduceLRSchedulerHook ---------------------------------------------------------------------


@pytest.mark.subject('LOOP-HOOK-TRAIN-LOSS')
@pytest.mark.scheduler('ReduceLR')
class TestHookTrainLoss:
    @pytest.mark.subject('LOOP-ITER')
    @pytest.mark.touches('RLR-METRIC-CURRENT', 'RLR-PATIENCE')
    def test_every_iteration(self, adapter, classes):
        """Publishes each iteration's loss and steps after it, as the driver's iter loop does."""
        kwargs = {'by_epoch': False, 'patience': 1, 'factor': 0.5}
        record = train(schedulers={'type': classes['ReduceLR'], **kwargs}, iterations=40,
                       hook={'type': ReduceLRSchedulerHook, 'by_epoch': False, 'interval': 1})
        assert record.batch_lengths == [len(SAMPLE_KEYS)] * 40
        averages = loss_averages(record, 1)
        assert _same_values(averages, record.published)
        assert len({row[0] for row in record.rows}) > 1, 'the run never reduced the lr'
        scenario = single('ReduceLR', 'runner-hook-loss-iter', wrapper=True, kwargs=kwargs,
                          steps=40, metrics=tuple(averages))
        assert_runner_is_driver(scenario, record, adapter)

    def test_average_over_interval_iterations(self, adapter, classes):
        """Publishes the weighted mean of every 3 losses, then steps, like 3-iteration epochs."""
        kwargs = {'by_epoch': False, 'patience': 0, 'factor': 0.5}
        record = train(schedulers={'type': classes['ReduceLR'], **kwargs}, iterations=36,
                       hook={'type': ReduceLRSchedulerHook, 'by_epoch': False, 'interval': 3})
        averages = loss_averages(record, 3)
        assert _same_values(averages, record.published)
        scenario = single('ReduceLR', 'runner-hook-loss-iter3', wrapper=True, kwargs=kwargs,
                          steps=12, loop='epoch', epoch_length=3, metrics=tuple(averages))
        assert_runner_is_driver(scenario, record, adapter)

    @pytest.mark.subject('LOOP-EPOCH')
    def test_average_over_each_epoch(self, adapter, classes):
        """Publishes the mean loss of each epoch after it and steps by_epoch schedulers."""
        kwargs = {'by_epoch': True, 'patience': 0, 'factor': 0.5, 'threshold': 0.6, 'end': 8}
        record = train(schedulers={'type': classes['ReduceLR'], **kwargs}, loop='epoch',
                       epochs=8, epoch_length=5,
                       hook={'type': ReduceLRSchedulerHook, 'by_epoch': True, 'interval': 1})
        averages = loss_averages(record, 5)
        assert _same_values(averages, record.published)
        assert len({row[0] for row in record.rows}) > 1, 'the run never reduced the lr'
        scenario = single('ReduceLR', 'runner-hook-loss-epoch', wrapper=True, kwargs=kwargs,
                          steps=8, loop='epoch', epoch_length=5, metrics=tuple(averages))
        assert_runner_is_driver(scenario, record, adapter)

    @pytest.mark.subject('LOOP-EPOCH')
    def test_average_over_interval_epochs(self, adapter, classes):
        """Publishes after epochs 1, 3, 5 the mean over both epochs' iterations."""
        kwargs = {'by_epoch': True, 'patience': 0, 'factor': 0.5, 'threshold': 0.6, 'end': 8}
        record = train(schedulers={'type': classes['ReduceLR'], **kwargs}, loop='epoch',
                       epochs=8, epoch_length=3,
                       hook={'type': ReduceLRSchedulerHook, 'by_epoch': True, 'interval': 2})
        averages = loss_averages(record, 6)
        assert _same_values(averages, record.published)
        scenario = single('ReduceLR', 'runner-hook-loss-epoch2', wrapper=True, kwargs=kwargs,
                          steps=4, loop='epoch', epoch_length=6, metrics=tuple(averages))
        assert_runner_is_driver(scenario, record, adapter)

    def test_schedulers_of_the_other_kind_never_step(self, adapter, classes):
        """Never steps a by_epoch=False scheduler when the hook works by epoch."""
        kwargs = {'by_epoch': False, 'patience': 0, 'factor': 0.5}
        record = train(schedulers={'type': classes['ReduceLR'], **kwargs}, loop='epoch',
                       epochs=3, epoch_length=2,
                       hook={'type': ReduceLRSchedulerHook, 'by_epoch': True, 'interval': 1})
        assert record.rounds == []
        assert _same_values(loss_averages(record, 2), record.published)
        scenario = single('ReduceLR', 'runner-hook-loss-never', wrapper=True,
                          kwargs={**kwargs, 'end': 6}, steps=0)
        assert_runner_is_driver(scenario, record, adapter, uniform=False)

    def test_validation_steps_nothing(self, adapter, classes):
        """Leaves validations alone: steps and publishes only after training epochs."""
        kwargs = {'by_epoch': True, 'patience': 0, 'factor': 0.5, 'threshold': 0.6, 'end': 5}
        record = train(schedulers={'type': classes['ReduceLR'], **kwargs}, loop='epoch',
                       epochs=5, epoch_length=2, hook={'type': ReduceLRSchedulerHook},
                       val_metric=StreamMetric('MAE', TestHookValMetric.MAE))
        averages = loss_averages(record, 2)
        assert _same_values(averages, record.published)
        scenario = single('ReduceLR', 'runner-hook-loss-with-val', wrapper=True, kwargs=kwargs,
                          steps=5, loop='epoch', epoch_length=2, metrics=tuple(averages))
        assert_runner_is_driver(scenario, record, adapter)


@pytest.mark.subject('LOOP-HOOK-VAL-METRIC')
@pytest.mark.scheduler('ReduceLR')
class TestHookValMetric:
    MAE = (5.0, 4.0, 4.0, 4.5, 3.0, 3.0, 3.25, 3.0, 2.0, 2.5, 2.5, 2.5)

    @pytest.mark.subject('LOOP-EPOCH')
    @pytest.mark.touches('RLR-PATIENCE')
    def test_every_validation_epoch(self, adapter, classes):
        """Publishes each validation's metric and steps after it, as the driver's epoch loop."""
        kwargs = {'by_epoch': True, 'patience': 1, 'factor': 0.5, 'end': 12}
        record = train(schedulers={'type': classes['ReduceLR'], **kwargs}, loop='epoch',
                       epochs=12, epoch_length=2,
                       hook={'type': ReduceLRSchedulerHook, 'val_metric': 'MAE'},
                       val_metric=StreamMetric('MAE', self.MAE))
        assert _same_values(oracle.metric_averages(self.MAE, [1] * 12), record.published)
        scenario = single('ReduceLR', 'runner-hook-val-epoch', wrapper=True, kwargs=kwargs,
                          steps=12, loop='epoch', epoch_length=2, metrics=self.MAE)
        assert_runner_is_driver(scenario, record, adapter)

    def test_epoch_interval_counts_the_finished_epoch(self, adapter, classes):
        """With interval 2 publishes after epochs 0, 2, 4, ...: first one value, then two."""
        kwargs = {'by_epoch': True, 'patience': 0, 'factor': 0.5, 'end': 11}
        record = train(schedulers={'type': classes['ReduceLR'], **kwargs}, loop='epoch',
                       epochs=11, epoch_length=2,
                       hook={'type': ReduceLRSchedulerHook, 'val_metric': 'MAE', 'interval': 2},
                       val_metric=StreamMetric('MAE', self.MAE))
        epochs = [e for e in range(11) if (e + 2) % 2 == 0]
        assert record.rounds == [2 * (e + 1) for e in epochs]
        averages = oracle.metric_averages(self.MAE, [1] + [2] * (len(epochs) - 1))
        assert _same_values(averages, record.published)
        # The rounds are not evenly spaced, so the scenario is one call per publication.
        scenario = single('ReduceLR', 'runner-hook-val-epoch2', wrapper=True, kwargs=kwargs,
                          steps=len(epochs), metrics=tuple(averages))
        assert_runner_is_driver(scenario, record, adapter, uniform=False)

    @pytest.mark.subject('LOOP-ITER')
    def test_iteration_loop_validation(self, adapter, classes):
        """Publishes and steps after every validation of an iteration loop."""
        kwargs = {'by_epoch': False, 'patience': 0, 'factor': 0.5, 'end': 48}
        record = train(schedulers={'type': classes['ReduceLR'], **kwargs}, iterations=48,
                       hook={'type': ReduceLRSchedulerHook, 'val_metric': 'MAE',
                             'by_epoch': False},
                       val_interval=4, val_metric=StreamMetric('MAE', self.MAE))
        assert _same_values(list(self.MAE), record.published)
        scenario = single('ReduceLR', 'runner-hook-val-iter', wrapper=True, kwargs=kwargs,
                          steps=12, loop='epoch', epoch_length=4, metrics=self.MAE)
        assert_runner_is_driver(scenario, record, adapter)

    @pytest.mark.subject('LOOP-HOOK-HUB')
    @pytest.mark.touches('LLI-CURRENT-HUB')
    @pytest.mark.scheduler('LinearLrInterval')
    def test_steps_every_scheduler_whatever_its_by_epoch(self, adapter, classes):
        """Steps a by_epoch=False LinearLrInterval once per validation too."""
        rlr = {'by_epoch': True, 'patience': 0, 'factor': 0.5, 'end': 6}
        lli = _lli(begin=0, end=8, interval=2, by_epoch=False)
        # 'reduce_lr' made first (as by an earlier Runner in the process): see LOOP-HOOK-HUB.
        MessageHub.get_instance(REDUCE_LR_HUB)
        record = train(schedulers=[{'type': classes['ReduceLR'], **rlr},
                                   {'type': classes['LinearLrInterval'], **lli}],
                       loop='epoch', epochs=6, epoch_length=2,
                       hook={'type': ReduceLRSchedulerHook, 'val_metric': 'MAE'},
                       val_metric=StreamMetric('MAE', self.MAE))
        scenario = Scenario(
            id='runner-hook-val-all', schedulers=(SchedulerSpec('ReduceLR', rlr),
                                                  SchedulerSpec('LinearLrInterval', lli)),
            optimizers=_wrapped(0.1), steps=6, loop='epoch', epoch_length=2,
            metrics=self.MAE, reduce_lr_hub_first=True)
        assert_runner_is_driver(scenario, record, adapter)

    @pytest.mark.subject('LOOP-OPTIM-WRAPPER-DICT')
    def test_steps_every_optimizers_schedulers(self, adapter, classes):
        """Steps the schedulers of every optimizer after each validation."""
        kwargs = {'by_epoch': True, 'patience': 0, 'factor': 0.5, 'end': 8}
        record = train(schedulers={'type': classes['ReduceLR'], **kwargs},
                       lrs=((0.1,), (0.2,)), optimizer_names=['generators', 'discriminators'],
                       loop='epoch', epochs=8, epoch_length=1,
                       hook={'type': ReduceLRSchedulerHook, 'val_metric': 'MAE'},
                       val_metric=StreamMetric('MAE', self.MAE))
        scenario = Scenario(
            id='runner-hook-val-dict',
            schedulers=(SchedulerSpec('ReduceLR', kwargs, 0), SchedulerSpec('ReduceLR', kwargs, 1)),
            optimizers=_wrapped(0.1) + _wrapped(0.2), steps=8, loop='epoch', metrics=self.MAE)
        assert_runner_is_driver(scenario, record, adapter)

    def test_runner_without_schedulers_raises_type_error(self):
        """Raises TypeError after a validation when the Runner has no schedulers at all."""
        record = train(schedulers=None, loop='epoch', epochs=2, epoch_length=1,
                       hook={'type': ReduceLRSchedulerHook, 'val_metric': 'MAE'},
                       val_metric=StreamMetric('MAE', self.MAE))
        assert record.error is not None
        assert record.error.type == 'TypeError'
        assert 'runner.param_schedulers should be list of ParamScheduler' in record.error.message
        assert record.published == [self.MAE[0]]

    def test_missing_metric_raises_key_error(self, classes):
        """Raises KeyError naming the metric when validation did not produce it."""
        record = train(schedulers={'type': classes['ReduceLR'], 'by_epoch': True}, loop='epoch',
                       epochs=2, epoch_length=1,
                       hook={'type': ReduceLRSchedulerHook, 'val_metric': 'PSNR'},
                       val_metric=StreamMetric('MAE', self.MAE))
        assert record.error == ErrorRecord('KeyError', repr('PSNR is not found in metrics'), 1,
                                           'step')


@pytest.mark.subject('LOOP-HOOK-HUB')
@pytest.mark.touches('LLI-CURRENT-HUB', 'LLI-PROGRESS-MISSING')
@pytest.mark.scheduler('ReduceLR', 'LinearLrInterval')
class TestHookHub:
    def test_linear_interval_reads_the_hook_hub(self, adapter, classes):
        """Fails at the LinearLrInterval's second active call, as the driver predicts."""
        rlr = {'by_epoch': True, 'patience': 0, 'factor': 0.5, 'end': 6}
        lli = _lli(begin=0, end=8, interval=2, by_epoch=False)
        record = train(schedulers=[{'type': classes['ReduceLR'], **rlr},
                                   {'type': classes['LinearLrInterval'], **lli}],
                       loop='epoch', epochs=6, epoch_length=2,
                       hook={'type': ReduceLRSchedulerHook, 'val_metric': 'MAE'},
                       val_metric=StreamMetric('MAE', TestHookValMetric.MAE))
        assert record.error is not None
        assert record.error.type == 'TypeError'
        scenario = Scenario(
            id='runner-hook-hub', schedulers=(SchedulerSpec('ReduceLR', rlr),
                                              SchedulerSpec('LinearLrInterval', lli)),
            optimizers=_wrapped(0.1), steps=6, loop='epoch', epoch_length=2,
            metrics=TestHookValMetric.MAE)
        second = oracle.second_active_call(lli['begin'], lli['end'], scenario.steps)
        assert_runner_is_driver(scenario, record, adapter, error=('TypeError', second))


# -- several optimizers, several groups --------------------------------------------------------


@pytest.mark.subject('LOOP-OPTIM-WRAPPER-DICT')
class TestOptimWrapperDict:
    @pytest.mark.subject('LOOP-ITER')
    @pytest.mark.scheduler('LinearLrInterval')
    def test_one_config_builds_one_scheduler_per_optimizer(self, adapter, classes):
        """Schedules each optimizer with its own copy of a single config."""
        kwargs = _lli(begin=2, end=10, interval=2, by_epoch=False)
        record = train(schedulers={'type': 'LinearLrInterval', **kwargs}, classes=classes,
                       lrs=((0.1,), (0.2,)), optimizer_names=['generators', 'discriminators'],
                       iterations=12)
        assert [b['type'] for b in record.built] == ['LinearLrInterval'] * 2
        scenario = Scenario(
            id='runner-dict-lli',
            schedulers=(SchedulerSpec('LinearLrInterval', kwargs, 0),
                        SchedulerSpec('LinearLrInterval', kwargs, 1)),
            optimizers=_wrapped(0.1) + _wrapped(0.2), steps=12)
        assert_runner_is_driver(scenario, record, adapter)

    @pytest.mark.subject('LOOP-HOOK-TRAIN-LOSS')
    @pytest.mark.touches('RLR-SHARED-HUB')
    @pytest.mark.scheduler('ReduceLR')
    def test_every_copy_reads_the_one_published_value(self, adapter, classes):
        """Lets every optimizer's ReduceLR consume the same published average."""
        kwargs = {'by_epoch': False, 'patience': 0, 'factor': 0.5}
        record = train(schedulers={'type': classes['ReduceLR'], **kwargs},
                       lrs=((0.1,), (0.2,)), optimizer_names=['generators', 'discriminators'],
                       iterations=30,
                       hook={'type': ReduceLRSchedulerHook, 'by_epoch': False, 'interval': 2})
        averages = loss_averages(record, 2)
        scenario = Scenario(
            id='runner-dict-rlr',
            schedulers=(SchedulerSpec('ReduceLR', kwargs, 0), SchedulerSpec('ReduceLR', kwargs, 1)),
            optimizers=_wrapped(0.1) + _wrapped(0.2), steps=15, loop='epoch', epoch_length=2,
            metrics=tuple(averages))
        assert_runner_is_driver(scenario, record, adapter)

    @pytest.mark.scheduler('LinearLrInterval', 'ReduceLR')
    def test_dict_config_gives_each_optimizer_its_own_list(self, adapter, classes):
        """Builds a config keyed by optimizer name for that optimizer only."""
        lli = _lli(begin=1, end=9, interval=2, by_epoch=False)
        rlr = {'by_epoch': False, 'patience': 0, 'factor': 0.5, 'end': 12}
        MessageHub.get_instance(REDUCE_LR_HUB)  # else the hook breaks the LinearLrInterval
        record = train(schedulers={'g': {'type': 'LinearLrInterval', **lli},
                                   'd': [{'type': 'ReduceLR', **rlr}]}, classes=classes,
                       lrs=((0.1,), (0.2,)), optimizer_names=['g', 'd'], iterations=12,
                       hook={'type': ReduceLRSchedulerHook, 'by_epoch': False, 'interval': 1})
        assert [b['type'] for b in record.built] == ['LinearLrInterval', 'ReduceLR']
        scenario = Scenario(
            id='runner-dict-config',
            schedulers=(SchedulerSpec('LinearLrInterval', lli, 0),
                        SchedulerSpec('ReduceLR', rlr, 1)),
            optimizers=_wrapped(0.1) + _wrapped(0.2), steps=12,
            metrics=tuple(loss_averages(record, 1)), reduce_lr_hub_first=True)
        assert_runner_is_driver(scenario, record, adapter)


@pytest.mark.subject('WIN-WRAPPER-BASE-GROUP')
@pytest.mark.touches('LLI-GROUPS-COLLAPSE', 'LOOP-ITER')
@pytest.mark.scheduler('LinearLrInterval')
class TestWrapperBaseGroup:
    def test_several_groups_gain_a_base_group(self, adapter, classes):
        """Schedules mmengine's extra base group (the optimizer's default lr) like the others."""
        kwargs = _lli(begin=1, end=7, interval=2, by_epoch=False)
        record = train(schedulers={'type': classes['LinearLrInterval'], **kwargs},
                       lrs=((0.1, 0.02),), iterations=8)
        assert record.rows[0] == [0.1, 0.02, 0.1]  # groups, then the base group at lrs[0]
        scenario = single('LinearLrInterval', 'runner-base-group', lrs=(0.1, 0.02),
                          wrapper=True, kwargs=kwargs, steps=8)
        assert_runner_is_driver(scenario, record, adapter)


# -- upstream's hook -------------------------------------------------------------------------


def _upstream_hook():
    try:
        return upstream.load().hook
    except ImportError as exc:
        pytest.skip(f'not applicable: no upstream hook to compare with ({exc})')


_HOOK_RUNS = {
    'loss-iter3': dict(loop='iter', iterations=24, hook={'by_epoch': False, 'interval': 3},
                       rlr={'by_epoch': False, 'patience': 0, 'factor': 0.5}),
    'loss-epoch2': dict(loop='epoch', epochs=6, epoch_length=3,
                        hook={'by_epoch': True, 'interval': 2},
                        rlr={'by_epoch': True, 'patience': 0, 'factor': 0.5, 'threshold': 0.6}),
    'loss-mismatch': dict(loop='epoch', epochs=3, epoch_length=2, hook={'by_epoch': True},
                          rlr={'by_epoch': False, 'patience': 0}),
    'val-epoch2': dict(loop='epoch', epochs=9, epoch_length=1,
                       hook={'val_metric': 'MAE', 'interval': 2},
                       rlr={'by_epoch': True, 'patience': 0, 'factor': 0.5}),
    'val-iter': dict(loop='iter', iterations=20, val_interval=5,
                     hook={'val_metric': 'MAE', 'by_epoch': False},
                     rlr={'by_epoch': False, 'patience': 0, 'factor': 0.5}),
    'val-missing': dict(loop='epoch', epochs=2, epoch_length=1, hook={'val_metric': 'PSNR'},
                        rlr={'by_epoch': True}),
    'val-dict': dict(loop='epoch', epochs=6, epoch_length=1, hook={'val_metric': 'MAE'},
                     lrs=((0.1,), (0.2,)), optimizer_names=['generators', 'discriminators'],
                     rlr={'by_epoch': True, 'patience': 0, 'factor': 0.5}),
    'val-no-schedulers': dict(loop='epoch', epochs=2, epoch_length=1,
                              hook={'val_metric': 'MAE'}, rlr=None),
    'loss-with-val': dict(loop='epoch', epochs=4, epoch_length=2, hook={}, val_metric=True,
                          rlr={'by_epoch': True, 'patience': 0, 'factor': 0.5,
                               'threshold': 0.6}),
}
#: How the runs end (LOOP-HOOK-VAL-METRIC): every other run trains to its end.
_HOOK_ERRORS = {'val-missing': 'KeyError', 'val-no-schedulers': 'TypeError'}


@pytest.mark.subject('LOOP-HOOK-TRAIN-LOSS')
@pytest.mark.touches('LOOP-HOOK-VAL-METRIC')
@pytest.mark.scheduler('ReduceLR')
class TestUpstreamHook:
    @pytest.mark.parametrize('name', sorted(_HOOK_RUNS))
    def test_reference_hook_publishes_what_upstream_publishes(self, name, classes):
        """Publishes the same values, steps at the same iterations and fails the same way."""
        upstream_hook = _upstream_hook()
        records = []
        for hook_class in (ReduceLRSchedulerHook, upstream_hook):
            options = dict(_HOOK_RUNS[name])
            rlr = options.pop('rlr')
            options['hook'] = {'type': hook_class, **options['hook']}
            if 'val_metric' in options['hook'] or options.pop('val_metric', False):
                options['val_metric'] = StreamMetric('MAE', TestHookValMetric.MAE)
            schedulers = None if rlr is None else {'type': classes['ReduceLR'], **rlr}
            with isolated_message_hubs():  # two processes, not two runs in one
                records.append(train(schedulers=schedulers, **options))
        ours, theirs = records
        # Both runs failing alike would prove nothing: upstream's must end as the clauses say.
        assert (theirs.error and theirs.error.type) == _HOOK_ERRORS.get(name), theirs.error
        assert _same_values(ours.published, theirs.published)
        assert ours.rounds == theirs.rounds
        assert _same_rows(ours.rows, theirs.rows)
        assert _same_rows(ours.used, theirs.used)
        assert _as_driver_error(ours.error) == _as_driver_error(theirs.error)


# -- mmagic's configs ------------------------------------------------------------------------


@pytest.mark.subject('LOOP-CONFIGS')
class TestConfigsInRunner:
    @pytest.mark.subject('LOOP-OPTIM-WRAPPER-DICT')
    @pytest.mark.touches('LOOP-ITER')
    @pytest.mark.scheduler('LinearLrInterval')
    def test_cyclegan_schedule_scaled_down(self, adapter, classes):
        """Trains the facades schedule (scaled by 200) on two optimizers exactly as the driver."""
        case = configs.CASES[0]
        scenario = configs.scenario(case, scale=200)
        kwargs = scenario.schedulers[0].kwargs
        names = list(case.optimizers)
        record = train(schedulers={'type': classes['LinearLrInterval'], **kwargs},
                       lrs=tuple((case.optimizers[name],) for name in names),
                       optimizer_names=names, iterations=scenario.steps)
        assert_runner_is_driver(scenario, record, adapter)

    @pytest.mark.subject('LOOP-HOOK-VAL-METRIC')
    @pytest.mark.touches('LOOP-DEFAULT-END', 'LOOP-EPOCH')
    @pytest.mark.scheduler('ReduceLR')
    @pytest.mark.parametrize('index', [3, 4], ids=['cain', 'flavr'])
    def test_reduce_lr_config_golden_scenario(self, index, adapter, classes):
        """Trains the config's 500 epochs with its hook exactly as its golden scenario says."""
        case = configs.CASES[index]
        scenario = configs.scenario(case)
        kwargs = {k: v for k, v in case.param_scheduler.items() if k != 'type'}
        hook = {**case.hook, 'type': ReduceLRSchedulerHook}
        record = train(schedulers={'type': classes['ReduceLR'], **kwargs},
                       lrs=((case.optimizers['optimizer'],),), loop='epoch',
                       epochs=case.train_cfg['max_epochs'], epoch_length=scenario.epoch_length,
                       hook=hook, val_metric=StreamMetric('MAE', scenario.metrics))
        assert record.built[0]['end'] == case.train_cfg['max_epochs']
        assert_runner_is_driver(scenario, record, adapter)
