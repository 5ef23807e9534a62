"""Mutants of ReduceLR's own rules (RLR-*)."""

from __future__ import annotations

import sys
import weakref

from mmengine.logging import MessageHub
from mmengine.optim import BaseOptimWrapper

from reference import INF
from reference import ReduceLR as _ReduceLR
from reference.reduce_lr import HUB_NAME, VALUE_KEY

from . import iter_from_epoch, mutant

#: Upstream's invalid-mode message, its un-interpolated placeholder included (RLR-VALIDATION).
MODE_MESSAGE = 'mode must be one of "min" or "max", instead got {mode}'


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


@mutant('RLR-VALIDATION')
class RlrModeMessageFixed(_ReduceLR):
    """The invalid-mode message shows the mode instead of upstream's literal '{mode}'."""

    def __init__(self, optimizer, mode='min', *args, **kwargs):
        try:
            super().__init__(optimizer, mode, *args, **kwargs)
        except ValueError as exc:
            if str(exc) == MODE_MESSAGE:
                raise ValueError(MODE_MESSAGE.format(mode=mode)) from None
            raise


@mutant('RLR-LAST-EPOCH')
class RlrLastEpochCounts(_ReduceLR):
    """last_epoch counts the active calls instead of staying 0."""

    def _get_value(self):
        self.last_epoch = self.last_step
        return super()._get_value()


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


@mutant('RLR-DEFAULTS')
class RlrConfigPatienceDefault(_ReduceLR):
    """patience defaults to 5, the value of mmagic's CAIN config, instead of 10."""

    def __init__(self, optimizer, mode='min', factor=0.1, patience=5, *args, **kwargs):
        super().__init__(optimizer, mode, factor, patience, *args, **kwargs)


@mutant('RLR-EXTRA-KWARGS')
class RlrIgnoresUnknownKwargs(_ReduceLR):
    """Unknown keyword arguments are dropped silently instead of raising TypeError."""

    KNOWN = ('mode', 'factor', 'patience', 'threshold', 'threshold_mode', 'cooldown', 'min_lr',
             'eps', 'begin', 'end', 'last_step', 'by_epoch', 'verbose')

    def __init__(self, optimizer, *args, **kwargs):
        super().__init__(optimizer, *args,
                         **{key: value for key, value in kwargs.items() if key in self.KNOWN})


@mutant('RLR-CONSTRUCTOR-ORDER')
class RlrValidatesFirst(_ReduceLR):
    """mode, factor and threshold_mode are validated before the base constructor runs."""

    def __init__(self, optimizer, mode='min', factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode='rel', *args, **kwargs):
        if mode not in ('min', 'max'):
            raise ValueError(MODE_MESSAGE)
        if factor >= 1.0 or factor < 0:
            raise ValueError('Factor should be < 1.0 and >=0')
        if threshold_mode not in ('rel', 'abs'):
            raise ValueError(
                f'thresh_mode must be one of "rel" or "abs",instead got {threshold_mode}')
        super().__init__(optimizer, mode, factor, patience, threshold, threshold_mode, *args,
                         **kwargs)


@mutant('RLR-UNVALIDATED')
class RlrNegativePatienceRefused(_ReduceLR):
    """A negative patience is refused with ValueError (after upstream's own checks)."""

    def __init__(self, optimizer, mode='min', factor=0.1, patience=10, *args, **kwargs):
        super().__init__(optimizer, mode, factor, patience, *args, **kwargs)
        if patience < 0:
            raise ValueError(f'patience should be >= 0, got {patience}')


@mutant('RLR-MODE-WORSE')
class RlrFiniteModeWorse(_ReduceLR):
    """mode_worse is the largest finite float (signed by mode), so the state has no infinity."""

    def _init_is_better(self, mode):
        self.mode_worse = sys.float_info.max if mode == 'min' else -sys.float_info.max


@mutant('RLR-INITIAL-STATE')
class RlrStartsInCooldown(_ReduceLR):
    """A new scheduler starts in cooldown: cooldown_counter = cooldown instead of 0."""

    def _reset(self):
        super()._reset()
        self.cooldown_counter = self.cooldown


@mutant('RLR-HUB-BINDING')
class RlrHubLookedUpPerCall(_ReduceLR):
    """Every consuming call reads the registry's current 'reduce_lr' instance, not the bound one."""

    def _get_value(self):
        if self.last_step == 0:
            return self._current_values()
        hub = MessageHub.get_instance(HUB_NAME)
        return _plateau_step(self, hub.get_scalar(VALUE_KEY).current())


@mutant('RLR-METRIC-MISSING')
class RlrMissingValueSkips(_ReduceLR):
    """A consuming call without any published value keeps the lrs instead of raising KeyError."""

    def _get_value(self):
        if self.last_step != 0 and VALUE_KEY not in self.message_hub.log_scalars:
            return self._current_values()
        return super()._get_value()


#: RlrStaleValueSkipped's memory, kept outside the scheduler so its state dict is upstream's.
_LAST_READ = weakref.WeakKeyDictionary()


def _publication(hub):
    """The latest publication: the history buffer and how many values it holds."""
    buffer = hub.get_scalar(VALUE_KEY)
    return buffer, len(buffer.data[0])


@mutant('RLR-METRIC-STALE')
class RlrStaleValueSkipped(_ReduceLR):
    """A consuming call with nothing published since its last read keeps lrs and counts nothing."""

    def _get_value(self):
        if self.last_step == 0:
            return self._current_values()
        buffer, length = _publication(self.message_hub)
        seen = _LAST_READ.get(self)
        if seen is not None and seen[0] is buffer and seen[1] == length:
            return self._current_values()
        _LAST_READ[self] = (buffer, length)
        return _plateau_step(self, buffer.current())


#: RlrFirstReaderConsumes's memory: (buffer id, length) -> id of the scheduler that read it first.
_FIRST_READER = {}


@mutant('RLR-SHARED-HUB')
class RlrFirstReaderConsumes(_ReduceLR):
    """A published value counts only for the first ReduceLR reading it; the others skip the call."""

    def _get_value(self):
        if self.last_step == 0:
            return self._current_values()
        buffer, length = _publication(self.message_hub)
        reader = _FIRST_READER.setdefault((id(buffer), length), id(self))
        if reader != id(self):
            return self._current_values()
        return _plateau_step(self, buffer.current())


@mutant('RLR-IS-BETTER-EDGES')
class RlrNegativeBestMarginFixed(_ReduceLR):
    """In rel mode a negative best gets its margin on the better side (min: best * (1 + t))."""

    def is_better(self, a, best):
        if self.threshold_mode == 'rel' and best < 0:
            if self.mode == 'min':
                return a < best * (1.0 + self.threshold)
            return a > best * (1.0 - self.threshold)
        return super().is_better(a, best)


@mutant('RLR-PATIENCE')
class RlrPatienceInclusive(_ReduceLR):
    """lr is reduced once num_bad_epochs reaches patience (>=), one bad call early."""

    def _get_value(self):
        if self.last_step == 0:
            return self._current_values()
        self._count_epoch(self.message_hub.get_scalar(VALUE_KEY).current())
        self._tick_cooldown()
        if self.num_bad_epochs >= self.patience:
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
            return self._reduced_values()
        return self._current_values()


@mutant('RLR-EPS')
class RlrEpsInclusive(_ReduceLR):
    """A decrement equal to eps passes the eps test (>= instead of >)."""

    def _reduced_values(self):
        values = []
        for group in self.optimizer.param_groups:
            lr = group[self.param_name]
            if lr - lr * self.factor >= self.eps:
                lr = max(lr * self.factor, self.min_lr)
            values.append(lr)
        return values


@mutant('RLR-FACTOR-ZERO')
class RlrFactorZeroRefused(_ReduceLR):
    """factor=0 is refused with ValueError (after upstream's own checks)."""

    def __init__(self, optimizer, mode='min', factor=0.1, *args, **kwargs):
        super().__init__(optimizer, mode, factor, *args, **kwargs)
        if factor == 0:
            raise ValueError('Factor should be < 1.0 and > 0')


@mutant('RLR-GROUPS')
class RlrReducesLastValues(_ReduceLR):
    """A reduction starts from the lrs the scheduler last recorded, not the groups' current lrs."""

    def _reduced_values(self):
        values = []
        for lr in self._last_value:
            if lr - lr * self.factor > self.eps:
                lr = max(lr * self.factor, self.min_lr)
            values.append(lr)
        return values


@mutant('RLR-OPTIM-WRAPPER')
class RlrSkipsPseudoGroup(_ReduceLR):
    """A reduction on an OptimWrapper leaves mmengine's pseudo-group as it is."""

    def _reduced_values(self):
        reduced = super()._reduced_values()
        if isinstance(self.optimizer, BaseOptimWrapper):
            return reduced[:len(self.optimizer.optimizer.param_groups)]
        return reduced


@mutant('RLR-NO-ITER-FROM-EPOCH')
class RlrBuildsIterFromEpoch(_ReduceLR):
    """ReduceLR gains a build_iter_from_epoch that scales begin and end by epoch_length."""

    @classmethod
    def build_iter_from_epoch(cls, *args, begin=0, end=INF, by_epoch=True, epoch_length=None,
                              **kwargs):
        return iter_from_epoch(cls, args, kwargs, begin, end, by_epoch, epoch_length)


@mutant('RLR-INIT-IS-BETTER-RESET')
class RlrInitIsBetterResetsBest(_ReduceLR):
    """_init_is_better() also sets best to the new mode's worst value."""

    def _init_is_better(self, mode):
        super()._init_is_better(mode)
        self.best = self.mode_worse


@mutant('RLR-IS-BETTER-DIRECT')
class RlrIsBetterBool(_ReduceLR):
    """is_better() returns bool(...) of the comparison instead of the comparison's own result."""

    def is_better(self, a, best):
        return bool(super().is_better(a, best))


@mutant('RLR-STATE-TYPES')
class RlrBestMadeFloat(_ReduceLR):
    """best is converted with float() after every consuming step."""

    def _count_epoch(self, current):
        super()._count_epoch(current)
        self.best = float(self.best)


@mutant('RLR-VALUE-TYPES')
class RlrWritesFloats(_ReduceLR):
    """Every value written is converted with float()."""

    def _current_values(self):
        return [float(value) for value in super()._current_values()]

    def _reduced_values(self):
        return [float(value) for value in super()._reduced_values()]


@mutant('RLR-LOAD-UNVALIDATED')
class RlrLoadValidatesMode(_ReduceLR):
    """load_state_dict() refuses an unknown mode and recomputes mode_worse from the loaded one."""

    def load_state_dict(self, state_dict):
        if state_dict.get('mode', 'min') not in ('min', 'max'):
            raise ValueError('mode must be one of "min" or "max"')
        super().load_state_dict(state_dict)
        self._init_is_better(self.mode)


@mutant('RLR-ARG-TYPES')
class RlrPatienceMadeInt(_ReduceLR):
    """A patience that is not an int is converted with int() (None becomes the default 10)."""

    def __init__(self, optimizer, mode='min', factor=0.1, patience=10, *args, **kwargs):
        if patience is None:
            patience = 10
        elif not isinstance(patience, int):
            patience = int(patience)
        super().__init__(optimizer, mode, factor, patience, *args, **kwargs)
