"""RLR-VALIDATION broken ("fixed"): the invalid-mode message shows the mode, not '{mode}'."""

from reference import LinearLrInterval
from reference import ReduceLR as _ReduceLR

_UPSTREAM = 'mode must be one of "min" or "max", instead got {mode}'


class ReduceLR(_ReduceLR):
    def __init__(self, optimizer, mode='min', *args, **kwargs):
        try:
            super().__init__(optimizer, mode, *args, **kwargs)
        except ValueError as exc:
            if str(exc) == _UPSTREAM:
                raise ValueError(_UPSTREAM.format(mode=mode)) from None
            raise


__all__ = ['LinearLrInterval', 'ReduceLR']
