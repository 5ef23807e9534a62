"""mmagic 1.2.0's own configurations that use LinearLrInterval or ReduceLR, as golden scenarios.

Each :class:`ConfigCase` copies the scheduler, loop and optimizer settings of configs in mmagic's
``configs/`` directory (the copies are checked against the installed files by
conformance/test_loop.py) and says how its scenario was shortened, if at all. ``scenarios()``
turns them into driver scenarios for fixtures/configs.json; tools/plot_configs.py plots them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from . import upstream
from .scenario import OptimizerSpec, Scenario, SchedulerSpec

#: The subject of every config scenario (catalog.loop_configs) and the clauses each one touches.
SUBJECT = 'LOOP-CONFIGS'
_LLI_TOUCHES = (
    'LOOP-ITER', 'LOOP-OPTIM-WRAPPER-DICT', 'LLI-BEFORE-BEGIN',
    'LLI-FIRST-STEP-DIP', 'LLI-ABSOLUTE-VALUE', 'LLI-STAIRCASE', 'LLI-RUNNER-LAG',
    'LLI-NEVER-END-FACTOR',
)
_RLR_TOUCHES = (
    'LOOP-EPOCH', 'LOOP-DEFAULT-END', 'LOOP-HOOK-VAL-METRIC', 'RLR-FIRST-STEP',
    'RLR-METRIC-CURRENT', 'RLR-IS-BETTER', 'RLR-COUNT', 'RLR-PATIENCE', 'RLR-COOLDOWN',
    'RLR-EPS',
)


@dataclass(frozen=True)
class ConfigCase:
    """The lr-relevant settings of one or more mmagic configs, exactly as the files write them.

    ``param_scheduler``, ``train_cfg`` and ``hook`` (``default_hooks.param_scheduler``, None
    when the config keeps mmengine's ParamSchedulerHook) are the files' dicts; ``optimizers``
    maps each optim_wrapper name to its lr. ``scale`` > 1 divides the window and the run length
    in the scenario (see :func:`scenario`); ``metric_seed`` seeds the synthetic validation
    metric of a ReduceLR config.
    """

    name: str
    files: tuple
    param_scheduler: dict
    train_cfg: dict
    optimizers: dict
    hook: Optional[dict] = None
    scale: int = 1
    metric_seed: Optional[int] = None


_CYCLEGAN_OPTIMIZERS = {'generators': 0.0002, 'discriminators': 0.0002}


def _cyclegan(name, files, max_iters, interval, scale):
    return ConfigCase(
        name=f'cyclegan-{name}',
        files=tuple(f'cyclegan/{file}' for file in files),
        param_scheduler={
            'type': 'LinearLrInterval', 'interval': interval, 'by_epoch': False,
            'start_factor': 0.0002, 'end_factor': 0, 'begin': max_iters // 2, 'end': max_iters,
        },
        train_cfg={'by_epoch': False, 'max_iters': max_iters},
        optimizers=dict(_CYCLEGAN_OPTIMIZERS),
        scale=scale,
    )


def _vfi(name, file, patience, cooldown, seed):
    return ConfigCase(
        name=name,
        files=(file,),
        param_scheduler={
            'type': 'ReduceLR', 'by_epoch': True, 'mode': 'min', 'factor': 0.5,
            'patience': patience, 'cooldown': cooldown,
        },
        train_cfg={'type': 'EpochBasedTrainLoop', 'max_epochs': 500},
        optimizers={'optimizer': 0.0001},
        hook={'type': 'ReduceLRSchedulerHook', 'by_epoch': True, 'interval': 1,
              'val_metric': 'MAE'},
        metric_seed=seed,
    )


#: Every config in mmagic 1.2.0's configs/ that names LinearLrInterval or ReduceLR. The '-id0'
#: variants of the CycleGAN configs differ only in loss weights, so each pair is one case.
CASES = (
    _cyclegan('facades', ('cyclegan_lsgan-resnet-in_1xb1-80kiters_facades.py',
                          'cyclegan_lsgan-id0-resnet-in_1xb1-80kiters_facades.py'),
              80000, 400, scale=1),
    _cyclegan('summer2winter', ('cyclegan_lsgan-resnet-in_1xb1-250kiters_summer2winter.py',
                                'cyclegan_lsgan-id0-resnet-in_1xb1-250kiters_summer2winter.py'),
              250000, 1250, scale=50),
    _cyclegan('horse2zebra', ('cyclegan_lsgan-resnet-in_1xb1-270kiters_horse2zebra.py',
                              'cyclegan_lsgan-id0-resnet-in_1xb1-270kiters_horse2zebra.py'),
              270000, 1350, scale=50),
    _vfi('cain-vimeo90k-triplet', 'cain/cain_g1b32_1xb5_vimeo90k-triplet.py',
         patience=5, cooldown=0, seed=90),
    _vfi('flavr-vimeo90k-septuplet', 'flavr/flavr_in4out1_8xb4_vimeo90k-septuplet.py',
         patience=10, cooldown=20, seed=7),
)


def config_root() -> Optional[Path]:
    """mmagic's bundled configs/ directory, found without importing mmagic (None if absent)."""
    package = upstream.location()  # also after an isolated import registered a bare package
    if package is None:
        return None
    root = Path(package) / '.mim' / 'configs'
    return root if root.is_dir() else None


def synthetic_mae(seed: int, epochs: int) -> tuple:
    """A validation MAE per epoch: a decaying curve with seeded noise, flat in the second half.

    Only +, -, * and / on floats (no libm calls), so every platform computes the same bits.
    It improves quickly at first, then by less than the noise, then only by chance, so a
    ReduceLR with mmagic's settings meets patience, cooldown and finally its eps floor.
    """
    rng = random.Random(seed)
    values = []
    decay = 1.0
    for _epoch in range(epochs):
        decay *= 0.985
        noise = (rng.random() - 0.5) * 0.0008
        values.append(0.02 + 0.03 * decay + noise)
    return tuple(values)


def scenario(case: ConfigCase, scale: Optional[int] = None) -> Scenario:
    """The driver scenario of one config case (``scale`` overrides the case's own)."""
    kwargs = {key: value for key, value in case.param_scheduler.items() if key != 'type'}
    if case.param_scheduler['type'] == 'LinearLrInterval':
        return _lli_scenario(case, kwargs, case.scale if scale is None else scale)
    return _rlr_scenario(case, kwargs)


def _lli_scenario(case, kwargs, scale):
    steps = case.train_cfg['max_iters'] // scale
    for key in ('begin', 'end', 'interval'):
        kwargs[key] = kwargs[key] // scale
    names = list(case.optimizers)
    shortened = (
        'the real parameters and the full run'
        if scale == 1 else
        f'begin, end, interval and max_iters divided by {scale} (the window still holds '
        f'{(kwargs["end"] - kwargs["begin"]) // kwargs["interval"]} intervals, so the lr takes '
        'the same sequence of values as the full run, each for 1/'
        f'{scale} of the iterations; the dip and the one-iteration lag do not scale)'
    )
    suffix = f'-scaled{scale}' if scale > 1 else ''
    return Scenario(
        id=f'config-{case.name}{suffix}',
        schedulers=tuple(SchedulerSpec('LinearLrInterval', dict(kwargs), index)
                         for index in range(len(names))),
        # The Runner hands schedulers an OptimWrapper (mmagic's MultiOptimWrapperConstructor).
        optimizers=tuple(OptimizerSpec((case.optimizers[name],), wrapper=True)
                         for name in names),
        steps=steps,
        loop='iter',
        subject=SUBJECT,
        touches=_LLI_TOUCHES,
        description=(
            f'mmagic config {case.files[0]} (and its -id0 twin): LinearLrInterval on both '
            f'optimizers ({", ".join(names)}, Adam lr {case.optimizers[names[0]]!r}; here SGD, '
            'the schedule only reads and writes param_groups lr), iteration loop with '
            f'mmengine\'s ParamSchedulerHook; {shortened}.'
        ),
    )


def _rlr_scenario(case, kwargs):
    epochs = case.train_cfg['max_epochs']
    kwargs.setdefault('end', epochs)  # LOOP-DEFAULT-END: the Runner's default for the config
    lr = case.optimizers['optimizer']
    return Scenario(
        id=f'config-{case.name}',
        schedulers=(SchedulerSpec('ReduceLR', kwargs, 0),),
        optimizers=(OptimizerSpec((lr,), wrapper=True),),
        steps=epochs,
        loop='epoch',
        epoch_length=1,
        metrics=synthetic_mae(case.metric_seed, epochs),
        subject=SUBJECT,
        touches=_RLR_TOUCHES,
        description=(
            f'mmagic config {case.files[0]}: ReduceLR ({kwargs}) with ReduceLRSchedulerHook '
            f'(val_metric MAE, by_epoch, interval 1) over all {epochs} epochs (Adam lr '
            f'{lr!r}; here SGD). The MAE stream is synthetic (synthetic_mae seed '
            f'{case.metric_seed}), one value per validation, published before each call. '
            'Epochs are shortened to one iteration: ReduceLR reads no progress, so the lr per '
            'epoch does not depend on the epoch length.'
        ),
    )


def scenarios(full_facades: bool = True) -> list:
    """Every config case as a Scenario, in CASES order.

    ``full_facades=False`` scales the facades case by 50 like the other two CycleGAN cases
    (its full trace has 80,001 rows; the driver runs it in about 2 s).
    """
    return [
        scenario(case, scale=50 if not full_facades and case.scale == 1 and
                 'max_iters' in case.train_cfg else None)
        for case in CASES
    ]
