"""RLR-MIN-LR broken: a reduction leaves an lr that is already below min_lr where it is."""

from reference import LinearLrInterval
from reference import ReduceLR as _ReduceLR


class ReduceLR(_ReduceLR):
    def _reduced_values(self):
        reduced = super()._reduced_values()
        current = [group[self.param_name] for group in self.optimizer.param_groups]
        return [old if old < self.min_lr else new for old, new in zip(current, reduced)]


__all__ = ['LinearLrInterval', 'ReduceLR']
