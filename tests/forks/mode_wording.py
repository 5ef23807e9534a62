"""A fork whose ReduceLR words the bad-mode ValueError its own way (RLR-VALIDATION's message)."""

import reference
from reference import LinearLrInterval

__all__ = ['LinearLrInterval', 'ReduceLR']


class ReduceLR(reference.ReduceLR):
    def __init__(self, optimizer, mode='min', *args, **kwargs):
        try:
            super().__init__(optimizer, mode, *args, **kwargs)
        except ValueError as exc:
            if str(exc).startswith('mode must be'):
                raise ValueError(f'unsupported mode {mode!r}') from None
            raise
