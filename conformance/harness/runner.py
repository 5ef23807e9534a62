"""Train a tiny model with a real mmengine Runner and record what its schedulers did.

The driver (driver.py) models how mmengine's training loop calls a scheduler; this module runs the
real thing, so conformance/test_runner.py can hold the two side by side. A run records the lr every
training iteration used, the lr after construction and after each round of scheduler calls (the
rows a driver Trace has), where the rounds fell, the training losses and what a hook published.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import os
import tempfile
import warnings
from dataclasses import dataclass, field
from typing import Optional

import torch
from mmengine.dataset import pseudo_collate
from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.hooks import Hook
from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.runner import Runner
from mmengine.visualization import Visualizer
from torch.utils.data import DataLoader, Dataset

from .adapters import REDUCE_LR_HUB, VALUE_KEY
from .driver import ErrorRecord, error_record

#: Keys of every training sample. ``len(data_batch)`` of a collated dict batch is the number of
#: keys, which ReduceLRSchedulerHook uses as the weight of each iteration's loss (three keys make
#: that weight show in the last bits of the average).
SAMPLE_KEYS = ('inputs', 'targets', 'index')

_run_numbers = itertools.count()
_VISUALIZERS = []


class _FigurelessVisualizer(Visualizer):
    """A Visualizer that draws no matplotlib figure: it has no backends, so nothing draws on it.

    Its constructor's figure cost about a second of every process that runs a Runner. The
    constructor only asks the figure for its dpi.
    """

    def _initialize_fig(self, fig_cfg):
        return None, _NoFigure(), None


class _NoFigure:
    """What :class:`_FigurelessVisualizer` has instead of a figure."""

    @staticmethod
    def get_dpi():
        return 100.0


def _visualizer():
    """One figureless Visualizer without backends, shared by every Runner of the process.

    mmengine's default builds a new one per Runner, which draws a matplotlib figure (a third of a
    second each) and saves scalars that no check reads; the schedulers never see it.
    """
    if not _VISUALIZERS:
        _VISUALIZERS.append(_FigurelessVisualizer(name='conformance-runner-visualizer'))
    return _VISUALIZERS[0]


@dataclass
class RunnerRecord:
    """What one real training run did.

    ``used[i]``: every param group's lr when the optimizer stepped in iteration i (groups
    flattened across optimizers in order). ``rows[0]``: the lrs after the Runner built the
    schedulers; ``rows[k]``: after the k-th round of scheduler calls. ``rounds[k-1]``: how many
    iterations had been trained when round k happened. ``published``: every value published to
    the 'reduce_lr' hub during the run, in order. ``built``: each scheduler's type, begin,
    end, by_epoch and interval as the Runner built it; the type is the name the config gave
    (through ``classes``), so that a fork whose class has another name reads the same, and the
    class's own name otherwise.
    """

    used: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    rounds: list = field(default_factory=list)
    losses: list = field(default_factory=list)
    batch_lengths: list = field(default_factory=list)
    published: list = field(default_factory=list)
    built: list = field(default_factory=list)
    error: Optional[ErrorRecord] = None

    def lr(self, group=0):
        """The lr one param group used at every iteration."""
        return [row[group] for row in self.used]


class _Samples(Dataset):
    """A fixed regression set: target = 2 * input + a small deterministic wobble."""

    def __init__(self, size):
        self.size = size

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        x = float(index % 7) / 7.0 + 0.25
        wobble = 0.05 * ((index * 37) % 11 - 5) / 5.0
        return {
            'inputs': torch.tensor([x]),
            'targets': torch.tensor([2.0 * x + wobble]),
            'index': index,
        }


class _TinyModel(BaseModel):
    """One scalar linear layer per param group; one sub-model per optimizer."""

    def __init__(self, record, group_counts):
        super().__init__()
        self.record = record
        self.parts = torch.nn.ModuleList(
            torch.nn.ModuleList(torch.nn.Linear(1, 1, bias=False) for _ in range(count))
            for count in group_counts
        )
        for part in self.parts:
            for layer in part:
                torch.nn.init.constant_(layer.weight, 0.5)

    def forward(self, inputs, targets=None, mode='tensor'):
        raise NotImplementedError('the tiny model is driven through train_step/val_step')

    def _loss(self, part, data):
        x = torch.stack(data['inputs'])
        y = torch.stack(data['targets'])
        return sum(((layer(x) - y) ** 2).mean() for layer in part) / len(part)

    def train_step(self, data, optim_wrapper):
        wrappers = _wrappers(optim_wrapper)
        self.record.used.append(
            [float(group['lr']) for wrapper in wrappers for group in wrapper.param_groups]
        )
        self.record.batch_lengths.append(len(data))
        total = 0.0
        for part, wrapper in zip(self.parts, wrappers):
            loss = self._loss(part, data)
            wrapper.update_params(loss)
            total += loss.item()
        self.record.losses.append(total)
        return {'loss': total}

    def val_step(self, data):
        return [{'index': data['index'][0]}]

    def test_step(self, data):
        return self.val_step(data)


def _wrappers(optim_wrapper):
    # OptimWrapperDict subclasses OptimWrapper, so it is the case to test for.
    if isinstance(optim_wrapper, OptimWrapperDict):
        return [optim_wrapper[name] for name in optim_wrapper.optim_wrappers]
    return [optim_wrapper]


class StreamMetric(BaseMetric):
    """A validation metric whose k-th evaluation returns ``values[k]`` under ``name``.

    The hook looks the value up under the bare ``name``, so the metric has no prefix. An empty
    ``default_prefix`` says so without BaseMetric's constructor logging 'The prefix is not set
    in metric class StreamMetric.' (it does for ``None``) into whatever output is current.
    """

    default_prefix = ''

    def __init__(self, name, values):
        super().__init__()
        self.name = name
        self.values = list(values)
        self.calls = 0

    def process(self, data_batch, data_samples):
        self.results.extend(data_samples)

    def compute_metrics(self, results):
        value = self.values[self.calls]
        self.calls += 1
        return {self.name: value}


class _Recorder(Hook):
    """Runs after every other hook; closes a round whenever schedulers were stepped."""

    priority = 'LOWEST'

    def __init__(self, record, optimizer_names, kinds):
        self.record = record
        self.optimizer_names = optimizer_names
        self.kinds = kinds
        self.calls = 0
        self.closed = 0
        self.last_published = None

    def before_train(self, runner):
        schedulers = runner.param_schedulers or []
        if isinstance(schedulers, dict):
            schedulers = [s for name in self.optimizer_names for s in schedulers[name]]
        for scheduler in schedulers:
            self.record.built.append({
                'type': self.kinds.get(type(scheduler), type(scheduler).__name__),
                'begin': scheduler.begin,
                'end': scheduler.end,
                'by_epoch': scheduler.by_epoch,
                'interval': getattr(scheduler, 'interval', None),
            })
            scheduler.step = self._counting(scheduler.step)
        self.record.rows.append(self._lrs(runner))

    def _counting(self, step):
        def counted(*args, **kwargs):
            self.calls += 1
            return step(*args, **kwargs)

        return counted

    def _lrs(self, runner):
        return [
            float(group['lr'])
            for wrapper in _wrappers(runner.optim_wrapper)
            for group in wrapper.param_groups
        ]

    def _close_round(self, runner):
        if self.calls != self.closed:
            self.closed = self.calls
            self.record.rows.append(self._lrs(runner))
            self.record.rounds.append(len(self.record.used))

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self._close_round(runner)

    def after_train_epoch(self, runner):
        self._close_round(runner)

    def after_val_epoch(self, runner, metrics=None):
        self._close_round(runner)


def _resolve(config, classes):
    """Replace scheduler and hook type names by classes (configs may also give classes)."""
    if isinstance(config, dict) and isinstance(config.get('type'), str):
        kind = config['type']
        if kind == 'ReduceLRSchedulerHook':
            from reference.hook import ReduceLRSchedulerHook

            return {**config, 'type': ReduceLRSchedulerHook}
        return {**config, 'type': classes[kind]}
    if isinstance(config, dict) and 'type' not in config:
        return {key: _resolve(value, classes) for key, value in config.items()}
    if isinstance(config, (list, tuple)):
        return [_resolve(item, classes) for item in config]
    return config


def _example_classes():
    from . import repro

    return repro._adapter.classes


def train(*, schedulers, lrs=((0.1,),), optimizer_names=None, loop='iter', iterations=None,
          epochs=None, epoch_length=1, hook=None, val_interval=None, val_metric=None,
          classes=None, work_dir=None, checkpoint_interval=None, resume_from=None,
          dataset_size=None) -> RunnerRecord:
    """Train the tiny model with a real Runner and return what happened.

    ``schedulers``: the ``param_scheduler`` config (a dict, a list, or for several optimizers a
    dict keyed by ``optimizer_names``); ``lrs``: one tuple of group lrs per optimizer. ``loop``
    'iter' trains ``iterations`` iterations, 'epoch' trains ``epochs`` epochs of
    ``epoch_length`` iterations. ``hook``: the ``param_scheduler`` default hook config (None
    keeps mmengine's ParamSchedulerHook). ``val_metric``: a :class:`StreamMetric`, validated
    every ``val_interval`` epochs or iterations. A ``type`` given by name is looked up in
    ``classes`` (default: the implementation the spec examples run on, see repro.use);
    'ReduceLRSchedulerHook' names the reference hook.

    ``checkpoint_interval`` saves a checkpoint to ``work_dir`` every that many iterations
    (mmengine's CheckpointHook, by iteration). ``resume_from`` resumes from such a file as
    ``Runner(resume=True, load_from=...)`` does; the run then records only the iterations after
    the checkpoint. mmengine 0.10.7 loads it with ``torch.load``'s default, which on torch >= 2.6
    refuses the Runner's own MessageHub state (``HistoryBuffer`` is not an allowed global), so the
    resumed run loads with ``weights_only=False`` (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``).
    ``dataset_size`` overrides the iteration loop's dataset size (default: ``iterations``, so
    that the loop never exhausts it: mmengine sleeps 2 s at every pass over the data).
    """
    if classes is None and _names_a_type(schedulers):
        classes = _example_classes()
    schedulers = _resolve(schedulers, classes or {})
    kinds = {cls: name for name, cls in (classes or {}).items()}  # what ``built`` calls a type
    hook = _resolve(hook, classes or {})
    record = RunnerRecord()
    names = list(optimizer_names or ['optimizer'])
    model = _TinyModel(record, [len(group_lrs) for group_lrs in lrs])
    wrappers = {}
    for name, part, group_lrs in zip(names, model.parts, lrs):
        groups = [{'params': layer.parameters(), 'lr': lr} for layer, lr in zip(part, group_lrs)]
        wrappers[name] = OptimWrapper(torch.optim.SGD(groups, lr=group_lrs[0]))
    optim_wrapper = wrappers[names[0]] if optimizer_names is None else wrappers

    if loop == 'iter':
        size = dataset_size or iterations
        train_cfg = {'by_epoch': False, 'max_iters': iterations}
    else:
        size = epoch_length
        train_cfg = {'by_epoch': True, 'max_epochs': epochs}
    if val_metric is not None:
        train_cfg['val_interval'] = val_interval or 1
    default_hooks = {'timer': None, 'logger': None, 'checkpoint': None, 'sampler_seed': None}
    if checkpoint_interval is not None:
        default_hooks['checkpoint'] = {'type': 'CheckpointHook', 'by_epoch': False,
                                       'interval': checkpoint_interval}
    if hook is not None:
        default_hooks['param_scheduler'] = hook
    val = {}
    if val_metric is not None:
        val = {
            'val_dataloader': _loader(1),
            'val_cfg': {},
            'val_evaluator': Evaluator([val_metric]),
        }
    published_before = len(_published())
    with contextlib.ExitStack() as stack:
        if work_dir is None:
            work_dir = stack.enter_context(tempfile.TemporaryDirectory())
        if resume_from is not None:
            stack.enter_context(_full_unpickling())
            # mmengine print()s 'Loads checkpoint by local backend from path: ...' on resume.
            stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
        runner = Runner(
            model=model,
            work_dir=str(work_dir),
            experiment_name=f'conformance-runner-{next(_run_numbers)}',
            train_dataloader=_loader(size),
            train_cfg=train_cfg,
            optim_wrapper=optim_wrapper,
            param_scheduler=schedulers,
            default_hooks=default_hooks,
            custom_hooks=[_Recorder(record, names, kinds)],
            visualizer=_visualizer(),
            log_level='ERROR',
            default_scope=None,
            env_cfg={'dist_cfg': {'backend': 'gloo'}},
            load_from=resume_from,
            resume=resume_from is not None,
            **val,
        )
        try:
            runner.train()
        except Exception as exc:  # the exception is the observed behaviour
            record.error = error_record(exc, len(record.rows), 'step')
        finally:
            record.published = _published()[published_before:]
            _close_logger(runner)
    return record


@contextlib.contextmanager
def _full_unpickling():
    """Let ``torch.load`` calls without ``weights_only`` unpickle everything, for one run."""
    name = 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'
    saved = os.environ.get(name)
    os.environ[name] = '1'
    try:
        with warnings.catch_warnings():
            # torch says so at every such load; it is what this context is for.
            warnings.filterwarnings('ignore', message=f'Environment variable {name}')
            yield
    finally:
        if saved is None:
            del os.environ[name]
        else:
            os.environ[name] = saved


def _published():
    """Every value the 'reduce_lr' hub holds, in the order published."""
    hub = MessageHub._instance_dict.get(REDUCE_LR_HUB)  # get_instance would create it
    if hub is None or VALUE_KEY not in hub.log_scalars:
        return []
    return [float(value) for value in hub.get_scalar(VALUE_KEY).data[0]]


def _names_a_type(config):
    if isinstance(config, dict):
        return isinstance(config.get('type'), str) or any(
            _names_a_type(value) for value in config.values()
        )
    if isinstance(config, (list, tuple)):
        return any(_names_a_type(item) for item in config)
    return False


def _loader(size):
    return DataLoader(_Samples(size), batch_size=1, shuffle=False, collate_fn=pseudo_collate)


def _close_logger(runner):
    # Each Runner adds a file handler for its work_dir; close it before the directory goes.
    for handler in list(runner.logger.handlers):
        if isinstance(handler, logging.FileHandler):
            handler.close()
            runner.logger.removeHandler(handler)
