"""Declared deviations: the TOML file in which a fork declares intents and excused clauses.

A fork that fixes one of upstream's defects on purpose declares it (``--deviations=FILE``)::

    [deviations.LLI-FIRST-STEP-DIP]
    follows = "intent"      # checked against intent:LLI-FIRST-STEP-DIP instead of upstream
    reason = "no dip on the first active step"

    [deviations.RLR-VALIDATION]
    follows = "excused"     # no intent is claimed: the clause's checks are expected to fail
    reason = "we raise TypeError for a bad mode"

docs/deviations.md says what each kind does to the checks. This module only reads and validates
the file; every problem is one :class:`DeviationsError` naming the file and what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import pytest

#: What a deviation may follow instead of upstream.
FOLLOWS = ('intent', 'excused')
#: Parts of a clause's checks an ``excused`` deviation may be limited to.
ASPECTS = ('message',)

#: Set on a test item whose verdict a deviation decided: 'deviated' (judged against the
#: reference with the declared intents) or 'excused' (an expected failure of an excused clause).
OUTCOME_KEY = pytest.StashKey[str]()


class DeviationsError(Exception):
    """A deviations file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Deviation:
    clause: str
    follows: str
    reason: str
    aspect: Optional[str] = None  # only for 'excused': limit the excuse to this aspect


@dataclass(frozen=True)
class Deviations:
    path: Optional[str] = None
    entries: tuple = field(default_factory=tuple)

    @property
    def intents(self) -> frozenset:
        """The clauses checked against their intent."""
        return frozenset(d.clause for d in self.entries if d.follows == 'intent')

    @property
    def excused(self) -> frozenset:
        """The clauses whose checks are expected to fail (whole clause, not one aspect)."""
        return frozenset(d.clause for d in self.entries
                         if d.follows == 'excused' and d.aspect is None)

    def __bool__(self):
        return bool(self.entries)


NONE = Deviations()
