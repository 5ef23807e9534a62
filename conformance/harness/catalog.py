"""The golden scenarios: one small grid per subject clause, in the order of docs/spec.md.

``python -m conformance.generate_fixtures`` runs every scenario here on the reference, checks that
upstream mmagic gives the same trace bit for bit, and writes one fixture file per family. The
expected traces live only in fixtures/.

Every grid is a function registered with :func:`grid` under its family (the fixture file) and the
one clause its scenarios were built to pin, and it is named after that clause: the goldens of
``LLI-FIRST-STEP-DIP`` are the scenarios of :func:`lli_first_step_dip`. The registry gives each
scenario the grid's subject; ``touches`` (the grid's, plus a scenario's own) lists the other
clauses the outcome depends on. A clause has at most one grid. Ids are built from the grid
values, so a case keeps its id as long as its inputs stay the same.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Callable

from .scenario import INF, TRANSPORTS, OptimizerSpec, Resume, Scenario, SchedulerSpec

LLI = 'LinearLrInterval'
RLR = 'ReduceLR'
KINDS = (LLI, RLR)
SHORT = {LLI: 'lli', RLR: 'rlr'}
NAN = math.nan
POS_INF = math.inf
NEG_INF = -math.inf


@dataclass(frozen=True)
class Family:
    """One fixture file, ``fixtures/<name>.json``: the scenarios of its grids, in grid order."""

    name: str
    title: str

    def build(self) -> list:
        return [scenario for g in GRIDS if g.family == self.name for scenario in g.scenarios()]


FAMILIES = (
    Family('window', 'The scheduling window both schedulers share (WIN-*)'),
    Family('linear_lr_interval', 'LinearLrInterval (LLI-*)'),
    Family('reduce_lr', 'ReduceLR (RLR-*)'),
    Family('state', 'State dicts and resumption (WIN-STATE-DICT, *-RESUME-*, RLR-TORCH-LOAD)'),
    Family('hubs', 'MessageHub instances the schedulers share (LLI-CURRENT-HUB, RLR-*-HUB)'),
    Family('configs', "mmagic's own configurations that use the schedulers (LOOP-CONFIGS)"),
)


@dataclass(frozen=True)
class Grid:
    """The scenarios that pin one clause (``subject``), in one family."""

    family: str
    subject: str
    touches: tuple
    build: Callable

    def scenarios(self) -> list:
        return [self._pin(scenario) for scenario in self.build()]

    def _pin(self, scenario):
        if scenario.subject not in ('', self.subject):
            raise ValueError(f'catalog: {self.build.__name__} builds {scenario.id!r} with '
                             f'subject {scenario.subject}')
        touches = dict.fromkeys((*self.touches, *scenario.touches))
        touches.pop(self.subject, None)
        return scenario.replace(subject=self.subject, touches=tuple(touches))


#: Every grid, in registration order (the order of this file).
GRIDS: list = []


def snake(clause_id: str) -> str:
    """The grid name of a clause: ``LLI-FIRST-STEP-DIP`` -> ``lli_first_step_dip``."""
    return clause_id.lower().replace('-', '_')


def grid(family: str, subject: str, touches=()):
    """Register the decorated function as the grid of ``subject`` in fixture file ``family``."""

    def register(build):
        if build.__name__ != snake(subject):
            raise ValueError(f'catalog: the grid of {subject} is named {build.__name__}, not '
                             f'{snake(subject)}')
        if family not in {f.name for f in FAMILIES}:
            raise ValueError(f'catalog: {build.__name__}: unknown family {family!r}')
        if any(g.subject == subject for g in GRIDS):
            raise ValueError(f'catalog: {subject} has a second grid')
        GRIDS.append(Grid(family, subject, tuple(touches), build))
        return build

    return register


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


def kwargs_token(kwargs: dict) -> str:
    return '-'.join(f'{tok(key)}{tok(value)}' for key, value in kwargs.items())


def opt(*lrs, wrapper=False, initial=None) -> OptimizerSpec:
    return OptimizerSpec(tuple(lrs or (0.1,)), None if initial is None else tuple(initial), wrapper)


def sched(kind, optimizer=0, build='init', **kwargs) -> SchedulerSpec:
    return SchedulerSpec(kind, dict(kwargs), optimizer, build)


def case(case_id, description, schedulers, optimizers=None, touches=(), **fields) -> Scenario:
    """A golden scenario; its grid sets the subject. ``touches`` adds to the grid's."""
    if optimizers is None:
        optimizers = (opt(),)
    if isinstance(schedulers, SchedulerSpec):
        schedulers = (schedulers,)
    return Scenario(
        id=case_id,
        description=description,
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


# == the window both schedulers share (window.json) ============================================

#: The arguments the window grids give each scheduler besides the window itself.
WINDOW_ARGS = {LLI: dict(start_factor=0.5, end_factor=0.0, by_epoch=False),
               RLR: dict(factor=0.5, patience=0)}
#: What the lrs of a window scenario depend on besides the window, per scheduler.
WINDOW_VALUES = {LLI: ('LLI-FIRST-STEP-DIP', 'LLI-STAIRCASE'),
                 RLR: ('RLR-FIRST-STEP', 'RLR-PATIENCE')}


def window_metrics(kind, steps, value=1.0):
    """A constant monitored value for a ReduceLR; nothing for a LinearLrInterval."""
    return stream([value], steps) if kind == RLR else None


@grid('window', 'WIN-DEFAULTS', touches=('WIN-CONSTRUCTOR-STEP',))
def win_defaults():
    """end defaults to INF, last_step to -1 and by_epoch to True."""
    return [
        case('win-lli-default-window',
             'LinearLrInterval given only its factors is active from the constructor on (begin 0, '
             'end INF) and reads epochs.',
             sched(LLI, start_factor=0.5, end_factor=0.0), steps=5, loop='epoch', epoch_length=2,
             touches=('LLI-PROGRESS-SOURCE', 'LOOP-EPOCH')),
        case('win-rlr-default-window',
             'ReduceLR given only factor and patience reduces from its first consuming call on '
             '(begin 0, end INF).',
             sched(RLR, factor=0.5, patience=0), optimizers=(opt(1.0),), steps=5,
             metrics=stream([1.0], 5), touches=WINDOW_VALUES[RLR]),
    ]


@grid('window', 'WIN-END-AFTER-BEGIN')
def win_end_after_begin():
    """Equal or reversed bounds are refused by the constructor."""
    return [
        case(f'win-{SHORT[kind]}-end-not-after-begin-b{tok(begin)}-e{tok(end)}',
             f'{kind} with begin={show(begin)}, end={show(end)} raises ValueError in the '
             'constructor.',
             sched(kind, **WINDOW_ARGS[kind], begin=begin, end=end), steps=3,
             metrics=window_metrics(kind, 3))
        for kind in KINDS
        for begin, end in ((5, 5), (5, 4), (0, 0), (0, -1), (2.5, 2.5))
    ]


@grid('window', 'WIN-LAST-STEP')
def win_last_step():
    """last_step must be an int of at least -1."""
    return [
        case(f'win-{SHORT[kind]}-last-step-invalid-{tok(last_step)}',
             f'{kind} with last_step={show(last_step)} fails the constructor assertion.',
             sched(kind, **WINDOW_ARGS[kind], last_step=last_step),
             optimizers=(opt(0.1, initial=(0.1,)),), steps=3, metrics=window_metrics(kind, 3))
        for kind in KINDS
        for last_step in (-2, 1.5, -1.0)
    ]


@grid('window', 'WIN-CHECK-ORDER',
      touches=('WIN-END-AFTER-BEGIN', 'WIN-LAST-STEP', 'WIN-RESUME-INITIAL-VALUE'))
def win_check_order():
    """The optimizer, then end > begin, then last_step, then initial_lr."""
    cases = []
    for kind in KINDS:
        for begin, end, last_step in ((3, 3, -3), (3, 3, 2), (0, 4, -3), (0, 4, 2.0), (0, 4, 2)):
            kwargs = dict(begin=begin, end=end, last_step=last_step)
            cases.append(case(
                f'win-{SHORT[kind]}-check-order-b{begin}-e{end}-ls{tok(last_step)}',
                f'{kind} with {args(kwargs)} on groups without initial_lr raises the first '
                'failing check in constructor order.',
                sched(kind, **kwargs), optimizers=(opt(0.1),), steps=2,
                metrics=window_metrics(kind, 2),
            ))
    return cases


@grid('window', 'WIN-INITIAL-VALUE')
def win_initial_value():
    """A preset initial_lr is kept and changes nothing the groups see."""
    return [
        case(f'win-{SHORT[kind]}-preset-initial-lr',
             f'{kind} on groups whose initial_lr differs from lr schedules from the current lr.',
             sched(kind, **WINDOW_ARGS[kind], begin=1, end=5),
             optimizers=(opt(0.1, 0.3, initial=(0.7, 0.9)),), steps=6,
             metrics=window_metrics(kind, 6), touches=WINDOW_VALUES[kind])
        for kind in KINDS
    ]


@grid('window', 'WIN-RESUME-INITIAL-VALUE', touches=('WIN-LAST-STEP',))
def win_resume_initial_value():
    """last_step >= 0 needs initial_lr in every group."""
    return [
        case(f'win-{SHORT[kind]}-resume-without-initial-lr-ls{last_step}',
             f'{kind} with last_step={last_step} on groups without initial_lr raises KeyError '
             'in the constructor.',
             sched(kind, **WINDOW_ARGS[kind], last_step=last_step), optimizers=(opt(0.1, 0.2),),
             steps=3, metrics=window_metrics(kind, 3))
        for kind in KINDS
        for last_step in (0, 4)
    ]


@grid('window', 'WIN-CONSTRUCTOR-STEP', touches=('WIN-ACTIVE',))
def win_constructor_step():
    """Zero explicit calls still record the constructor's call 0."""
    return [
        case(f'win-{SHORT[kind]}-no-calls-b{begin}',
             f'{kind} with begin={begin} and no explicit call records only the constructor '
             'row.',
             sched(kind, **WINDOW_ARGS[kind], begin=begin, end=4), steps=0,
             metrics=() if kind == RLR else None)
        for kind in KINDS
        for begin in (0, 1)
    ]


@grid('window', 'WIN-ACTIVE')
def win_active():
    """A call is active exactly when begin <= call < end: windows of every length and position,
    and bounds that are fractional, infinite, NaN or negative (compared, never checked)."""
    cases = []
    for begin, span in itertools.product((0, 1, 3), (1, 2, 5)):
        end = begin + span
        steps = end + 3
        cases.append(case(
            f'win-rlr-window-b{begin}-e{end}',
            f'ReduceLR with begin={begin}, end={end}, patience 0 and a constant metric reduces '
            'only on calls inside the window after its first.',
            sched(RLR, factor=0.5, patience=0, begin=begin, end=end),
            optimizers=(opt(1.0),), steps=steps, metrics=stream([2.0], steps),
            touches=WINDOW_VALUES[RLR] + (('WIN-CONSTRUCTOR-STEP',) if begin == 0 else ()),
        ))
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
    for kind in KINDS:
        for begin, end, what in odd_bounds:
            cases.append(case(
                f'win-{SHORT[kind]}-bounds-b{tok(begin)}-e{tok(end)}',
                f'{kind} with {what} (begin={show(begin)}, end={show(end)}) is active exactly '
                'on the calls with begin <= call < end.',
                sched(kind, **WINDOW_ARGS[kind], begin=begin, end=end),
                optimizers=(opt(1.0),), steps=7, metrics=window_metrics(kind, 7, 3.0),
                touches=('WIN-END-AFTER-BEGIN', *WINDOW_VALUES[kind]),
            ))
    return cases


@grid('window', 'WIN-WRAPPER-BASE-GROUP', touches=('WIN-WRITE',))
def win_wrapper_base_group():
    """A wrapper over several groups adds a scheduled pseudo-group, resumes included."""
    cases = []
    for kind, groups in itertools.product(KINDS, ((0.1,), (0.1, 0.2), (0.3, 0.2, 0.1))):
        kwargs = ({**WINDOW_ARGS[LLI], 'begin': 1, 'end': 5} if kind == LLI
                  else WINDOW_ARGS[RLR])
        cases.append(case(
            f'win-{SHORT[kind]}-wrapper-groups-{len(groups)}',
            f'{kind} on an OptimWrapper over groups {show(groups)}: with more than one group '
            'the trailing base group is scheduled too.',
            sched(kind, **kwargs), optimizers=(opt(*groups, wrapper=True),), steps=6,
            metrics=window_metrics(kind, 6),
            touches=('RLR-OPTIM-WRAPPER',) if kind == RLR else ('LLI-GROUPS-COLLAPSE',),
        ))
    cases.append(case(
        'win-lli-wrapper-resume-needs-base-initial-lr',
        'LinearLrInterval resumed by last_step on a two-group OptimWrapper needs initial_lr in '
        'the base group too.',
        sched(LLI, start_factor=0.5, end_factor=0.0, begin=1, end=5, by_epoch=False,
              last_step=2),
        optimizers=(opt(0.1, 0.2, wrapper=True, initial=(0.1, 0.2)),), steps=4,
        touches=('WIN-RESUME-INITIAL-VALUE',),
    ))
    cases.append(case(
        'win-rlr-wrapper-resume-checkpoint',
        'ReduceLR on a two-group OptimWrapper checkpointed after call 3 and resumed in the same '
        'process.',
        sched(RLR, factor=0.5, patience=0), optimizers=(opt(1.0, 0.5, wrapper=True),), steps=6,
        metrics=stream([1.0], 6), resumes=(Resume(3, 'memory', False),),
        touches=('WIN-STATE-DICT', 'RLR-OPTIM-WRAPPER'),
    ))
    return cases


@grid('window', 'WIN-WRITE')
def win_write():
    """Every group is written in order: three groups, both schedulers."""
    return [
        case('win-lli-writes-every-group',
             'LinearLrInterval writes each of three groups on every active call.',
             sched(LLI, start_factor=0.5, end_factor=0.0, begin=1, end=5, by_epoch=False),
             optimizers=(opt(0.1, 0.01, 1.0),), steps=6, touches=('LLI-GROUPS-COLLAPSE',)),
        case('win-rlr-writes-every-group',
             'ReduceLR writes each of three groups on every reducing call.',
             sched(RLR, factor=0.5, patience=0),
             optimizers=(opt(1.0, 0.1, 0.3),), steps=4, metrics=stream([1.0], 4),
             touches=('RLR-GROUPS',)),
    ]


@grid('window', 'WIN-BY-EPOCH', touches=('WIN-ACTIVE',))
def win_by_epoch():
    """by_epoch does not change what a call is: the window counts calls in either loop."""
    cases = []
    for by_epoch, loop in itertools.product((True, False), ('iter', 'epoch')):
        cases.append(case(
            f'win-rlr-by-epoch-{tok(by_epoch)}-{loop}-loop',
            f'ReduceLR with by_epoch={by_epoch} in the {loop} loop counts scheduler calls, not '
            'iterations or epochs.',
            sched(RLR, factor=0.5, patience=0, begin=1, end=4, by_epoch=by_epoch),
            optimizers=(opt(1.0),), steps=6, loop=loop, epoch_length=3,
            metrics=stream([1.0], 6), touches=(loop_clause(loop),),
        ))
    for by_epoch in (True, False):
        cases.append(case(
            f'win-lli-by-epoch-{tok(by_epoch)}-epoch-loop-window',
            f'LinearLrInterval with by_epoch={by_epoch} in an epoch loop of 3 iterations opens '
            'its window by call count.',
            sched(LLI, start_factor=0.5, end_factor=0.0, begin=2, end=6, interval=1,
                  by_epoch=by_epoch),
            steps=8, loop='epoch', epoch_length=3, touches=('LLI-PROGRESS-SOURCE', 'LOOP-EPOCH'),
        ))
    return cases


@grid('window', 'WIN-BOUNDS-UNCHECKED', touches=('WIN-ACTIVE', 'WIN-END-AFTER-BEGIN'))
def win_bounds_unchecked():
    """Bounds of any type are compared as given: floats, negatives, NaN and infinities, and
    non-numbers fail where their arithmetic or comparison does."""
    cases = []
    for kind in KINDS:
        for begin, end in ((1.5, 6), (1, 5.5), (-2, 4), (NAN, 5), (0, NAN), (2, POS_INF),
                           (NEG_INF, 3)):
            kwargs = dict(WINDOW_ARGS[kind], begin=begin, end=end)
            if kind == LLI:
                kwargs['interval'] = 1
            cases.append(case(
                f'win-{SHORT[kind]}-bounds-{tok(begin)}-{tok(end)}',
                f'{kind} with begin={show(begin)}, end={show(end)}: the window test compares the '
                'call with the bounds as given.',
                sched(kind, **kwargs), optimizers=(opt(1.0),), steps=7,
                metrics=window_metrics(kind, 7), reduce_lr_hub_first=True,
                touches=WINDOW_VALUES[kind]))
    cases.append(case(
        'win-rlr-bounds-strings', "ReduceLR with begin='3', end='5' fails the window check with "
        'TypeError in the constructor.',
        sched(RLR, **WINDOW_ARGS[RLR], begin='3', end='5'), optimizers=(opt(1.0),), steps=1,
        metrics=window_metrics(RLR, 1)))
    return cases


@grid('window', 'WIN-FAILED-CALL', touches=('WIN-ACTIVE',))
def win_failed_call():
    """A call that raises is the trace's last: its error, at its call."""
    return [
        case('win-lli-failed-call-no-progress',
             'LinearLrInterval with nothing published fails its second active call with '
             'TypeError.',
             sched(LLI, start_factor=0.5, end_factor=0.0, end=10, by_epoch=False),
             steps=2, progress='absent', touches=('LLI-PROGRESS-MISSING',)),
        case('win-rlr-failed-call-min-lr-list',
             'ReduceLR with min_lr=[0.1] fails the first reduction that passes the eps test with '
             'TypeError.',
             sched(RLR, patience=0, factor=0.5, cooldown=3, min_lr=[0.1]),
             optimizers=(opt(1.0),), steps=2, metrics=stream([1.0], 2),
             touches=('RLR-ARG-TYPES', 'RLR-MIN-LR')),
    ]


@grid('window', 'WIN-FLAGS-TRUTHY', touches=('LLI-PROGRESS-SOURCE',))
def win_flags_truthy():
    """by_epoch is used by its truth value wherever a rule tests it."""
    cases = [
        case(f'win-lli-by-epoch-{tok(flag) or "empty"}',
             f'LinearLrInterval with by_epoch={show(flag)} reads the progress bool(by_epoch) '
             'selects.',
             sched(LLI, start_factor=0.5, end_factor=0.0, end=8, by_epoch=flag),
             steps=6, loop='epoch', epoch_length=2, touches=('LOOP-EPOCH',))
        for flag in ('False', 'no', 1, 0, None, '')
    ]
    cases += [
        case(f'win-lli-iter-from-epoch-by-epoch-{tok(flag)}',
             f'LinearLrInterval.build_iter_from_epoch with by_epoch={show(flag)} converts '
             'when by_epoch is true and fails its assertion when it is false.',
             sched(LLI, build='iter_from_epoch', start_factor=0.5, end_factor=0.0, begin=1,
                   end=3, by_epoch=flag),
             steps=6, epoch_length=2, touches=('LLI-ITER-FROM-EPOCH',))
        for flag in ('no', 0)
    ]
    return cases


# == LinearLrInterval (linear_lr_interval.json) =================================================


def lli_factors_case(start, end_factor):
    return case(
        f'lli-factors-{tok(start)}-{tok(end_factor)}',
        f'LinearLrInterval with start_factor={show(start)}, end_factor={show(end_factor)} '
        'over begin=1, end=7, interval=2.',
        sched(LLI, start_factor=start, end_factor=end_factor, begin=1, end=7, interval=2,
              by_epoch=False),
        steps=8,
    )


def lli_interval_case(interval, begin):
    return case(
        f'lli-interval-{tok(interval)}-b{begin}',
        f'LinearLrInterval with interval={show(interval)} and begin={begin} is built '
        'without complaint and applies the floor division as written.',
        sched(LLI, start_factor=0.5, end_factor=0.0, begin=begin, end=begin + 8,
              interval=interval, by_epoch=False),
        steps=begin + 10,
    )


def lli_groups_case(lrs, begin):
    return case(
        f'lli-groups-{"-".join(tok(lr) for lr in lrs)}-b{begin}',
        f'LinearLrInterval on groups {show(lrs)} with begin={begin}: the dip is per group, '
        'every later value is one number for all groups.',
        sched(LLI, start_factor=0.5, end_factor=0.0, begin=begin, end=begin + 4,
              by_epoch=False),
        optimizers=(opt(*lrs),), steps=begin + 6,
    )


def lli_construct_order_case(kwargs, what, touches=()):
    return case(
        'lli-construct-order-' + kwargs_token(kwargs),
        f'LinearLrInterval with {what} ({args(kwargs)}) reports the first check in '
        'constructor order.',
        sched(LLI, by_epoch=False, **kwargs), steps=2,
        touches=('WIN-END-AFTER-BEGIN', 'WIN-CHECK-ORDER', *touches),
    )


@grid('linear_lr_interval', 'LLI-DEFAULTS', touches=('WIN-DEFAULTS',))
def lli_defaults():
    """No arguments at all, and an unbounded window with the default interval 1."""
    return [
        case('lli-defaults',
             'LinearLrInterval with no arguments uses start_factor 1/3, end_factor 1, interval 1, '
             'by epoch, over an unbounded window.',
             sched(LLI), steps=5, loop='epoch', epoch_length=2,
             touches=('LLI-FIRST-STEP-DIP', 'LOOP-EPOCH')),
        case('lli-unbounded-end-by-iter',
             'LinearLrInterval with the default end moves by (ef - sf) / 10**9 per iteration.',
             sched(LLI, start_factor=0.5, end_factor=0.0, by_epoch=False), steps=6,
             touches=('LLI-STAIRCASE',)),
    ]


@grid('linear_lr_interval', 'LLI-FACTOR-RANGE')
def lli_factor_range():
    """Factors in [0, 1] are accepted (both bounds, -0.0, the smallest subnormal), NaN slips
    through, anything just outside is refused, and the factors are checked before the window."""
    cases = [
        lli_factors_case(start, end_factor).replace(
            touches=('LLI-ABSOLUTE-VALUE', 'LLI-FIRST-STEP-DIP'))
        for start, end_factor in (
            (0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0), (-0.0, 0.5), (0.5, -0.0),
            (5e-324, 1.0), (NAN, 0.0), (0.5, NAN),
            (1.0000000000000002, 0.0), (-5e-324, 0.5), (POS_INF, 0.0), (NEG_INF, 0.0),
            (0.5, 1.0000000000000002), (0.5, -1.0), (0.5, POS_INF), (2.0, -1.0),
        )
    ]
    for kwargs, what in (
        (dict(start_factor=1.5, end_factor=0.0, begin=5, end=5), 'a bad start_factor and an '
         'empty window'),
        (dict(start_factor=1.5, end_factor=-1.0, begin=0, end=4), 'both factors out of range'),
        (dict(start_factor=0.5, end_factor=2.0, begin=5, end=1), 'a bad end_factor and a '
         'reversed window'),
    ):
        cases.append(lli_construct_order_case(kwargs, what))
    return cases


@grid('linear_lr_interval', 'LLI-INTERVAL-UNVALIDATED')
def lli_interval_unvalidated():
    """Negative, fractional, non-finite, float-zero and boolean intervals are taken as given,
    and a zero interval does not stop the window check."""
    cases = [
        lli_interval_case(interval, begin).replace(
            touches=('LLI-STAIRCASE',) + (('LLI-INTERVAL-ZERO',) if interval == 0 else ()))
        for interval in (-1, -2, -3, 2.5, 0.5, 1.5, NAN, POS_INF, NEG_INF, 0.0, True)
        for begin in (0, 2)
    ]
    cases.append(lli_construct_order_case(
        dict(start_factor=0.5, end_factor=0.0, begin=5, end=5, interval=0),
        'a zero interval and an empty window', touches=('LLI-INTERVAL-ZERO',)))
    return cases


@grid('linear_lr_interval', 'LLI-FIRST-STEP-DIP',
      touches=('LLI-ABSOLUTE-VALUE', 'WIN-WRITE'))
def lli_first_step_dip():
    """The dip multiplies the group's own lr: a subnormal lr, and an ordinary one at begin 1."""
    return [lli_groups_case(lrs, begin) for lrs, begin in (((5e-324,), 0), ((0.1,), 1))]


@grid('linear_lr_interval', 'LLI-BEFORE-BEGIN',
      touches=('WIN-ACTIVE', 'LLI-FIRST-STEP-DIP', 'LLI-RUNNER-LAG'))
def lli_before_begin():
    """Calls before begin leave every lr as it is: two groups in an iteration loop, one group in
    an epoch loop."""
    return [
        case('lli-before-begin-b3-iter',
             'LinearLrInterval with begin=3 leaves the lrs 0.1 and 0.02 of two groups as they '
             'are for the calls before begin, constructor included.',
             sched(LLI, start_factor=0.5, end_factor=0.0, begin=3, end=6, interval=1,
                   by_epoch=False),
             optimizers=(opt(0.1, 0.02),), steps=7, touches=('LOOP-ITER',)),
        case('lli-before-begin-b2-epoch',
             'LinearLrInterval by epoch with begin=2 leaves the lr 0.3 as it is for the calls '
             'before begin, in an epoch loop of 2 iterations per epoch.',
             sched(LLI, start_factor=0.5, end_factor=0.0, begin=2, end=5, interval=1,
                   by_epoch=True),
             optimizers=(opt(0.3),), steps=6, loop='epoch', epoch_length=2,
             touches=('LOOP-EPOCH',)),
    ]


@grid('linear_lr_interval', 'LLI-PROGRESS-SOURCE', touches=('LLI-STAIRCASE',))
def lli_progress_source():
    """by_epoch picks the hub key; the loop decides what is published."""
    cases = []
    for by_epoch, loop, length in itertools.product((True, False), ('iter', 'epoch'), (1, 3)):
        if loop == 'iter' and length != 1:
            continue
        cases.append(case(
            f'lli-progress-source-{tok(by_epoch)}-{loop}-l{length}',
            f'LinearLrInterval by_epoch={by_epoch} in the {loop} loop (epoch length {length}) '
            f'reads {"epoch" if by_epoch else "iter"} from the hub.',
            sched(LLI, start_factor=0.5, end_factor=0.0, begin=0, end=6, interval=1,
                  by_epoch=by_epoch),
            steps=8, loop=loop, epoch_length=length, touches=(loop_clause(loop),),
        ))
    return cases


@grid('linear_lr_interval', 'LLI-STAIRCASE',
      touches=('LLI-FIRST-STEP-DIP', 'LLI-ABSOLUTE-VALUE', 'WIN-ACTIVE'))
def lli_staircase():
    """The staircase in an iteration loop over begin x window length x interval, run past the
    end; and the same staircase on an OptimWrapper."""
    cases = []
    for begin, span, interval in itertools.product((0, 1, 3), (1, 2, 3, 4, 5, 8), (1, 2, 3, 4)):
        if interval > span:
            continue
        end = begin + span
        cases.append(case(
            f'lli-stair-b{begin}-e{end}-i{interval}',
            f'LinearLrInterval begin={begin}, end={end}, interval={interval} in an iteration '
            'loop: dip at the first active call, then the absolute staircase read off the '
            'published iteration.',
            sched(LLI, start_factor=0.5, end_factor=0.0, begin=begin, end=end,
                  interval=interval, by_epoch=False),
            steps=end + 2,
            touches=('LLI-RUNNER-LAG', 'LLI-NEVER-END-FACTOR', 'LOOP-ITER',
                     'WIN-CONSTRUCTOR-STEP' if begin == 0 else 'LLI-BEFORE-BEGIN'),
        ))
    cases.append(case(
        'lli-optim-wrapper',
        'LinearLrInterval on an OptimWrapper gives the same staircase as on the bare optimizer.',
        sched(LLI, start_factor=0.5, end_factor=0.0, begin=1, end=7, interval=2, by_epoch=False),
        optimizers=(opt(0.1, 0.2, wrapper=True),), steps=9,
        touches=('WIN-WRAPPER-BASE-GROUP', 'LLI-GROUPS-COLLAPSE'),
    ))
    return cases


@grid('linear_lr_interval', 'LLI-ABSOLUTE-VALUE',
      touches=('LLI-STAIRCASE', 'LLI-FIRST-STEP-DIP', 'LLI-FACTOR-RANGE'))
def lli_absolute_value():
    """sf + (ef - sf) * k for factors inside the range: constant, rising, cyclegan's 2e-4 to 0,
    and mmengine's default 1/3 to 1."""
    return [lli_factors_case(start, end_factor)
            for start, end_factor in ((0.5, 0.5), (0.25, 0.75), (0.0002, 0.0), (1.0 / 3, 1.0))]


@grid('linear_lr_interval', 'LLI-GROUPS-COLLAPSE',
      touches=('LLI-FIRST-STEP-DIP', 'LLI-ABSOLUTE-VALUE', 'WIN-WRITE'))
def lli_groups_collapse():
    """Several groups, ordinary and unusual lrs: one value for all of them after the dip."""
    return [
        lli_groups_case(lrs, begin)
        for lrs, begin in (((0.1, 0.01, 1.0), 1), ((0.1, 0.01, 1.0), 0), ((0.0, 0.5), 1),
                           ((1e-300, 2.0), 1), ((POS_INF, 0.1), 1))
    ]


@grid('linear_lr_interval', 'LLI-RUNNER-LAG',
      touches=('LLI-PROGRESS-SOURCE', 'LLI-STAIRCASE', 'LOOP-EPOCH'))
def lli_runner_lag():
    """By epoch: the call after epoch e reads epoch e, whatever the epoch length."""
    return [
        case(f'lli-epoch-loop-b{begin}-e{end}-i{interval}-l{length}',
             f'LinearLrInterval by epoch, begin={begin}, end={end}, interval={interval}, in an '
             f'epoch loop of {length} iterations per epoch.',
             sched(LLI, start_factor=0.5, end_factor=0.0, begin=begin, end=end,
                   interval=interval, by_epoch=True),
             steps=end + 2, loop='epoch', epoch_length=length)
        for begin, end, interval, length in ((0, 4, 1, 2), (1, 5, 2, 3), (2, 6, 1, 4))
    ]


@grid('linear_lr_interval', 'LLI-NEVER-END-FACTOR',
      touches=('LLI-FIRST-STEP-DIP', 'LLI-ABSOLUTE-VALUE', 'LLI-RUNNER-LAG', 'LOOP-ITER'))
def lli_never_end_factor():
    """The cyclegan schedule on a shortened scale, run past its end: it stops one step above
    end_factor 0."""
    return [case(
        'lli-cyclegan-like-two-optimizers',
        'Two Adam-like optimizers at 2e-4, one LinearLrInterval each with start_factor 2e-4, '
        'end_factor 0, begin 8, end 16, interval 2.',
        (sched(LLI, 0, start_factor=0.0002, end_factor=0.0, begin=8, end=16, interval=2,
               by_epoch=False),
         sched(LLI, 1, start_factor=0.0002, end_factor=0.0, begin=8, end=16, interval=2,
               by_epoch=False)),
        optimizers=(opt(0.0002), opt(0.0002)), steps=20,
    )]


@grid('linear_lr_interval', 'LLI-INTERVAL-TOO-LARGE',
      touches=('LLI-FIRST-STEP-DIP', 'WIN-ACTIVE'))
def lli_interval_too_large():
    """Fewer than one interval in the window divides by zero on the second active call; a
    window of one call never gets there."""
    cases = []
    for begin, span, interval in itertools.product((0, 2), (1, 2, 4), (3, 5, 100)):
        if interval <= span or (span, interval) == (1, 100):
            continue
        end = begin + span
        cases.append(case(
            f'lli-interval-too-large-b{begin}-e{end}-i{interval}',
            f'LinearLrInterval begin={begin}, end={end}, interval={interval}: the window holds no '
            'whole interval, so its second active call divides by zero.',
            sched(LLI, start_factor=0.5, end_factor=0.0, begin=begin, end=end,
                  interval=interval, by_epoch=False),
            steps=end + 2,
        ))
    return cases


@grid('linear_lr_interval', 'LLI-INTERVAL-ZERO',
      touches=('LLI-INTERVAL-UNVALIDATED', 'LLI-STAIRCASE'))
def lli_interval_zero():
    """interval=0 is built and fails on the second active call."""
    return [lli_interval_case(0, begin) for begin in (0, 2)]


@grid('linear_lr_interval', 'LLI-PROGRESS-MISSING', touches=('LLI-FIRST-STEP-DIP',))
def lli_progress_missing():
    """Nothing published: the dip succeeds, the second active call fails."""
    return [
        case(f'lli-progress-absent-b{begin}',
             f'LinearLrInterval with begin={begin} and no progress ever published fails on its '
             'second active call.',
             sched(LLI, start_factor=0.5, end_factor=0.0, begin=begin, end=begin + 6,
                   by_epoch=False),
             steps=begin + 4, progress='absent')
        for begin in (0, 2)
    ]


@grid('linear_lr_interval', 'LLI-PROGRESS-INCONSISTENT',
      touches=('LLI-STAIRCASE', 'LLI-ABSOLUTE-VALUE'))
def lli_progress_inconsistent():
    """The value follows the hub, the window follows the calls: frozen and shifted progress."""
    return [
        case(f'lli-progress-{progress}-{tok(offset)}',
             f'LinearLrInterval reading progress {progress} with offset {offset}: the window '
             'follows the scheduler calls, the value follows the hub, unclamped.',
             sched(LLI, start_factor=0.5, end_factor=0.0, begin=0, end=8, interval=2,
                   by_epoch=False),
             steps=10, progress=progress, progress_offset=offset)
        for progress, offset in (('frozen', 0), ('frozen', 5), ('frozen', 100), ('loop', 100),
                                 ('loop', 3), ('loop', -3), ('loop', -100))
    ]


@grid('linear_lr_interval', 'LLI-ITER-FROM-EPOCH')
def lli_iter_from_epoch():
    """begin and end scale by the epoch length, interval does not; by_epoch=False is refused."""
    cases = []
    for begin, end, interval, length in ((0, 3, 1, 2), (1, 3, 2, 4), (2, 4, 3, 2), (1, 4, 1, 3),
                                         (0, 2, 4, 4), (1, None, 1, 2)):
        kwargs = dict(start_factor=0.5, end_factor=0.0, begin=begin, interval=interval)
        if end is not None:
            kwargs['end'] = end
        cases.append(case(
            f'lli-iter-from-epoch-b{begin}-e{tok(end)}-i{interval}-l{length}',
            f'LinearLrInterval built from epochs ({args(kwargs)}) with epoch length {length}: '
            + ('begin and end are multiplied, interval is not.' if end is not None else
               'begin is multiplied, the default end stays INF, interval is not.'),
            sched(LLI, build='iter_from_epoch', **kwargs),
            steps=(end or begin + 3) * length + 2, epoch_length=length,
            touches=('LOOP-CONVERT-ITER', 'LLI-STAIRCASE')
            + (('WIN-DEFAULTS',) if end is None else ()),
        ))
    cases.append(case(
        'lli-iter-from-epoch-refuses-iter-kwargs',
        'Building LinearLrInterval from epochs with by_epoch=False fails an assertion.',
        sched(LLI, build='iter_from_epoch', start_factor=0.5, end_factor=0.0, begin=1, end=3,
              by_epoch=False),
        steps=3, epoch_length=2,
    ))
    return cases


@grid('linear_lr_interval', 'LLI-EXTRA-KWARGS', touches=('LLI-DEFAULTS',))
def lli_extra_kwargs():
    """Unknown keywords are refused; Python words the message."""
    return [
        case('lli-extra-kwarg-' + kwargs_token(kwargs),
             f'LinearLrInterval given {args(kwargs)} raises TypeError in the constructor.',
             sched(LLI, **kwargs), steps=1)
        for kwargs in (dict(patience=3), dict(param_name='momentum'), dict(intervall=2))
    ]


@grid('linear_lr_interval', 'LLI-FACTOR-NAN',
      touches=('LLI-FACTOR-RANGE', 'LLI-FIRST-STEP-DIP', 'LLI-ABSOLUTE-VALUE'))
def lli_factor_nan():
    """A NaN factor passes the range check and makes every value it reaches NaN."""
    return [
        case(f'lli-factor-nan-{tok(start)}-{tok(end_factor)}-b{begin}-e{end}',
             f'LinearLrInterval with start_factor={show(start)}, end_factor={show(end_factor)} '
             f'over begin={begin}, end={end}.',
             sched(LLI, start_factor=start, end_factor=end_factor, begin=begin, end=end,
                   by_epoch=False),
             optimizers=(opt(0.1, 0.4),), steps=end + 2)
        for start, end_factor in ((NAN, 0.0), (0.5, NAN), (NAN, NAN))
        for begin, end in ((0, 5), (2, 7), (1, 3))
    ]


@grid('linear_lr_interval', 'LLI-CONSTRUCTOR-ORDER',
      touches=('LLI-FACTOR-RANGE', 'LLI-TOTAL-ITERS', 'WIN-CHECK-ORDER'))
def lli_constructor_order():
    """total_iters = end - begin is computed before the window checks."""
    return [
        case('lli-constructor-order-' + kwargs_token(kwargs),
             f'LinearLrInterval with {args(kwargs)} fails on end - begin with TypeError, '
             'before the window checks.',
             sched(LLI, start_factor=0.5, **kwargs), steps=1)
        for kwargs in (dict(begin='b', end='a'), dict(begin='3', end='5', last_step=-2),
                       dict(end=None))
    ]


@grid('linear_lr_interval', 'LLI-VALUE-TYPES',
      touches=('LLI-FIRST-STEP-DIP', 'LLI-STAIRCASE', 'LLI-ABSOLUTE-VALUE'))
def lli_value_types():
    """What is written has the type the arithmetic gives: an int lr times an int factor stays
    an int at the dip; the staircase's division makes every later value a float."""
    return [
        case(f'lli-value-types-lr{tok(lr)}-{tok(start)}-{tok(end_factor)}-b{begin}',
             f'LinearLrInterval on lr {show(lr)} with start_factor={show(start)}, '
             f'end_factor={show(end_factor)}, begin={begin}.',
             sched(LLI, start_factor=start, end_factor=end_factor, begin=begin, end=begin + 4,
                   by_epoch=False),
             optimizers=(opt(lr),), steps=begin + 5)
        for lr, start, end_factor in ((1, 1, 0), (1, 0.5, 0.0), (1.0, 1, 0))
        for begin in (0, 2)
    ]


@grid('linear_lr_interval', 'LLI-INTERVAL-TYPES',
      touches=('LLI-STAIRCASE', 'LLI-INTERVAL-ZERO', 'LLI-VALUE-TYPES'))
def lli_interval_types():
    """An interval of any type is used by the floor divisions as given."""
    return [
        case(f'lli-interval-type-{tok(interval) or "empty"}-b{begin}',
             f'LinearLrInterval with interval={show(interval)} and begin={begin}.',
             sched(LLI, start_factor=0.5, end_factor=0.0, begin=begin, end=begin + 6,
                   interval=interval, by_epoch=False),
             steps=begin + 7)
        for interval in (True, False, 0.0, -0.0, 1.5, 2.0, POS_INF, NEG_INF, NAN, None, 'a', -2)
        for begin in (0, 2)
    ]


@grid('linear_lr_interval', 'LLI-ITER-FROM-EPOCH-ARGS', touches=('LLI-ITER-FROM-EPOCH',))
def lli_iter_from_epoch_args():
    """Fractional epoch bounds are truncated by int(); an end equal to INF is kept as given."""
    return [
        case('lli-iter-from-epoch-args-' + kwargs_token(kwargs),
             f'LinearLrInterval.build_iter_from_epoch with {args(kwargs)} and epoch length 3.',
             sched(LLI, build='iter_from_epoch', start_factor=0.5, end_factor=0.0,
                   by_epoch=True, **kwargs),
             steps=8, epoch_length=3)
        for kwargs in (dict(begin=0.5, end=2.5), dict(end=1e9))
    ]


# == ReduceLR (reduce_lr.json) ==================================================================

METRIC_STREAMS = {
    'falling': (5.0, 4.0, 3.0, 2.0, 1.0, 0.5, 0.25, 0.125),
    'constant': (1.0,),
    'rising': (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0),
    'plateau': (5.0, 4.0, 4.0, 4.0, 4.0, 3.0, 3.0, 3.0),
}
EDGE_STREAMS = {
    'negative': (-10.0, -9.9995, -10.002, -10.002, -10.0021, -11.0, -11.0, -10.999),
    'nan': (NAN,),
    'nan-mixed': (1.0, NAN, 0.5, NAN, NAN, 0.25, NAN, NAN),
    'inf': (POS_INF,),
    'minus-inf-first': (NEG_INF, 1.0, 1.0, NEG_INF, -1e308),
    'zeros': (0.0,),
    'signed-zeros': (0.0, -0.0, 0.0, -0.0, -5e-324, 5e-324, 0.0, 0.0),
    'huge': (1e308, 1.7976931348623157e308, POS_INF, 1e308, NEG_INF, -1e308),
}
#: Integers only: the value read, and so best, is a numpy int64 (RLR-METRIC-CURRENT).
INT_STREAM = (3, 2, 2, 2, 1, 1, 1, 1)
MODES = tuple(itertools.product(('min', 'max'), ('rel', 'abs')))
#: The values a threshold grid publishes: both sides of 1, of 0.5, of -1, and zeros.
THRESHOLD_PROBE = (1.0, 0.99, 1.5, 0.5, 0.49, 2.0, -1.0, -1.01, 0.0, 0.0)


def rlr_stream_case(mode, tmode, name, values, steps=10):
    values = stream(values, steps)
    return case(
        f'rlr-{mode}-{tmode}-{name}',
        f'ReduceLR mode={mode}, threshold_mode={tmode}, patience 1, factor 0.5 on the '
        f'{name} metric stream {show(values)}.',
        sched(RLR, mode=mode, threshold_mode=tmode, factor=0.5, patience=1),
        optimizers=(opt(1.0),), steps=steps, metrics=values,
    )


def rlr_threshold_case(threshold, mode, tmode):
    return case(
        f'rlr-threshold-{tok(threshold)}-{mode}-{tmode}',
        f'ReduceLR mode={mode}, threshold_mode={tmode}, threshold={show(threshold)}, '
        f'patience 0 on the stream {show(THRESHOLD_PROBE)}.',
        sched(RLR, mode=mode, threshold_mode=tmode, threshold=threshold, factor=0.5,
              patience=0),
        optimizers=(opt(1.0),), steps=len(THRESHOLD_PROBE), metrics=THRESHOLD_PROBE,
    )


def rlr_patience_cooldown_case(patience, cooldown):
    return case(
        f'rlr-patience-{tok(patience)}-cooldown-{tok(cooldown)}',
        f'ReduceLR patience={patience}, cooldown={cooldown}, factor 0.5 on a constant metric.',
        sched(RLR, factor=0.5, patience=patience, cooldown=cooldown),
        optimizers=(opt(1.0),), steps=12, metrics=stream([1.0], 12),
    )


#: The patience x cooldown grid over a constant metric: -1 (unvalidated), 0, 1 and 3 each.
PATIENCE_COOLDOWN = tuple(itertools.product((-1, 0, 1, 3), (-1, 0, 1, 3)))


def rlr_factor_case(factor):
    return case(
        f'rlr-factor-{tok(factor)}',
        f'ReduceLR with factor={show(factor)}, patience 0, on a constant metric.',
        sched(RLR, factor=factor, patience=0),
        optimizers=(opt(1.0, 0.25),), steps=5, metrics=stream([1.0], 5),
    )


def rlr_as_given_case(name, value):
    return case(
        f'rlr-{tok(name)}-{tok(value)}',
        f'ReduceLR takes {name}={show(value)} as given (factor 0.5, patience 0, lr 0.5).',
        sched(RLR, factor=0.5, patience=0, **{name: value}),
        optimizers=(opt(0.5),), steps=5, metrics=stream([1.0], 5),
    )


def rlr_config_case(name, patience, cooldown, epochs):
    """Upstream's ReduceLR configs (cain, flavr) on a validation metric that plateaus."""
    mae = (0.9, 0.8, 0.7, 0.65, 0.6, 0.6, 0.61, 0.6, 0.59, 0.6, 0.6, 0.6, 0.58, 0.6, 0.6,
           0.6, 0.6, 0.6, 0.6, 0.6)
    return case(
        f'rlr-config-{name}',
        f'ReduceLR as the {name} config builds it (min, factor 0.5, patience {patience}, '
        f'cooldown {cooldown}, end 500) over {epochs} epochs of a plateauing MAE.',
        sched(RLR, by_epoch=True, mode='min', factor=0.5, patience=patience,
              cooldown=cooldown, end=500),
        optimizers=(opt(0.0001, wrapper=True),), steps=epochs, loop='epoch', epoch_length=2,
        metrics=stream(mae, epochs), touches=('LOOP-CONFIGS', 'LOOP-EPOCH'),
    )


def rlr_invalid_case(kwargs):
    return case(
        'rlr-invalid-' + kwargs_token(kwargs),
        f'ReduceLR with {args(kwargs)} raises in the constructor, the first check in '
        'constructor order winning.',
        sched(RLR, **kwargs), optimizers=(opt(1.0),), steps=2, metrics=stream([1.0], 2),
    )


@grid('reduce_lr', 'RLR-DEFAULTS',
      touches=('RLR-PATIENCE', 'RLR-MODE-WORSE', 'RLR-INITIAL-STATE'))
def rlr_defaults():
    """Factor 0.1 after more than 10 non-improving calls, in either mode."""
    cases = []
    for mode in (None, 'max'):
        kwargs = {} if mode is None else {'mode': mode}
        cases.append(case(
            f'rlr-defaults-{tok(mode)}',
            f'ReduceLR with {args(kwargs)}: factor 0.1 after more than 10 non-improving calls.',
            sched(RLR, **kwargs), optimizers=(opt(1.0),), steps=14,
            metrics=stream([1.0], 14),
        ))
    return cases


@grid('reduce_lr', 'RLR-EXTRA-KWARGS')
def rlr_extra_kwargs():
    """Unknown keywords are refused; Python words the message."""
    return [
        case('rlr-extra-kwarg-' + kwargs_token(kwargs),
             f'ReduceLR given {args(kwargs)} raises TypeError in the constructor.',
             sched(RLR, **kwargs), optimizers=(opt(1.0),), steps=2, metrics=stream([1.0], 2))
        for kwargs in (dict(patiance=3), dict(param_name='lr'), dict(interval=2),
                       dict(start_factor=0.5, factor=0.5))
    ]


@grid('reduce_lr', 'RLR-CONSTRUCTOR-ORDER',
      touches=('RLR-VALIDATION', 'WIN-END-AFTER-BEGIN'))
def rlr_constructor_order():
    """The base constructor's window check wins over ReduceLR's own invalid arguments."""
    return [rlr_invalid_case(kwargs)
            for kwargs in (dict(mode='avg', begin=3, end=3), dict(factor=2.0, begin=4, end=1))]


@grid('reduce_lr', 'RLR-VALIDATION')
def rlr_validation():
    """Invalid mode and threshold_mode spellings, several invalid arguments at once (mode, then
    factor, then threshold_mode), and factors at and beyond both ends of [0, 1), NaN included."""
    cases = [
        rlr_invalid_case(kwargs).replace(touches=('RLR-CONSTRUCTOR-ORDER',))
        for kwargs in (
            dict(mode='MIN'), dict(mode='avg'), dict(mode=None), dict(mode=''),
            dict(threshold_mode='relative'), dict(threshold_mode='ABS'),
            dict(threshold_mode=None),
            dict(mode='avg', factor=1.5), dict(factor=1.5, threshold_mode='relative'),
            dict(mode='avg', threshold_mode='relative'),
        )
    ]
    for factor in (0.5, 0.9999999999999999, 1e-300, 5e-324, NAN,
                   1.0, 1.5, -0.5, -5e-324, POS_INF, NEG_INF):
        accepted = not factor >= 1.0 and not factor < 0
        cases.append(rlr_factor_case(factor).replace(
            touches=('RLR-REDUCE-ORDER', 'RLR-EPS') if accepted else ()))
    return cases


@grid('reduce_lr', 'RLR-UNVALIDATED')
def rlr_unvalidated():
    """Thresholds that are negative, >= 1 or not finite; negative and non-integer patience and
    cooldown; non-finite and negative eps and min_lr: all act through the formulas."""
    cases = [
        rlr_threshold_case(threshold, mode, tmode).replace(
            touches=('RLR-IS-BETTER', 'RLR-IS-BETTER-EDGES'))
        for threshold in (-0.5, 1.0, 2.0, NAN, POS_INF, NEG_INF)
        for mode, tmode in MODES
    ]
    cases += [
        rlr_patience_cooldown_case(patience, cooldown).replace(
            touches=('RLR-PATIENCE', 'RLR-COOLDOWN', 'RLR-COUNT'))
        for patience, cooldown in PATIENCE_COOLDOWN if patience < 0 or cooldown < 0
    ]
    for patience, cooldown in ((2.5, 0), (NAN, 0), (POS_INF, 0), (0, 1.5), (0, NAN),
                               (0, POS_INF), (1, 2.5)):
        cases.append(case(
            f'rlr-patience-{tok(patience)}-cooldown-{tok(cooldown)}',
            f'ReduceLR takes patience={show(patience)}, cooldown={show(cooldown)} as given on '
            'a constant metric.',
            sched(RLR, factor=0.5, patience=patience, cooldown=cooldown),
            optimizers=(opt(1.0),), steps=10, metrics=stream([1.0], 10),
            touches=('RLR-PATIENCE', 'RLR-COOLDOWN'),
        ))
    for name, value in (('eps', NAN), ('eps', POS_INF), ('eps', NEG_INF), ('eps', -1.0),
                        ('eps', 0.0), ('min_lr', NAN), ('min_lr', POS_INF),
                        ('min_lr', NEG_INF), ('min_lr', -1.0)):
        cases.append(rlr_as_given_case(name, value).replace(
            touches=('RLR-EPS' if name == 'eps' else 'RLR-MIN-LR', 'RLR-REDUCE-ORDER')))
    return cases


@grid('reduce_lr', 'RLR-FIRST-STEP')
def rlr_first_step():
    """The first active call reads nothing: not a value published before construction, not a
    missing one, and calls outside the window read nothing either."""
    return [
        case('rlr-first-step-ignores-prior-metric',
             'ReduceLR built after a value was published does not consume it in its constructor; '
             'the first explicit call re-reads it.',
             sched(RLR, factor=0.5, patience=1), optimizers=(opt(1.0),), steps=5,
             metric_before_build=3.0, metrics=(None,) * 5,
             touches=('RLR-METRIC-STALE', 'RLR-INITIAL-STATE')),
        case('rlr-metric-only-inside-window',
             'ReduceLR with begin=3, end=5 reads the hub only on call 4; no value before or after '
             'is needed.',
             sched(RLR, factor=0.5, patience=0, begin=3, end=5),
             optimizers=(opt(1.0),), steps=8,
             metrics=(None, None, None, 2.0, None, None, None, None),
             touches=('WIN-ACTIVE', 'RLR-METRIC-MISSING')),
    ]


@grid('reduce_lr', 'RLR-METRIC-CURRENT')
def rlr_metric_current():
    """Only the last of several values published before a call counts; integers only are read
    as numpy int64, in every mode."""
    cases = [
        case('rlr-metric-last-wins-' + '-'.join(tok(v) for v in values[0] + values[1]),
             f'ReduceLR reads only the last of several values published before each call '
             f'({show([list(v) for v in values])}).',
             sched(RLR, factor=0.5, patience=0), optimizers=(opt(1.0),), steps=4,
             metrics=values)
        for values in (((4.0, 2.0, 9.0),) * 4, ((9.0, 1.0), (1.0, 9.0), (5.0, 0.5), (0.5, 5.0)))
    ]
    cases += [
        rlr_stream_case(mode, tmode, 'ints', INT_STREAM).replace(
            touches=('RLR-IS-BETTER', 'RLR-COUNT', 'RLR-PATIENCE', 'RLR-MODE-WORSE'))
        for mode, tmode in MODES
    ]
    return cases


@grid('reduce_lr', 'RLR-METRIC-MISSING', touches=('RLR-FIRST-STEP', 'WIN-ACTIVE'))
def rlr_metric_missing():
    """Nothing ever published: the first consuming call raises KeyError."""
    return [
        case(f'rlr-metric-missing-b{begin}',
             f'ReduceLR with begin={begin} and nothing ever published raises KeyError on its '
             'first consuming call.',
             sched(RLR, factor=0.5, patience=0, begin=begin),
             optimizers=(opt(1.0),), steps=begin + 3, metrics=(None,) * (begin + 3))
        for begin in (0, 2)
    ]


@grid('reduce_lr', 'RLR-METRIC-STALE', touches=('RLR-COUNT',))
def rlr_metric_stale():
    """Calls with nothing newly published re-read and re-count the last value."""
    return [
        case('rlr-metric-stale-after-one-publish',
             'ReduceLR re-reads a value published once, counting it as not better on every later '
             'call.',
             sched(RLR, factor=0.5, patience=1), optimizers=(opt(1.0),), steps=6,
             metrics=(5.0, None, None, None, None, None), touches=('RLR-PATIENCE',)),
        case('rlr-metric-stale-gaps',
             'ReduceLR sees the last published value on calls where nothing new was published.',
             sched(RLR, factor=0.5, patience=1), optimizers=(opt(1.0),), steps=8,
             metrics=(5.0, None, 4.0, None, None, 1.0, None, None),
             touches=('RLR-METRIC-CURRENT',)),
    ]


@grid('reduce_lr', 'RLR-IS-BETTER', touches=('RLR-COUNT', 'RLR-PATIENCE'))
def rlr_is_better():
    """The four comparisons: every mode and threshold mode over ordinary streams, and with
    thresholds 0 and 0.5 on values either side of each bar."""
    cases = [
        rlr_stream_case(mode, tmode, name, values).replace(
            touches=('RLR-MODE-WORSE', 'RLR-METRIC-CURRENT'))
        for (mode, tmode), (name, values) in itertools.product(MODES, METRIC_STREAMS.items())
    ]
    cases += [
        rlr_threshold_case(threshold, mode, tmode).replace(touches=('RLR-IS-BETTER-EDGES',))
        for threshold in (0.0, 0.5)
        for mode, tmode in MODES
    ]
    return cases


@grid('reduce_lr', 'RLR-IS-BETTER-EDGES',
      touches=('RLR-IS-BETTER', 'RLR-COUNT', 'RLR-PATIENCE', 'RLR-MODE-WORSE',
               'RLR-METRIC-CURRENT'))
def rlr_is_better_edges():
    """Every mode and threshold mode over negative, NaN, infinite, zero and huge values."""
    return [
        rlr_stream_case(mode, tmode, name, values)
        for (mode, tmode), (name, values) in itertools.product(MODES, EDGE_STREAMS.items())
    ]


@grid('reduce_lr', 'RLR-PATIENCE', touches=('RLR-COUNT', 'RLR-COOLDOWN'))
def rlr_patience():
    """Patience 0, 1 and 3 without cooldown on a constant metric, and the cain config."""
    cases = [rlr_patience_cooldown_case(patience, cooldown)
             for patience, cooldown in PATIENCE_COOLDOWN if patience >= 0 and cooldown == 0]
    cases.append(rlr_config_case('cain', 5, 0, 30))
    return cases


@grid('reduce_lr', 'RLR-COOLDOWN', touches=('RLR-COUNT', 'RLR-PATIENCE'))
def rlr_cooldown():
    """Cooldown 1 and 3 with each patience, an improvement while cooling down, and the flavr
    config (cooldown 20)."""
    cases = [rlr_patience_cooldown_case(patience, cooldown)
             for patience, cooldown in PATIENCE_COOLDOWN if patience >= 0 and cooldown > 0]
    cases.append(case(
        'rlr-improvement-during-cooldown',
        'ReduceLR records a new best while cooling down and still forgives bad calls until the '
        'cooldown ends.',
        sched(RLR, factor=0.5, patience=1, cooldown=3),
        optimizers=(opt(1.0),), steps=12,
        metrics=(5.0, 5.0, 5.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
    ))
    cases.append(rlr_config_case('flavr', 10, 20, 60))
    return cases


@grid('reduce_lr', 'RLR-REDUCE-ORDER', touches=('RLR-EPS', 'RLR-MIN-LR'))
def rlr_reduce_order():
    """The eps test runs before the min_lr floor: lrs x (min_lr, eps) around both."""
    return [
        case(f'rlr-order-lr{tok(lr)}-min{tok(min_lr)}-eps{tok(eps)}',
             f'ReduceLR from lr={show(lr)} with min_lr={show(min_lr)}, eps={show(eps)}, factor '
             '0.1, patience 0: the eps test runs before the min_lr floor.',
             sched(RLR, factor=0.1, patience=0, min_lr=min_lr, eps=eps),
             optimizers=(opt(lr),), steps=5, metrics=stream([1.0], 5))
        for lr, (min_lr, eps) in itertools.product(
            (1.0, 0.100000005, 1e-06, 1.5e-08, 0.01),
            ((0.0, 1e-08), (0.1, 1e-08), (9.95e-07, 1e-08), (0.0, 0.3), (0.5, 1e-08)),
        )
    ]


@grid('reduce_lr', 'RLR-EPS', touches=('RLR-REDUCE-ORDER',))
def rlr_eps():
    """Groups whose decrement is never larger than eps: lr inf (decrement NaN), 0 and NaN."""
    return [
        case(f'rlr-lr-{tok(lr)}',
             f'ReduceLR reducing a group whose lr is {show(lr)} (factor 0.5, patience 0).',
             sched(RLR, factor=0.5, patience=0),
             optimizers=(opt(lr),), steps=4, metrics=stream([1.0], 4))
        for lr in (POS_INF, 0.0, NAN)
    ]


@grid('reduce_lr', 'RLR-MIN-LR', touches=('RLR-REDUCE-ORDER',))
def rlr_min_lr():
    """A min_lr above the group's lr: the first reduction raises the lr to it."""
    return [rlr_as_given_case('min_lr', 1.0)]


@grid('reduce_lr', 'RLR-FACTOR-ZERO', touches=('RLR-REDUCE-ORDER',))
def rlr_factor_zero():
    """factor 0.0 and -0.0 are accepted; a reduction drops each group to the floor."""
    cases = [rlr_factor_case(factor).replace(touches=('RLR-VALIDATION',))
             for factor in (0.0, -0.0)]
    for min_lr in (0.0, 0.05):
        cases.append(case(
            f'rlr-factor-zero-floor-{tok(min_lr)}',
            f'ReduceLR with factor 0 and min_lr={show(min_lr)} on groups [1.0, 0.01, 1e-09]: '
            'a reduction drops each group above eps straight to the floor.',
            sched(RLR, factor=0.0, patience=0, min_lr=min_lr),
            optimizers=(opt(1.0, 0.01, 1e-09),), steps=4, metrics=stream([1.0], 4),
            touches=('RLR-MIN-LR', 'RLR-EPS', 'RLR-GROUPS'),
        ))
    return cases


@grid('reduce_lr', 'RLR-GROUPS', touches=('RLR-EPS', 'RLR-MIN-LR', 'WIN-WRITE'))
def rlr_groups():
    """The eps test and the floor are per group."""
    return [
        case(f'rlr-groups-{"-".join(tok(lr) for lr in lrs)}-min{tok(min_lr)}',
             f'ReduceLR on groups {show(lrs)} with min_lr={show(min_lr)}, patience 0: each group '
             'is reduced on its own.',
             sched(RLR, factor=0.5, patience=0, min_lr=min_lr),
             optimizers=(opt(*lrs),), steps=5, metrics=stream([1.0], 5))
        for lrs, min_lr in (((1.0, 0.1, 1e-09), 0.0), ((0.5, 0.5), 0.0), ((1.0, 0.0), 0.0),
                            ((1.0, 0.01), 0.1))
    ]


@grid('reduce_lr', 'RLR-OPTIM-WRAPPER', touches=('RLR-PATIENCE', 'WIN-WRAPPER-BASE-GROUP'))
def rlr_optim_wrapper():
    """A two-group OptimWrapper on a constant and a plateauing metric."""
    return [
        case(f'rlr-optim-wrapper-{name}',
             f'ReduceLR on an OptimWrapper with two groups on the {name} metric stream.',
             sched(RLR, factor=0.5, patience=1),
             optimizers=(opt(1.0, 0.1, wrapper=True),), steps=8,
             metrics=stream(METRIC_STREAMS[name], 8))
        for name in ('constant', 'plateau')
    ]


@grid('reduce_lr', 'RLR-NO-ITER-FROM-EPOCH')
def rlr_no_iter_from_epoch():
    """Converting ReduceLR to iteration-based fails."""
    return [case(
        'rlr-no-iter-from-epoch',
        'ReduceLR has no build_iter_from_epoch, so a conversion to iteration-based fails.',
        sched(RLR, build='iter_from_epoch', factor=0.5, patience=0, begin=1, end=3),
        optimizers=(opt(1.0),), steps=3, epoch_length=2, metrics=stream([1.0], 3),
    )]


@grid('reduce_lr', 'RLR-ARG-TYPES', touches=('RLR-UNVALIDATED', 'WIN-FAILED-CALL'))
def rlr_arg_types():
    """Arguments of any type are stored and fail, if at all, at the first call that uses them."""
    return [
        case('rlr-arg-types-' + kwargs_token(kwargs),
             f'ReduceLR with {args({"patience": 0, "factor": 0.5, **kwargs})}.',
             sched(RLR, **{'patience': 0, 'factor': 0.5, **kwargs}),
             optimizers=(opt(1.0, 0.3),),
             steps=6, metrics=stream([1.0], 6))
        for kwargs in (dict(min_lr=[0.1]), dict(min_lr=None), dict(eps=None),
                       dict(threshold=None), dict(threshold='0.1'), dict(patience=None),
                       dict(cooldown=None), dict(cooldown=1.5), dict(eps=NAN, cooldown=1),
                       dict(min_lr=NAN), dict(factor='0.5'), dict(factor=None))
    ]


@grid('reduce_lr', 'RLR-VALUE-TYPES',
      touches=('RLR-REDUCE-ORDER', 'RLR-MIN-LR', 'RLR-EPS', 'RLR-PATIENCE'))
def rlr_value_types():
    """What is written has the type the reduction gives; a group it leaves keeps its object."""
    return [
        case(f'rlr-value-types-lr{tok(lr)}-' + kwargs_token(kwargs),
             f'ReduceLR on lr {show(lr)} with patience=0 and {args(kwargs)}.',
             sched(RLR, patience=0, **kwargs), optimizers=(opt(lr),), steps=4,
             metrics=stream([1.0], 4))
        for lr, kwargs in ((1, dict(factor=0.5)), (1, dict(factor=0)),
                           (1, dict(factor=0, min_lr=0.0)), (1, dict(factor=0.5, min_lr=0.75)),
                           (0.1, dict(factor=0)), (1.0, dict(factor=False)),
                           (1, dict(factor=0.5, eps=2)))
    ]


@grid('reduce_lr', 'RLR-STATE-TYPES', touches=('RLR-COUNT', 'RLR-METRIC-CURRENT', 'RLR-COOLDOWN'))
def rlr_state_types():
    """best keeps the type of the value read from the hub, and the counters the arithmetic's."""
    cases = [
        case(f'rlr-state-types-metrics-{"-".join(tok(v) for v in values)}',
             f'ReduceLR with patience=5 seeing {show(values)}: best has the type of the value '
             'read.',
             sched(RLR, patience=5), optimizers=(opt(1.0),), steps=4, metrics=tuple(values))
        for values in ((5, 4, 4, 3), (5, 4.5, 4.5, 3), (5.0, 4.0, 4.0, 3.0))
    ]
    cases += [
        case(f'rlr-state-types-cooldown-{tok(cooldown)}',
             f'ReduceLR with patience=0, factor=0.5, cooldown={show(cooldown)}: the cooldown '
             'counter has the type of cooldown.',
             sched(RLR, patience=0, factor=0.5, cooldown=cooldown), optimizers=(opt(1.0),),
             steps=6, metrics=stream([1.0], 6))
        for cooldown in (1, 1.0, 2.5)
    ]
    cases.append(case(
        'rlr-state-types-last-step-true',
        'ReduceLR resumed with last_step=True and begin=2: last_step stays True until the '
        'window opens.',
        sched(RLR, begin=2, last_step=True), optimizers=(opt(1.0, initial=(1.0,)),), steps=3,
        metrics=stream([1.0], 3), touches=('WIN-LAST-STEP',)))
    return cases


@grid('reduce_lr', 'RLR-LAST-EPOCH')
def rlr_last_epoch():
    """last_epoch is 0 after construction and never changes, whatever last_step does."""
    return [
        case(f'rlr-last-epoch-b{begin}',
             f'ReduceLR with patience=0, factor=0.5, begin={begin}: last_epoch stays 0.',
             sched(RLR, patience=0, factor=0.5, begin=begin), optimizers=(opt(1.0),), steps=5,
             metrics=stream([1.0], 5), touches=('RLR-PATIENCE',))
        for begin in (0, 2)
    ]


# == state dicts and resumption (state.json) ====================================================

STATE_LLI = sched(LLI, start_factor=0.5, end_factor=0.0, begin=1, end=9, interval=2,
                  by_epoch=False)
STATE_RLR = sched(RLR, factor=0.5, patience=1, cooldown=1)
PLATEAU = (5.0, 4.0, 4.0, 4.0, 4.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0)


def rlr_transport_case(transport, new_process, drop):
    dropped = 'without its message_hub entry' if drop else 'whole'
    where = 'a new' if new_process else 'the same'
    return case(
        f'state-rlr-resume-{tok(transport)}-{"new" if new_process else "same"}'
        f'-{"drop-hub" if drop else "full"}',
        f'ReduceLR state loaded {dropped} via {transport} into {where} process after call 4 '
        'of a plateau.',
        STATE_RLR, optimizers=(opt(1.0),), steps=12, metrics=PLATEAU,
        resumes=(Resume(4, transport, new_process, drop),),
    )


#: transport x process x whether message_hub is dropped from the ReduceLR state.
RLR_TRANSPORTS = tuple(itertools.product(TRANSPORTS, (False, True), ((), ('message_hub',))))


@grid('state', 'LLI-RESUME-LAST-STEP',
      touches=('WIN-RESUME-INITIAL-VALUE', 'WIN-LAST-STEP', 'LLI-STAIRCASE'))
def lli_resume_last_step():
    """Resuming through last_step: no dip, the hub is read from the first active call on."""
    cases = []
    for last_step, begin, initial, progress, offset, what in (
        (5, 0, True, 'frozen', 5, 'reads the frozen progress on the constructor call'),
        (0, 0, True, 'frozen', 0, 'skips the dip because last_step is already 0'),
        (5, 3, True, 'loop', 0, 'first acts on call 3, without a dip'),
        (5, 0, True, 'loop', 0, 'fails on the constructor call: nothing is published yet'),
        (5, 0, False, 'frozen', 5, 'needs initial_lr in every group'),
    ):
        cases.append(case(
            f'state-lli-last-step-{last_step}-b{begin}-{"init" if initial else "noinit"}'
            f'-{progress}',
            f'LinearLrInterval built with last_step={last_step}, begin={begin} {what}.',
            sched(LLI, start_factor=0.5, end_factor=0.0, begin=begin, end=begin + 10,
                  by_epoch=False, last_step=last_step),
            optimizers=(opt(0.1, initial=(0.1,) if initial else None),), steps=6,
            progress=progress, progress_offset=offset,
        ))
    return cases


@grid('state', 'RLR-RESUME-LAST-STEP',
      touches=('RLR-CONSTRUCTOR-ORDER', 'WIN-RESUME-INITIAL-VALUE', 'RLR-FIRST-STEP'))
def rlr_resume_last_step():
    """Resuming through last_step: initial_lr needed, call 0 outside the window needed."""
    cases = []
    for last_step, begin, initial, what in (
        (3, 0, False, 'needs initial_lr in every group'),
        (3, 0, True, 'fails before its own attributes exist'),
        (3, 2, True, 'consumes the metric on its first in-window call'),
        (0, 1, True, 'consumes the metric from call 1 on'),
    ):
        cases.append(case(
            f'state-rlr-last-step-{last_step}-b{begin}-{"init" if initial else "noinit"}',
            f'ReduceLR built with last_step={last_step}, begin={begin} {what}.',
            sched(RLR, factor=0.5, patience=0, begin=begin, last_step=last_step),
            optimizers=(opt(1.0, initial=(1.0,) if initial else None),), steps=5,
            metrics=stream([2.0], 5),
        ))
    return cases


@grid('state', 'WIN-STATE-DICT')
def win_state_dict():
    """load_state_dict overwrites by name: a missing key keeps the fresh constructor's value."""
    cases = [
        case(f'state-lli-drop-{tok(key)}',
             f'LinearLrInterval resumed without {key!r} keeps the value its fresh constructor set.',
             STATE_LLI, steps=12, resumes=(Resume(4, 'memory', False, (key,)),),
             touches=('LLI-STATE-KEYS',))
        for key in ('_global_step', 'last_step', '_last_value')
    ]
    cases += [
        case(f'state-rlr-drop-{tok(key)}',
             f'ReduceLR resumed without {key!r} keeps the value its fresh constructor set.',
             STATE_RLR, optimizers=(opt(1.0),), steps=12, metrics=PLATEAU,
             resumes=(Resume(4, 'memory', False, (key,)),), touches=('RLR-STATE-KEYS',))
        for key in ('_global_step', 'last_step', 'best', 'num_bad_epochs', 'cooldown_counter',
                    '_last_value')
    ]
    return cases


@grid('state', 'LLI-STATE-KEYS', touches=('WIN-STATE-DICT',))
def lli_state_keys():
    """Plain data: every transport, same or new process, continues the uninterrupted staircase."""
    cases = []
    for after, transport, new_process in itertools.product((2, 5), TRANSPORTS, (False, True)):
        cases.append(case(
            f'state-lli-resume-{after}-{tok(transport)}-{"new" if new_process else "same"}',
            f'LinearLrInterval checkpointed after call {after} via {transport} and resumed in '
            f'{"a new" if new_process else "the same"} process continues its staircase.',
            STATE_LLI, steps=12, resumes=(Resume(after, transport, new_process),),
        ))
    cases.append(case(
        'state-lli-resume-epoch-loop',
        'LinearLrInterval by epoch resumed after epoch 3 in a new process continues reading '
        'the restored epoch.',
        sched(LLI, start_factor=0.5, end_factor=0.0, begin=1, end=7, interval=2),
        steps=9, loop='epoch', epoch_length=3, resumes=(Resume(3, 'torch_save', True),),
        touches=('LOOP-EPOCH',),
    ))
    return cases


@grid('state', 'RLR-TORCH-LOAD', touches=('RLR-STATE-KEYS', 'WIN-STATE-DICT'))
def rlr_torch_load():
    """torch.load with default arguments refuses a ReduceLR state, with or without its hub."""
    return [rlr_transport_case(*key) for key in RLR_TRANSPORTS if key[0] == 'torch_save']


@grid('state', 'RLR-RESUME-STALE-HUB', touches=('RLR-METRIC-STALE',))
def rlr_resume_stale_hub():
    """The loaded message_hub wins: live only when passed by reference in the same process;
    dropping it keeps the live hub; a new process or a copy re-reads the saved value."""
    cases = [rlr_transport_case(*key).replace(touches=('RLR-STATE-KEYS', 'WIN-STATE-DICT'))
             for key in RLR_TRANSPORTS if key[0] != 'torch_save']
    for after in (1, 7):
        cases.append(case(
            f'state-rlr-resume-new-process-after-{after}',
            f'ReduceLR resumed in a new process after call {after} keeps reading the hub it was '
            'saved with.',
            STATE_RLR, optimizers=(opt(1.0),), steps=12, metrics=PLATEAU,
            resumes=(Resume(after, 'memory', True),),
        ))
    cases.append(case(
        'state-rlr-two-resumes',
        'ReduceLR resumed twice in new processes (deepcopy, then memory) keeps the first '
        'saved hub.',
        STATE_RLR, optimizers=(opt(1.0),), steps=12, metrics=PLATEAU,
        resumes=(Resume(3, 'deepcopy', True), Resume(7, 'memory', True)),
        touches=('WIN-STATE-DICT',),
    ))
    return cases


# == MessageHub instances shared by schedulers (hubs.json) ======================================

HUB_LLI = sched(LLI, start_factor=0.5, end_factor=0.0, begin=0, end=8, interval=2,
                by_epoch=False)
HUB_LLI_LATE = sched(LLI, start_factor=0.5, end_factor=0.0, begin=2, end=8, interval=2,
                     by_epoch=False)
HUB_RLR_OTHER = sched(RLR, 1, factor=0.5, patience=1)
HUB_RLR_SAME = sched(RLR, 0, factor=0.5, patience=1)
HUB_VALUES = stream((5.0, 4.0, 4.0, 4.0, 3.0, 3.0, 3.0, 3.0), 8)


def hub_order(hub_first):
    return 'hub-first' if hub_first else 'hub-later'


@grid('hubs', 'LLI-CURRENT-HUB')
def lli_current_hub():
    """LinearLrInterval reads the most recently created hub: with a ReduceLR on another or the
    same optimizer, with a metric published before it, alone, and across a resume."""
    cases = []
    for (name, first), hub_first, (lli_name, lli_spec) in itertools.product(
        (('lli-first', True), ('rlr-first', False)), (False, True),
        (('b0', HUB_LLI), ('b2', HUB_LLI_LATE)),
    ):
        cases.append(case(
            f'hub-mixed-{name}-{lli_name}-{hub_order(hub_first)}',
            f'LinearLrInterval ({lli_name}) and ReduceLR on two optimizers, '
            f'{name.replace("-", " ")}, with the reduce_lr hub created '
            f'{"before" if hub_first else "after"} the runner hub.',
            (lli_spec, HUB_RLR_OTHER) if first else (HUB_RLR_OTHER, lli_spec),
            optimizers=(opt(0.1), opt(1.0)), steps=8, metrics=HUB_VALUES,
            reduce_lr_hub_first=hub_first,
            touches=('RLR-HUB-BINDING', 'LLI-PROGRESS-MISSING', 'LOOP-HOOK-HUB'),
        ))
    for hub_first in (False, True):
        cases.append(case(
            f'hub-mixed-same-optimizer-{hub_order(hub_first)}',
            'LinearLrInterval and ReduceLR on one optimizer, the reduce_lr hub created '
            f'{"before" if hub_first else "after"} the runner hub, each writing in turn.',
            (HUB_LLI_LATE, HUB_RLR_SAME), optimizers=(opt(0.1),), steps=8, metrics=HUB_VALUES,
            reduce_lr_hub_first=hub_first, touches=('RLR-HUB-BINDING', 'WIN-WRITE'),
        ))
    cases.append(case(
        'hub-lli-after-metric-published',
        'LinearLrInterval alone, with a value published to reduce_lr before it is built, '
        'reads progress from that newer hub.',
        HUB_LLI, steps=4, metric_before_build=1.0,
        touches=('LLI-PROGRESS-MISSING', 'LOOP-HOOK-HUB'),
    ))
    cases.append(case(
        'hub-lli-reduce-lr-hub-older',
        'LinearLrInterval alone reads the runner hub when the reduce_lr hub was created '
        'before it.',
        HUB_LLI, steps=8, reduce_lr_hub_first=True,
    ))
    cases.append(case(
        'hub-mixed-resume-new-process',
        'LinearLrInterval and ReduceLR resumed in a new process: the staircase continues, '
        'ReduceLR keeps its saved hub.',
        (HUB_LLI_LATE, HUB_RLR_OTHER), optimizers=(opt(0.1), opt(1.0)), steps=8,
        metrics=HUB_VALUES, reduce_lr_hub_first=True,
        resumes=(Resume(4, 'torch_save_unsafe', True),),
        touches=('RLR-RESUME-STALE-HUB', 'LLI-STATE-KEYS'),
    ))
    return cases


@grid('hubs', 'RLR-HUB-BINDING')
def rlr_hub_binding():
    """The reduce_lr instance is looked up once; creation order does not matter."""
    return [
        case(f'hub-rlr-alone-{hub_order(hub_first)}',
             f'ReduceLR alone with the reduce_lr hub created {"before" if hub_first else "after"} '
             'the runner hub reads the same values.',
             sched(RLR, factor=0.5, patience=1), optimizers=(opt(1.0),), steps=8,
             metrics=HUB_VALUES, reduce_lr_hub_first=hub_first)
        for hub_first in (False, True)
    ]


@grid('hubs', 'RLR-SHARED-HUB')
def rlr_shared_hub():
    """Every ReduceLR reads the one 'value' key: two optimizers in opposite or equal modes, one
    optimizer, and a resume in a new process."""
    cases = []
    for name, first, second, metric in (
        ('min-max', sched(RLR, 0, mode='min', factor=0.5, patience=0),
         sched(RLR, 1, mode='max', factor=0.5, patience=0), (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)),
        ('min-min-patience', sched(RLR, 0, factor=0.5, patience=0),
         sched(RLR, 1, factor=0.5, patience=2), (1.0, 1.0, 1.0, 1.0, 1.0, 1.0)),
        ('max-abs-rel', sched(RLR, 0, mode='max', threshold_mode='abs', threshold=0.5,
                              factor=0.5, patience=0),
         sched(RLR, 1, mode='max', factor=0.5, patience=0), (1.0, 1.2, 2.0, 2.1, 2.2, 3.0)),
    ):
        cases.append(case(
            f'hub-shared-{name}',
            f'Two ReduceLRs on two optimizers ({name}) both read each value of '
            f'{show(metric)}.',
            (first, second), optimizers=(opt(1.0), opt(1.0)), steps=len(metric),
            metrics=metric, touches=('RLR-HUB-BINDING',),
        ))
    cases.append(case(
        'hub-shared-same-optimizer',
        'Two ReduceLRs on one optimizer (patience 0 with factor 0.5, patience 1 with factor 0.1) '
        'each reduce the shared group on their own count, compounding.',
        (sched(RLR, 0, factor=0.5, patience=0), sched(RLR, 0, factor=0.1, patience=1)),
        optimizers=(opt(1.0),), steps=6, metrics=stream([1.0], 6), touches=('WIN-WRITE',),
    ))
    cases.append(case(
        'hub-shared-resume-new-process',
        'Two ReduceLRs resumed in a new process both keep reading the hub saved in their '
        'state.',
        (sched(RLR, 0, factor=0.5, patience=0), sched(RLR, 1, mode='max', factor=0.5,
                                                      patience=0)),
        optimizers=(opt(1.0), opt(1.0)), steps=8,
        metrics=(1.0, 2.0, 3.0, 2.0, 1.0, 0.5, 0.25, 0.125),
        resumes=(Resume(3, 'deepcopy', True),), touches=('RLR-RESUME-STALE-HUB',),
    ))
    return cases


# == mmagic's own configurations (configs.json) =================================================


@grid('configs', 'LOOP-CONFIGS')
def loop_configs():
    """mmagic's configurations as conformance/harness/configs.py builds them.

    The facades run is scaled like the other CycleGAN runs: its full 80,000 calls with their
    state would make a 10 MB golden; the spec example of LOOP-CONFIGS and
    test_linear_interval.py run it in full on every implementation.
    """
    from . import configs

    return configs.scenarios(full_facades=False)


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
