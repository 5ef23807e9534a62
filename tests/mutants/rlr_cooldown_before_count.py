"""RLR-COOLDOWN broken: the cooldown ticks before the value is counted, not after."""

from reference import LinearLrInterval
from reference import ReduceLR as _ReduceLR
from reference.reduce_lr import VALUE_KEY


class ReduceLR(_ReduceLR):
    def _get_value(self):
        if self.last_step == 0:
            return self._current_values()
        current = self.message_hub.get_scalar(VALUE_KEY).current()
        self._tick_cooldown()
        self._count_epoch(current)
        if self.num_bad_epochs > self.patience:
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
            return self._reduced_values()
        return self._current_values()


__all__ = ['LinearLrInterval', 'ReduceLR']
