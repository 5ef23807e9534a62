"""The one scenario type every check runs: goldens, hypothesis draws, configs, real-Runner proofs.

A scenario is plain data: the optimizers' param groups, the schedulers with their arguments, how
many scheduler calls the training loop makes, how progress and the monitored value are published,
and where the run is checkpointed and resumed. It round-trips through JSON
(``to_json``/``from_json``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Optional

SCHEDULERS = ('LinearLrInterval', 'ReduceLR')
#: mmengine's default ``end`` ("infinity", WIN-DEFAULTS): the integer 10**9.
INF = int(1e9)
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


#: Bounds on a scenario's shape; fixtures/schema.json enforces the file form of them.
MAX_OPTIMIZERS = 8
MAX_GROUPS = 8
MAX_SCHEDULERS = 8


@dataclass(frozen=True)
class Scenario:
    """A training run as the schedulers see it.

    ``steps`` counts explicit ``scheduler.step()`` calls after construction. In the ``iter`` loop
    call k follows iteration k-1; in the ``epoch`` loop it follows epoch k-1 of
    ``epoch_length`` iterations. ``metrics[k-1]`` is published to the 'reduce_lr' hub before call
    k (``None``: nothing is published; a tuple: each value in turn); entries beyond ``steps`` are
    never published. ``progress`` is ``loop``
    (published as the Runner does, plus ``progress_offset``), ``absent`` (never published) or
    ``frozen`` (published once before construction and never again).
    ``reduce_lr_hub_first`` creates the 'reduce_lr' MessageHub before the runner's own hub.
    ``subject`` is the one clause the scenario was built to pin; ``touches`` lists the other
    clauses its outcome depends on.
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
    subject: str = ''
    touches: tuple = ()
    description: str = ''

    def __post_init__(self):
        problems = list(self._problems())
        if problems:
            raise ValueError(f'scenario {self.id!r}: ' + '; '.join(problems))

    def _problems(self):
        if not self.schedulers:
            yield 'needs at least one scheduler'
        if len(self.schedulers) > MAX_SCHEDULERS:
            yield f'more than {MAX_SCHEDULERS} schedulers'
        if not 1 <= len(self.optimizers) <= MAX_OPTIMIZERS:
            yield f'needs 1 to {MAX_OPTIMIZERS} optimizers'
        for spec in self.optimizers:
            if not 1 <= len(spec.lrs) <= MAX_GROUPS:
                yield f'an optimizer needs 1 to {MAX_GROUPS} param groups'
            if spec.initial_lrs is not None and len(spec.initial_lrs) != len(spec.lrs):
                yield 'initial_lrs needs one value per param group'
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
        afters = [resume.after for resume in self.resumes]
        if len(set(afters)) != len(afters):
            yield 'at most one resume after a call'
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
        """The file form of the inputs (docs/fixtures.md): one entry per call in ``calls``.

        Values are still Python objects; observed.encode gives their JSON form.
        """
        calls = []
        resumes = {}  # by call: a long run (a config's thousands of calls) asks for each call
        for resume in self.resumes:
            resumes.setdefault(resume.after, []).append(resume)
        for call in range(1, self.steps + 1):
            entry = {}
            published = self.metric_before(call)
            if published:
                entry['publish'] = list(published)
            for resume in resumes.get(call, ()):
                entry['resume'] = {'transport': resume.transport,
                                   'new_process': resume.new_process,
                                   'drop_keys': list(resume.drop_keys)}
            calls.append(entry)
        return {
            'id': self.id,
            'subject': self.subject,
            'touches': list(self.touches),
            'description': self.description,
            'optimizers': [_optimizer_json(spec) for spec in self.optimizers],
            'schedulers': [dataclasses.asdict(spec) for spec in self.schedulers],
            'loop': self.loop,
            'epoch_length': self.epoch_length,
            'progress': self.progress,
            'progress_offset': self.progress_offset,
            'metric_before_build': self.metric_before_build,
            'reduce_lr_hub_first': self.reduce_lr_hub_first,
            'calls': calls if any(calls) else len(calls),
        }

    @classmethod
    def from_json(cls, data: dict) -> Scenario:
        data = dict(data)
        known = {f.name for f in dataclasses.fields(cls)} - {'steps', 'metrics', 'resumes'}
        unknown = set(data) - known - {'calls'}
        if unknown:
            raise ValueError(f'scenario has unknown fields: {sorted(unknown)}')
        calls = data.pop('calls', 0)
        if isinstance(calls, int):
            calls = [{}] * calls
        metrics, resumes = [], []
        for number, entry in enumerate(calls, 1):
            extra = set(entry) - {'publish', 'resume'}
            if extra:
                raise ValueError(f'call {number} has unknown fields: {sorted(extra)}')
            published = tuple(entry.get('publish', ()))
            metrics.append(None if not published else
                           published[0] if len(published) == 1 else published)
            if 'resume' in entry:
                resume = dict(entry['resume'])
                resume['drop_keys'] = tuple(resume.get('drop_keys', ()))
                resumes.append(Resume(after=number, **resume))
        data['steps'] = len(calls)
        data['metrics'] = tuple(metrics) if any(m is not None for m in metrics) else None
        data['resumes'] = tuple(resumes)
        data['schedulers'] = tuple(SchedulerSpec(**spec) for spec in data['schedulers'])
        data['optimizers'] = tuple(
            OptimizerSpec(
                lrs=tuple(spec['lrs']),
                initial_lrs=None if spec.get('initial_lrs') is None else tuple(spec['initial_lrs']),
                wrapper=spec.get('wrapper', False),
            )
            for spec in data.get('optimizers', [{'lrs': [0.1]}])
        )
        data['touches'] = tuple(data.get('touches', ()))
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
