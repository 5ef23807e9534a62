"""Mutants: implementations that each break exactly one clause of docs/spec.md.

A mutant is a small class that subclasses a reference scheduler and changes one rule (or a mixin
that changes a rule both schedulers share), registered with :func:`mutant` under the ID of the
clause it breaks: its *subject*. For each mutant the package provides a module
``tests.mutants.<name>`` exposing ``LinearLrInterval`` and ``ReduceLR`` (the reference class where
the mutant changes nothing), so the suite runs on it with ``--impl=tests.mutants.<name>``.
tests/test_mutants.py checks that the checks whose subject is that clause fail on it; that is the
evidence the traceability meta-test asks of every clause with behaviour.

``NO_MUTANT`` lists the clauses that no implementation under test can break (no behaviour of their
own, or the behaviour of code that ``--impl`` does not replace), each with the reason.
"""

from __future__ import annotations

import re
import sys
import types
from dataclasses import dataclass

import reference

SCHEDULERS = ('LinearLrInterval', 'ReduceLR')


@dataclass(frozen=True)
class Mutant:
    """One registered mutant: its module name, the clause it breaks, and what it changes."""

    name: str
    subject: str
    description: str
    classes: dict


MUTANTS: dict = {}


def _name(cls):
    return re.sub(r'(?<!^)(?=[A-Z])', '_', cls.__name__).lower()


def mutant(subject, exports=None):
    """Register a class as the mutant of clause ``subject`` (see the module docstring).

    ``exports``: further attributes of the mutant's module, e.g. the ``PARAM_SCHEDULERS``
    registry a module offers (LOOP-REGISTRY); without it the registry checks do not apply.
    """

    def register(cls):
        name = _name(cls)
        if name in MUTANTS:
            raise ValueError(f'mutant {name} is registered twice')
        classes = {}
        for scheduler in SCHEDULERS:
            base = getattr(reference, scheduler)
            if issubclass(cls, base):
                classes[scheduler] = cls
            elif not any(issubclass(cls, getattr(reference, other)) for other in SCHEDULERS):
                classes[scheduler] = type(scheduler, (cls, base), {'__module__': cls.__module__})
            else:
                classes[scheduler] = base
        doc = (cls.__doc__ or '').strip().splitlines()
        MUTANTS[name] = Mutant(name, subject, doc[0] if doc else '', classes)
        module = types.ModuleType(f'{__name__}.{name}', doc[0] if doc else None)
        module.__file__ = sys.modules[cls.__module__].__file__
        module.__dict__.update(classes)
        module.__dict__.update(exports or {})
        sys.modules[module.__name__] = module
        return cls

    return register


def iter_from_epoch(cls, args, kwargs, begin, end, by_epoch, epoch_length, scale=int,
                    by_epoch_after=False):
    """mmengine's ``build_iter_from_epoch``, for mutants that change what it does: ``scale``
    turns ``bound * epoch_length`` into a bound (upstream: int), and ``by_epoch_after`` is the
    built scheduler's by_epoch (upstream: False)."""
    assert by_epoch, 'Only epoch-based kwargs whose `by_epoch=True` can be converted to iter-based.'
    assert epoch_length is not None and epoch_length > 0, (
        f'`epoch_length` must be a positive integer, but got {epoch_length}.')
    begin = scale(begin * epoch_length)
    if end != reference.INF:
        end = scale(end * epoch_length)
    return cls(*args, begin=begin, end=end, by_epoch=by_epoch_after, **kwargs)


#: Why the LOOP-HOOK-* clauses have no mutant: they are rules of ReduceLRSchedulerHook, which
#: ``--impl`` does not replace (an implementation under test provides only the two schedulers).
_HOOK = ("ReduceLRSchedulerHook's rule; the hook is not part of an implementation under test "
         '(--impl provides only the two schedulers), so no mutant can break it; '
         "TestUpstreamHook checks the reference hook against upstream's")

#: Clauses with no behaviour that an implementation under test could break, and why.
NO_MUTANT = {
    'LOOP-MMENGINE-VERSIONS': 'states which mmengine releases upstream was measured on; the tox '
                              'matrix (docs/versions.md) checks it, not a rule of a scheduler',
    'LOOP-CONFIGS': "mmagic's configs combine LLI-* and RLR-* rules; every mutant of a rule "
                    'they use fails their goldens, and the configs themselves are data',
    'LOOP-COMPOSITION': 'the composition of all other clauses; every mutant is one of it and '
                        'the side-by-side and differential checks catch them all',
    'LOOP-HOOK-TRAIN-LOSS': _HOOK,
    'LOOP-HOOK-VAL-METRIC': _HOOK,
    'LOOP-HOOK-INTERVAL': _HOOK,
    'LOOP-HOOK-NOT-CHECKPOINTED': _HOOK,
    'LOOP-HOOK-DIRECT-CALLS': _HOOK,
    'LOOP-OPTIM-WRAPPER-DICT': "mmengine's Runner builds one scheduler per optimizer and steps "
                               'them in order; each copy is an ordinary scheduler (WIN-*, and '
                               'RLR-SHARED-HUB for the value the copies share), and the '
                               "clause's checks compare a Runner with the driver running the "
                               'same copies, so a scheduler mutant changes both alike',
}

# The mutant definitions register themselves on import.
from . import linear_interval, loop, reduce_lr, state, window  # noqa: E402,F401
