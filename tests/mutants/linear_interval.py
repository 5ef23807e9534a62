"""Mutants of LinearLrInterval's own rules (LLI-*)."""

from __future__ import annotations

from mmengine.logging import MessageHub

from reference import INF
from reference import LinearLrInterval as _LinearLrInterval

from . import mutant


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
