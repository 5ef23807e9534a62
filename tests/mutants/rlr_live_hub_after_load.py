"""RLR-RESUME-STALE-HUB broken ("fixed"): loading a state dict keeps the scheduler's own hub."""

from reference import LinearLrInterval
from reference import ReduceLR as _ReduceLR


class ReduceLR(_ReduceLR):
    def load_state_dict(self, state_dict):
        super().load_state_dict({k: v for k, v in state_dict.items() if k != 'message_hub'})


__all__ = ['LinearLrInterval', 'ReduceLR']
