"""A fork that declares intent:LLI-BEFORE-BEGIN and intent:RLR-RESUME-STALE-HUB and implements
them as the reference with them does, under classes of its own.

Its classes are not the reference's, so the suite judges it as a fork: a check the intents
supersede must fail on it exactly as on the reference with the intents, even where the failure's
text shows objects of the run itself (a mock logger's id, a scheduler's repr with its class path).
"""

import reference

_INTENDED = reference.with_intents({'LLI-BEFORE-BEGIN', 'RLR-RESUME-STALE-HUB'})

__all__ = ['LinearLrInterval', 'ReduceLR']


class LinearLrInterval(_INTENDED.LinearLrInterval):
    """The reference's rule with intent:LLI-BEFORE-BEGIN, under the fork's own class."""


class ReduceLR(_INTENDED.ReduceLR):
    """The reference's rule with intent:RLR-RESUME-STALE-HUB, under the fork's own class."""
