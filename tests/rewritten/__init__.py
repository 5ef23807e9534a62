"""A second implementation of both schedulers, written compactly and independently of reference/.

It is correct by docs/spec.md but shares no code with the reference: the suite must pass it
(tests/test_mutants.py), which shows that the suite checks behaviour, not one way of writing it.
Only mmengine's classes are subclassed, for the type checks mmengine's Runner and hooks make.
"""

from __future__ import annotations

import warnings
import weakref
from functools import wraps

from mmengine.logging import MessageHub
from mmengine.optim import BaseOptimWrapper, LinearLR, _ParamScheduler
from torch.optim import Optimizer

#: mmengine's default end (WIN-DEFAULTS); kept here, like every constant of this rewrite, so that
#: it shares nothing with reference/ or the harness that checks it.
INF = int(1e9)
_DOCS = 'https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate'
_WARNINGS = {
    'replaced': (
        'Seems like `optimizer.step()` has been overridden after parameter value scheduler '
        'initialization. Please, make sure to call `optimizer.step()` before '
        f'`scheduler.step()`. See more details at {_DOCS}'
    ),
    'early': (
        'Detected call of `scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and '
        'later, you should call them in the opposite order: `optimizer.step()` before '
        '`scheduler.step()`. Failure to do this will result in PyTorch skipping the first value '
        f'of the parameter value schedule. See more details at {_DOCS}'
    ),
}
_MODES = {  # (mode, threshold_mode) -> is a better than best, given the threshold
    ('min', 'rel'): lambda a, best, t: a < best * (1.0 - t),
    ('min', 'abs'): lambda a, best, t: a < best - t,
    ('max', 'rel'): lambda a, best, t: a > best * (1.0 + t),
    ('max', 'abs'): lambda a, best, t: a > best + t,
}


def _with_step_counter(optimizer):
    """Make optimizer.step() count itself in optimizer._global_step (once per optimizer)."""
    bound = optimizer.step
    if not getattr(bound, '_with_counter', False):
        owner, function, kind = weakref.ref(bound.__self__), bound.__func__, type(bound.__self__)

        @wraps(function)
        def step(*args, **kwargs):
            target = owner()
            target._global_step += 1
            return function.__get__(target, kind)(*args, **kwargs)

        step._with_counter = True
        optimizer.step = step
    optimizer._global_step = -1


class _Window(_ParamScheduler):
    """Call counting, the [begin, end) window and the state dict (inherited: mmengine's own)."""

    def _open(self, optimizer, begin, end, last_step, by_epoch, verbose):
        if not isinstance(optimizer, (Optimizer, BaseOptimWrapper)):
            raise TypeError(f'``optimizer`` should be an Optimizer,but got '
                            f'{type(optimizer).__name__}')
        self.optimizer, self.param_name = optimizer, 'lr'
        if end <= begin:
            raise ValueError(f'end should be larger than begin, but got begin={begin}, end={end}')
        self.begin, self.end, self.by_epoch = begin, end, by_epoch
        assert isinstance(last_step, int)  # WIN-LAST-STEP: a bare AssertionError either way
        assert last_step >= -1
        groups = optimizer.param_groups
        for index, group in enumerate(groups):
            if last_step == -1:
                group.setdefault('initial_lr', group['lr'])
            elif 'initial_lr' not in group:
                raise KeyError(f"param 'initial_lr' is not specified in param_groups[{index}] "
                               'when resuming an optimizer')
        self.base_values = [group['initial_lr'] for group in groups]
        self.last_step = last_step
        _with_step_counter(optimizer)
        self._global_step, self.verbose = -1, verbose
        self.step()

    def step(self):
        if self._global_step == 0:
            if not hasattr(self.optimizer.step, '_with_counter'):
                warnings.warn(_WARNINGS['replaced'], UserWarning, stacklevel=2)
            elif self.optimizer._global_step < 0:
                warnings.warn(_WARNINGS['early'], UserWarning, stacklevel=2)
        self._global_step += 1
        groups = self.optimizer.param_groups
        if self.begin <= self._global_step < self.end:
            self.last_step += 1
            for index, value in enumerate(self._get_value()):
                groups[index]['lr'] = value
                self.print_value(self.verbose, index, value)
        self._last_value = [group['lr'] for group in groups]


class LinearLrInterval(_Window, LinearLR):
    """The staircase scheduler (LLI-*)."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, begin=0, end=INF,
                 last_step=-1, by_epoch=True, verbose=False, *, interval=1):
        self.interval = interval
        for name, factor in (('Starting', start_factor), ('Ending', end_factor)):
            if factor > 1.0 or factor < 0:  # NaN passes, as upstream's test lets it
                raise ValueError(f'{name} multiplicative factor should between 0 and 1.')
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = end - begin - 1
        self._open(optimizer, begin, end, last_step, by_epoch, verbose)

    def _get_value(self):
        groups = self.optimizer.param_groups
        if self.last_step == 0:
            return [group['lr'] * self.start_factor for group in groups]
        hub = MessageHub.get_current_instance()
        progress = hub.get_info('epoch' if self.by_epoch else 'iter')
        stairs = (max(0, progress - self.begin) // self.interval) / (
            (self.end - self.begin) // self.interval)
        value = self.start_factor + (self.end_factor - self.start_factor) * stairs
        return [value] * len(groups)


class ReduceLR(_Window):
    """The plateau scheduler (RLR-*)."""

    def __init__(self, optimizer, mode='min', factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode='rel', cooldown=0, min_lr=0.0, eps=1e-8, *, begin=0, end=INF,
                 last_step=-1, by_epoch=True, verbose=False):
        self._open(optimizer, begin, end, last_step, by_epoch, verbose)
        self.message_hub = MessageHub.get_instance('reduce_lr')
        if mode not in ('min', 'max'):
            raise ValueError('mode must be one of "min" or "max", instead got {mode}')
        self.mode = mode
        if factor >= 1.0 or factor < 0:
            raise ValueError('Factor should be < 1.0 and >=0')
        self.factor, self.patience, self.threshold = factor, patience, threshold
        if threshold_mode not in ('rel', 'abs'):
            raise ValueError('thresh_mode must be one of "rel" or "abs",'
                             f'instead got {threshold_mode}')
        self.threshold_mode = threshold_mode
        self.cooldown, self.cooldown_counter = cooldown, 0
        self.best = self.num_bad_epochs = self.mode_worse = None
        self.min_lr, self.eps, self.last_epoch = min_lr, eps, 0
        self._init_is_better(mode)
        self._reset()

    def _init_is_better(self, mode):  # RLR-INIT-IS-BETTER-RESET: mode_worse only
        self.mode_worse = float('inf') if mode == 'min' else float('-inf')

    def _reset(self):  # RLR-INIT-IS-BETTER-RESET: best and the two counters only
        self.best, self.cooldown_counter, self.num_bad_epochs = self.mode_worse, 0, 0

    def is_better(self, a, best):
        # RLR-LOAD-UNVALIDATED: a pair the constructor would refuse compares as max/abs.
        rule = _MODES.get((self.mode, self.threshold_mode), _MODES['max', 'abs'])
        return rule(a, best, self.threshold)

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def _get_value(self):
        lrs = [group['lr'] for group in self.optimizer.param_groups]
        if self.last_step == 0:
            return lrs
        value = self.message_hub.get_scalar('value').current()
        if self.is_better(value, self.best):
            self.best, self.num_bad_epochs = value, 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter, self.num_bad_epochs = self.cooldown_counter - 1, 0
        if not self.num_bad_epochs > self.patience:  # so that patience=NaN never reduces
            return lrs
        self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        return [max(lr * self.factor, self.min_lr) if lr - lr * self.factor > self.eps else lr
                for lr in lrs]
