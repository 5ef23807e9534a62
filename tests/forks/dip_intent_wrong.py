"""A fork that declares intent:LLI-FIRST-STEP-DIP but implements it wrongly.

Its first active call writes end_factor (instead of the staircase value, start_factor); every
other call is the intent's.
"""

import reference

_INTENDED = reference.with_intents({'LLI-FIRST-STEP-DIP'})
ReduceLR = reference.ReduceLR

__all__ = ['LinearLrInterval', 'ReduceLR']


class LinearLrInterval(_INTENDED.LinearLrInterval):
    def _get_value(self):
        if self.last_step == 0:
            return [self.end_factor for _group in self.optimizer.param_groups]
        return super()._get_value()
