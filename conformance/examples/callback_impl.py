"""A toy implementation of both schedulers that knows nothing about mmengine's MessageHub.

Progress and the monitored value reach it through callables given to the constructors:
``progress(key)`` returns the current 'iter' or 'epoch' (or None), and ``connect()`` returns the
channel a ReduceLR reads its value from, by calling ``channel.current()``. Written from the
specification (docs/spec.md), it reproduces upstream's lr traces and exceptions; it leaves out what
traces cannot show (the optimizer-step counter and its warnings, verbose logging).
"""

from __future__ import annotations

from torch.optim import Optimizer

#: mmengine's default end (WIN-DEFAULTS). An implementation under test defines its own constants,
#: like reference/: it shares nothing with the harness that checks it.
INF = int(1e9)


class Channel:
    """What a ReduceLR reads: the latest published value. It is plain data, so it can be copied."""

    def __init__(self):
        self.values = []
        self.info = {}

    def publish(self, value):
        self.values.append(value)

    def current(self):
        if not self.values:
            # RLR-METRIC-MISSING: upstream's KeyError text, property object included.
            raise KeyError('value is not found in Messagehub.log_buffers: instance name is: '
                           f'<property object at {hex(id(property))}>')
        return self.values[-1]


def _is_optimizer(optimizer):
    # An mmengine OptimWrapper is accepted by duck typing; the toy imports nothing from mmengine.
    return isinstance(optimizer, Optimizer) or type(optimizer).__name__.endswith('OptimWrapper')


class _Window:
    """Calls, the [begin, end) window, writing values and the state dict (WIN-*)."""

    _not_state = ('optimizer', '_progress')

    def _start(self, optimizer, begin, end, last_step, by_epoch):
        if not _is_optimizer(optimizer):
            raise TypeError('``optimizer`` should be an Optimizer,but got '
                            f'{type(optimizer).__name__}')
        self.optimizer = optimizer
        self.param_name = 'lr'
        if end <= begin:
            raise ValueError(f'end should be larger than begin, but got begin={begin}, end={end}')
        self.begin, self.end, self.by_epoch = begin, end, by_epoch
        if not isinstance(last_step, int) or last_step < -1:
            raise AssertionError
        for index, group in enumerate(optimizer.param_groups):
            if last_step == -1:
                group.setdefault('initial_lr', group['lr'])
            elif 'initial_lr' not in group:
                raise KeyError(f"param 'initial_lr' is not specified in param_groups[{index}] "
                               'when resuming an optimizer')
        self.base_values = [group['initial_lr'] for group in optimizer.param_groups]
        self.last_step = last_step
        self._global_step = -1
        self.verbose = False
        self.step()

    def step(self):
        self._global_step += 1
        if self.begin <= self._global_step < self.end:
            self.last_step += 1
            for group, value in zip(self.optimizer.param_groups, self._get_value()):
                group['lr'] = value
        self._last_value = [group['lr'] for group in self.optimizer.param_groups]

    def state_dict(self):
        return {k: v for k, v in self.__dict__.items() if k not in self._not_state}

    def load_state_dict(self, state):
        self.__dict__.update(state)


class LinearLrInterval(_Window):
    """lr * start_factor on the first active call, then an absolute staircase (LLI-*)."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, begin=0, end=INF,
                 last_step=-1, by_epoch=True, verbose=False, *, interval=1, progress):
        self._progress = progress
        self.interval = interval
        if start_factor > 1.0 or start_factor < 0:
            raise ValueError('Starting multiplicative factor should between 0 and 1.')
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError('Ending multiplicative factor should between 0 and 1.')
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = end - begin - 1
        self._start(optimizer, begin, end, last_step, by_epoch)

    @classmethod
    def build_iter_from_epoch(cls, *args, begin=0, end=INF, by_epoch=True, epoch_length=None,
                              **kwargs):
        if not by_epoch:
            raise AssertionError(
                'Only epoch-based kwargs whose `by_epoch=True` can be converted to iter-based.')
        if epoch_length is None or epoch_length <= 0:
            raise AssertionError(
                f'`epoch_length` must be a positive integer, but got {epoch_length}.')
        end = end if end == INF else int(end * epoch_length)
        return cls(*args, begin=int(begin * epoch_length), end=end, by_epoch=False, **kwargs)

    def _get_value(self):
        groups = self.optimizer.param_groups
        if self.last_step == 0:
            return [group['lr'] * self.start_factor for group in groups]
        progress = self._progress('epoch' if self.by_epoch else 'iter')
        done = max(0, progress - self.begin) // self.interval
        fraction = done / ((self.end - self.begin) // self.interval)
        return [self.start_factor + (self.end_factor - self.start_factor) * fraction] * len(groups)


class ReduceLR(_Window):
    """Plateau reduction on the value of the channel bound at construction (RLR-*)."""

    def __init__(self, optimizer, mode='min', factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode='rel', cooldown=0, min_lr=0.0, eps=1e-8, *, begin=0, end=INF,
                 last_step=-1, by_epoch=True, verbose=False, connect):
        self._start(optimizer, begin, end, last_step, by_epoch)
        self.message_hub = connect()  # the name upstream's state dict uses for it
        if mode not in ('min', 'max'):
            raise ValueError('mode must be one of "min" or "max", instead got {mode}')
        if factor >= 1.0 or factor < 0:
            raise ValueError('Factor should be < 1.0 and >=0')
        if threshold_mode not in ('rel', 'abs'):
            raise ValueError('thresh_mode must be one of "rel" or "abs",'
                             f'instead got {threshold_mode}')
        self.mode, self.factor, self.patience, self.threshold = mode, factor, patience, threshold
        self.threshold_mode, self.cooldown, self.cooldown_counter = threshold_mode, cooldown, 0
        self.min_lr, self.eps, self.last_epoch = min_lr, eps, 0
        self.mode_worse = float('inf') if mode == 'min' else float('-inf')
        self.best, self.num_bad_epochs = self.mode_worse, 0

    def _improves(self, value):
        t, best = self.threshold, self.best
        if self.mode == 'min':
            return value < (best * (1.0 - t) if self.threshold_mode == 'rel' else best - t)
        return value > (best * (1.0 + t) if self.threshold_mode == 'rel' else best + t)

    def _get_value(self):
        lrs = [group['lr'] for group in self.optimizer.param_groups]
        if self.last_step == 0:
            return lrs
        value = self.message_hub.current()
        if self._improves(value):
            self.best, self.num_bad_epochs = value, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if not self.num_bad_epochs > self.patience:  # so that patience=NaN never reduces
            return lrs
        self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        return [max(lr * self.factor, self.min_lr) if lr - lr * self.factor > self.eps else lr
                for lr in lrs]
