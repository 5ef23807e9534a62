"""RLR-STATE-KEYS broken: the state dict leaves out last_epoch."""

from reference import LinearLrInterval
from reference import ReduceLR as _ReduceLR


class ReduceLR(_ReduceLR):
    def state_dict(self):
        state = super().state_dict()
        del state['last_epoch']
        return state


__all__ = ['LinearLrInterval', 'ReduceLR']
