"""Adapters that run the suite on the schedulers a user might migrate to from mmagic's.

Each adapter stands in for one of mmagic's schedulers and maps the scenario's mmagic arguments
onto the replacement's the way a user rewriting a config would (docs/adapters.md, "Migration
adapters", has the table). Where an argument or an input has no counterpart, the check is
skipped as ``not applicable``, never failed: ``pytest.skip`` raises an exception that is not an
``Exception``, so the driver does not record it as the implementation's behaviour and it reaches
pytest (and hypothesis, which re-raises skips) unchanged.

They expose neither classes, state attributes nor a registry: a migration changes the class, so
only what a training loop observes is compared (the lrs the optimizer holds, the exceptions).
"""

from __future__ import annotations

import contextlib
import math
import numbers
from typing import ClassVar

import pytest
import torch
from mmengine.optim import OptimWrapper

from conformance.harness.adapters import Adapter
from conformance.harness.scenario import INF

#: The key under which the mmengine plateau adapter hands the monitored value to ``step``.
MONITOR = 'loss'

#: mmagic's constructor defaults (RLR-DEFAULTS, LLI-DEFAULTS, WIN-DEFAULTS): a config that
#: leaves an argument out means these values, so they are mapped like the explicit ones.
REDUCE_LR_DEFAULTS = dict(mode='min', factor=0.1, patience=10, threshold=1e-4,
                          threshold_mode='rel', cooldown=0, min_lr=0.0, eps=1e-8, begin=0,
                          end=INF, last_step=-1, by_epoch=True, verbose=False)
LINEAR_DEFAULTS = dict(start_factor=1.0 / 3, end_factor=1.0, interval=1, begin=0, end=INF,
                       last_step=-1, by_epoch=True, verbose=False)


def not_applicable(reason):
    """Skip the current check: mmagic's scenario has no counterpart in the replacement."""
    pytest.skip(f'not applicable: {reason}')


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_finite_number(value):
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(value))


class MigrationAdapter(Adapter):
    """Common part: no MessageHub; the latest published value is kept for ``step``."""

    #: The mmagic scheduler this one replaces (the adapter's ``provides``).
    replaces = ''
    #: ``module.Class`` of the replacement, for the report header.
    target = ''
    #: Whether ``step`` needs the monitored value (the plateau schedulers take it as argument).
    needs_metric = False

    def __init__(self):
        self.provides = frozenset({self.replaces})
        self.origin = f'{self.target} standing in for mmagic {self.replaces} ' \
                      f'(conformance/migration/adapters.py)'
        self._metric = None
        self._scenario = None

    @property
    def classes(self):
        """Nothing to offer: a check that builds mmagic's classes itself is not applicable.

        The suite reads it through ``adapters.classes_of`` (``getattr``), so the skip reaches
        pytest from the first check that asks for the classes.
        """
        not_applicable(f'{self.name} exposes no classes; this check builds schedulers directly '
                       "with mmagic's interface")

    @contextlib.contextmanager
    def process(self, scenario):
        self._metric = None
        self._scenario = scenario
        try:
            yield self
        finally:
            self._metric = None
            self._scenario = None

    def new_process(self, scenario):
        # A new process has not computed the metric yet; the replacement keeps no channel.
        self._metric = None

    def publish_progress(self, iteration, epoch):
        """None of the replacements reads the runner's progress: they count their calls."""

    def publish_metric(self, value):
        self._metric = (value,)

    def build(self, spec, optimizer, epoch_length):
        if spec.build == 'iter_from_epoch':
            return self.build_iter_from_epoch(spec, optimizer, epoch_length)
        return self.construct(spec, optimizer)

    def build_iter_from_epoch(self, spec, optimizer, epoch_length):
        not_applicable(f'{self.target} has no build_iter_from_epoch (convert_to_iter_based)')

    def construct(self, spec, optimizer):
        raise NotImplementedError

    def latest_metric(self):
        """The value a user's loop would pass to ``step``: the last one computed."""
        if self._metric is None:
            not_applicable(f'{self.target} takes the monitored value as an argument of step(), '
                           'and no value was published in this process before this call')
        return self._metric[0]

    def mapped(self, spec, defaults):
        """mmagic's arguments with its defaults filled in (unknown keywords kept as given)."""
        return {**defaults, **spec.kwargs}


def _raw_optimizer(optimizer):
    """torch's schedulers take a torch optimizer: a user passes ``optim_wrapper.optimizer``."""
    return optimizer.optimizer if isinstance(optimizer, OptimWrapper) else optimizer


def _window_covers_run(kwargs, scenario, target):
    """begin/end dropped: only when every call of the run (0..steps) is inside [begin, end)."""
    begin, end = kwargs.pop('begin'), kwargs.pop('end')
    if not (_is_finite_number(begin) and begin <= 0):
        not_applicable(f'{target} has no begin: its window starts at the first call '
                       f'(begin={begin!r})')
    if not (isinstance(end, numbers.Real) and not isinstance(end, bool)
            and end > scenario.steps):
        not_applicable(f'{target} has no end: it schedules every call '
                       f'(end={end!r} with {scenario.steps} calls)')


def _drop_verbose(kwargs, target):
    verbose = kwargs.pop('verbose')
    if verbose:
        not_applicable(f'{target} has no verbose logging (verbose={verbose!r})')


class TorchPlateau(MigrationAdapter):
    """``torch.optim.lr_scheduler.ReduceLROnPlateau`` in place of mmagic's ``ReduceLR``."""

    name = 'torch ReduceLROnPlateau (for ReduceLR)'
    replaces = 'ReduceLR'
    target = 'torch.optim.lr_scheduler.ReduceLROnPlateau'
    needs_metric = True

    def construct(self, spec, optimizer):
        kwargs = self.mapped(spec, REDUCE_LR_DEFAULTS)
        _window_covers_run(kwargs, self._scenario, self.target)
        last_step = kwargs.pop('last_step')
        if not (_is_int(last_step) and last_step == -1):
            not_applicable(f'{self.target} cannot resume without a state dict '
                           f'(last_step={last_step!r})')
        kwargs.pop('by_epoch')  # where the loop calls step() is the user's loop's business
        _drop_verbose(kwargs, self.target)
        return torch.optim.lr_scheduler.ReduceLROnPlateau(_raw_optimizer(optimizer), **kwargs)

    def step(self, scheduler):
        scheduler.step(self.latest_metric())


class MmenginePlateau(MigrationAdapter):
    """``mmengine.optim.ReduceOnPlateauLR`` in place of mmagic's ``ReduceLR``."""

    name = 'mmengine ReduceOnPlateauLR (for ReduceLR)'
    replaces = 'ReduceLR'
    target = 'mmengine.optim.ReduceOnPlateauLR'
    needs_metric = True

    #: mmagic's argument names that mmengine spells differently.
    RENAMED: ClassVar[dict] = {'mode': 'rule', 'threshold_mode': 'threshold_rule',
                               'min_lr': 'min_value'}
    #: mode's values, in mmengine's words; any other value is passed as it is.
    RULES: ClassVar[dict] = {'min': 'less', 'max': 'greater'}

    def construct(self, spec, optimizer):
        kwargs = self.mapped(spec, REDUCE_LR_DEFAULTS)
        mode = kwargs['mode']
        if isinstance(mode, str):
            kwargs['mode'] = self.RULES.get(mode, mode)
        kwargs = {self.RENAMED.get(key, key): value for key, value in kwargs.items()}
        # mmengine only calls it after a validation epoch and asserts by_epoch=True; the
        # driver's call sites stand for that call, whatever mmagic's by_epoch said.
        kwargs['by_epoch'] = True
        from mmengine.optim import ReduceOnPlateauLR

        return ReduceOnPlateauLR(optimizer, monitor=MONITOR, **kwargs)

    def step(self, scheduler):
        scheduler.step({MONITOR: self.latest_metric()})


def _interval_dropped(kwargs, target):
    interval = kwargs.pop('interval')
    if not (_is_int(interval) and interval == 1):
        not_applicable(f'{target} has no interval: it changes the lr at every call '
                       f'(interval={interval!r})')


class TorchLinear(MigrationAdapter):
    """``torch.optim.lr_scheduler.LinearLR`` in place of mmagic's ``LinearLrInterval``."""

    name = 'torch LinearLR (for LinearLrInterval)'
    replaces = 'LinearLrInterval'
    target = 'torch.optim.lr_scheduler.LinearLR'

    def construct(self, spec, optimizer):
        kwargs = self.mapped(spec, LINEAR_DEFAULTS)
        _interval_dropped(kwargs, self.target)
        begin, end = kwargs.pop('begin'), kwargs.pop('end')
        if not (_is_finite_number(begin) and begin == 0):
            not_applicable(f'{self.target} has no begin: its ramp starts at the first call '
                           f'(begin={begin!r})')
        if not _is_finite_number(end):
            not_applicable(f'{self.target} needs a finite total_iters (end={end!r})')
        # LinearLrInterval's own total_iters attribute (LLI-TOTAL-ITERS), and mmengine's
        # LinearLR's: the ramp reaches end_factor at the last call inside the window.
        kwargs['total_iters'] = end - begin - 1
        kwargs['last_epoch'] = kwargs.pop('last_step')
        kwargs.pop('by_epoch')  # where the loop calls step() is the user's loop's business
        _drop_verbose(kwargs, self.target)
        return torch.optim.lr_scheduler.LinearLR(_raw_optimizer(optimizer), **kwargs)


class MmengineLinear(MigrationAdapter):
    """``mmengine.optim.LinearLR`` in place of mmagic's ``LinearLrInterval``."""

    name = 'mmengine LinearLR (for LinearLrInterval)'
    replaces = 'LinearLrInterval'
    target = 'mmengine.optim.LinearLR'

    def _kwargs(self, spec):
        kwargs = self.mapped(spec, LINEAR_DEFAULTS)
        _interval_dropped(kwargs, self.target)
        return kwargs

    def construct(self, spec, optimizer):
        from mmengine.optim import LinearLR

        return LinearLR(optimizer, **self._kwargs(spec))

    def build_iter_from_epoch(self, spec, optimizer, epoch_length):
        from mmengine.optim import LinearLR

        return LinearLR.build_iter_from_epoch(optimizer, epoch_length=epoch_length,
                                              **self._kwargs(spec))


#: The four replacements by the name ``--impl=conformance.migration:<name>`` takes.
ADAPTERS = {
    'torch_plateau': TorchPlateau,
    'mmengine_plateau': MmenginePlateau,
    'torch_linear': TorchLinear,
    'mmengine_linear': MmengineLinear,
}
