"""Mutants of ReduceLR's own rules (RLR-*)."""

from __future__ import annotations

from reference import ReduceLR as _ReduceLR
from reference.reduce_lr import VALUE_KEY

from . import mutant


def _plateau_step(scheduler, current):
    """RLR-COUNT, RLR-COOLDOWN and RLR-PATIENCE in upstream's order, for mutants to reuse."""
    scheduler._count_epoch(current)
    scheduler._tick_cooldown()
    if scheduler.num_bad_epochs > scheduler.patience:
        scheduler.cooldown_counter = scheduler.cooldown
        scheduler.num_bad_epochs = 0
        return scheduler._reduced_values()
    return scheduler._current_values()


@mutant('RLR-REDUCE-ORDER')
class RlrTorchReduceOrder(_ReduceLR):
    """torch's order: the floor at min_lr first, then the eps test on the floored decrement."""

    def _reduced_values(self):
        values = []
        for group in self.optimizer.param_groups:
            lr = group[self.param_name]
            new = max(lr * self.factor, self.min_lr)
            values.append(new if lr - new > self.eps else lr)
        return values


@mutant('RLR-MIN-LR')
class RlrMinLrNotRaising(_ReduceLR):
    """A reduction leaves an lr that is already below min_lr where it is."""

    def _reduced_values(self):
        reduced = super()._reduced_values()
        current = [group[self.param_name] for group in self.optimizer.param_groups]
        return [old if old < self.min_lr else new for old, new in zip(current, reduced)]


@mutant('RLR-IS-BETTER')
class RlrThresholdInclusive(_ReduceLR):
    """A value equal to the threshold-shifted best counts as an improvement."""

    def is_better(self, a, best):
        if self.mode == 'min' and self.threshold_mode == 'rel':
            return a <= best * (1.0 - self.threshold)
        if self.mode == 'min' and self.threshold_mode == 'abs':
            return a <= best - self.threshold
        if self.mode == 'max' and self.threshold_mode == 'rel':
            return a >= best * (1.0 + self.threshold)
        return a >= best + self.threshold


@mutant('RLR-COOLDOWN')
class RlrCooldownBeforeCount(_ReduceLR):
    """The cooldown ticks before the value is counted, not after."""

    def _get_value(self):
        if self.last_step == 0:
            return self._current_values()
        current = self.message_hub.get_scalar(VALUE_KEY).current()
        self._tick_cooldown()
        self._count_epoch(current)
        if self.num_bad_epochs > self.patience:
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
            return self._reduced_values()
        return self._current_values()


@mutant('RLR-RESUME-STALE-HUB')
class RlrLiveHubAfterLoad(_ReduceLR):
    """Loading a state dict keeps the scheduler's own hub (the defect "fixed")."""

    def load_state_dict(self, state_dict):
        super().load_state_dict({k: v for k, v in state_dict.items() if k != 'message_hub'})


@mutant('RLR-VALIDATION')
class RlrModeMessageFixed(_ReduceLR):
    """The invalid-mode message shows the mode instead of upstream's literal '{mode}'."""

    def __init__(self, optimizer, mode='min', *args, **kwargs):
        literal = 'mode must be one of "min" or "max", instead got {mode}'
        try:
            super().__init__(optimizer, mode, *args, **kwargs)
        except ValueError as exc:
            if str(exc) == literal:
                raise ValueError(literal.format(mode=mode)) from None
            raise


@mutant('RLR-LAST-EPOCH')
class RlrLastEpochCounts(_ReduceLR):
    """last_epoch counts the active calls instead of staying 0."""

    def _get_value(self):
        self.last_epoch = self.last_step
        return super()._get_value()


@mutant('RLR-STATE-KEYS')
class RlrStateWithoutLastEpoch(_ReduceLR):
    """The state dict leaves out last_epoch."""

    def state_dict(self):
        state = super().state_dict()
        del state['last_epoch']
        return state


@mutant('RLR-FIRST-STEP')
class RlrFirstStepConsumes(_ReduceLR):
    """The first active call already reads and counts the monitored value."""

    def _get_value(self):
        if self.last_step == 0:
            hub = getattr(self, 'message_hub', None)
            if hub is not None and VALUE_KEY in hub.log_scalars:
                self._count_epoch(hub.get_scalar(VALUE_KEY).current())
            return self._current_values()
        return super()._get_value()


@mutant('RLR-METRIC-CURRENT')
class RlrMeanOfValues(_ReduceLR):
    """A consuming call reads the mean of the values published so far, not the latest."""

    def _get_value(self):
        if self.last_step == 0:
            return self._current_values()
        return _plateau_step(self, self.message_hub.get_scalar(VALUE_KEY).mean())


@mutant('RLR-COUNT')
class RlrBadCountDrifts(_ReduceLR):
    """num_bad_epochs counts two per bad call while the lrs stay right (patience is doubled)."""

    def _count_epoch(self, current):
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 2

    def _get_value(self):
        if self.last_step == 0:
            return self._current_values()
        self._count_epoch(self.message_hub.get_scalar(VALUE_KEY).current())
        self._tick_cooldown()
        if self.num_bad_epochs > 2 * self.patience + 1:
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
            return self._reduced_values()
        return self._current_values()
