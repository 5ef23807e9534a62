"""Mutants of LinearLrInterval's own rules (LLI-*)."""

from __future__ import annotations

import math

from mmengine.logging import MessageHub
from mmengine.optim import BaseOptimWrapper
from torch.optim import Optimizer

from reference import INF
from reference import LinearLrInterval as _LinearLrInterval

from . import iter_from_epoch, mutant


@mutant('LLI-FIRST-STEP-DIP')
class LliNoDip(_LinearLrInterval):
    """The first active call keeps the lr instead of multiplying it by start_factor."""

    def _first_active_values(self):
        return [group[self.param_name] for group in self.optimizer.param_groups]


@mutant('LLI-ABSOLUTE-VALUE')
class LliRelativeValue(_LinearLrInterval):
    """The staircase factor multiplies each group's initial lr instead of being the lr."""

    def _absolute_values(self, factor):
        value = self.start_factor + (self.end_factor - self.start_factor) * factor
        return [base * value for base in self.base_values]


@mutant('LLI-PROGRESS-INCONSISTENT')
class LliClampedFraction(_LinearLrInterval):
    """The staircase fraction is clamped to 1, so progress ahead of the calls cannot overshoot."""

    def _staircase_fraction(self, progress):
        return min(1.0, super()._staircase_fraction(progress))


@mutant('LLI-PROGRESS-SOURCE')
class LliProgressFromCounter(_LinearLrInterval):
    """Progress is the scheduler's own call counter, not what the hub holds."""

    def _read_progress(self):
        return self._global_step


@mutant('LLI-INTERVAL-UNVALIDATED')
class LliIntervalValidated(_LinearLrInterval):
    """An interval outside 1..end-begin is refused at construction."""

    def __init__(self, optimizer, *args, interval=1, begin=0, end=INF, **kwargs):
        if not 0 < interval <= end - begin:
            raise ValueError(f'interval must be in 1..{end - begin}, got {interval}')
        super().__init__(optimizer, *args, interval=interval, begin=begin, end=end, **kwargs)


@mutant('LLI-CURRENT-HUB')
class LliProgressFromRunnerHub(_LinearLrInterval):
    """Progress comes from the newest hub that holds it, not from the newest hub."""

    def _read_progress(self):
        key = 'epoch' if self.by_epoch else 'iter'
        for hub in reversed(list(MessageHub._instance_dict.values())):
            if hub.get_info(key) is not None:
                return hub.get_info(key)
        return None


@mutant('LLI-DEFAULTS')
class LliIntervalPositional(_LinearLrInterval):
    """interval is a ninth positional parameter instead of keyword-only."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, begin=0, end=INF,
                 last_step=-1, by_epoch=True, verbose=False, interval=1):
        super().__init__(optimizer, start_factor, end_factor, begin, end, last_step, by_epoch,
                         verbose, interval=interval)


@mutant('LLI-FACTOR-RANGE')
class LliStartFactorPositive(_LinearLrInterval):
    """start_factor must be above 0, as torch's LinearLR requires; 0 is refused."""

    def __init__(self, optimizer, start_factor=1.0 / 3, *args, **kwargs):
        if start_factor == 0:
            raise ValueError('start_factor must lie in (0, 1].')
        super().__init__(optimizer, start_factor, *args, **kwargs)


@mutant('LLI-TOTAL-ITERS')
class LliTotalItersWholeWindow(_LinearLrInterval):
    """total_iters is end - begin, the window's length, instead of end - begin - 1."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.total_iters = self.end - self.begin


@mutant('LLI-STAIRCASE')
class LliUnflooredDenominator(_LinearLrInterval):
    """The window's intervals are counted with true division: the remainder is not dropped."""

    def _staircase_fraction(self, progress):
        steps_done = max(0, progress - self.begin) // self.interval
        return steps_done / ((self.end - self.begin) / self.interval)


@mutant('LLI-GROUPS-COLLAPSE')
class LliGroupRatiosKept(_LinearLrInterval):
    """Groups keep their initial lr ratios: group g gets the value times base_g / base_0."""

    def _absolute_values(self, factor):
        values = super()._absolute_values(factor)
        first = self.base_values[0]
        return [value if not first else value * base / first
                for value, base in zip(values, self.base_values)]


@mutant('LLI-BEFORE-BEGIN')
class LliStartFactorBeforeBegin(_LinearLrInterval):
    """Calls before begin set every group's lr to start_factor, as the docs page says."""

    def step(self):
        super().step()
        if self._global_step < self.begin:
            for group in self.optimizer.param_groups:
                group[self.param_name] = self.start_factor
            self._last_value = [group[self.param_name] for group in self.optimizer.param_groups]


@mutant('LLI-RUNNER-LAG')
class LliLagCompensated(_LinearLrInterval):
    """Progress is read one ahead (P + 1), to undo the Runner's lag."""

    def _read_progress(self):
        progress = super()._read_progress()
        return progress if progress is None else progress + 1


@mutant('LLI-NEVER-END-FACTOR')
class LliEndsAtEndFactor(_LinearLrInterval):
    """The window's last call writes end_factor, so the schedule reaches it."""

    def _get_value(self):
        if self.last_step != 0 and self._global_step == self.end - 1:
            return [self.end_factor for _group in self.optimizer.param_groups]
        return super()._get_value()


@mutant('LLI-INTERVAL-TOO-LARGE')
class LliDenominatorAtLeastOne(_LinearLrInterval):
    """A window shorter than one interval counts as one interval instead of dividing by zero."""

    def _staircase_fraction(self, progress):
        steps_done = max(0, progress - self.begin) // self.interval
        return steps_done / max(1, (self.end - self.begin) // self.interval)


@mutant('LLI-INTERVAL-ZERO')
class LliZeroIntervalMeansOne(_LinearLrInterval):
    """interval=0 is taken as 1 (every step) instead of dividing by zero."""

    def _staircase_fraction(self, progress):
        interval = self.interval or 1
        steps_done = max(0, progress - self.begin) // interval
        return steps_done / ((self.end - self.begin) // interval)


@mutant('LLI-PROGRESS-MISSING')
class LliMissingProgressIsZero(_LinearLrInterval):
    """Progress the hub does not hold counts as 0 instead of failing."""

    def _read_progress(self):
        progress = super()._read_progress()
        return 0 if progress is None else progress


@mutant('LLI-ITER-FROM-EPOCH')
class LliIntervalScaledFromEpoch(_LinearLrInterval):
    """build_iter_from_epoch scales interval by epoch_length too, not only begin and end."""

    @classmethod
    def build_iter_from_epoch(cls, *args, interval=1, epoch_length=None, **kwargs):
        if epoch_length is not None and epoch_length > 0:
            interval = interval * epoch_length
        return super().build_iter_from_epoch(*args, interval=interval, epoch_length=epoch_length,
                                             **kwargs)


@mutant('LLI-EXTRA-KWARGS')
class LliDropsUnknownKwargs(_LinearLrInterval):
    """Keyword arguments the constructor does not know are dropped instead of raising TypeError."""

    KNOWN = ('start_factor', 'end_factor', 'begin', 'end', 'last_step', 'by_epoch', 'verbose',
             'optimizer')

    def __init__(self, *args, interval=1, **kwargs):
        kwargs = {key: value for key, value in kwargs.items() if key in self.KNOWN}
        super().__init__(*args, interval=interval, **kwargs)


@mutant('LLI-INTERVAL-TYPES')
class LliIntervalTruncated(_LinearLrInterval):
    """The staircase divides by int(interval) instead of the interval given."""

    def _staircase_fraction(self, progress):
        done = max(0, progress - self.begin) // int(self.interval)
        total = (self.end - self.begin) // int(self.interval)
        return done / total


@mutant('LLI-ITER-FROM-EPOCH-ARGS')
class LliIterFromEpochRounds(_LinearLrInterval):
    """build_iter_from_epoch rounds begin * epoch_length and end * epoch_length instead of
    truncating them with int()."""

    @classmethod
    def build_iter_from_epoch(cls, *args, begin=0, end=INF, by_epoch=True, epoch_length=None,
                              **kwargs):
        return iter_from_epoch(cls, args, kwargs, begin, end, by_epoch, epoch_length,
                               scale=round)


@mutant('LLI-CONSTRUCTOR-ORDER')
class LliOptimizerCheckedFirst(_LinearLrInterval):
    """The optimizer type is checked before total_iters is computed, so a non-optimizer with
    end=None raises the optimizer's TypeError message instead of the arithmetic's."""

    def __init__(self, optimizer, *args, **kwargs):
        if not isinstance(optimizer, (Optimizer, BaseOptimWrapper)):
            raise TypeError('``optimizer`` should be an Optimizer,but got '
                            f'{type(optimizer).__name__}')
        super().__init__(optimizer, *args, **kwargs)


@mutant('LLI-FACTOR-NAN')
class LliNanFactorRefused(_LinearLrInterval):
    """A NaN start_factor or end_factor is refused with the range check's ValueError."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, *args, **kwargs):
        if isinstance(start_factor, float) and math.isnan(start_factor):
            raise ValueError('Starting multiplicative factor should between 0 and 1.')
        if isinstance(end_factor, float) and math.isnan(end_factor):
            raise ValueError('Ending multiplicative factor should between 0 and 1.')
        super().__init__(optimizer, start_factor, end_factor, *args, **kwargs)


@mutant('LLI-PROGRESS-VALUES')
class LliProgressMadeFloat(_LinearLrInterval):
    """The progress read from the hub is converted with float() before the staircase uses it."""

    def _read_progress(self):
        progress = super()._read_progress()
        return progress if progress is None else float(progress)
