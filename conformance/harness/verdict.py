"""How a declared deviation changes the verdict of one check (docs/deviations.md).

Without deviations a check runs once, on the candidate, and its outcome is the verdict.

**Intents.** Under intents S (``follows = "intent"``) the expected behaviour is that of
``reference[S]``, the reference with those intents. Every check runs twice, each time from the
global state its fixtures set up (isolation.Snapshot) and the same random state: first as a
*probe* on ``reference[S]`` (each argument that is the candidate's adapter, or its classes,
replaced by the probe's), then on the candidate.

- The probe passes: the check's expectation holds under S, so it judges the candidate as usual.
  A failure that the plain reference (upstream's behaviour) reproduces exactly is reported as
  "declared the intent but does not implement it".
- The probe fails: the check pins upstream's behaviour where S changes it (a *superseded*
  check). The candidate must then fail it exactly as the probe does (same exception type, same
  message once what belongs to one run or one implementation's code is masked: addresses, mock
  ids, implementation and class names, traceback frames; :func:`_signature`): the same first
  divergence from upstream's expectation. Passing means it still behaves like upstream there.

**Excused clauses.** A failing check whose subject is an excused clause becomes an expected
failure (xfail); one with ``aspect = "message"`` is excused only if it passes once exception
messages are not compared. An excused clause none of whose checks needed the excuse fails the
session ("deviation no longer needed"), judged in the conftest at the end of the session.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Optional

import numpy
import pytest
import torch

from . import isolation, messages
from .driver import mask_addresses
from .report import suspended as _suspended  # the report records the candidate's runs only

#: pytest's skip and xfail are not a check's verdict: they pass through (pytest.fail is a failure).
_OUTCOME_EXCEPTIONS = (pytest.skip.Exception, pytest.xfail.Exception)
_FAILURES = (Exception, pytest.fail.Exception)
#: unittest.mock's repr shows the mock's id() in decimal (``<MagicMock name='log' id='1404...'>``),
#: and pytest's assertion rewriting puts such reprs into a failure's text: like a memory address
#: (driver.mask_addresses), it differs between two runs of one check and is no part of its outcome.
_MOCK_ID = re.compile(r"\bid='\d+'")


@dataclass(frozen=True)
class Outcome:
    """What one run of a check ended with: nothing (passed), or an exception."""

    error: Optional[BaseException]
    signature: Optional[tuple]  # (type, text): what two outcomes are compared by

    @property
    def passed(self):
        return self.error is None

    def describe(self):
        if self.error is None:
            return 'passed'
        return f'{type(self.error).__name__}: {self.error}'


def _signature(exc, names) -> tuple:
    """What two outcomes are compared by: the type, and the text with ``names`` replaced.

    ``names`` is :func:`_names`' list of (text, stand-in) pairs, longest text first.
    """
    text = str(exc)
    for note in getattr(exc, '__notes__', ()) or ():
        text += '\n' + str(note)
    for name, stand_in in names:
        text = text.replace(name, stand_in)
    return (type(exc).__name__, _MOCK_ID.sub("id='?'", mask_addresses(_without_frames(text))))


_TRACEBACK = 'Traceback (most recent call last):'


def _without_frames(text):
    """``text`` with the frames of every traceback in it replaced by one ``...`` line.

    A spec example's failure (a doctest report) shows the traceback its code raised: the file,
    line and source of every frame, the implementation's own among them. Where and in which code
    an exception was raised differs between two conforming implementations; which exception, with
    which message, is the outcome (the line after the frames, kept).
    """
    kept, frames_deeper_than = [], None
    for line in text.split('\n'):
        indent = len(line) - len(line.lstrip(' '))
        if frames_deeper_than is not None:
            if line.strip() and indent > frames_deeper_than:
                continue
            frames_deeper_than = None
        kept.append(line)
        if line.strip() == _TRACEBACK:
            frames_deeper_than = indent
            kept.append(' ' * (indent + 2) + '...')
    return '\n'.join(kept)


def _random_state():
    """What every run of one check starts from: the random generators and the global state."""
    generators = random.getstate(), numpy.random.get_state(), torch.random.get_rng_state()
    return generators, isolation.Snapshot()


def _set_random_state(state):
    python_state, numpy_state, torch_state = state
    random.setstate(python_state)
    numpy.random.set_state(numpy_state)
    torch.random.set_rng_state(torch_state)


def substitute(value, candidate, replacement):
    """``value`` with the candidate's adapter (and its classes) replaced by ``replacement``'s."""
    if value is candidate:
        return replacement
    classes = getattr(candidate, 'classes', None)
    if classes is not None and value is classes:
        return replacement.classes
    if isinstance(value, tuple) and not hasattr(value, '_fields'):
        return tuple(substitute(item, candidate, replacement) for item in value)
    if isinstance(value, list):
        return [substitute(item, candidate, replacement) for item in value]
    return value


def run_once(function, arguments, start_state, names) -> Outcome:
    """Run the check once from the global state it started with; return how it ended.

    ``start_state`` is ``(random state, isolation.Snapshot)`` taken before the first run.
    """
    random_state, snapshot = start_state
    _set_random_state(random_state)
    with snapshot.restored():
        try:
            function(**arguments)
        except _OUTCOME_EXCEPTIONS:
            raise
        except _FAILURES as exc:  # the check's failure, whatever its type
            return Outcome(exc, _signature(exc, names))
    return Outcome(None, None)


def _names(*adapters):
    """The texts that name an implementation in a failure, each with its stand-in, longest first.

    An adapter's name and origin stand for ``<implementation>``. Each scheduler class stands, by
    its dotted path and by its own name, for the scheduler's name: the reprs the check's failure
    shows of the candidate's objects (``<myfork.schedulers.ReduceLR object at 0x?>``) and of the
    reference's with the intents (``<reference.intents.ReduceLR[...] object at 0x?>``) then read
    alike, ``<ReduceLR object at 0x?>``, as the same failure must.
    """
    found = {}
    for adapter in adapters:
        for name in (getattr(adapter, 'name', None), getattr(adapter, 'origin', None)):
            if name:
                found[name] = '<implementation>'
        for scheduler, cls in (getattr(adapter, 'classes', None) or {}).items():
            found.setdefault(f'{cls.__module__}.{cls.__qualname__}', scheduler)
            if cls.__qualname__ != scheduler:
                found.setdefault(cls.__qualname__, scheduler)
    return sorted(found.items(), key=lambda pair: len(pair[0]), reverse=True)


def judge_with_intents(item, function, arguments, candidate, probe, plain, intents_named):
    """Run the probe and the candidate and raise what the verdict is (docs/deviations.md)."""
    __tracebackhide__ = True
    start = _random_state()
    names = _names(candidate, probe, plain)
    with _suspended():
        try:
            expected = run_once(function, {k: substitute(v, candidate, probe)
                                           for k, v in arguments.items()}, start, names)
        except _OUTCOME_EXCEPTIONS:
            expected = None  # the probe cannot run this check: judge the candidate as usual
    got = run_once(function, arguments, start, names)
    if expected is None or expected.passed:
        if got.passed:
            return None
        upstream = _run_plain(function, arguments, candidate, plain, start, names)
        if upstream is not None and upstream.signature == got.signature:
            raise AssertionError(
                f'declared {intents_named()} but does not implement it: this check fails '
                f'exactly as upstream\'s behaviour (the plain reference) fails it, while the '
                f'reference with the declared intents passes it.\n{got.describe()}'
            ) from None
        raise got.error
    _require_upstream_passes(function, arguments, candidate, plain, start, names, expected)
    if got.signature == expected.signature:
        return 'deviated'
    if got.passed:
        raise AssertionError(
            f'declared {intents_named()} but does not implement it: this check pins '
            "upstream's behaviour where the intent changes it, and the candidate still "
            'behaves like upstream (it passes); the reference with the declared intents '
            f'fails it with\n{expected.describe()}'
        )
    raise AssertionError(
        f'declared {intents_named()}, but the candidate departs from the reference with the '
        f'declared intents: the reference fails this check with\n{expected.describe()}\n'
        f'and the candidate with\n{got.describe()}'
    ) from None


def _require_upstream_passes(function, arguments, candidate, plain, start, names, expected):
    """A superseded check must pin upstream's behaviour: the plain reference passes it.

    Otherwise the reference with the intents fails a check that is not upstream's (an intent
    example, an intent golden) or that upstream's behaviour fails too: a defect of the suite or
    of the reference's intent, never a reason to accept the candidate.
    """
    __tracebackhide__ = True
    upstream = _run_plain(function, arguments, candidate, plain, start, names)
    if upstream is not None and not upstream.passed:
        raise AssertionError(
            'the reference with the declared intents fails this check, and not because the '
            "intents change upstream's behaviour (the plain reference fails it too): the "
            f'check cannot judge the candidate.\nreference with the intents: '
            f'{expected.describe()}\nplain reference: {upstream.describe()}')


def judge_expected_reference(function, arguments, candidate, plain):
    """Judge the reference with the declared intents itself: 'deviated', None, or raise.

    A check it fails that the plain reference passes pins upstream's behaviour where the
    intents change it (superseded: 'deviated'); any other failure is the check's verdict.
    """
    __tracebackhide__ = True
    start = _random_state()
    names = _names(candidate, plain)
    got = run_once(function, arguments, start, names)
    if got.passed:
        return None
    upstream = _run_plain(function, arguments, candidate, plain, start, names)
    if upstream is not None and upstream.passed:
        return 'deviated'
    raise got.error


def _run_plain(function, arguments, candidate, plain, start, names):
    """The check's outcome on the plain reference (upstream's behaviour); None if it skips."""
    with _suspended():
        try:
            return run_once(function, {k: substitute(v, candidate, plain)
                                       for k, v in arguments.items()}, start, names)
        except _OUTCOME_EXCEPTIONS:
            return None


def judge_excused(function, arguments, deviation):
    """Run an excused clause's check; return 'excused' when the excuse was needed, else None."""
    __tracebackhide__ = True
    start = _random_state()
    got = run_once(function, arguments, start, ())
    if got.passed:
        return None
    if deviation.aspect == 'message':
        with messages.ignored():
            again = run_once(function, arguments, start, ())
        if not again.passed:
            raise got.error
    return 'excused'
