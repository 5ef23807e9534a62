"""The golden scenarios, built as grids over each clause's edge values.

``python -m conformance.generate_fixtures`` runs every scenario here on the reference, checks that
upstream mmagic gives the same trace bit for bit, and writes one fixture file per family. The
scenarios carry their clause IDs and a description; the expected traces live only in fixtures/.
Ids are built from the grid values, so a case keeps its id as long as its inputs stay the same.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Callable

from .scenario import OptimizerSpec, Resume, Scenario, SchedulerSpec

LLI = 'LinearLrInterval'
RLR = 'ReduceLR'
INF = int(1e9)
NAN = math.nan
POS_INF = math.inf
NEG_INF = -math.inf
TRANSPORTS = ('memory', 'deepcopy', 'torch_save', 'torch_save_unsafe')


@dataclass(frozen=True)
class Family:
    """One fixture file: ``fixtures/<name>.json``."""

    name: str
    title: str
    build: Callable


# -- small builders -----------------------------------------------------------------------------


def tok(value) -> str:
    """A value as an id token: lower-case letters, digits and no separators."""
    if isinstance(value, bool):
        return 't' if value else 'f'
    if value is None:
        return 'none'
    if isinstance(value, float):
        if math.isnan(value):
            return 'nan'
        if math.isinf(value):
            return 'inf' if value > 0 else 'minf'
    text = repr(value) if not isinstance(value, str) else value
    text = text.lower().replace('-', 'm').replace('.', 'p').replace('+', '')
    return ''.join(ch for ch in text if ch.isalnum())


def show(value) -> str:
    """A value as a description shows it."""
    if isinstance(value, float) and math.isnan(value):
        return 'nan'
    if isinstance(value, float) and math.isinf(value):
        return 'inf' if value > 0 else '-inf'
    if isinstance(value, (list, tuple)):
        return '[' + ', '.join(show(item) for item in value) + ']'
    if isinstance(value, str):
        return repr(value)
    if value == INF and isinstance(value, int):
        return 'INF'
    return repr(value)


def args(kwargs: dict) -> str:
    return ', '.join(f'{key}={show(value)}' for key, value in kwargs.items()) or 'no arguments'


def opt(*lrs, wrapper=False, initial=None) -> OptimizerSpec:
    return OptimizerSpec(tuple(lrs or (0.1,)), None if initial is None else tuple(initial), wrapper)


def sched(kind, optimizer=0, build='init', **kwargs) -> SchedulerSpec:
    return SchedulerSpec(kind, dict(kwargs), optimizer, build)


def case(case_id, description, clauses, schedulers, optimizers=None, **fields) -> Scenario:
    """A golden scenario; ``clauses[0]`` is its subject, the rest are clauses it touches."""
    if optimizers is None:
        optimizers = (opt(),)
    if isinstance(schedulers, SchedulerSpec):
        schedulers = (schedulers,)
    subject, *touches = dict.fromkeys(clauses)
    return Scenario(
        id=case_id,
        description=description,
        subject=subject,
        touches=tuple(touches),
        schedulers=tuple(schedulers),
        optimizers=tuple(optimizers),
        **fields,
    )


def stream(values, steps) -> tuple:
    """The metric published before each call: ``values`` and then its last value repeated."""
    values = list(values)
    return tuple(values[:steps] + [values[-1]] * max(0, steps - len(values)))


def loop_clause(loop):
    return 'LOOP-ITER' if loop == 'iter' else 'LOOP-EPOCH'


# -- the window both schedulers share (WIN-*) ----------------------------------------------------


def window_cases():
    cases = []
    lli_args = dict(start_factor=0.5, end_factor=0.0, by_epoch=False)
    rlr_args = dict(factor=0.5, patience=0)

    for kind, base in ((LLI, lli_args), (RLR, rlr_args)):
        short = 'lli' if kind == LLI else 'rlr'
        metrics = stream([1.0], 3) if kind == RLR else None
        # WIN-END-AFTER-BEGIN: equal or reversed bounds are refused by the constructor.
        for begin, end in ((5, 5), (5, 4), (0, 0), (0, -1), (2.5, 2.5)):
            kwargs = {**base, 'begin': begin, 'end': end}
            cases.append(case(
                f'win-{short}-end-not-after-begin-b{tok(begin)}-e{tok(end)}',
                f'{kind} with begin={show(begin)}, end={show(end)} raises ValueError in the '
                'constructor.',
                ['WIN-END-AFTER-BEGIN'],
                sched(kind, **kwargs), steps=3, metrics=metrics,
            ))
        # WIN-LAST-STEP: last_step must be an int of at least -1.
        for last_step in (-2, 1.5, -1.0):
            kwargs = {**base, 'last_step': last_step}
            cases.append(case(
                f'win-{short}-last-step-invalid-{tok(last_step)}',
                f'{kind} with last_step={show(last_step)} fails the constructor assertion.',
                ['WIN-LAST-STEP'],
                sched(kind, **kwargs), optimizers=(opt(0.1, initial=(0.1,)),), steps=3,
                metrics=metrics,
            ))
        # WIN-RESUME-INITIAL-VALUE: last_step >= 0 needs initial_lr in every group.
        for last_step in (0, 4):
            cases.append(case(
                f'win-{short}-resume-without-initial-lr-ls{last_step}',
                f'{kind} with last_step={last_step} on groups without initial_lr raises KeyError '
                'in the constructor.',
                ['WIN-RESUME-INITIAL-VALUE', 'WIN-LAST-STEP'],
                sched(kind, **{**base, 'last_step': last_step}), optimizers=(opt(0.1, 0.2),),
                steps=3, metrics=metrics,
            ))
        # WIN-INITIAL-VALUE: a preset initial_lr is kept and changes nothing the groups see.
        cases.append(case(
            f'win-{short}-preset-initial-lr',
            f'{kind} on groups whose initial_lr differs from lr schedules from the current lr.',
            ['WIN-INITIAL-VALUE'],
            sched(kind, **{**base, 'begin': 1, 'end': 5}),
            optimizers=(opt(0.1, 0.3, initial=(0.7, 0.9)),), steps=6,
            metrics=stream([1.0], 6) if kind == RLR else None,
        ))
        # WIN-CONSTRUCTOR-STEP: zero explicit calls still record the constructor's call 0.
        for begin in (0, 1):
            cases.append(case(
                f'win-{short}-no-calls-b{begin}',
                f'{kind} with begin={begin} and no explicit call records only the constructor '
                'row.',
                ['WIN-CONSTRUCTOR-STEP', 'WIN-ACTIVE'],
                sched(kind, **{**base, 'begin': begin, 'end': 4}), steps=0,
                metrics=() if kind == RLR else None,
            ))

    # WIN-ACTIVE for ReduceLR: constant metric, patience 0, so every consuming call reduces.
    for begin, span in itertools.product((0, 1, 3), (1, 2, 5)):
        end = begin + span
        steps = end + 3
        cases.append(case(
            f'win-rlr-window-b{begin}-e{end}',
            f'ReduceLR with begin={begin}, end={end}, patience 0 and a constant metric reduces '
            'only on calls inside the window after its first.',
            ['WIN-ACTIVE', 'RLR-FIRST-STEP', 'RLR-PATIENCE']
            + (['WIN-CONSTRUCTOR-STEP'] if begin == 0 else []),
            sched(RLR, factor=0.5, patience=0, begin=begin, end=end),
            optimizers=(opt(1.0),), steps=steps, metrics=stream([2.0], steps),
        ))

    # Unusual bounds: floats, infinities, NaN and negative windows are compared, not checked.
    odd_bounds = (
        (0.5, 4, 'a fractional begin'),
        (1, 3.5, 'a fractional end'),
        (1, POS_INF, 'an infinite end'),
        (1, NAN, 'a NaN end'),
        (NAN, 4, 'a NaN begin'),
        (-3, 4, 'a negative begin'),
        (-5, -1, 'a window entirely before call 0'),
        (0, 1, 'a window holding only the constructor call'),
        (NEG_INF, 3, 'a begin of -inf'),
    )
    for kind, base in ((LLI, lli_args), (RLR, rlr_args)):
        short = 'lli' if kind == LLI else 'rlr'
        for begin, end, what in odd_bounds:
            kwargs = {**base, 'begin': begin, 'end': end}
            cases.append(case(
                f'win-{short}-bounds-b{tok(begin)}-e{tok(end)}',
                f'{kind} with {what} (begin={show(begin)}, end={show(end)}) is active exactly '
                'on the calls with begin <= call < end.',
                ['WIN-ACTIVE', 'WIN-END-AFTER-BEGIN'],
                sched(kind, **kwargs), optimizers=(opt(1.0),), steps=7,
                metrics=stream([3.0], 7) if kind == RLR else None,
            ))

    # WIN-DEFAULTS: end defaults to INF, last_step to -1, by_epoch to True.
    cases.append(case(
        'win-lli-default-window',
        'LinearLrInterval given only its factors is active from the constructor on (begin 0, '
        'end INF) and reads epochs.',
        ['WIN-DEFAULTS', 'WIN-CONSTRUCTOR-STEP', 'LLI-PROGRESS-SOURCE', 'LOOP-EPOCH'],
        sched(LLI, start_factor=0.5, end_factor=0.0), steps=5, loop='epoch', epoch_length=2,
    ))
    cases.append(case(
        'win-rlr-default-window',
        'ReduceLR given only factor and patience reduces from its first consuming call on '
        '(begin 0, end INF).',
        ['WIN-DEFAULTS', 'WIN-CONSTRUCTOR-STEP'],
        sched(RLR, factor=0.5, patience=0), optimizers=(opt(1.0),), steps=5,
        metrics=stream([1.0], 5),
    ))

    # WIN-BY-EPOCH: by_epoch does not change what a call is; the window counts calls.
    for by_epoch, loop in itertools.product((True, False), ('iter', 'epoch')):
        cases.append(case(
            f'win-rlr-by-epoch-{tok(by_epoch)}-{loop}-loop',
            f'ReduceLR with by_epoch={by_epoch} in the {loop} loop counts scheduler calls, not '
            'iterations or epochs.',
            ['WIN-BY-EPOCH', 'WIN-ACTIVE', loop_clause(loop)],
            sched(RLR, factor=0.5, patience=0, begin=1, end=4, by_epoch=by_epoch),
            optimizers=(opt(1.0),), steps=6, loop=loop, epoch_length=3,
            metrics=stream([1.0], 6),
        ))
    for by_epoch in (True, False):
        cases.append(case(
            f'win-lli-by-epoch-{tok(by_epoch)}-epoch-loop-window',
            f'LinearLrInterval with by_epoch={by_epoch} in an epoch loop of 3 iterations opens '
            'its window by call count.',
            ['WIN-BY-EPOCH', 'WIN-ACTIVE', 'LLI-PROGRESS-SOURCE', 'LOOP-EPOCH'],
            sched(LLI, start_factor=0.5, end_factor=0.0, begin=2, end=6, interval=1,
                  by_epoch=by_epoch),
            steps=8, loop='epoch', epoch_length=3,
        ))

    # WIN-CHECK-ORDER: the optimizer, then end > begin, then last_step, then initial_lr.
    for kind in (LLI, RLR):
        short = 'lli' if kind == LLI else 'rlr'
        for begin, end, last_step in ((3, 3, -3), (3, 3, 2), (0, 4, -3), (0, 4, 2.0), (0, 4, 2)):
            kwargs = dict(begin=begin, end=end, last_step=last_step)
            cases.append(case(
                f'win-{short}-check-order-b{begin}-e{end}-ls{tok(last_step)}',
                f'{kind} with {args(kwargs)} on groups without initial_lr raises the first '
                'failing check in constructor order.',
                ['WIN-CHECK-ORDER', 'WIN-END-AFTER-BEGIN', 'WIN-LAST-STEP',
                 'WIN-RESUME-INITIAL-VALUE'],
                sched(kind, **kwargs), optimizers=(opt(0.1),), steps=2,
                metrics=stream([1.0], 2) if kind == RLR else None,
            ))

    # WIN-WRAPPER-BASE-GROUP: a wrapper over several groups adds a scheduled pseudo-group.
    for kind, groups in itertools.product((LLI, RLR), ((0.1,), (0.1, 0.2), (0.3, 0.2, 0.1))):
        short = 'lli' if kind == LLI else 'rlr'
        kwargs = (dict(start_factor=0.5, end_factor=0.0, begin=1, end=5, by_epoch=False)
                  if kind == LLI else dict(factor=0.5, patience=0))
        cases.append(case(
            f'win-{short}-wrapper-groups-{len(groups)}',
            f'{kind} on an OptimWrapper over groups {show(groups)}: with more than one group '
            'the trailing base group is scheduled too.',
            ['WIN-WRAPPER-BASE-GROUP', 'WIN-WRITE']
            + (['RLR-OPTIM-WRAPPER'] if kind == RLR else []),
            sched(kind, **kwargs), optimizers=(opt(*groups, wrapper=True),), steps=6,
            metrics=stream([1.0], 6) if kind == RLR else None,
        ))
    cases.append(case(
        'win-lli-wrapper-resume-needs-base-initial-lr',
        'LinearLrInterval resumed by last_step on a two-group OptimWrapper needs initial_lr in '
        'the base group too.',
        ['WIN-WRAPPER-BASE-GROUP', 'WIN-RESUME-INITIAL-VALUE'],
        sched(LLI, start_factor=0.5, end_factor=0.0, begin=1, end=5, by_epoch=False,
              last_step=2),
        optimizers=(opt(0.1, 0.2, wrapper=True, initial=(0.1, 0.2)),), steps=4,
    ))
    cases.append(case(
        'win-rlr-wrapper-resume-checkpoint',
        'ReduceLR on a two-group OptimWrapper checkpointed after call 3 and resumed in the same '
        'process.',
        ['WIN-WRAPPER-BASE-GROUP', 'WIN-STATE-DICT', 'RLR-OPTIM-WRAPPER'],
        sched(RLR, factor=0.5, patience=0), optimizers=(opt(1.0, 0.5, wrapper=True),), steps=6,
        metrics=stream([1.0], 6), resumes=(Resume(3, 'memory', False),),
    ))

    # WIN-WRITE: every group is written in order; three groups, both schedulers.
    cases.append(case(
        'win-lli-writes-every-group',
        'LinearLrInterval writes each of three groups on every active call.',
        ['WIN-WRITE', 'LLI-GROUPS-COLLAPSE'],
        sched(LLI, start_factor=0.5, end_factor=0.0, begin=1, end=5, by_epoch=False),
        optimizers=(opt(0.1, 0.01, 1.0),), steps=6,
    ))
    cases.append(case(
        'win-rlr-writes-every-group',
        'ReduceLR writes each of three groups on every reducing call.',
        ['WIN-WRITE', 'RLR-GROUPS'],
        sched(RLR, factor=0.5, patience=0),
        optimizers=(opt(1.0, 0.1, 0.3),), steps=4, metrics=stream([1.0], 4),
    ))
    return cases


# -- LinearLrInterval (LLI-*) ----------------------------------------------------------------------


def lli_cases():
    cases = []

    # The staircase in an iteration loop: begin x window length x interval.
    for begin, span, interval in itertools.product((0, 1, 3), (1, 2, 3, 4, 5, 8), (1, 2, 3, 4)):
        if interval > span:
            continue
        end = begin + span
        steps = end + 2
        clauses = ['LLI-FIRST-STEP-DIP', 'LLI-STAIRCASE', 'LLI-ABSOLUTE-VALUE', 'WIN-ACTIVE',
                   'LLI-RUNNER-LAG', 'LLI-NEVER-END-FACTOR', 'LOOP-ITER']
        clauses.append('WIN-CONSTRUCTOR-STEP' if begin == 0 else 'LLI-BEFORE-BEGIN')
        cases.append(case(
            f'lli-stair-b{begin}-e{end}-i{interval}',
            f'LinearLrInterval begin={begin}, end={end}, interval={interval} in an iteration '
            'loop: dip at the first active call, then the absolute staircase read off the '
            'published iteration.',
            clauses,
            sched(LLI, start_factor=0.5, end_factor=0.0, begin=begin, end=end,
                  interval=interval, by_epoch=False),
            steps=steps,
        ))

    # LLI-INTERVAL-TOO-LARGE: fewer than one interval in the window divides by zero, on the
    # second active call; a window of one call never gets there.
    for begin, span, interval in itertools.product((0, 2), (1, 2, 4), (3, 5, 100)):
        if interval <= span or (span, interval) == (1, 100):
            continue
        end = begin + span
        cases.append(case(
            f'lli-interval-too-large-b{begin}-e{end}-i{interval}',
            f'LinearLrInterval begin={begin}, end={end}, interval={interval}: the window holds no '
            'whole interval, so its second active call divides by zero.',
            ['LLI-INTERVAL-TOO-LARGE', 'LLI-FIRST-STEP-DIP', 'WIN-ACTIVE'],
            sched(LLI, start_factor=0.5, end_factor=0.0, begin=begin, end=end,
                  interval=interval, by_epoch=False),
            steps=end + 2,
        ))

    # LLI-INTERVAL-ZERO and LLI-INTERVAL-UNVALIDATED: odd intervals are taken as given.
    for interval in (0, -1, -2, -3, 2.5, 0.5, 1.5, NAN, POS_INF, NEG_INF, 0.0, True):
        clauses = ['LLI-INTERVAL-UNVALIDATED', 'LLI-STAIRCASE']
        if interval == 0:
            clauses.append('LLI-INTERVAL-ZERO')
        for begin in (0, 2):
            cases.append(case(
                f'lli-interval-{tok(interval)}-b{begin}',
                f'LinearLrInterval with interval={show(interval)} and begin={begin} is built '
                'without complaint and applies the floor division as written.',
                clauses,
                sched(LLI, start_factor=0.5, end_factor=0.0, begin=begin, end=begin + 8,
                      interval=interval, by_epoch=False),
                steps=begin + 10,
            ))

    # LLI-FACTOR-RANGE: factors in [0, 1] are accepted, NaN slips through, the rest is refused.
    factor_pairs = (
        (0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0), (0.5, 0.5), (0.25, 0.75),
        (0.0002, 0.0), (1.0 / 3, 1.0), (-0.0, 0.5), (0.5, -0.0), (5e-324, 1.0),
        (NAN, 0.0), (0.5, NAN),
        (1.0000000000000002, 0.0), (-5e-324, 0.5), (POS_INF, 0.0), (NEG_INF, 0.0),
        (0.5, 1.0000000000000002), (0.5, -1.0), (0.5, POS_INF), (2.0, -1.0),
    )
    for start, end_factor in factor_pairs:
        cases.append(case(
            f'lli-factors-{tok(start)}-{tok(end_factor)}',
            f'LinearLrInterval with start_factor={show(start)}, end_factor={show(end_factor)} '
            'over begin=1, end=7, interval=2.',
            ['LLI-FACTOR-RANGE', 'LLI-ABSOLUTE-VALUE', 'LLI-FIRST-STEP-DIP'],
            sched(LLI, start_factor=start, end_factor=end_factor, begin=1, end=7, interval=2,
                  by_epoch=False),
            steps=8,
        ))

    # LLI-GROUPS-COLLAPSE and the dip on unusual learning rates.
    group_sets = (
        ((0.1, 0.01, 1.0), 1), ((0.1, 0.01, 1.0), 0), ((0.0, 0.5), 1), ((1e-300, 2.0), 1),
        ((POS_INF, 0.1), 1), ((5e-324,), 0), ((0.1,), 1),
    )
    for lrs, begin in group_sets:
        cases.append(case(
            f'lli-groups-{"-".join(tok(lr) for lr in lrs)}-b{begin}',
            f'LinearLrInterval on groups {show(lrs)} with begin={begin}: the dip is per group, '
            'every later value is one number for all groups.',
            ['LLI-GROUPS-COLLAPSE', 'LLI-FIRST-STEP-DIP', 'LLI-ABSOLUTE-VALUE', 'WIN-WRITE'],
            sched(LLI, start_factor=0.5, end_factor=0.0, begin=begin, end=begin + 4,
                  by_epoch=False),
            optimizers=(opt(*lrs),), steps=begin + 6,
        ))

    # LLI-PROGRESS-SOURCE: by_epoch picks the hub key; the loop decides what is published.
    for by_epoch, loop, length in itertools.product((True, False), ('iter', 'epoch'), (1, 3)):
        if loop == 'iter' and length != 1:
            continue
        cases.append(case(
            f'lli-progress-source-{tok(by_epoch)}-{loop}-l{length}',
            f'LinearLrInterval by_epoch={by_epoch} in the {loop} loop (epoch length {length}) '
            f'reads {"epoch" if by_epoch else "iter"} from the hub.',
            ['LLI-PROGRESS-SOURCE', loop_clause(loop), 'LLI-STAIRCASE'],
            sched(LLI, start_factor=0.5, end_factor=0.0, begin=0, end=6, interval=1,
                  by_epoch=by_epoch),
            steps=8, loop=loop, epoch_length=length,
        ))
    for begin, end, interval, length in ((0, 4, 1, 2), (1, 5, 2, 3), (2, 6, 1, 4)):
        cases.append(case(
            f'lli-epoch-loop-b{begin}-e{end}-i{interval}-l{length}',
            f'LinearLrInterval by epoch, begin={begin}, end={end}, interval={interval}, in an '
            f'epoch loop of {length} iterations per epoch.',
            ['LLI-PROGRESS-SOURCE', 'LLI-RUNNER-LAG', 'LLI-STAIRCASE', 'LOOP-EPOCH'],
            sched(LLI, start_factor=0.5, end_factor=0.0, begin=begin, end=end,
                  interval=interval, by_epoch=True),
            steps=end + 2, loop='epoch', epoch_length=length,
        ))

    # LLI-PROGRESS-MISSING: nothing published, or progress published only once.
    for begin in (0, 2):
        cases.append(case(
            f'lli-progress-absent-b{begin}',
            f'LinearLrInterval with begin={begin} and no progress ever published fails on its '
            'second active call.',
            ['LLI-PROGRESS-MISSING', 'LLI-FIRST-STEP-DIP'],
            sched(LLI, start_factor=0.5, end_factor=0.0, begin=begin, end=begin + 6,
                  by_epoch=False),
            steps=begin + 4, progress='absent',
        ))
    # LLI-PROGRESS-INCONSISTENT: the value follows the hub, the window follows the calls.
    for progress, offset in (('frozen', 0), ('frozen', 5), ('frozen', 100), ('loop', 100),
                             ('loop', 3), ('loop', -3), ('loop', -100)):
        cases.append(case(
            f'lli-progress-{progress}-{tok(offset)}',
            f'LinearLrInterval reading progress {progress} with offset {offset}: the window '
            'follows the scheduler calls, the value follows the hub, unclamped.',
            ['LLI-PROGRESS-INCONSISTENT', 'LLI-STAIRCASE', 'LLI-ABSOLUTE-VALUE'],
            sched(LLI, start_factor=0.5, end_factor=0.0, begin=0, end=8, interval=2,
                  by_epoch=False),
            steps=10, progress=progress, progress_offset=offset,
        ))

    # LLI-DEFAULTS: no arguments at all, and an unbounded window with interval 1.
    cases.append(case(
        'lli-defaults',
        'LinearLrInterval with no arguments uses start_factor 1/3, end_factor 1, interval 1, '
        'by epoch, over an unbounded window.',
        ['LLI-DEFAULTS', 'WIN-DEFAULTS', 'LLI-FIRST-STEP-DIP', 'LOOP-EPOCH'],
        sched(LLI), steps=5, loop='epoch', epoch_length=2,
    ))
    cases.append(case(
        'lli-unbounded-end-by-iter',
        'LinearLrInterval with the default end moves by (ef - sf) / 10**9 per iteration.',
        ['LLI-DEFAULTS', 'LLI-STAIRCASE', 'WIN-DEFAULTS'],
        sched(LLI, start_factor=0.5, end_factor=0.0, by_epoch=False), steps=6,
    ))

    # The configs upstream ships, on a shortened scale: cyclegan-like, both optimizers.
    cases.append(case(
        'lli-cyclegan-like-two-optimizers',
        'Two Adam-like optimizers at 2e-4, one LinearLrInterval each with start_factor 2e-4, '
        'end_factor 0, begin 8, end 16, interval 2.',
        ['LLI-FIRST-STEP-DIP', 'LLI-ABSOLUTE-VALUE', 'LLI-NEVER-END-FACTOR', 'LOOP-ITER'],
        (sched(LLI, 0, start_factor=0.0002, end_factor=0.0, begin=8, end=16, interval=2,
               by_epoch=False),
         sched(LLI, 1, start_factor=0.0002, end_factor=0.0, begin=8, end=16, interval=2,
               by_epoch=False)),
        optimizers=(opt(0.0002), opt(0.0002)), steps=20,
    ))
    cases.append(case(
        'lli-optim-wrapper',
        'LinearLrInterval on an OptimWrapper gives the same staircase as on the bare optimizer.',
        ['LLI-STAIRCASE', 'LLI-FIRST-STEP-DIP', 'WIN-WRAPPER-BASE-GROUP'],
        sched(LLI, start_factor=0.5, end_factor=0.0, begin=1, end=7, interval=2, by_epoch=False),
        optimizers=(opt(0.1, 0.2, wrapper=True),), steps=9,
    ))

    # LLI-ITER-FROM-EPOCH: begin and end scale by the epoch length, interval does not.
    for begin, end, interval, length in ((0, 3, 1, 2), (1, 3, 2, 4), (2, 4, 3, 2), (1, 4, 1, 3),
                                         (0, 2, 4, 4), (1, None, 1, 2)):
        kwargs = dict(start_factor=0.5, end_factor=0.0, begin=begin, interval=interval)
        if end is not None:
            kwargs['end'] = end
        steps = (end or begin + 3) * length + 2
        cases.append(case(
            f'lli-iter-from-epoch-b{begin}-e{tok(end)}-i{interval}-l{length}',
            f'LinearLrInterval built from epochs ({args(kwargs)}) with epoch length {length}: '
            + ('begin and end are multiplied, interval is not.' if end is not None else
               'begin is multiplied, the default end stays INF, interval is not.'),
            ['LLI-ITER-FROM-EPOCH', 'LOOP-CONVERT-ITER', 'LLI-STAIRCASE']
            + (['WIN-DEFAULTS'] if end is None else []),
            sched(LLI, build='iter_from_epoch', **kwargs),
            steps=steps, epoch_length=length,
        ))
    cases.append(case(
        'lli-iter-from-epoch-refuses-iter-kwargs',
        'Building LinearLrInterval from epochs with by_epoch=False fails an assertion.',
        ['LLI-ITER-FROM-EPOCH'],
        sched(LLI, build='iter_from_epoch', start_factor=0.5, end_factor=0.0, begin=1, end=3,
              by_epoch=False),
        steps=3, epoch_length=2,
    ))

    # Constructor order: the factors are checked before the window bounds (WIN-CHECK-ORDER).
    for kwargs, what in (
        (dict(start_factor=1.5, end_factor=0.0, begin=5, end=5), 'a bad start_factor and an '
         'empty window'),
        (dict(start_factor=1.5, end_factor=-1.0, begin=0, end=4), 'both factors out of range'),
        (dict(start_factor=0.5, end_factor=2.0, begin=5, end=1), 'a bad end_factor and a '
         'reversed window'),
        (dict(start_factor=0.5, end_factor=0.0, begin=5, end=5, interval=0), 'a zero interval '
         'and an empty window'),
    ):
        cases.append(case(
            'lli-construct-order-' + '-'.join(f'{tok(k)}{tok(v)}' for k, v in kwargs.items()),
            f'LinearLrInterval with {what} ({args(kwargs)}) reports the first check in '
            'constructor order.',
            ['LLI-FACTOR-RANGE', 'WIN-END-AFTER-BEGIN', 'LLI-INTERVAL-UNVALIDATED',
             'WIN-CHECK-ORDER'],
            sched(LLI, by_epoch=False, **kwargs), steps=2,
        ))
    return cases


# -- ReduceLR (RLR-*) ---------------------------------------------------------------------------

METRIC_STREAMS = {
    'falling': (5.0, 4.0, 3.0, 2.0, 1.0, 0.5, 0.25, 0.125),
    'constant': (1.0,),
    'rising': (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0),
    'plateau': (5.0, 4.0, 4.0, 4.0, 4.0, 3.0, 3.0, 3.0),
    'negative': (-10.0, -9.9995, -10.002, -10.002, -10.0021, -11.0, -11.0, -10.999),
    'nan': (NAN,),
    'nan-mixed': (1.0, NAN, 0.5, NAN, NAN, 0.25, NAN, NAN),
    'inf': (POS_INF,),
    'minus-inf-first': (NEG_INF, 1.0, 1.0, NEG_INF, -1e308),
    'zeros': (0.0,),
    'signed-zeros': (0.0, -0.0, 0.0, -0.0, -5e-324, 5e-324, 0.0, 0.0),
    'huge': (1e308, 1.7976931348623157e308, POS_INF, 1e308, NEG_INF, -1e308),
    'ints': (3, 2, 2, 2, 1, 1, 1, 1),
}
EDGE_STREAMS = {'negative', 'nan', 'nan-mixed', 'inf', 'minus-inf-first', 'zeros',
                'signed-zeros', 'huge'}


def rlr_cases():
    cases = []
    steps = 10

    # RLR-IS-BETTER: every mode and threshold mode over every kind of stream.
    for (mode, tmode), name in itertools.product(
        itertools.product(('min', 'max'), ('rel', 'abs')), METRIC_STREAMS
    ):
        values = stream(METRIC_STREAMS[name], steps)
        clauses = ['RLR-IS-BETTER', 'RLR-COUNT', 'RLR-PATIENCE', 'RLR-MODE-WORSE',
                   'RLR-METRIC-CURRENT']
        if name in EDGE_STREAMS:
            clauses.append('RLR-IS-BETTER-EDGES')
        cases.append(case(
            f'rlr-{mode}-{tmode}-{name}',
            f'ReduceLR mode={mode}, threshold_mode={tmode}, patience 1, factor 0.5 on the '
            f'{name} metric stream {show(values)}.',
            clauses,
            sched(RLR, mode=mode, threshold_mode=tmode, factor=0.5, patience=1),
            optimizers=(opt(1.0),), steps=steps, metrics=values,
        ))

    # Threshold values, signs and non-finite thresholds, patience 0 so every bad call reduces.
    probe = (1.0, 0.99, 1.5, 0.5, 0.49, 2.0, -1.0, -1.01, 0.0, 0.0)
    for threshold, (mode, tmode) in itertools.product(
        (0.0, 0.5, -0.5, 1.0, 2.0, NAN, POS_INF, NEG_INF),
        itertools.product(('min', 'max'), ('rel', 'abs')),
    ):
        clauses = ['RLR-IS-BETTER', 'RLR-UNVALIDATED']
        if threshold != threshold or threshold in (POS_INF, NEG_INF, 0.0):
            clauses.append('RLR-IS-BETTER-EDGES')
        cases.append(case(
            f'rlr-threshold-{tok(threshold)}-{mode}-{tmode}',
            f'ReduceLR mode={mode}, threshold_mode={tmode}, threshold={show(threshold)}, '
            f'patience 0 on the stream {show(probe)}.',
            clauses,
            sched(RLR, mode=mode, threshold_mode=tmode, threshold=threshold, factor=0.5,
                  patience=0),
            optimizers=(opt(1.0),), steps=len(probe), metrics=probe,
        ))

    # RLR-PATIENCE and RLR-COOLDOWN over a constant metric.
    for patience, cooldown in itertools.product((-1, 0, 1, 3), (-1, 0, 1, 3)):
        clauses = ['RLR-PATIENCE', 'RLR-COOLDOWN', 'RLR-COUNT']
        if patience < 0 or cooldown < 0:
            clauses.append('RLR-UNVALIDATED')
        cases.append(case(
            f'rlr-patience-{tok(patience)}-cooldown-{tok(cooldown)}',
            f'ReduceLR patience={patience}, cooldown={cooldown}, factor 0.5 on a constant metric.',
            clauses,
            sched(RLR, factor=0.5, patience=patience, cooldown=cooldown),
            optimizers=(opt(1.0),), steps=12, metrics=stream([1.0], 12),
        ))
    for patience, cooldown in ((2.5, 0), (NAN, 0), (POS_INF, 0), (0, 1.5), (0, NAN),
                               (0, POS_INF), (1, 2.5)):
        cases.append(case(
            f'rlr-patience-{tok(patience)}-cooldown-{tok(cooldown)}',
            f'ReduceLR takes patience={show(patience)}, cooldown={show(cooldown)} as given on '
            'a constant metric.',
            ['RLR-UNVALIDATED', 'RLR-PATIENCE', 'RLR-COOLDOWN'],
            sched(RLR, factor=0.5, patience=patience, cooldown=cooldown),
            optimizers=(opt(1.0),), steps=10, metrics=stream([1.0], 10),
        ))
    cases.append(case(
        'rlr-improvement-during-cooldown',
        'ReduceLR records a new best while cooling down and still forgives bad calls until the '
        'cooldown ends.',
        ['RLR-COOLDOWN', 'RLR-COUNT'],
        sched(RLR, factor=0.5, patience=1, cooldown=3),
        optimizers=(opt(1.0),), steps=12,
        metrics=(5.0, 5.0, 5.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
    ))

    # RLR-FACTOR-ZERO and factor validation.
    for factor in (0.0, -0.0, 0.5, 0.9999999999999999, 1e-300, 5e-324, NAN,
                   1.0, 1.5, -0.5, -5e-324, POS_INF, NEG_INF):
        clauses = ['RLR-VALIDATION'] if not 0 <= factor < 1 else ['RLR-REDUCE-ORDER']
        if factor == 0:
            clauses.append('RLR-FACTOR-ZERO')
        if factor != factor:
            clauses = ['RLR-VALIDATION', 'RLR-EPS']
        cases.append(case(
            f'rlr-factor-{tok(factor)}',
            f'ReduceLR with factor={show(factor)}, patience 0, on a constant metric.',
            clauses,
            sched(RLR, factor=factor, patience=0),
            optimizers=(opt(1.0, 0.25),), steps=5, metrics=stream([1.0], 5),
        ))

    for min_lr in (0.0, 0.05):
        cases.append(case(
            f'rlr-factor-zero-floor-{tok(min_lr)}',
            f'ReduceLR with factor 0 and min_lr={show(min_lr)} on groups [1.0, 0.01, 1e-09]: '
            'a reduction drops each group above eps straight to the floor.',
            ['RLR-FACTOR-ZERO', 'RLR-MIN-LR', 'RLR-EPS', 'RLR-GROUPS'],
            sched(RLR, factor=0.0, patience=0, min_lr=min_lr),
            optimizers=(opt(1.0, 0.01, 1e-09),), steps=4, metrics=stream([1.0], 4),
        ))

    # RLR-REDUCE-ORDER, RLR-EPS and RLR-MIN-LR: eps test first, then the floor at min_lr.
    for lr, (min_lr, eps) in itertools.product(
        (1.0, 0.100000005, 1e-06, 1.5e-08, 0.01),
        ((0.0, 1e-08), (0.1, 1e-08), (9.95e-07, 1e-08), (0.0, 0.3), (0.5, 1e-08)),
    ):
        cases.append(case(
            f'rlr-order-lr{tok(lr)}-min{tok(min_lr)}-eps{tok(eps)}',
            f'ReduceLR from lr={show(lr)} with min_lr={show(min_lr)}, eps={show(eps)}, factor '
            '0.1, patience 0: the eps test runs before the min_lr floor.',
            ['RLR-REDUCE-ORDER', 'RLR-EPS', 'RLR-MIN-LR'],
            sched(RLR, factor=0.1, patience=0, min_lr=min_lr, eps=eps),
            optimizers=(opt(lr),), steps=5, metrics=stream([1.0], 5),
        ))
    for name, value in (('eps', NAN), ('eps', POS_INF), ('eps', NEG_INF), ('eps', -1.0),
                        ('eps', 0.0), ('min_lr', NAN), ('min_lr', POS_INF),
                        ('min_lr', NEG_INF), ('min_lr', -1.0), ('min_lr', 1.0)):
        cases.append(case(
            f'rlr-{tok(name)}-{tok(value)}',
            f'ReduceLR takes {name}={show(value)} as given (factor 0.5, patience 0, lr 0.5).',
            ['RLR-UNVALIDATED', 'RLR-EPS' if name == 'eps' else 'RLR-MIN-LR', 'RLR-REDUCE-ORDER'],
            sched(RLR, factor=0.5, patience=0, **{name: value}),
            optimizers=(opt(0.5),), steps=5, metrics=stream([1.0], 5),
        ))
    for lrs in ((POS_INF,), (0.0,), (NAN,)):
        cases.append(case(
            f'rlr-lr-{tok(lrs[0])}',
            f'ReduceLR reducing a group whose lr is {show(lrs[0])} (factor 0.5, patience 0).',
            ['RLR-REDUCE-ORDER', 'RLR-EPS'],
            sched(RLR, factor=0.5, patience=0),
            optimizers=(opt(*lrs),), steps=4, metrics=stream([1.0], 4),
        ))

    # RLR-GROUPS: the eps test and the floor are per group.
    for lrs, min_lr in (((1.0, 0.1, 1e-09), 0.0), ((0.5, 0.5), 0.0), ((1.0, 0.0), 0.0),
                        ((1.0, 0.01), 0.1)):
        cases.append(case(
            f'rlr-groups-{"-".join(tok(lr) for lr in lrs)}-min{tok(min_lr)}',
            f'ReduceLR on groups {show(lrs)} with min_lr={show(min_lr)}, patience 0: each group '
            'is reduced on its own.',
            ['RLR-GROUPS', 'RLR-EPS', 'RLR-MIN-LR', 'WIN-WRITE'],
            sched(RLR, factor=0.5, patience=0, min_lr=min_lr),
            optimizers=(opt(*lrs),), steps=5, metrics=stream([1.0], 5),
        ))

    # RLR-OPTIM-WRAPPER.
    for name in ('constant', 'plateau'):
        values = stream(METRIC_STREAMS[name], 8)
        cases.append(case(
            f'rlr-optim-wrapper-{name}',
            f'ReduceLR on an OptimWrapper with two groups on the {name} metric stream.',
            ['RLR-OPTIM-WRAPPER', 'RLR-PATIENCE', 'WIN-WRAPPER-BASE-GROUP'],
            sched(RLR, factor=0.5, patience=1),
            optimizers=(opt(1.0, 0.1, wrapper=True),), steps=8, metrics=values,
        ))

    # RLR-DEFAULTS.
    for mode in (None, 'max'):
        kwargs = {} if mode is None else {'mode': mode}
        cases.append(case(
            f'rlr-defaults-{tok(mode)}',
            f'ReduceLR with {args(kwargs)}: factor 0.1 after more than 10 non-improving calls.',
            ['RLR-DEFAULTS', 'RLR-PATIENCE', 'RLR-MODE-WORSE', 'RLR-INITIAL-STATE'],
            sched(RLR, **kwargs), optimizers=(opt(1.0),), steps=14,
            metrics=stream([1.0], 14),
        ))

    # RLR-FIRST-STEP, RLR-METRIC-MISSING, RLR-METRIC-STALE, RLR-METRIC-CURRENT.
    cases.append(case(
        'rlr-first-step-ignores-prior-metric',
        'ReduceLR built after a value was published does not consume it in its constructor; '
        'the first explicit call re-reads it.',
        ['RLR-FIRST-STEP', 'RLR-METRIC-STALE', 'RLR-INITIAL-STATE'],
        sched(RLR, factor=0.5, patience=1), optimizers=(opt(1.0),), steps=5,
        metric_before_build=3.0, metrics=(None,) * 5,
    ))
    for begin in (0, 2):
        cases.append(case(
            f'rlr-metric-missing-b{begin}',
            f'ReduceLR with begin={begin} and nothing ever published raises KeyError on its '
            'first consuming call.',
            ['RLR-METRIC-MISSING', 'RLR-FIRST-STEP', 'WIN-ACTIVE'],
            sched(RLR, factor=0.5, patience=0, begin=begin),
            optimizers=(opt(1.0),), steps=begin + 3, metrics=(None,) * (begin + 3),
        ))
    cases.append(case(
        'rlr-metric-only-inside-window',
        'ReduceLR with begin=3, end=5 reads the hub only on call 4; no value before or after '
        'is needed.',
        ['RLR-FIRST-STEP', 'WIN-ACTIVE', 'RLR-METRIC-MISSING'],
        sched(RLR, factor=0.5, patience=0, begin=3, end=5),
        optimizers=(opt(1.0),), steps=8, metrics=(None, None, None, 2.0, None, None, None, None),
    ))
    cases.append(case(
        'rlr-metric-stale-after-one-publish',
        'ReduceLR re-reads a value published once, counting it as not better on every later '
        'call.',
        ['RLR-METRIC-STALE', 'RLR-PATIENCE'],
        sched(RLR, factor=0.5, patience=1), optimizers=(opt(1.0),), steps=6,
        metrics=(5.0, None, None, None, None, None),
    ))
    cases.append(case(
        'rlr-metric-stale-gaps',
        'ReduceLR sees the last published value on calls where nothing new was published.',
        ['RLR-METRIC-STALE', 'RLR-METRIC-CURRENT'],
        sched(RLR, factor=0.5, patience=1), optimizers=(opt(1.0),), steps=8,
        metrics=(5.0, None, 4.0, None, None, 1.0, None, None),
    ))
    for values in (((4.0, 2.0, 9.0),) * 4, ((9.0, 1.0), (1.0, 9.0), (5.0, 0.5), (0.5, 5.0))):
        cases.append(case(
            'rlr-metric-last-wins-' + '-'.join(tok(v) for v in values[0] + values[1]),
            f'ReduceLR reads only the last of several values published before each call '
            f'({show([list(v) for v in values])}).',
            ['RLR-METRIC-CURRENT'],
            sched(RLR, factor=0.5, patience=0), optimizers=(opt(1.0),), steps=4,
            metrics=values,
        ))

    # RLR-VALIDATION and RLR-CONSTRUCTOR-ORDER: which check raises first.
    bad = (
        dict(mode='MIN'), dict(mode='avg'), dict(mode=None), dict(mode=''),
        dict(threshold_mode='relative'), dict(threshold_mode='ABS'), dict(threshold_mode=None),
        dict(mode='avg', factor=1.5), dict(factor=1.5, threshold_mode='relative'),
        dict(mode='avg', threshold_mode='relative'),
        dict(mode='avg', begin=3, end=3), dict(factor=2.0, begin=4, end=1),
    )
    for kwargs in bad:
        clauses = ['RLR-VALIDATION', 'RLR-CONSTRUCTOR-ORDER']
        if 'begin' in kwargs:
            clauses.append('WIN-END-AFTER-BEGIN')
        cases.append(case(
            'rlr-invalid-' + '-'.join(f'{tok(k)}{tok(v)}' for k, v in kwargs.items()),
            f'ReduceLR with {args(kwargs)} raises in the constructor, the first check in '
            'constructor order winning.',
            clauses,
            sched(RLR, **kwargs), optimizers=(opt(1.0),), steps=2, metrics=stream([1.0], 2),
        ))
    # RLR-EXTRA-KWARGS: unknown keywords are refused; Python words the message.
    for kwargs in (dict(patiance=3), dict(param_name='lr'), dict(interval=2),
                   dict(start_factor=0.5, factor=0.5)):
        cases.append(case(
            'rlr-extra-kwarg-' + '-'.join(f'{tok(k)}{tok(v)}' for k, v in kwargs.items()),
            f'ReduceLR given {args(kwargs)} raises TypeError in the constructor.',
            ['RLR-EXTRA-KWARGS'],
            sched(RLR, **kwargs), optimizers=(opt(1.0),), steps=2, metrics=stream([1.0], 2),
        ))
    cases.append(case(
        'rlr-no-iter-from-epoch',
        'ReduceLR has no build_iter_from_epoch, so a conversion to iteration-based fails.',
        ['RLR-NO-ITER-FROM-EPOCH'],
        sched(RLR, build='iter_from_epoch', factor=0.5, patience=0, begin=1, end=3),
        optimizers=(opt(1.0),), steps=3, epoch_length=2, metrics=stream([1.0], 3),
    ))

    # Upstream's ReduceLR configs (cain, flavr) on a validation metric that plateaus.
    mae = (0.9, 0.8, 0.7, 0.65, 0.6, 0.6, 0.61, 0.6, 0.59, 0.6, 0.6, 0.6, 0.58, 0.6, 0.6,
           0.6, 0.6, 0.6, 0.6, 0.6)
    for name, patience, cooldown, epochs in (('cain', 5, 0, 30), ('flavr', 10, 20, 60)):
        cases.append(case(
            f'rlr-config-{name}',
            f'ReduceLR as the {name} config builds it (min, factor 0.5, patience {patience}, '
            f'cooldown {cooldown}, end 500) over {epochs} epochs of a plateauing MAE.',
            ['RLR-PATIENCE', 'RLR-COOLDOWN', 'LOOP-CONFIGS', 'LOOP-EPOCH'],
            sched(RLR, by_epoch=True, mode='min', factor=0.5, patience=patience,
                  cooldown=cooldown, end=500),
            optimizers=(opt(0.0001, wrapper=True),), steps=epochs, loop='epoch', epoch_length=2,
            metrics=stream(mae, epochs),
        ))
    return cases


# -- state dicts and resumption -----------------------------------------------------------------


def state_cases():
    cases = []
    lli = sched(LLI, start_factor=0.5, end_factor=0.0, begin=1, end=9, interval=2,
                by_epoch=False)
    for after, transport, new_process in itertools.product((2, 5), TRANSPORTS, (False, True)):
        cases.append(case(
            f'state-lli-resume-{after}-{tok(transport)}-{"new" if new_process else "same"}',
            f'LinearLrInterval checkpointed after call {after} via {transport} and resumed in '
            f'{"a new" if new_process else "the same"} process continues its staircase.',
            ['LLI-STATE-KEYS', 'WIN-STATE-DICT'],
            lli, steps=12,
            resumes=(Resume(after, transport, new_process),),
        ))
    cases.append(case(
        'state-lli-resume-epoch-loop',
        'LinearLrInterval by epoch resumed after epoch 3 in a new process continues reading '
        'the restored epoch.',
        ['LLI-STATE-KEYS', 'WIN-STATE-DICT', 'LOOP-EPOCH'],
        sched(LLI, start_factor=0.5, end_factor=0.0, begin=1, end=7, interval=2),
        steps=9, loop='epoch', epoch_length=3,
        resumes=(Resume(3, 'torch_save', True),),
    ))

    plateau = (5.0, 4.0, 4.0, 4.0, 4.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0)
    rlr = sched(RLR, factor=0.5, patience=1, cooldown=1)
    for transport, new_process, drop in itertools.product(TRANSPORTS, (False, True),
                                                         ((), ('message_hub',))):
        clauses = ['RLR-STATE-KEYS', 'WIN-STATE-DICT', 'RLR-RESUME-STALE-HUB']
        if transport == 'torch_save':
            clauses.append('RLR-TORCH-LOAD')
        dropped = 'without its message_hub entry' if drop else 'whole'
        where = 'a new' if new_process else 'the same'
        cases.append(case(
            f'state-rlr-resume-{tok(transport)}-{"new" if new_process else "same"}'
            f'-{"drop-hub" if drop else "full"}',
            f'ReduceLR state loaded {dropped} via {transport} into {where} process after call 4 '
            'of a plateau.',
            clauses,
            rlr, optimizers=(opt(1.0),), steps=12, metrics=plateau,
            resumes=(Resume(4, transport, new_process, drop),),
        ))
    for after in (1, 7):
        cases.append(case(
            f'state-rlr-resume-new-process-after-{after}',
            f'ReduceLR resumed in a new process after call {after} keeps reading the hub it was '
            'saved with.',
            ['RLR-RESUME-STALE-HUB', 'RLR-METRIC-STALE'],
            rlr, optimizers=(opt(1.0),), steps=12, metrics=plateau,
            resumes=(Resume(after, 'memory', True),),
        ))
    cases.append(case(
        'state-rlr-two-resumes',
        'ReduceLR resumed twice in new processes (deepcopy, then memory) keeps the first '
        'saved hub.',
        ['RLR-RESUME-STALE-HUB', 'WIN-STATE-DICT'],
        rlr, optimizers=(opt(1.0),), steps=12, metrics=plateau,
        resumes=(Resume(3, 'deepcopy', True), Resume(7, 'memory', True)),
    ))

    # WIN-STATE-DICT: load_state_dict overwrites by name; a missing key keeps the fresh value.
    for key in ('_global_step', 'last_step', '_last_value'):
        cases.append(case(
            f'state-lli-drop-{tok(key)}',
            f'LinearLrInterval resumed without {key!r} keeps the value its fresh constructor set.',
            ['WIN-STATE-DICT', 'LLI-STATE-KEYS'],
            lli, steps=12, resumes=(Resume(4, 'memory', False, (key,)),),
        ))
    for key in ('_global_step', 'last_step', 'best', 'num_bad_epochs', 'cooldown_counter',
                '_last_value'):
        cases.append(case(
            f'state-rlr-drop-{tok(key)}',
            f'ReduceLR resumed without {key!r} keeps the value its fresh constructor set.',
            ['WIN-STATE-DICT', 'RLR-STATE-KEYS'],
            rlr, optimizers=(opt(1.0),), steps=12, metrics=plateau,
            resumes=(Resume(4, 'memory', False, (key,)),),
        ))

    # LLI-RESUME-LAST-STEP and RLR-RESUME-LAST-STEP: resuming through last_step.
    lli_resumes = (
        (5, 0, True, 'frozen', 5, 'reads the frozen progress on the constructor call'),
        (0, 0, True, 'frozen', 0, 'skips the dip because last_step is already 0'),
        (5, 3, True, 'loop', 0, 'first acts on call 3, without a dip'),
        (5, 0, True, 'loop', 0, 'fails on the constructor call: nothing is published yet'),
        (5, 0, False, 'frozen', 5, 'needs initial_lr in every group'),
    )
    for last_step, begin, initial, progress, offset, what in lli_resumes:
        cases.append(case(
            f'state-lli-last-step-{last_step}-b{begin}-{"init" if initial else "noinit"}'
            f'-{progress}',
            f'LinearLrInterval built with last_step={last_step}, begin={begin} {what}.',
            ['LLI-RESUME-LAST-STEP', 'WIN-RESUME-INITIAL-VALUE', 'WIN-LAST-STEP'],
            sched(LLI, start_factor=0.5, end_factor=0.0, begin=begin, end=begin + 10,
                  by_epoch=False, last_step=last_step),
            optimizers=(opt(0.1, initial=(0.1,) if initial else None),), steps=6,
            progress=progress, progress_offset=offset,
        ))
    rlr_resumes = (
        (3, 0, False, 'needs initial_lr in every group'),
        (3, 0, True, 'fails before its own attributes exist'),
        (3, 2, True, 'consumes the metric on its first in-window call'),
        (0, 1, True, 'consumes the metric from call 1 on'),
    )
    for last_step, begin, initial, what in rlr_resumes:
        cases.append(case(
            f'state-rlr-last-step-{last_step}-b{begin}-{"init" if initial else "noinit"}',
            f'ReduceLR built with last_step={last_step}, begin={begin} {what}.',
            ['RLR-RESUME-LAST-STEP', 'RLR-CONSTRUCTOR-ORDER', 'WIN-RESUME-INITIAL-VALUE'],
            sched(RLR, factor=0.5, patience=0, begin=begin, last_step=last_step),
            optimizers=(opt(1.0, initial=(1.0,) if initial else None),), steps=5,
            metrics=stream([2.0], 5),
        ))
    return cases


# -- MessageHub instances shared by schedulers ----------------------------------------------------


def hub_cases():
    cases = []
    lli = sched(LLI, start_factor=0.5, end_factor=0.0, begin=0, end=8, interval=2,
                by_epoch=False)
    lli_late = sched(LLI, start_factor=0.5, end_factor=0.0, begin=2, end=8, interval=2,
                     by_epoch=False)
    rlr_other = sched(RLR, 1, factor=0.5, patience=1)
    rlr_same = sched(RLR, 0, factor=0.5, patience=1)
    values = stream((5.0, 4.0, 4.0, 4.0, 3.0, 3.0, 3.0, 3.0), 8)

    # LLI-CURRENT-HUB: LinearLrInterval reads the most recently created hub.
    for (name, first), hub_first, (lli_name, lli_spec) in itertools.product(
        (('lli-first', True), ('rlr-first', False)), (False, True),
        (('b0', lli), ('b2', lli_late)),
    ):
        schedulers = (lli_spec, rlr_other) if first else (rlr_other, lli_spec)
        cases.append(case(
            f'hub-mixed-{name}-{lli_name}-{"hub-first" if hub_first else "hub-later"}',
            f'LinearLrInterval ({lli_name}) and ReduceLR on two optimizers, '
            f'{name.replace("-", " ")}, with the reduce_lr hub created '
            f'{"before" if hub_first else "after"} the runner hub.',
            ['LLI-CURRENT-HUB', 'RLR-HUB-BINDING', 'LLI-PROGRESS-MISSING', 'LOOP-HOOK-HUB'],
            schedulers, optimizers=(opt(0.1), opt(1.0)), steps=8, metrics=values,
            reduce_lr_hub_first=hub_first,
        ))
    for hub_first in (False, True):
        cases.append(case(
            f'hub-mixed-same-optimizer-{"hub-first" if hub_first else "hub-later"}',
            'LinearLrInterval and ReduceLR on one optimizer, the reduce_lr hub created '
            f'{"before" if hub_first else "after"} the runner hub, each writing in turn.',
            ['LLI-CURRENT-HUB', 'RLR-HUB-BINDING', 'WIN-WRITE'],
            (lli_late, rlr_same), optimizers=(opt(0.1),), steps=8, metrics=values,
            reduce_lr_hub_first=hub_first,
        ))
    cases.append(case(
        'hub-lli-after-metric-published',
        'LinearLrInterval alone, with a value published to reduce_lr before it is built, '
        'reads progress from that newer hub.',
        ['LLI-CURRENT-HUB', 'LLI-PROGRESS-MISSING', 'LOOP-HOOK-HUB'],
        lli, steps=4, metric_before_build=1.0,
    ))
    cases.append(case(
        'hub-lli-reduce-lr-hub-older',
        'LinearLrInterval alone reads the runner hub when the reduce_lr hub was created '
        'before it.',
        ['LLI-CURRENT-HUB'],
        lli, steps=8, reduce_lr_hub_first=True,
    ))

    # RLR-HUB-BINDING: the reduce_lr instance is looked up once; creation order does not matter.
    for hub_first in (False, True):
        cases.append(case(
            f'hub-rlr-alone-{"hub-first" if hub_first else "hub-later"}',
            f'ReduceLR alone with the reduce_lr hub created {"before" if hub_first else "after"} '
            'the runner hub reads the same values.',
            ['RLR-HUB-BINDING'],
            sched(RLR, factor=0.5, patience=1), optimizers=(opt(1.0),), steps=8,
            metrics=values, reduce_lr_hub_first=hub_first,
        ))

    # RLR-SHARED-HUB: every ReduceLR reads the one 'value' key.
    shared = (
        ('min-max', sched(RLR, 0, mode='min', factor=0.5, patience=0),
         sched(RLR, 1, mode='max', factor=0.5, patience=0), (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)),
        ('min-min-patience', sched(RLR, 0, factor=0.5, patience=0),
         sched(RLR, 1, factor=0.5, patience=2), (1.0, 1.0, 1.0, 1.0, 1.0, 1.0)),
        ('max-abs-rel', sched(RLR, 0, mode='max', threshold_mode='abs', threshold=0.5,
                              factor=0.5, patience=0),
         sched(RLR, 1, mode='max', factor=0.5, patience=0), (1.0, 1.2, 2.0, 2.1, 2.2, 3.0)),
    )
    for name, first, second, metric in shared:
        cases.append(case(
            f'hub-shared-{name}',
            f'Two ReduceLRs on two optimizers ({name}) both read each value of '
            f'{show(metric)}.',
            ['RLR-SHARED-HUB', 'RLR-HUB-BINDING'],
            (first, second), optimizers=(opt(1.0), opt(1.0)), steps=len(metric),
            metrics=metric,
        ))
    cases.append(case(
        'hub-shared-same-optimizer',
        'Two ReduceLRs on one optimizer (patience 0 with factor 0.5, patience 1 with factor 0.1) '
        'each reduce the shared group on their own count, compounding.',
        ['RLR-SHARED-HUB', 'WIN-WRITE'],
        (sched(RLR, 0, factor=0.5, patience=0), sched(RLR, 0, factor=0.1, patience=1)),
        optimizers=(opt(1.0),), steps=6, metrics=stream([1.0], 6),
    ))
    cases.append(case(
        'hub-shared-resume-new-process',
        'Two ReduceLRs resumed in a new process both keep reading the hub saved in their '
        'state.',
        ['RLR-SHARED-HUB', 'RLR-RESUME-STALE-HUB'],
        (sched(RLR, 0, factor=0.5, patience=0), sched(RLR, 1, mode='max', factor=0.5,
                                                      patience=0)),
        optimizers=(opt(1.0), opt(1.0)), steps=8,
        metrics=(1.0, 2.0, 3.0, 2.0, 1.0, 0.5, 0.25, 0.125),
        resumes=(Resume(3, 'deepcopy', True),),
    ))
    cases.append(case(
        'hub-mixed-resume-new-process',
        'LinearLrInterval and ReduceLR resumed in a new process: the staircase continues, '
        'ReduceLR keeps its saved hub.',
        ['LLI-CURRENT-HUB', 'RLR-RESUME-STALE-HUB', 'LLI-STATE-KEYS'],
        (lli_late, rlr_other), optimizers=(opt(0.1), opt(1.0)), steps=8, metrics=values,
        reduce_lr_hub_first=True, resumes=(Resume(4, 'torch_save_unsafe', True),),
    ))
    return cases


def config_cases():
    """mmagic's own configurations (LOOP-CONFIGS), as conformance/harness/configs.py builds them.

    The facades run is scaled like the other CycleGAN runs: its full 80,000 calls with their
    state would make a 10 MB golden; the spec example of LOOP-CONFIGS and
    test_linear_interval.py run it in full on every implementation.
    """
    from . import configs

    return configs.scenarios(full_facades=False)


FAMILIES = (
    Family('window', 'The scheduling window both schedulers share (WIN-*)', window_cases),
    Family('linear_lr_interval', 'LinearLrInterval (LLI-*)', lli_cases),
    Family('reduce_lr', 'ReduceLR (RLR-*)', rlr_cases),
    Family('state', 'State dicts and resumption (WIN-STATE-DICT, *-RESUME-*, RLR-TORCH-LOAD)',
           state_cases),
    Family('hubs', 'MessageHub instances the schedulers share (LLI-CURRENT-HUB, RLR-*-HUB)',
           hub_cases),
    Family('configs', "mmagic's own configurations that use the schedulers (LOOP-CONFIGS)",
           config_cases),
)


def families():
    """``[(family, [Scenario, ...]), ...]`` in file order; raises on a duplicate id."""
    built = [(family, family.build()) for family in FAMILIES]
    seen = {}
    for family, scenarios in built:
        for scenario in scenarios:
            if scenario.id in seen:
                raise ValueError(f'catalog: id {scenario.id!r} in {family.name} is also in '
                                 f'{seen[scenario.id]}')
            seen[scenario.id] = family.name
    return built


def scenarios():
    return [scenario for _family, group in families() for scenario in group]
