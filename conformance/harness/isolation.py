"""Isolation from process-global state, so that no check depends on another's leftovers.

mmengine keeps the instances of its ``ManagerMixin`` classes (MessageHub, MMLogger, Visualizer,
DefaultScope) in class-level registries whose newest entry is "the current instance":
LLI-CURRENT-HUB reads the current MessageHub, ``print_log(..., logger='current')`` (metrics,
verbose schedulers) writes through the current MMLogger, and a registry builds a config under the
current DefaultScope (LOOP-REGISTRY; a Runner with a ``default_scope`` creates one). A Runner also
reseeds the global random generators. Every test and every driver run starts from empty registries
and puts the previous ones back afterwards; every test gets the random generators back as it found
them.
"""

from __future__ import annotations

import contextlib
import copy
import random
from collections import OrderedDict

import numpy as np
import torch
from mmengine.logging import MessageHub, MMLogger
from mmengine.registry import DefaultScope
from mmengine.visualization import Visualizer


@contextlib.contextmanager
def isolated_instances(*classes):
    """Run with empty instance registries of the given ManagerMixin classes, then restore them."""
    saved = [(cls, OrderedDict(cls._instance_dict)) for cls in classes]
    for cls, _ in saved:
        cls._instance_dict.clear()
    try:
        yield
    finally:
        for cls, instances in saved:
            cls._instance_dict.clear()
            cls._instance_dict.update(instances)


def isolated_message_hubs():
    """Run with an empty MessageHub registry and put the previous one back afterwards."""
    return isolated_instances(MessageHub)


@contextlib.contextmanager
def restored_random_state():
    """Put back the global random, numpy and torch generators as they were.

    A Runner reseeds all three with a fresh random seed (mmengine's ``set_random_seed``);
    nothing after it may depend on whether, or how many, Runners ran before.
    """
    states = random.getstate(), np.random.get_state(), torch.get_rng_state()
    try:
        yield
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.set_rng_state(states[2])


@contextlib.contextmanager
def isolated():
    """Everything a test must not share with another test.

    Loggers matter as much as hubs: a spec example that builds a metric once printed mmengine's
    'prefix is not set' warning into its own output only when no Runner had created a logger
    earlier in the process, so its verdict depended on test order.
    """
    with isolated_instances(MessageHub, MMLogger, Visualizer, DefaultScope), \
            restored_random_state():
        yield


class Snapshot:
    """The global state a check starts from, taken once so that the check can run again from it.

    A declared deviation runs one check several times (harness/verdict.py): on the reference
    with the intents, on the candidate, perhaps on the plain reference. Each run must start where
    the test's fixtures left the process, for instance with the hubs a fixture opened and nothing
    a previous run published: the registries hold the same objects, and each MessageHub's
    contents are put back as they were. Loggers and visualizers keep their objects (their
    contents decide no verdict).
    """

    def __init__(self):
        self._registries = [(cls, OrderedDict(cls._instance_dict))
                            for cls in (MessageHub, MMLogger, Visualizer)]
        self._hubs = {id(hub): copy.deepcopy(vars(hub))
                      for hub in MessageHub._instance_dict.values()}

    @contextlib.contextmanager
    def restored(self):
        """Run from the snapshot's state, with the random generators put back afterwards."""
        for cls, instances in self._registries:
            cls._instance_dict.clear()
            cls._instance_dict.update(instances)
        for hub in MessageHub._instance_dict.values():
            saved = self._hubs.get(id(hub))
            if saved is not None:
                vars(hub).clear()
                vars(hub).update(copy.deepcopy(saved))
        with restored_random_state():
            yield
