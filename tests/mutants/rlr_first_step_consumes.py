"""RLR-FIRST-STEP broken: the first active call already reads and counts the monitored value."""

from reference import LinearLrInterval
from reference import ReduceLR as _ReduceLR
from reference.reduce_lr import VALUE_KEY


class ReduceLR(_ReduceLR):
    def _get_value(self):
        if self.last_step == 0:
            hub = getattr(self, 'message_hub', None)
            if hub is not None and VALUE_KEY in hub.log_scalars:
                self._count_epoch(hub.get_scalar(VALUE_KEY).current())
            return self._current_values()
        return super()._get_value()


__all__ = ['LinearLrInterval', 'ReduceLR']
