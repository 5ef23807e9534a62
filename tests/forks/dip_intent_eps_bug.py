"""A fork that implements intent:LLI-FIRST-STEP-DIP correctly and, unrelated, breaks RLR-EPS.

A declared intent must not hide the unrelated failure.
"""

import reference
from tests.mutants import MUTANTS

LinearLrInterval = reference.with_intents({'LLI-FIRST-STEP-DIP'}).LinearLrInterval
ReduceLR = MUTANTS['rlr_eps_inclusive'].classes['ReduceLR']

__all__ = ['LinearLrInterval', 'ReduceLR']
