"""Literal reference implementation of mmagic 1.2.0's LinearLrInterval and ReduceLR.

Each rule of docs/spec.md is one small piece of code here that cites its clause ID.
"""

from .intents import INTENT_REQUIRES, INTENTS, with_intents
from .linear_interval import LinearLrInterval
from .reduce_lr import ReduceLR
from .registry import PARAM_SCHEDULERS, SCOPE
from .window import INF

# LOOP-REGISTRY: configs name both classes by type, under this package's scope.
PARAM_SCHEDULERS.register_module(module=LinearLrInterval)
PARAM_SCHEDULERS.register_module(module=ReduceLR)

__all__ = [
    'INF', 'INTENTS', 'INTENT_REQUIRES', 'PARAM_SCHEDULERS', 'SCOPE', 'LinearLrInterval',
    'ReduceLR', 'with_intents',
]
