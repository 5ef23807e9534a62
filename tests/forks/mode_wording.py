"""A fork whose ReduceLR words the bad-mode ValueError its own way (RLR-VALIDATION's message)."""

from reference import LinearLrInterval
from tests.forks import reworded_mode_error

__all__ = ['LinearLrInterval', 'ReduceLR']

ReduceLR = reworded_mode_error(lambda mode: ValueError(f'unsupported mode {mode!r}'))
