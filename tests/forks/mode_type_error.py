"""A fork whose ReduceLR raises TypeError, not ValueError, for a bad mode (RLR-VALIDATION).

The check stays where upstream makes it (after the window's constructor call), so no other
clause sees a difference.
"""

import reference
from reference import LinearLrInterval

__all__ = ['LinearLrInterval', 'ReduceLR']


class ReduceLR(reference.ReduceLR):
    def __init__(self, optimizer, mode='min', *args, **kwargs):
        try:
            super().__init__(optimizer, mode, *args, **kwargs)
        except ValueError as exc:
            if str(exc).startswith('mode must be'):
                raise TypeError(f'mode must be "min" or "max", got {mode!r}') from None
            raise
