"""ReduceLRSchedulerHook as upstream mmagic 1.2.0 really behaves (clauses ``LOOP-HOOK-*``).

The hook replaces mmengine's default ``param_scheduler`` hook in configs that use ReduceLR: it
averages the training loss (or a validation metric), publishes the average to the 'reduce_lr'
MessageHub instance under 'value', and then steps the schedulers. The conformance suite runs it
in real Runners whether or not mmagic is installed; test_runner.py shows it publishes exactly
what upstream's hook publishes.

PYTEST_DONT_REWRITE: its ``assert`` statements raise upstream's own messages; pytest rewrites
the asserts of an installed plugin's modules, which would change them (conformance/plugin.py).
"""

from __future__ import annotations

from mmengine.hooks import ParamSchedulerHook
from mmengine.logging import MessageHub

#: The MessageHub instance and key ReduceLR reads (RLR-HUB-BINDING).
HUB_NAME = 'reduce_lr'
VALUE_KEY = 'value'


class ReduceLRSchedulerHook(ParamSchedulerHook):
    """Publish an average of the training loss or of a validation metric, then step.

    ``val_metric=None`` is the train-loss mode (LOOP-HOOK-TRAIN-LOSS); a metric name is the
    validation-metric mode (LOOP-HOOK-VAL-METRIC). ``by_epoch`` and ``interval`` say how often
    the average is published; they are the hook's own and independent of each scheduler's.
    """

    def __init__(self, val_metric=None, by_epoch=True, interval=1):
        super().__init__()
        # LOOP-HOOK-HUB: the hook creates (or finds) the 'reduce_lr' instance when it is built,
        # which in a Runner is after the Runner's own MessageHub; from then on 'reduce_lr' is the
        # most recently created instance, the one MessageHub.get_current_instance() returns.
        self.message_hub = MessageHub.get_instance(HUB_NAME)
        self.val_metric = val_metric
        self.by_epoch = by_epoch
        self.interval = interval
        self.sum_value = 0
        self.count = 0

    def _publish_average(self):
        """Publish sum/count and start a new sum (LOOP-HOOK-TRAIN-LOSS, LOOP-HOOK-VAL-METRIC)."""
        value = self.sum_value / self.count
        self.sum_value = 0
        self.count = 0
        self.message_hub.update_scalar(VALUE_KEY, value)

    # -- train-loss mode ---------------------------------------------------------------------

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if self.val_metric is not None:
            return  # LOOP-HOOK-VAL-METRIC: training iterations step nothing in this mode

        # LOOP-HOOK-TRAIN-LOSS: each iteration's loss, as RuntimeInfoHook logged it, weighted
        # by len(data_batch): the length of the batch container (for a dict batch, its number
        # of keys), not the number of samples.
        loss = runner.message_hub.get_scalar('train/loss').current()
        self.sum_value += loss * len(data_batch)
        self.count += len(data_batch)

        if self.by_epoch:
            return  # the epoch path publishes; by_epoch=False schedulers are never stepped
        # LOOP-HOOK-TRAIN-LOSS: every ``interval`` iterations (counted from 1: after iterations
        # interval-1, 2*interval-1, ...), publish, then step the schedulers with by_epoch=False.
        if self.every_n_train_iters(runner, self.interval):
            self._publish_average()
            super().after_train_iter(runner, batch_idx, data_batch, outputs)

    def after_train_epoch(self, runner):
        if not self.by_epoch:
            return  # by_epoch=True schedulers are never stepped by an iteration-mode hook
        if self.val_metric is not None:
            return  # LOOP-HOOK-VAL-METRIC
        # LOOP-HOOK-TRAIN-LOSS: every ``interval`` epochs (after epochs interval-1,
        # 2*interval-1, ...), publish, then step the schedulers with by_epoch=True.
        if self.every_n_epochs(runner, self.interval):
            self._publish_average()
            super().after_train_epoch(runner)

    # -- validation-metric mode ----------------------------------------------------------------

    def after_val_epoch(self, runner, metrics=None):
        if self.val_metric is None:
            # LOOP-HOOK-TRAIN-LOSS: validation steps nothing in this mode, not even a scheduler
            # that mmengine's own hook would step with the metrics.
            return
        if self.val_metric not in metrics:
            raise KeyError(f'{self.val_metric} is not found in metrics')
        self.sum_value += metrics[self.val_metric]
        self.count += 1
        # LOOP-HOOK-VAL-METRIC: without by_epoch every validation publishes. With by_epoch the
        # epoch test runs after the train loop has already counted the finished epoch, so it
        # passes after epochs interval-2, 2*interval-2, ... (interval 2: after epochs 0, 2, 4).
        if not self.by_epoch or self.every_n_epochs(runner, self.interval):
            self._publish_average()
            self._step_every_scheduler(runner.param_schedulers)

    @staticmethod
    def _step_every_scheduler(param_schedulers):
        """LOOP-HOOK-VAL-METRIC: every scheduler of every optimizer, whatever its by_epoch."""
        if isinstance(param_schedulers, list):
            groups = [param_schedulers]
        elif isinstance(param_schedulers, dict):
            groups = list(param_schedulers.values())
        else:
            raise TypeError(
                'runner.param_schedulers should be list of ParamScheduler '
                'or a dict containing list of ParamScheduler, '
                f'but got {param_schedulers}'
            )
        for schedulers in groups:
            assert isinstance(schedulers, list)
            for scheduler in schedulers:
                scheduler.step()
