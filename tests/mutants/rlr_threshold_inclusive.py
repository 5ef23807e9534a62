"""RLR-IS-BETTER broken: a value equal to the threshold-shifted best counts as an improvement."""

from reference import LinearLrInterval
from reference import ReduceLR as _ReduceLR


class ReduceLR(_ReduceLR):
    def is_better(self, a, best):
        if self.mode == 'min' and self.threshold_mode == 'rel':
            return a <= best * (1.0 - self.threshold)
        if self.mode == 'min':
            return a <= best - self.threshold
        if self.threshold_mode == 'rel':
            return a >= best * (1.0 + self.threshold)
        return a >= best + self.threshold


__all__ = ['LinearLrInterval', 'ReduceLR']
