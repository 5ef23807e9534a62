"""A fork whose ReduceLR raises TypeError, not ValueError, for a bad mode (RLR-VALIDATION)."""

from reference import LinearLrInterval
from tests.forks import reworded_mode_error

__all__ = ['LinearLrInterval', 'ReduceLR']

ReduceLR = reworded_mode_error(lambda mode: TypeError(f'mode must be "min" or "max", got {mode!r}'))
