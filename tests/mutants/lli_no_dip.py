"""LLI-FIRST-STEP-DIP broken: the first active call keeps the lr instead of multiplying it."""

from reference import LinearLrInterval as _LinearLrInterval
from reference import ReduceLR


class LinearLrInterval(_LinearLrInterval):
    def _first_active_values(self):
        return [group[self.param_name] for group in self.optimizer.param_groups]


__all__ = ['LinearLrInterval', 'ReduceLR']
