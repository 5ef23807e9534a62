"""ReduceLRSchedulerHook at its edges: intervals <= 0 and other odd intervals, checkpoints, and
its methods called directly (LOOP-HOOK-INTERVAL, LOOP-HOOK-NOT-CHECKPOINTED,
LOOP-HOOK-DIRECT-CALLS).

The hook is not part of ``--impl`` (an adapter provides only the two schedulers), so every test
runs both the reference hook and upstream's (``hook_class``); the schedulers in the real-Runner
runs are the implementation's. Expected publications come from LOOP-HOOK-TRAIN-LOSS's average
and mmengine's every_n rule, evaluated on what the run recorded.
"""

from __future__ import annotations

import types

import pytest
from mmengine.hooks import Hook
from mmengine.logging import MessageHub

from conformance.harness import messages, oracle, upstream
from conformance.harness.adapters import REDUCE_LR_HUB, VALUE_KEY
from conformance.harness.runner import StreamMetric, train

RLR = 'ReduceLR'
MAE = [5.0, 4.0, 3.0, 6.0, 1.0, 2.0]


@pytest.fixture(params=['reference', 'mmagic'])
def hook_class(request):
    """The reference hook, and upstream's (skipped when mmagic is not installed)."""
    if request.param == 'reference':
        from reference.hook import ReduceLRSchedulerHook

        return ReduceLRSchedulerHook
    request.getfixturevalue('upstream_adapter')
    return upstream.load().hook


def loss_average(record, start, stop):
    """What the hook publishes for the iterations ``start:stop`` the run logged."""
    return oracle.loss_average(record.losses[start:stop], record.batch_lengths[start:stop])


def published():
    """Every value published to the 'reduce_lr' hub so far."""
    hub = MessageHub.get_instance(REDUCE_LR_HUB)
    if VALUE_KEY not in hub.log_scalars:
        return []
    return [float(v) for v in hub.get_scalar(VALUE_KEY).data[0]]


class _Scheduler:
    """A stand-in scheduler that counts its calls."""

    def __init__(self, by_epoch):
        self.by_epoch = by_epoch
        self.calls = 0

    def step(self):
        self.calls += 1


def stand_in_runner(**fields):
    """The attributes of a Runner the hook reads, and nothing else."""
    defaults = dict(message_hub=MessageHub.get_instance('stand-in-runner'), iter=0, epoch=0,
                    param_schedulers=[_Scheduler(False), _Scheduler(True)])
    return types.SimpleNamespace(**{**defaults, **fields})


# -- LOOP-HOOK-INTERVAL --------------------------------------------------------------------------


@pytest.mark.runner
@pytest.mark.subject('LOOP-HOOK-INTERVAL')
@pytest.mark.touches('LOOP-HOOK-TRAIN-LOSS', 'LOOP-HOOK-VAL-METRIC')
@pytest.mark.scheduler(RLR)
class TestHookInterval:
    @pytest.mark.parametrize('interval', [0, -1])
    def test_iteration_mode_never_publishes_for_interval_at_most_zero(self, classes, hook_class,
                                                                      interval):
        """Publishes nothing and steps nothing after construction in training-loss mode."""
        run = train(schedulers={'type': classes[RLR], 'by_epoch': False, 'patience': 0,
                                'factor': 0.5}, iterations=6,
                    hook={'type': hook_class, 'by_epoch': False, 'interval': interval})
        assert run.error is None, run.error
        assert (run.rounds, run.published) == ([], [])
        assert run.lr() == [0.1] * 6

    @pytest.mark.parametrize('interval', [0, -1])
    def test_epoch_mode_never_publishes_for_interval_at_most_zero(self, classes, hook_class,
                                                                  interval):
        """Publishes nothing per epoch either, in training-loss mode with by_epoch=True."""
        run = train(schedulers={'type': classes[RLR], 'patience': 0, 'factor': 0.5},
                    loop='epoch', epochs=3, epoch_length=2,
                    hook={'type': hook_class, 'by_epoch': True, 'interval': interval})
        assert run.error is None, run.error
        assert (run.rounds, run.published) == ([], [])

    @pytest.mark.parametrize('interval', [0, -1])
    def test_validation_by_epoch_never_publishes_for_interval_at_most_zero(
            self, classes, hook_class, interval):
        """Publishes nothing after validations with by_epoch=True and interval <= 0."""
        run = train(schedulers={'type': classes[RLR], 'patience': 0, 'factor': 0.5},
                    loop='epoch', epochs=4,
                    hook={'type': hook_class, 'val_metric': 'MAE', 'by_epoch': True,
                          'interval': interval}, val_metric=StreamMetric('MAE', MAE))
        assert run.error is None, run.error
        assert (run.rounds, run.published) == ([], [])

    @pytest.mark.parametrize('interval', [-1, None])
    def test_validation_by_iteration_ignores_interval(self, classes, hook_class, interval):
        """Publishes each validation's metric and steps after it, whatever the interval."""
        epochs = 4
        run = train(schedulers={'type': classes[RLR], 'patience': 0, 'factor': 0.5},
                    loop='epoch', epochs=epochs,
                    hook={'type': hook_class, 'val_metric': 'MAE', 'by_epoch': False,
                          'interval': interval}, val_metric=StreamMetric('MAE', MAE))
        assert run.error is None, run.error
        assert run.published == MAE[:epochs]
        assert run.rounds == list(range(1, epochs + 1))

    @pytest.mark.parametrize('interval', [1.5, True])
    def test_positive_intervals_follow_pythons_modulo(self, classes, hook_class, interval):
        """Publishes the average so far after each iteration i with (i + 1) % interval == 0."""
        iterations = 10
        run = train(schedulers={'type': classes[RLR], 'by_epoch': False, 'patience': 0,
                                'factor': 0.5}, iterations=iterations,
                    hook={'type': hook_class, 'by_epoch': False, 'interval': interval})
        assert run.error is None, run.error
        due = [count for count in range(1, iterations + 1) if oracle.hook_due(count, interval)]
        assert run.rounds == due
        starts = [0, *due[:-1]]
        assert run.published == [loss_average(run, a, b) for a, b in zip(starts, due)]

    @pytest.mark.parametrize('by_epoch', [False, True])
    def test_interval_none_raises_type_error_at_the_first_test(self, classes, hook_class,
                                                               by_epoch):
        """Raises TypeError from the first interval test, after the first iteration or epoch."""
        options = (dict(iterations=4) if not by_epoch else
                   dict(loop='epoch', epochs=2, epoch_length=2))
        run = train(schedulers={'type': classes[RLR], 'by_epoch': by_epoch}, **options,
                    hook={'type': hook_class, 'by_epoch': by_epoch, 'interval': None})
        assert run.error is not None and run.error.type == 'TypeError', run.error
        assert run.published == [] and run.rounds == []
        assert len(run.used) == (1 if not by_epoch else 2)


# -- LOOP-HOOK-NOT-CHECKPOINTED --------------------------------------------------------------------


@pytest.mark.subject('LOOP-HOOK-NOT-CHECKPOINTED')
@pytest.mark.touches('LOOP-HOOK-TRAIN-LOSS', 'LOOP-HOOK-VAL-METRIC')
class TestHookNotCheckpointed:
    @pytest.mark.runner
    @pytest.mark.parametrize(('interval', 'checkpoint'), [(3, 4), (3, 3)])
    def test_resumed_run_averages_only_what_it_saw(self, tmp_path, hook_class, interval,
                                                   checkpoint):
        """Publishes, first after a resume, the average of the iterations since the resume.

        Each average is computed from the losses the runs themselves logged, so the check does
        not depend on the resumed run seeing the same batches as an uninterrupted one (mmengine
        0.10.7's loop skips the consumed batches on resume; older releases start the data over).
        """
        hook = {'type': hook_class, 'by_epoch': False, 'interval': interval}
        iterations = 9
        first = train(schedulers=None, iterations=checkpoint, dataset_size=iterations,
                      hook=hook, work_dir=tmp_path, checkpoint_interval=checkpoint)
        resumed = train(schedulers=None, iterations=iterations, hook=hook, work_dir=tmp_path,
                        resume_from=str(tmp_path / f'iter_{checkpoint}.pth'))
        assert first.error is None and resumed.error is None, (first.error, resumed.error)
        assert len(resumed.losses) == iterations - checkpoint
        due = [count for count in range(1, iterations + 1) if oracle.hook_due(count, interval)]
        after = [count for count in due if count > checkpoint]
        starts = [checkpoint, *after[:-1]]
        # The resumed run logged iterations checkpoint, checkpoint + 1, ...: its own indices.
        want = [loss_average(resumed, a - checkpoint, b - checkpoint)
                for a, b in zip(starts, after)]
        assert resumed.published == want
        # Had the hook's sum been checkpointed, the first average would also cover the
        # iterations of the first run since its last publication.
        last = max([0, *(count for count in due if count <= checkpoint)])
        carried = oracle.loss_average(
            first.losses[last:] + resumed.losses[:after[0] - checkpoint],
            first.batch_lengths[last:] + resumed.batch_lengths[:after[0] - checkpoint])
        inside = checkpoint % interval != 0
        assert (resumed.published[0] != carried) is inside

    def test_checkpoint_hooks_save_and_restore_nothing(self, hook_class):
        """Adds nothing to a checkpoint and takes nothing from one."""
        runner = stand_in_runner()
        hook = hook_class(by_epoch=False, interval=5)
        for i in range(3):
            runner.iter = i
            runner.message_hub.update_scalar('train/loss', float(i + 1))
            hook.after_train_iter(runner, i, data_batch=[0, 0])
        assert (hook.sum_value, hook.count) == (12.0, 6)
        checkpoint = {'meta': {}, 'state_dict': {}}
        hook.before_save_checkpoint(runner, checkpoint)
        assert checkpoint == {'meta': {}, 'state_dict': {}}
        fresh = hook_class(by_epoch=False, interval=5)
        fresh.after_load_checkpoint(runner, checkpoint)
        assert (fresh.sum_value, fresh.count) == (0, 0)
        assert not hasattr(fresh, 'state_dict')

    def test_fresh_validation_hook_starts_a_new_average(self, hook_class):
        """Averages only the validations a new hook saw, in validation mode with interval 2."""
        def run(hook_for):
            runner = stand_in_runner()
            before = len(published())
            for k, value in enumerate(MAE):
                runner.epoch = k + 1  # the train loop has counted the epoch already
                hook_for(k).after_val_epoch(runner, {'MAE': value})
            return published()[before:]

        whole = hook_class(val_metric='MAE', interval=2)
        uninterrupted = run(lambda k: whole)
        old, new = hook_class(val_metric='MAE', interval=2), hook_class(val_metric='MAE',
                                                                        interval=2)
        resumed = run(lambda k: old if k < 2 else new)
        # Due after validations 1, 3, 5 (epochs 2, 4, 6 are multiples of 2).
        assert uninterrupted == [MAE[0], (MAE[1] + MAE[2]) / 2, (MAE[3] + MAE[4]) / 2]
        assert resumed == [MAE[0], MAE[2] / 1, (MAE[3] + MAE[4]) / 2]


# -- LOOP-HOOK-DIRECT-CALLS ------------------------------------------------------------------------

SCHEDULERS_MESSAGE = ('runner.param_schedulers should be list of ParamScheduler or a dict '
                      'containing list of ParamScheduler, but got {}')


@pytest.mark.subject('LOOP-HOOK-DIRECT-CALLS')
@pytest.mark.touches('LOOP-HOOK-TRAIN-LOSS', 'LOOP-HOOK-VAL-METRIC', 'LOOP-HOOK-HUB')
class TestHookDirectCalls:
    def test_training_iteration_reads_the_loss_before_the_batch(self, hook_class):
        """Raises KeyError without a logged loss, and TypeError for a batch of None, sum kept."""
        hook = hook_class(by_epoch=False)
        with pytest.raises(KeyError):
            hook.after_train_iter(stand_in_runner(), 0, data_batch=None)
        runner = stand_in_runner()
        runner.message_hub.update_scalar('train/loss', 2.0)
        with pytest.raises(TypeError):
            hook.after_train_iter(runner, 0, data_batch=None)
        assert (hook.sum_value, hook.count) == (0, 0)

    def test_epoch_with_nothing_summed_divides_by_zero(self, hook_class):
        """Raises ZeroDivisionError at a due epoch when no iteration was summed."""
        hook = hook_class(by_epoch=True)
        with pytest.raises(ZeroDivisionError):
            hook.after_train_epoch(stand_in_runner(epoch=0))

    def test_validation_metrics_are_looked_up_then_added(self, hook_class):
        """Raises TypeError for metrics=None, and for a non-number before counting it."""
        hook = hook_class(val_metric='MAE')
        with pytest.raises(TypeError):
            hook.after_val_epoch(stand_in_runner(), None)
        with pytest.raises(TypeError):
            hook.after_val_epoch(stand_in_runner(), {'MAE': 'x'})
        assert (hook.sum_value, hook.count) == (0, 0)

    @pytest.mark.parametrize('schedulers', [None, (), 'schedulers'], ids=repr)
    def test_validation_publishes_before_checking_the_schedulers(self, hook_class, schedulers):
        """Publishes the average, then raises the hook's TypeError for a non-list, non-dict."""
        hook = hook_class(val_metric='MAE')
        with pytest.raises(TypeError) as caught:
            hook.after_val_epoch(stand_in_runner(param_schedulers=schedulers), {'MAE': 2.5})
        messages.assert_message(caught, SCHEDULERS_MESSAGE.format(schedulers))
        assert published() == [2.5]
        assert (hook.sum_value, hook.count) == (0, 0)

    def test_dict_of_non_lists_fails_the_hooks_assertion(self, hook_class):
        """Raises a bare AssertionError for a dict whose values are not lists."""
        scheduler = _Scheduler(True)
        hook = hook_class(val_metric='MAE')
        with pytest.raises(AssertionError) as caught:
            hook.after_val_epoch(stand_in_runner(param_schedulers={'g': (scheduler,)}),
                                 {'MAE': 1.0})
        messages.assert_message(caught, '')
        assert scheduler.calls == 0
        assert published() == [1.0]

    def test_dict_of_lists_steps_every_scheduler(self, hook_class):
        """Steps every scheduler of every list of a dict, whatever its by_epoch."""
        lists = {'g': [_Scheduler(True), _Scheduler(False)], 'd': [_Scheduler(False)]}
        hook_class(val_metric='MAE').after_val_epoch(
            stand_in_runner(param_schedulers=lists), {'MAE': 1.0})
        assert [s.calls for group in lists.values() for s in group] == [1, 1, 1]

    def test_training_mode_publishes_even_without_schedulers(self, hook_class):
        """Publishes the average and steps nothing when param_schedulers is None."""
        runner = stand_in_runner(param_schedulers=None)
        runner.message_hub.update_scalar('train/loss', 7.0)
        hook_class(by_epoch=False).after_train_iter(runner, 0, data_batch=[0, 0, 0])
        assert published() == [7.0]

    def test_defaults(self, hook_class):
        """Defaults to priority LOW, the training loss, by_epoch, interval 1, an empty sum."""
        hook = hook_class()
        assert isinstance(hook, Hook)
        assert (hook.priority, hook.val_metric, hook.by_epoch, hook.interval) == (
            'LOW', None, True, 1)
        assert (hook.sum_value, hook.count) == (0, 0)
        assert hook.message_hub is MessageHub.get_instance(REDUCE_LR_HUB)
