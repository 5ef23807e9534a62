"""The intents of docs/spec.md as behaviours the reference can run (docs/intents.md).

Upstream's behaviour stays the default: ``reference.LinearLrInterval`` and ``reference.ReduceLR``
have no intent enabled. ``with_intents(ids)`` returns subclasses whose class attribute
``_intents`` names the enabled ones; each intent is a literal rule in linear_interval.py or
reduce_lr.py, next to the upstream rule it replaces, citing ``intent:ID``.

The subclasses are attributes of this module under the names ``LinearLrInterval[ID,...]`` and
``ReduceLR[ID,...]`` (sorted IDs), created on first use, so that a scheduler with intents can be
pickled and unpickled like the plain reference, in another process too.
"""

from __future__ import annotations

from dataclasses import dataclass

from .linear_interval import LinearLrInterval
from .reduce_lr import ReduceLR

#: Clause ID -> the intended behaviour in one line (docs/spec.md, the clause's Intent paragraph).
INTENTS = {
    'LLI-FIRST-STEP-DIP': (
        'The first active call writes the staircase value for k = 0.0, '
        'start_factor + (end_factor - start_factor) * 0.0, to every group, reading no progress; '
        'there is no lr * start_factor dip.'),
    'LLI-BEFORE-BEGIN': (
        "Every call before begin, the constructor's included, sets every group's lr to "
        'start_factor itself.'),
    'LLI-NEVER-END-FACTOR': (
        'The last active call (the one with _global_step + 1 >= end) writes end_factor itself to '
        'every group, reading no progress, so the lr is end_factor from then on.'),
    'RLR-VALIDATION': (
        'An invalid mode raises ValueError(\'mode must be one of "min" or "max", instead got '
        "<mode>') with the rejected value interpolated."),
    'RLR-REDUCE-ORDER': (
        "A reduction computes new = max(lr * factor, min_lr) and writes it only if "
        "lr - new > eps (torch's order)."),
    'RLR-MIN-LR': (
        'A reduction leaves an lr at or below min_lr as it is, so min_lr never raises an lr.'),
    'RLR-RESUME-STALE-HUB': (
        "load_state_dict ignores the state dict's 'message_hub': the scheduler keeps reading the "
        "hub it is bound to, the live 'reduce_lr' of its process."),
}

#: Intent ID -> the intents that must be declared with it. intent:RLR-REDUCE-ORDER floors before
#: the eps test, so with eps >= 0 it never raises an lr below min_lr: it changes what
#: RLR-MIN-LR's checks observe, and a set without intent:RLR-MIN-LR would fail them.
INTENT_REQUIRES = {
    'RLR-REDUCE-ORDER': frozenset({'RLR-MIN-LR'}),
}

_WHY_TOGETHER = {
    ('RLR-REDUCE-ORDER', 'RLR-MIN-LR'): (
        "torch's order floors at min_lr before the eps test, so (for eps >= 0) it never raises "
        'an lr below min_lr: it changes the behaviour RLR-MIN-LR pins'),
}


@dataclass(frozen=True)
class WithIntents:
    """The reference's two schedulers with a set of intents enabled."""

    LinearLrInterval: type
    ReduceLR: type
    intents: frozenset

    @property
    def classes(self):
        return {'LinearLrInterval': self.LinearLrInterval, 'ReduceLR': self.ReduceLR}


def check(ids) -> frozenset:
    """Return ``ids`` as a frozenset, or raise ValueError for an unknown or incomplete set."""
    if isinstance(ids, str):
        raise ValueError(f'with_intents takes a collection of intent IDs, not the string {ids!r}')
    wanted = frozenset(ids)
    unknown = sorted(str(cid) for cid in wanted if cid not in INTENTS)
    if unknown:
        raise ValueError(f'unknown intent ID(s): {", ".join(unknown)}; the intents are: '
                         f'{", ".join(sorted(INTENTS))}')
    for cid in sorted(wanted):
        for needed in sorted(INTENT_REQUIRES.get(cid, frozenset()) - wanted):
            raise ValueError(
                f'intent:{cid} must be declared together with intent:{needed}: '
                f'{_WHY_TOGETHER[(cid, needed)]}')
    return wanted


def key(ids) -> str:
    """The intents' sorted IDs joined by ','."""
    return ','.join(sorted(ids))


def with_intents(ids) -> WithIntents:
    """The reference's classes with the intents ``ids`` enabled (a collection of clause IDs)."""
    wanted = check(ids)
    return WithIntents(_subclass(LinearLrInterval, wanted), _subclass(ReduceLR, wanted), wanted)


def _subclass(base, wanted):
    if not wanted:
        return base
    name = f'{base.__name__}[{key(wanted)}]'
    existing = globals().get(name)
    if existing is not None:
        return existing
    cls = type(name, (base,), {'_intents': wanted, '__module__': __name__, '__qualname__': name,
                               '__doc__': f'{base.__name__} with intent(s) {key(wanted)}.'})
    globals()[name] = cls
    return cls


def __getattr__(name):
    """Build ``LinearLrInterval[ID,...]`` or ``ReduceLR[ID,...]`` on first use (unpickling)."""
    base_name, bracket, rest = name.partition('[')
    bases = {'LinearLrInterval': LinearLrInterval, 'ReduceLR': ReduceLR}
    if base_name in bases and bracket and rest.endswith(']'):
        try:
            return _subclass(bases[base_name], check(rest[:-1].split(',')))
        except ValueError:
            pass
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
