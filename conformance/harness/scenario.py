"""The one scenario type every check runs: goldens, hypothesis draws, configs, real-Runner proofs.

A scenario is plain data: the optimizers' param groups, the schedulers with their arguments, how
many scheduler calls the training loop makes, how progress and the monitored value are published,
and where the run is checkpointed and resumed. It round-trips through JSON
(``to_json``/``from_json``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Optional

SCHEDULERS = ('LinearLrInterval', 'ReduceLR')
LOOPS = ('iter', 'epoch')
PROGRESS = ('loop', 'absent', 'frozen')
TRANSPORTS = ('memory', 'deepcopy', 'torch_save', 'torch_save_unsafe')
BUILDS = ('init', 'iter_from_epoch')


@dataclass(frozen=True)
class OptimizerSpec:
    """One optimizer: an SGD with one param group per lr, optionally in an mmengine OptimWrapper.

    ``initial_lrs`` pre-sets each group's ``initial_lr`` (what a resume without state needs).
    """

    lrs: tuple = (0.1,)
    initial_lrs: Optional[tuple] = None
    wrapper: bool = False


@dataclass(frozen=True)
class SchedulerSpec:
    """One scheduler: its class name, constructor keyword arguments, and optimizer index.

    ``build='iter_from_epoch'`` builds through ``build_iter_from_epoch`` with the scenario's
    ``epoch_length``, as mmengine does for ``convert_to_iter_based=True``.
    """

    type: str
    kwargs: dict = field(default_factory=dict)
    optimizer: int = 0
    build: str = 'init'


@dataclass(frozen=True)
class Resume:
    """A checkpoint after ``after`` scheduler calls, restored into freshly built objects.

    ``transport`` is how the state dicts travel; ``new_process`` replaces every MessageHub
    instance (as a new training process would); ``drop_keys`` are removed from each scheduler
    state dict before it is loaded.
    """

    after: int
    transport: str = 'memory'
    new_process: bool = False
    drop_keys: tuple = ()


@dataclass(frozen=True)
class Scenario:
    """A training run as the schedulers see it.

    ``steps`` counts explicit ``scheduler.step()`` calls after construction. In the ``iter`` loop
    call k follows iteration k-1; in the ``epoch`` loop it follows epoch k-1 of
    ``epoch_length`` iterations. ``metrics[k-1]`` is published to the 'reduce_lr' hub before call
    k (``None``: nothing is published; a list: each value in turn). ``progress`` is ``loop``
    (published as the Runner does, plus ``progress_offset``), ``absent`` (never published) or
    ``frozen`` (published once before construction and never again).
    ``reduce_lr_hub_first`` creates the 'reduce_lr' MessageHub before the runner's own hub.
    """

    id: str
    schedulers: tuple
    optimizers: tuple = (OptimizerSpec(),)
    steps: int = 10
    loop: str = 'iter'
    epoch_length: int = 1
    progress: str = 'loop'
    progress_offset: int = 0
    metrics: Optional[tuple] = None
    metric_before_build: Optional[float] = None
    reduce_lr_hub_first: bool = False
    resumes: tuple = ()
    clauses: tuple = ()
    description: str = ''

    def __post_init__(self):
        problems = list(self._problems())
        if problems:
            raise ValueError(f'scenario {self.id!r}: ' + '; '.join(problems))

    def _problems(self):
        if not self.schedulers:
            yield 'needs at least one scheduler'
        for spec in self.schedulers:
            if spec.type not in SCHEDULERS:
                yield f'unknown scheduler type {spec.type!r} (known: {", ".join(SCHEDULERS)})'
            if not 0 <= spec.optimizer < len(self.optimizers):
                yield f'scheduler optimizer index {spec.optimizer} out of range'
            if spec.build not in BUILDS:
                yield f'unknown build {spec.build!r}'
        if self.loop not in LOOPS:
            yield f'unknown loop {self.loop!r}'
        if self.progress not in PROGRESS:
            yield f'unknown progress {self.progress!r}'
        if self.steps < 0 or self.epoch_length < 1:
            yield 'steps must be >= 0 and epoch_length >= 1'
        if self.metrics is not None and len(self.metrics) < self.steps:
            yield f'{len(self.metrics)} metrics for {self.steps} steps'
        for resume in self.resumes:
            if resume.transport not in TRANSPORTS:
                yield f'unknown resume transport {resume.transport!r}'
            if not 0 < resume.after < self.steps:
                yield f'resume after {resume.after} is not inside 1..{self.steps - 1}'

    @property
    def scheduler_types(self):
        return frozenset(spec.type for spec in self.schedulers)

    def metric_before(self, call):
        """The values to publish before explicit call ``call`` (1-based), as a list."""
        if self.metrics is None:
            return []
        value = self.metrics[call - 1]
        if value is None:
            return []
        if isinstance(value, (list, tuple)):
            return list(value)
        return [value]

    def resume_after(self, call):
        return [resume for resume in self.resumes if resume.after == call]

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    # -- JSON ---------------------------------------------------------------------------------

    def to_json(self) -> dict:
        """Plain data (floats still Python floats; see floats.encode for the file form)."""
        data = {
            'id': self.id,
            'clauses': list(self.clauses),
            'description': self.description,
            'schedulers': [dataclasses.asdict(spec) for spec in self.schedulers],
            'optimizers': [_optimizer_json(spec) for spec in self.optimizers],
            'steps': self.steps,
            'loop': self.loop,
            'epoch_length': self.epoch_length,
            'progress': self.progress,
            'progress_offset': self.progress_offset,
            'metrics': _listify(self.metrics),
            'metric_before_build': self.metric_before_build,
            'reduce_lr_hub_first': self.reduce_lr_hub_first,
            'resumes': [
                {**dataclasses.asdict(resume), 'drop_keys': list(resume.drop_keys)}
                for resume in self.resumes
            ],
        }
        return data

    @classmethod
    def from_json(cls, data: dict) -> Scenario:
        data = dict(data)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f'scenario has unknown fields: {sorted(unknown)}')
        data['schedulers'] = tuple(SchedulerSpec(**spec) for spec in data['schedulers'])
        data['optimizers'] = tuple(
            OptimizerSpec(
                lrs=tuple(spec['lrs']),
                initial_lrs=None if spec.get('initial_lrs') is None else tuple(spec['initial_lrs']),
                wrapper=spec.get('wrapper', False),
            )
            for spec in data.get('optimizers', [{'lrs': [0.1]}])
        )
        if data.get('metrics') is not None:
            data['metrics'] = tuple(
                tuple(m) if isinstance(m, list) else m for m in data['metrics']
            )
        data['resumes'] = tuple(
            Resume(**{**r, 'drop_keys': tuple(r.get('drop_keys', ()))})
            for r in data.get('resumes', [])
        )
        data['clauses'] = tuple(data.get('clauses', ()))
        return cls(**data)

    def to_python(self) -> str:
        """Source text that rebuilds this scenario, for pasting into a test."""
        return f'Scenario.from_json({self.to_json()!r})'


def _optimizer_json(spec: OptimizerSpec) -> dict:
    return {
        'lrs': list(spec.lrs),
        'initial_lrs': None if spec.initial_lrs is None else list(spec.initial_lrs),
        'wrapper': spec.wrapper,
    }


def _listify(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_listify(item) for item in value]
    return value


def single(scheduler: str, scenario_id: str = 'adhoc', *, lrs=(0.1,), wrapper=False,
           initial_lrs=None, build='init', **fields) -> Scenario:
    """Shorthand for the common case: one optimizer, one scheduler.

    ``fields`` are Scenario fields, except ``kwargs`` which go to the scheduler.
    """
    kwargs = fields.pop('kwargs', {})
    return Scenario(
        id=scenario_id,
        schedulers=(SchedulerSpec(scheduler, dict(kwargs), 0, build),),
        optimizers=(OptimizerSpec(tuple(lrs), None if initial_lrs is None else tuple(initial_lrs),
                                  wrapper),),
        **fields,
    )
