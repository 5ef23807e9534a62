"""ReduceLR as upstream mmagic 1.2.0 really behaves (clauses ``RLR-*``).

A plateau scheduler that reads the monitored value from the 'reduce_lr' MessageHub instance it
bound at construction. Its reduction rule differs from torch's ReduceLROnPlateau (RLR-REDUCE-ORDER).
"""

from __future__ import annotations

from mmengine.logging import MessageHub
from mmengine.optim import _ParamScheduler

from .window import INF, WindowedScheduler

#: RLR-HUB-BINDING: the MessageHub instance and key through which the monitored value arrives.
HUB_NAME = 'reduce_lr'
VALUE_KEY = 'value'


class ReduceLR(WindowedScheduler, _ParamScheduler):
    """Reduce every group's lr by ``factor`` after ``patience`` non-improving consuming steps.

    Subclasses mmengine's ``_ParamScheduler`` only for type identity (mmengine's Runner and
    hooks check it); the rules are all written here and in :class:`WindowedScheduler`.
    There is deliberately no ``build_iter_from_epoch`` (RLR-NO-ITER-FROM-EPOCH).
    """

    def __init__(
        self,
        optimizer,
        mode='min',
        factor=0.1,
        patience=10,
        threshold=1e-4,
        threshold_mode='rel',
        cooldown=0,
        min_lr=0.0,
        eps=1e-8,
        *,  # RLR-EXTRA-KWARGS: the window's keywords and nothing else
        begin=0,
        end=INF,
        last_step=-1,
        by_epoch=True,
        verbose=False,
    ):
        # RLR-CONSTRUCTOR-ORDER: the window (and its constructor step) comes before any of
        # ReduceLR's own attributes exist, so a resumed in-window construction fails
        # (RLR-RESUME-LAST-STEP) and the checks below run after lr may have been written.
        self._init_window(optimizer, 'lr', begin, end, last_step, by_epoch, verbose)

        self.message_hub = MessageHub.get_instance(HUB_NAME)  # RLR-HUB-BINDING

        # RLR-VALIDATION: mode, factor and threshold_mode are checked, in that order; the mode
        # message is upstream's, un-interpolated placeholder included.
        if mode not in ['min', 'max']:
            if 'RLR-VALIDATION' in self._intents:
                # intent:RLR-VALIDATION: the message names the rejected value.
                raise ValueError(f'mode must be one of "min" or "max", instead got {mode}')
            raise ValueError('mode must be one of "min" or "max", instead got {mode}')
        self.mode = mode
        if factor >= 1.0 or factor < 0:
            raise ValueError('Factor should be < 1.0 and >=0')
        self.factor = factor

        # RLR-UNVALIDATED: patience, threshold, cooldown, min_lr and eps are taken as given.
        self.patience = patience
        self.threshold = threshold
        if threshold_mode not in ['rel', 'abs']:
            raise ValueError(
                f'thresh_mode must be one of "rel" or "abs",instead got {threshold_mode}'
            )
        self.threshold_mode = threshold_mode
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.best = None
        self.num_bad_epochs = None
        self.mode_worse = None
        self.min_lr = min_lr
        self.eps = eps
        # RLR-LAST-EPOCH: an attribute kept for compatibility, never updated.
        self.last_epoch = 0
        self._init_is_better(self.mode)
        self._reset()

    def _init_is_better(self, mode):
        """RLR-MODE-WORSE: the starting ``best`` is the worst value the mode can see."""
        if mode == 'min':
            self.mode_worse = float('inf')
        else:
            self.mode_worse = float('-inf')

    def _reset(self):
        """RLR-INITIAL-STATE: best is the worst value, no bad epochs, no cooldown."""
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def _get_value(self):
        if self.last_step == 0:
            return self._current_values()  # RLR-FIRST-STEP: nothing is read or counted
        current = self.message_hub.get_scalar(VALUE_KEY).current()  # RLR-METRIC-CURRENT
        self._count_epoch(current)
        self._tick_cooldown()
        if self.num_bad_epochs > self.patience:  # RLR-PATIENCE
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
            return self._reduced_values()
        return self._current_values()

    def _count_epoch(self, current):
        """RLR-COUNT: an improvement becomes the new best; anything else is one more bad epoch."""
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1

    def _tick_cooldown(self):
        """RLR-COOLDOWN: during cooldown each consuming step counts down and forgives bad epochs."""
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0

    def _reduced_values(self):
        """RLR-REDUCE-ORDER: the eps test comes first, then the floor at min_lr, per group."""
        values = []
        for group in self.optimizer.param_groups:
            lr = group[self.param_name]
            if 'RLR-MIN-LR' in self._intents and lr <= self.min_lr:
                pass  # intent:RLR-MIN-LR: an lr at or below min_lr is left as it is
            elif 'RLR-REDUCE-ORDER' in self._intents:
                # intent:RLR-REDUCE-ORDER: torch's order, the floor first, then the eps test on
                # the actual change.
                new_lr = max(lr * self.factor, self.min_lr)
                if lr - new_lr > self.eps:
                    lr = new_lr
            elif lr - lr * self.factor > self.eps:  # RLR-EPS
                lr = max(lr * self.factor, self.min_lr)  # RLR-MIN-LR
            values.append(lr)
        return values

    def _current_values(self):
        return [group[self.param_name] for group in self.optimizer.param_groups]

    def load_state_dict(self, state_dict):
        """WIN-STATE-DICT and RLR-RESUME-STALE-HUB: the saved message_hub is bound again."""
        if 'RLR-RESUME-STALE-HUB' in self._intents:
            # intent:RLR-RESUME-STALE-HUB: the saved hub is ignored; the scheduler keeps the hub
            # it is bound to. The caller's dict is not modified.
            state_dict = {key: value for key, value in state_dict.items() if key != 'message_hub'}
        super().load_state_dict(state_dict)

    def is_better(self, a, best):
        """RLR-IS-BETTER: strict comparison against a threshold-shifted best."""
        if self.mode == 'min' and self.threshold_mode == 'rel':
            return a < best * (1.0 - self.threshold)
        if self.mode == 'min' and self.threshold_mode == 'abs':
            return a < best - self.threshold
        if self.mode == 'max' and self.threshold_mode == 'rel':
            return a > best * (1.0 + self.threshold)
        return a > best + self.threshold

    @property
    def in_cooldown(self):
        """RLR-COOLDOWN: a positive counter means cooling down."""
        return self.cooldown_counter > 0
