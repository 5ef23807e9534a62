"""LLI-ABSOLUTE-VALUE broken: the staircase factor multiplies each group's initial lr."""

from reference import LinearLrInterval as _LinearLrInterval
from reference import ReduceLR


class LinearLrInterval(_LinearLrInterval):
    def _absolute_values(self, factor):
        value = self.start_factor + (self.end_factor - self.start_factor) * factor
        return [base * value for base in self.base_values]


__all__ = ['LinearLrInterval', 'ReduceLR']
