"""Adapters: how the driver builds a candidate's schedulers and hands them progress and metrics.

``MessageHubAdapter`` speaks upstream's protocol (mmengine's global MessageHub) and serves the
reference, upstream mmagic and any fork with upstream's interface. An implementation that gets
progress another way supplies its own object with the methods of :class:`Adapter`
(docs/adapters.md; ``conformance/examples/callback_adapter.py`` is a worked example).
"""

from __future__ import annotations

import contextlib

from mmengine.logging import MessageHub

from .driver import STATE_ATTRIBUTES
from .isolation import isolated_message_hubs

#: The methods the driver calls; a custom adapter must have all of them.
ADAPTER_METHODS = (
    'process',
    'new_process',
    'publish_progress',
    'publish_metric',
    'build',
    'step',
    'state_dict',
    'load_state_dict',
)
#: The attributes the suite reads for its header and for applicability.
ADAPTER_ATTRIBUTES = ('name', 'origin', 'provides')
#: Optional: ``exposes_state`` (bool) with ``observe(scheduler, kind)``, which returns the
#: scheduler's upstream state attributes (driver.STATE_ATTRIBUTES) as a dict; without them the
#: suite's state checks are not applicable to the adapter.
#: Optional: ``registry``, the mmengine Registry in which a config finds the schedulers by type
#: name (LOOP-REGISTRY: a child of mmengine's PARAM_SCHEDULERS under the implementation's own
#: scope); without it (None) the registry checks are not applicable to the adapter.

#: The MessageHub instance the driver's runner publishes progress to ('iter', 'epoch').
RUNNER_HUB = 'conformance-runner'
#: The MessageHub instance ReduceLR reads (RLR-HUB-BINDING), and its key (RLR-SHARED-HUB).
REDUCE_LR_HUB = 'reduce_lr'
VALUE_KEY = 'value'


class Adapter:
    """The protocol, as a base class with documentation (subclassing it is optional)."""

    name = 'adapter'
    origin = ''
    provides = frozenset()
    #: Whether :meth:`observe` reads upstream's state attributes (last_step, best, ...).
    exposes_state = False
    #: True only for the reference itself: checks against the reference are then no checks.
    is_reference = False
    #: The registry a config names the schedulers in (LOOP-REGISTRY); None: not offered.
    registry = None

    def process(self, scenario):
        """Context manager: one training process, with no state leaking in or out."""
        raise NotImplementedError

    def new_process(self, scenario):
        """Replace per-process state, as a resumed run in a new process sees it."""
        raise NotImplementedError

    def publish_progress(self, iteration, epoch):
        raise NotImplementedError

    def publish_metric(self, value):
        raise NotImplementedError

    def build(self, spec, optimizer, epoch_length):
        raise NotImplementedError

    def step(self, scheduler):
        scheduler.step()

    def state_dict(self, scheduler):
        return scheduler.state_dict()

    def load_state_dict(self, scheduler, state):
        scheduler.load_state_dict(state)

    def observe(self, scheduler, kind):
        """The scheduler's state attributes by name, or None when it exposes none."""
        return None


class MessageHubAdapter(Adapter):
    """Upstream's protocol: progress in the runner's hub, the metric in 'reduce_lr' 'value'.

    Its schedulers have upstream's interface, so their state is read as a user reads it:
    attribute by attribute (an attribute the implementation lacks is simply absent).
    """

    exposes_state = True

    def __init__(self, classes, name, origin, registry=None):
        self.classes = {key: value for key, value in classes.items() if value is not None}
        self.name = name
        self.origin = origin
        self.registry = registry
        self.provides = frozenset(self.classes)
        self._runner_hub = None

    @contextlib.contextmanager
    def process(self, scenario):
        with isolated_message_hubs():
            self._open_hubs(scenario)
            try:
                yield self
            finally:
                self._runner_hub = None

    def _open_hubs(self, scenario, runtime_info=None):
        # The Runner creates its hub in __init__; mmagic's ReduceLRSchedulerHook or a ReduceLR
        # creates 'reduce_lr' later, unless a previous run in the process already had.
        if scenario.reduce_lr_hub_first:
            MessageHub.get_instance(REDUCE_LR_HUB)
        self._runner_hub = MessageHub.get_instance(RUNNER_HUB)
        for key, value in (runtime_info or {}).items():
            self._runner_hub.update_info(key, value)

    def new_process(self, scenario):
        # A resumed Runner restores its own hub's runtime info from the checkpoint; every other
        # hub, 'reduce_lr' included, starts empty.
        runtime_info = dict(self._runner_hub.runtime_info)
        MessageHub._instance_dict.clear()
        self._open_hubs(scenario, runtime_info)

    def publish_progress(self, iteration, epoch):
        self._runner_hub.update_info('iter', iteration)
        self._runner_hub.update_info('epoch', epoch)

    def publish_metric(self, value):
        MessageHub.get_instance(REDUCE_LR_HUB).update_scalar(VALUE_KEY, value)

    def build(self, spec, optimizer, epoch_length):
        cls = self.classes[spec.type]
        if spec.build == 'iter_from_epoch':
            return cls.build_iter_from_epoch(optimizer, epoch_length=epoch_length, **spec.kwargs)
        return cls(optimizer, **spec.kwargs)

    def observe(self, scheduler, kind):
        return {name: getattr(scheduler, name) for name in STATE_ATTRIBUTES[kind]
                if hasattr(scheduler, name)}


def classes_of(adapter) -> dict:
    """The adapter's scheduler classes, for a check that constructs and calls them directly.

    An adapter without ``classes`` (docs/adapters.md: a custom adapter may offer only the
    driver's methods) makes such a check not applicable, never failed.
    """
    import pytest

    found = getattr(adapter, 'classes', None)
    if not found:
        pytest.skip(f'not applicable: the adapter {adapter.name} exposes no classes; this test '
                    "constructs schedulers directly with upstream's interface")
    return found
