"""RLR-METRIC-CURRENT broken: a consuming call reads the mean of the values published so far."""

from reference import LinearLrInterval
from reference import ReduceLR as _ReduceLR
from reference.reduce_lr import VALUE_KEY


class ReduceLR(_ReduceLR):
    def _get_value(self):
        if self.last_step == 0:
            return self._current_values()
        self._count_epoch(self.message_hub.get_scalar(VALUE_KEY).mean())
        self._tick_cooldown()
        if self.num_bad_epochs > self.patience:
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
            return self._reduced_values()
        return self._current_values()


__all__ = ['LinearLrInterval', 'ReduceLR']
