"""Helpers for the reproductions in docs/spec.md, which run as doctests on any implementation.

Each clause's example is a doctest that uses these names; ``conformance/test_spec_examples.py``
runs every example against the implementation under test after :func:`use` selects it, so the
spec's own text is checked against upstream (``--impl=mmagic``) and the reference alike.
"""

from __future__ import annotations

from mmengine.logging import MessageHub

from . import driver
from .adapters import REDUCE_LR_HUB, RUNNER_HUB
from .by_hand import publish
from .scenario import OptimizerSpec, Resume, single

_adapter = None

__all__ = [
    'REDUCE_LR_HUB',
    'RUNNER_HUB',
    'LinearLrInterval',
    'MessageHub',
    'ReduceLR',
    'ReduceLRSchedulerHook',
    'Resume',
    'lrs',
    'optimizer',
    'publish',
    'scheduler_registry',
    'trace',
    'use',
]


def use(adapter):
    """Select the implementation the examples run on; return the one selected before."""
    global _adapter
    previous, _adapter = _adapter, adapter
    return previous


def _classes():
    return _adapter.classes


def LinearLrInterval(*args, **kwargs):
    """Construct the implementation's LinearLrInterval."""
    return _classes()['LinearLrInterval'](*args, **kwargs)


def ReduceLR(*args, **kwargs):
    """Construct the implementation's ReduceLR."""
    return _classes()['ReduceLR'](*args, **kwargs)


def ReduceLRSchedulerHook(*args, **kwargs):
    """Construct the reference hook (reference/hook.py), which is not part of ``--impl``.

    The adapter provides only the two schedulers, so the hook examples run the reference hook,
    as ``train(...)`` does for ``type='ReduceLRSchedulerHook'``; conformance/test_hook_edges.py and
    test_runner.py run upstream's hook beside it.
    """
    from reference.hook import ReduceLRSchedulerHook as hook

    return hook(*args, **kwargs)


def scheduler_registry():
    """The registry a config names the implementation's schedulers in (LOOP-REGISTRY).

    Upstream's is ``mmagic.registry.PARAM_SCHEDULERS`` (scope 'mmagic'), the reference's
    ``reference.PARAM_SCHEDULERS`` (scope 'reference'); an example that uses it is not applicable
    to an adapter without one (conformance/test_spec_examples.py).
    """
    return _adapter.registry


def optimizer(*lrs, wrapper=False, initial=None):
    """An SGD with one param group per lr; ``initial`` pre-sets ``initial_lr`` per group."""
    spec = OptimizerSpec(tuple(lrs or (0.1,)), None if initial is None else tuple(initial), wrapper)
    return driver.make_optimizer(spec)


def trace(scheduler, steps=6, lrs=(0.1,), **fields):
    """Run a one-scheduler scenario through the driver and return its Trace."""
    scenario = single(scheduler, 'example', lrs=lrs, steps=steps, **fields)
    return driver.run(scenario, _adapter)


class Raised(str):
    """The entry an exception adds to :func:`lrs`: ``'Type: message @ call k'``.

    Its repr is always in single quotes, so an example can elide an informative message with
    ``'Type: ... @ call k'`` whatever quotes the message itself holds (Python's own repr of a
    string switches to double quotes when the text contains a single one).
    """

    def __repr__(self):
        return f"'{self}'"


def lrs(scheduler, steps=6, lrs=(0.1,), **fields):
    """The lr after the constructor and after each call, one entry per call.

    A single param group is shown as a number, several as a list; values are the trace's
    observed values (a type other than float, int, bool or None shows as ``Typed``). An
    exception ends the list with ``'Type: message @ call k'`` (see :class:`Raised`).
    """
    result = trace(scheduler, steps=steps, lrs=lrs, **fields)
    rows = [row[0] if len(row) == 1 else row for row in result.lrs]
    if result.error is not None:
        error = result.error
        rows.append(Raised(f'{error.type}: {error.message} @ call {error.step}'))
    return rows
