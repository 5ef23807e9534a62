"""LLI-PROGRESS-INCONSISTENT broken: the staircase fraction is clamped to 1 (no overshoot)."""

from reference import LinearLrInterval as _LinearLrInterval
from reference import ReduceLR


class LinearLrInterval(_LinearLrInterval):
    def _staircase_fraction(self, progress):
        return min(1.0, super()._staircase_fraction(progress))


__all__ = ['LinearLrInterval', 'ReduceLR']
