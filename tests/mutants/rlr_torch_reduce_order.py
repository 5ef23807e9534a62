"""RLR-REDUCE-ORDER broken: torch's order, floor at min_lr first, then the eps test."""

from reference import LinearLrInterval
from reference import ReduceLR as _ReduceLR


class ReduceLR(_ReduceLR):
    def _reduced_values(self):
        values = []
        for group in self.optimizer.param_groups:
            lr = group[self.param_name]
            new = max(lr * self.factor, self.min_lr)
            values.append(new if lr - new > self.eps else lr)
        return values


__all__ = ['LinearLrInterval', 'ReduceLR']
