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

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

from . import clauses

#: What a deviation may follow instead of upstream.
FOLLOWS = ('intent', 'excused')
#: Parts of a clause's checks an ``excused`` deviation may be limited to.
ASPECTS = ('message',)

#: Set on a test item whose verdict a deviation decided: 'deviated' (judged against the
#: reference with the declared intents) or 'excused' (an expected failure of an excused clause).
OUTCOME_KEY = pytest.StashKey[str]()
#: Set on the config at the end of the session: the excused clauses none of whose checks failed.
UNNEEDED_KEY = pytest.StashKey[list]()


class DeviationsError(Exception):
    """A deviations file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Deviation:
    clause: str
    follows: str
    reason: str
    aspect: Optional[str] = None  # only for 'excused': limit the excuse to this aspect


#: Where the session keeps the declared deviations (``config.stash[STASH_KEY]``).
STASH_KEY = pytest.StashKey()


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


_INTENT = re.compile(r'Intent \(`intent:([A-Z0-9-]+)`\)')
_KEYS = ('follows', 'reason', 'aspect')


def intents_in_spec() -> frozenset:
    """The clauses of docs/spec.md that state an intent (an ``Intent (`intent:ID`)`` paragraph)."""
    found = set()
    for clause_id, text in clauses.sections().items():
        for named in _INTENT.findall(text):
            if named == clause_id:
                found.add(clause_id)
    return frozenset(found)


def _requires() -> dict:
    """Intents that must be declared together (the reference's own rule, INTENT_REQUIRES)."""
    import reference

    return getattr(reference, 'INTENT_REQUIRES', {})


def load(path) -> Deviations:
    """Read and validate a deviations file; every problem is one DeviationsError."""
    path = Path(path)
    where = f'--deviations={path}'
    try:
        text = path.read_text(encoding='utf-8')
    except OSError as exc:
        raise DeviationsError(f'{where}: cannot read the file ({exc.strerror or exc})') from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DeviationsError(f'{where}: not valid TOML: {exc}') from None
    extra = sorted(key for key in data if key != 'deviations')
    if extra:
        raise DeviationsError(
            f'{where}: unknown top-level key(s) {", ".join(extra)}; the file holds only '
            '[deviations.CLAUSE-ID] tables')
    tables = data.get('deviations', {})
    if not isinstance(tables, dict):
        raise DeviationsError(f'{where}: "deviations" must be a table of [deviations.CLAUSE-ID] '
                              'tables')
    defined = clauses.defined()
    with_intent = intents_in_spec()
    entries = []
    for clause_id, table in tables.items():
        entries.append(_entry(where, clause_id, table, defined, with_intent))
    result = Deviations(str(path), tuple(entries))
    _check_together(where, result)
    return result


def _entry(where, clause_id, table, defined, with_intent) -> Deviation:
    here = f'{where}: [deviations.{clause_id}]'
    if clause_id not in defined:
        hint = (f' (did you mean {clause_id.upper()}?)'
                if clause_id.upper() in defined else '')
        raise DeviationsError(f'{here}: unknown clause ID {clause_id!r}{hint}; the IDs are the '
                              'headings of docs/spec.md')
    if not isinstance(table, dict):
        raise DeviationsError(f'{here}: must be a table with follows and reason')
    unknown = sorted(key for key in table if key not in _KEYS)
    if unknown:
        raise DeviationsError(f'{here}: unknown key(s) {", ".join(unknown)}; allowed: '
                              f'{", ".join(_KEYS)}')
    if 'follows' not in table:
        raise DeviationsError(f'{here}: missing follows (one of {", ".join(FOLLOWS)})')
    follows = table['follows']
    if follows not in FOLLOWS:
        raise DeviationsError(f'{here}: unknown follows = {follows!r}; use one of '
                              f'{", ".join(repr(f) for f in FOLLOWS)}')
    reason = table.get('reason')
    if not isinstance(reason, str) or not reason.strip():
        raise DeviationsError(f'{here}: missing reason (a non-empty string saying why the fork '
                              'deviates)')
    aspect = table.get('aspect')
    if aspect is not None:
        if follows != 'excused':
            raise DeviationsError(f'{here}: aspect is only for follows = "excused"')
        if aspect not in ASPECTS:
            raise DeviationsError(f'{here}: unknown aspect = {aspect!r}; use one of '
                                  f'{", ".join(repr(a) for a in ASPECTS)}')
    if follows == 'intent' and clause_id not in with_intent:
        raise DeviationsError(
            f'{here}: follows = "intent", but docs/spec.md states no intent for {clause_id}; '
            f'the clauses with an intent are {", ".join(sorted(with_intent))} '
            '(use follows = "excused" to claim none)')
    return Deviation(clause_id, follows, reason.strip(), aspect)


def _check_together(where, result):
    declared = result.intents
    for clause_id in sorted(declared):
        missing = sorted(set(_requires().get(clause_id, ())) - declared)
        if missing:
            raise DeviationsError(
                f'{where}: intent:{clause_id} is declared without {", ".join(missing)}: these '
                'intents are declared together (docs/intents.md says why)')
