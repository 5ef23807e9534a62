"""The driver: the one place that knows how mmengine's training loop calls a scheduler.

Per scheduler call the Runner publishes progress (RuntimeInfoHook), steps the optimizer for every
iteration, lets the hook publish the monitored value, then calls ``scheduler.step()``
(ParamSchedulerHook / ReduceLRSchedulerHook). Resume follows ``Runner.resume``: build the
schedulers on a fresh optimizer, load the optimizer state, then each scheduler's state dict.
conformance/test_runner.py proves this model exact against a real mmengine Runner.
"""

from __future__ import annotations

import copy
import io
import re
from dataclasses import dataclass, field
from typing import Optional

import torch
from mmengine.optim import OptimWrapper

_ADDRESS = re.compile(r'0x[0-9a-fA-F]+')


@dataclass(frozen=True)
class ErrorRecord:
    """An exception the run raised: its type, message (addresses masked), call and phase.

    ``step`` is the scheduler call during which it was raised (0 = the constructor); ``phase``
    is ``construct``, ``step`` or ``resume`` (a resume after call ``step``).
    """

    type: str
    message: str
    step: int
    phase: str

    def to_json(self):
        return {'type': self.type, 'message': self.message, 'step': self.step, 'phase': self.phase}


@dataclass
class Trace:
    """Every param group's lr after the constructor (row 0) and after each call (row k).

    Groups are flattened across optimizers in scenario order. A run that raises keeps the rows
    recorded before the exception.
    """

    lrs: list = field(default_factory=list)
    error: Optional[ErrorRecord] = None

    def to_json(self):
        return {'lrs': self.lrs, 'error': None if self.error is None else self.error.to_json()}

    @classmethod
    def from_json(cls, data):
        error = data.get('error')
        return cls(
            lrs=[list(row) for row in data['lrs']],
            error=None if error is None else ErrorRecord(**error),
        )


def exception_type_name(exc: BaseException) -> str:
    """Builtin exceptions by bare name, others as ``module.Name`` (``_pickle.UnpicklingError``)."""
    kind = type(exc)
    if kind.__module__ == 'builtins':
        return kind.__qualname__
    return f'{kind.__module__}.{kind.__qualname__}'


def mask_addresses(message: str) -> str:
    """Memory addresses differ between runs; they are not part of the specification."""
    return _ADDRESS.sub('0x?', message)


class World:
    """The optimizers and schedulers of one process."""

    def __init__(self, scenario, adapter):
        self.optimizers = [make_optimizer(spec) for spec in scenario.optimizers]
        self.schedulers = []
        for spec in scenario.schedulers:
            optimizer = self.optimizers[spec.optimizer]
            self.schedulers.append(adapter.build(spec, optimizer, scenario.epoch_length))

    def lrs(self):
        return [float(group['lr']) for opt in self.optimizers for group in opt.param_groups]


def make_optimizer(spec):
    """An SGD with one single-parameter group per lr, wrapped in an OptimWrapper if asked."""
    groups = []
    for index, lr in enumerate(spec.lrs):
        group = {'params': [torch.nn.Parameter(torch.zeros(1))], 'lr': lr}
        if spec.initial_lrs is not None:
            group['initial_lr'] = spec.initial_lrs[index]
        groups.append(group)
    optimizer = torch.optim.SGD(groups, lr=spec.lrs[0])
    if spec.wrapper:
        return OptimWrapper(optimizer=optimizer)
    return optimizer


def train_before_call(world, scenario, adapter, call):
    """What the loop does before scheduler call ``call``: progress and optimizer steps."""
    index = call - 1
    offset = scenario.progress_offset
    if scenario.loop == 'iter':
        iterations = [(index, 0)]
    else:
        length = scenario.epoch_length
        iterations = [(index * length + j, index) for j in range(length)]
    for iteration, epoch in iterations:
        if scenario.progress == 'loop':
            adapter.publish_progress(iteration + offset, epoch + offset)
        for optimizer in world.optimizers:
            optimizer.step()


def _transport(payload, how):
    if how == 'memory':
        return payload
    if how == 'deepcopy':
        return copy.deepcopy(payload)
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    buffer.seek(0)
    if how == 'torch_save':
        return torch.load(buffer)  # as users call it: the torch version's default weights_only
    return torch.load(buffer, weights_only=False)


def resume_world(world, scenario, adapter, resume):
    """Checkpoint ``world`` and restore it as mmengine's Runner.resume does.

    The schedulers are built on fresh optimizers first (their constructor call included), then
    the optimizers' state is loaded, then each scheduler's state dict.
    """
    checkpoint = {
        'optimizers': [opt.state_dict() for opt in world.optimizers],
        'schedulers': [adapter.state_dict(s) for s in world.schedulers],
    }
    checkpoint = _transport(checkpoint, resume.transport)
    if resume.new_process:
        adapter.new_process(scenario)
    fresh = World(scenario, adapter)
    for optimizer, state in zip(fresh.optimizers, checkpoint['optimizers']):
        optimizer.load_state_dict(state)
    for scheduler, state in zip(fresh.schedulers, checkpoint['schedulers']):
        kept = {key: value for key, value in state.items() if key not in resume.drop_keys}
        adapter.load_state_dict(scheduler, kept)
    return fresh


def run(scenario, adapter) -> Trace:
    """Run ``scenario`` on ``adapter``'s schedulers and return the trace."""
    trace = Trace()
    call, phase = 0, 'construct'
    with adapter.process(scenario):
        try:
            if scenario.progress == 'frozen':
                adapter.publish_progress(scenario.progress_offset, scenario.progress_offset)
            if scenario.metric_before_build is not None:
                adapter.publish_metric(scenario.metric_before_build)
            world = World(scenario, adapter)
            trace.lrs.append(world.lrs())
            for call in range(1, scenario.steps + 1):
                phase = 'step'
                train_before_call(world, scenario, adapter, call)
                for value in scenario.metric_before(call):
                    adapter.publish_metric(value)
                for scheduler in world.schedulers:
                    adapter.step(scheduler)
                trace.lrs.append(world.lrs())
                for resume in scenario.resume_after(call):
                    phase = 'resume'
                    world = resume_world(world, scenario, adapter, resume)
        except Exception as exc:  # the exception is the observed behaviour
            trace.error = ErrorRecord(
                exception_type_name(exc), mask_addresses(str(exc)), call, phase
            )
    return trace


def lrs_used(trace: Trace, scenario) -> list:
    """The lr rows the optimizer used at each training iteration (what a real Runner sees)."""
    if scenario.loop == 'iter':
        return [list(row) for row in trace.lrs[: scenario.steps]]
    used = []
    for row in trace.lrs[: scenario.steps]:
        used.extend([list(row)] * scenario.epoch_length)
    return used
