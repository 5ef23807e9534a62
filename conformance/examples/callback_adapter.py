"""An adapter for an implementation that takes progress and the monitored value through callbacks.

Run the suite on the toy implementation of ``callback_impl`` with::

    python -m pytest conformance --impl=conformance.examples.callback_adapter:CallbackAdapter

The adapter is the translation layer: the driver publishes progress and values as mmengine's
training loop does, and the adapter hands them to the toy schedulers through their callbacks. It
also models what upstream's behaviour depends on in mmengine's MessageHub registry: each process
has its own channels, "the current one" is the most recently created (LLI-CURRENT-HUB), and a new
process starts with fresh channels but the runner's restored progress (RLR-RESUME-STALE-HUB).
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict

from conformance.harness.adapters import REDUCE_LR_HUB, Adapter

from . import callback_impl

RUNNER = 'runner'


class _Process:
    """One training process: its channels, in the order they were created."""

    def __init__(self, scenario, runner_info=None):
        self.channels = OrderedDict()
        if scenario.reduce_lr_hub_first:
            self.channel(REDUCE_LR_HUB)
        self.channel(RUNNER).info.update(runner_info or {})

    def channel(self, name):
        if name not in self.channels:
            self.channels[name] = callback_impl.Channel()
        return self.channels[name]

    def newest(self):
        return next(reversed(self.channels.values()))


class CallbackAdapter(Adapter):
    """Drives ``conformance.examples.callback_impl`` through the adapter protocol."""

    name = 'callback example'
    origin = callback_impl.__file__
    provides = frozenset({'LinearLrInterval', 'ReduceLR'})

    def __init__(self):
        self.classes = {'LinearLrInterval': callback_impl.LinearLrInterval,
                        'ReduceLR': callback_impl.ReduceLR}
        self._process = None

    @contextlib.contextmanager
    def process(self, scenario):
        self._process = _Process(scenario)
        try:
            yield self
        finally:
            self._process = None

    def new_process(self, scenario):
        self._process = _Process(scenario, dict(self._process.channel(RUNNER).info))

    def publish_progress(self, iteration, epoch):
        self._process.channel(RUNNER).info.update(iter=iteration, epoch=epoch)

    def publish_metric(self, value):
        self._process.channel(REDUCE_LR_HUB).publish(value)

    def _progress(self, key):
        # Like MessageHub.get_current_instance().get_info(key): the newest channel may not be
        # the runner's, and then there is no progress at all.
        return self._process.newest().info.get(key)

    def _connect(self):
        return self._process.channel(REDUCE_LR_HUB)

    def build(self, spec, optimizer, epoch_length):
        cls = self.classes[spec.type]
        kwargs = dict(spec.kwargs)
        if spec.type == 'LinearLrInterval':
            kwargs['progress'] = self._progress
        else:
            kwargs['connect'] = self._connect
        if spec.build == 'iter_from_epoch':
            return cls.build_iter_from_epoch(optimizer, epoch_length=epoch_length, **kwargs)
        return cls(optimizer, **kwargs)
