"""Random scenarios for properties, side-by-side runs and the differential command: all here.

Every builder ends in plain data or a :class:`~conformance.harness.scenario.Scenario`, so a
property, a side-by-side run, a differential run and a golden case describe a run the same way.
Builders are written with harness/choices.py and take a ``draw(choice, label)`` callable:
:func:`labelled` makes one from hypothesis's ``st.data()`` (failures then name each draw), and
``choices.RandomDraw`` one from a seeded ``random.Random`` (``python -m conformance.differential``
draws thousands of :func:`random_run` scenarios that way, fast and reproducible).

Hypothesis draws the first option of a sample and the smallest integer far more often than the
others, so option lists start with the interesting case (a window longer than one call, a factor
that leaves something to reduce, a cooldown that matters).
"""

from __future__ import annotations

import math

from hypothesis import strategies as st

from . import choices as ch
from .scenario import TRANSPORTS, OptimizerSpec, Resume, Scenario, SchedulerSpec

#: Learning rates a param group may start with: ordinary, tiny (eps territory), huge, and odd.
SPECIAL_LRS = (0.1, 1.0, 2e-4, 0.05, 1e-3, 1.5e-8, 1e-8, 1e-9, 1e-12, 1e6, 1e12, 0.1 + 5e-9, 0.0)
#: Monitored values that exercise the comparisons' edges (NaN, infinities, zeros, negatives).
SPECIAL_METRICS = (1.0, math.nan, 0.0, -1.0, math.inf, -math.inf, -0.0, -10.0, 1e-9, 1e300, -1e300)
#: Transports that carry a ReduceLR state dict through a resume (``torch_save`` refuses it).
RESUME_TRANSPORTS = ('memory', 'deepcopy', 'torch_save_unsafe')

def labelled(data):
    """A ``draw(choice, label)`` callable over ``st.data()``, so failures name every draw."""
    return lambda choice, label: data.draw(ch.strategy_of(choice), label=label)


# -- param groups --------------------------------------------------------------------------------


def learning_rates(tiny_and_huge=True):
    """One param group's lr: positive, from ordinary values to tiny and huge ones."""
    special = SPECIAL_LRS if tiny_and_huge else (0.1, 1.0, 2e-4, 0.05, 1e-3)
    return ch.one_of(
        ch.sample(special),
        ch.floats(1e-6, 10.0),
    )


def param_groups(max_groups=4, tiny_and_huge=True):
    """The lrs of one optimizer's param groups (one to ``max_groups`` groups)."""
    return ch.lists(learning_rates(tiny_and_huge), 1, max_groups).map(tuple)


@ch.composite
def optimizers(draw, wrapper=None, max_groups=4, initial_lrs=False):
    """One optimizer; ``wrapper`` None draws the OptimWrapper flag, else fixes it."""
    lrs = draw(param_groups(max_groups))
    initial = None
    if initial_lrs:
        initial = tuple(draw(ch.sample([lr, 0.1, 1.0])) for lr in lrs)
    wrapped = draw(ch.booleans()) if wrapper is None else wrapper
    return OptimizerSpec(lrs=lrs, initial_lrs=initial, wrapper=wrapped)


# -- the window and the loop ---------------------------------------------------------------------


def windows(max_begin=6, max_length=14, open_end=True):
    """``(begin, end)``; ``end`` None means "left at its default" (mmengine's INF)."""
    begins = ch.sample(sorted(range(max_begin + 1), key=lambda b: (b != 2, b)))
    lengths = ch.sample(sorted(range(1, max_length + 1), key=lambda n: (n < 6, n)))
    closed = ch.tuples(begins, lengths).map(lambda pair: (pair[0], pair[0] + pair[1]))
    if not open_end:
        return closed
    opened = begins.map(lambda begin: (begin, None))
    return ch.one_of(closed, closed, closed, opened)


#: How an interval relates to the window length ``n = end - begin``.
INTERVAL_KINDS = ('divides', 'remainder', 'whole', 'one', 'too_large', 'zero', 'negative', 'float')
VALID_INTERVAL_KINDS = ('divides', 'remainder', 'whole', 'one')


def intervals(length, kinds=VALID_INTERVAL_KINDS):
    """An interval for a window of ``length`` steps, of one of ``kinds`` (see INTERVAL_KINDS)."""
    options = []
    # Proper divisors first: an interval of 1 or of the whole window is a kind of its own.
    divisors = sorted((d for d in range(1, length + 1) if length % d == 0),
                      key=lambda d: (d in (1, length), d))
    others = [d for d in range(2, length) if length % d]
    if 'divides' in kinds:
        options.append(ch.sample(divisors))
    if 'remainder' in kinds and others:
        options.append(ch.sample(others))
    if 'whole' in kinds:
        options.append(ch.just(length))
    if 'one' in kinds:
        options.append(ch.just(1))
    if 'too_large' in kinds:
        options.append(ch.integers(length + 1, length + 3))
    if 'zero' in kinds:
        options.append(ch.just(0))
    if 'negative' in kinds:
        options.append(ch.integers(-3, -1))
    if 'float' in kinds:
        options.append(ch.sample([0.5, 1.5, 2.5]))
    return ch.one_of(*options)


def factors():
    """A LinearLrInterval start or end factor inside [0, 1], the bounds included."""
    return ch.one_of(
        ch.sample([0.0, 1.0, 0.5, 1.0 / 3, 2e-4, 0.25]),
        ch.floats(0.0, 1.0),
    )


@ch.composite
def lli_kwargs(draw, interval_kinds=VALID_INTERVAL_KINDS, open_end=True, by_epoch=None):
    """LinearLrInterval keyword arguments; ``end`` is omitted when the window is open."""
    begin, end = draw(windows(open_end=open_end))
    length = (end if end is not None else 20) - begin
    kwargs = {
        'start_factor': draw(factors()),
        'end_factor': draw(factors()),
        'begin': begin,
        'interval': draw(intervals(length, interval_kinds)),
        'by_epoch': draw(ch.booleans()) if by_epoch is None else by_epoch,
    }
    if end is not None:
        kwargs['end'] = end
    return kwargs


def loops():
    """``(loop, epoch_length)``: an iteration loop, or an epoch loop of 1-4 iterations an epoch."""
    return ch.one_of(
        ch.just(('iter', 1)),
        ch.tuples(ch.just('epoch'), ch.integers(1, 4)),
    )


def progress_offsets():
    """What the hub's progress adds to the loop's own count: mostly 0, sometimes ahead or behind."""
    return ch.sample([0, 0, 0, 0, 1, 3, 50, -2])


# -- ReduceLR ------------------------------------------------------------------------------------


def thresholds():
    """ReduceLR thresholds: the default, zero, ordinary, large and negative ones."""
    return ch.sample([1e-4, 0.0, 0.01, 0.1, 0.5, 1.5, -1e-4, -0.5])


@ch.composite
def rlr_kwargs(draw, patience=(-1, 4), cooldown=(-1, 3), omit_defaults=True, keep=()):
    """ReduceLR keyword arguments that pass its validation (mode, factor, threshold_mode).

    With ``omit_defaults`` some arguments (never those in ``keep``) are left out, so their
    defaults are exercised too.
    """
    begin, end = draw(windows(max_begin=4, max_length=16))
    kwargs = {
        'mode': draw(ch.sample(['min', 'max'])),
        'factor': draw(ch.sample([0.5, 0.1, 0.9, 0.0, 0.999])),
        'patience': draw(ch.integers(*patience)),
        'threshold': draw(thresholds()),
        'threshold_mode': draw(ch.sample(['rel', 'abs'])),
        'cooldown': draw(ch.sample(sorted(range(cooldown[0], cooldown[1] + 1),
                                                key=lambda c: (c != 1, c)))),
        'min_lr': draw(ch.sample([0.0, 0.2, 1e-3, 0.05, 1.0])),
        'eps': draw(ch.sample([1e-8, 0.0, 1e-3, 0.1])),
        'begin': begin,
        'by_epoch': draw(ch.booleans()),
    }
    if end is not None:
        kwargs['end'] = end
    if omit_defaults:
        optional = [key for key in ('mode', 'patience', 'threshold', 'threshold_mode',
                                    'cooldown', 'min_lr', 'eps', 'begin') if key not in keep]
        omitted = draw(ch.lists(ch.sample(optional), 0, 3, unique=True))
        for key in omitted:
            del kwargs[key]
    return kwargs


# -- monitored values ----------------------------------------------------------------------------


def metric_values():
    """One monitored value: a special one (NaN, infinities, zeros), a small integer, a float."""
    return ch.one_of(
        ch.sample(SPECIAL_METRICS),
        ch.integers(-5, 5).map(float),
        ch.floats(-1e3, 1e3),
    )


METRIC_PATTERNS = ('plateau', 'decreasing', 'increasing', 'repeated', 'plateaus', 'random')


@ch.composite
def metric_streams(draw, length, gaps=False, bursts=False, patterns=METRIC_PATTERNS):
    """``length`` entries, one per scheduler call, in one of METRIC_PATTERNS.

    With ``gaps`` an entry may be None (nothing is published before that call); with ``bursts``
    it may be a tuple of values published one after another.
    """
    pattern = draw(ch.sample(patterns))
    if pattern == 'plateau':
        values = [draw(metric_values())] * length
    elif pattern in ('decreasing', 'increasing'):
        finite = ch.floats(-1e3, 1e3)
        values = sorted(draw(ch.lists(finite, length, length)),
                        reverse=pattern == 'decreasing')
    elif pattern == 'repeated':
        pool = draw(ch.lists(metric_values(), 1, 3))
        values = [draw(ch.sample(pool)) for _ in range(length)]
    elif pattern == 'plateaus':
        values = []
        while len(values) < length:
            values += [draw(metric_values())] * draw(ch.integers(1, 5))
        values = values[:length]
    else:
        values = draw(ch.lists(metric_values(), length, length))
    entries = []
    for value in values:
        kind = 'value'
        if gaps or bursts:
            kind = draw(ch.sample(
                ['value'] * 4 + (['gap'] if gaps else []) + (['burst'] if bursts else [])
            ))
        if kind == 'gap':
            entries.append(None)
        elif kind == 'burst':
            extra = draw(ch.lists(metric_values(), 1, 2))
            entries.append((*extra, value))
        else:
            entries.append(value)
    return tuple(entries)


def metric_entries(gaps=True, bursts=True):
    """What is published before one call: a value, nothing (None), or several values."""
    options = [metric_values(), metric_values()]
    if gaps:
        options.append(ch.none())
    if bursts:
        options.append(ch.lists(metric_values(), 2, 3).map(tuple))
    return ch.one_of(*options)


def sparse_values():
    """Mostly nothing, sometimes one value: what is published where no ReduceLR reads it."""
    return ch.one_of(ch.none(), ch.none(), ch.none(), metric_values())


# -- resumes -------------------------------------------------------------------------------------


@ch.composite
def resume_points(draw, steps, transports=RESUME_TRANSPORTS, new_process=None, drop_keys=None,
                  max_count=2, min_count=0):
    """``min_count`` to ``max_count`` resumes at distinct calls inside ``1..steps-1``.

    ``new_process`` and ``drop_keys`` None draw them; otherwise they are fixed.
    """
    if steps < 2:
        return ()
    afters = draw(ch.lists(ch.integers(1, steps - 1), min(min_count, steps - 1),
                           min(max_count, steps - 1), unique=True))
    resumes = []
    for after in sorted(afters):
        resumes.append(Resume(
            after=after,
            transport=draw(ch.sample(transports)),
            new_process=draw(ch.booleans()) if new_process is None else new_process,
            drop_keys=(draw(ch.sample([(), ('message_hub',)]))
                       if drop_keys is None else tuple(drop_keys)),
        ))
    return tuple(resumes)


def resume_specs(transports=RESUME_TRANSPORTS):
    """One resume's settings (its ``after`` is decided by whoever takes the checkpoint)."""
    return ch.tuples(
        ch.sample(transports),
        ch.booleans(),
        ch.sample([(), ('message_hub',)]),
    )


# -- scenarios -----------------------------------------------------------------------------------


def _steps_for(draw, kwargs, label, extra=4, cap=28):
    """Scheduler calls: mostly past the window's end, so that every phase of it is seen."""
    end = kwargs.get('end')
    horizon = min(cap, (end if end is not None else kwargs.get('begin', 0) + 12) + extra)
    return horizon - draw(ch.integers(0, horizon), label + ' short of the horizon')


def lli_scenario(draw, *, interval_kinds=VALID_INTERVAL_KINDS, progress=('loop',),
                 offsets=True, resumes=False, wrapper=None, builds=('init',), loop=None):
    """A run of one LinearLrInterval on one optimizer (no monitored value is published).

    ``resumes``: False (none), True (up to two) or ``'always'`` (one or two).
    """
    loop_kind, epoch_length = loop or draw(loops(), 'loop and epoch length')
    build = draw(ch.sample(builds), 'build')
    kwargs = draw(
        lli_kwargs(interval_kinds, by_epoch=True if build == 'iter_from_epoch' else None),
        'LinearLrInterval kwargs',
    )
    steps = _steps_for(draw, kwargs, 'scheduler calls')
    return Scenario(
        id='hypothesis-linear-lr-interval',
        schedulers=(SchedulerSpec('LinearLrInterval', kwargs, 0, build),),
        optimizers=(draw(optimizers(wrapper=wrapper), 'optimizer'),),
        steps=steps,
        loop=loop_kind,
        epoch_length=epoch_length,
        progress=draw(ch.sample(progress), 'progress'),
        progress_offset=draw(progress_offsets(), 'progress offset') if offsets else 0,
        resumes=draw(resume_points(steps, transports=('memory', 'deepcopy', 'torch_save',
                                                      'torch_save_unsafe'),
                                   min_count=1 if resumes == 'always' else 0),
                     'resumes') if resumes else (),
    )


def rlr_scenario(draw, *, patience=(-1, 4), cooldown=(-1, 3), gaps=False, bursts=False,
                 patterns=METRIC_PATTERNS, resumes=False, new_process=None, drop_keys=None,
                 wrapper=None, kwargs=None, max_resumes=2, keep=()):
    """A run of one ReduceLR on one optimizer, with a monitored value before each call.

    ``kwargs`` None draws the arguments (never leaving out those in ``keep``); ``resumes`` is
    False (none), True (up to ``max_resumes``) or ``'always'`` (at least one).
    """
    if kwargs is None:
        kwargs = draw(rlr_kwargs(patience, cooldown, keep=keep), 'ReduceLR kwargs')
    steps = _steps_for(draw, kwargs, 'scheduler calls', extra=6)
    loop_kind, epoch_length = draw(loops(), 'loop and epoch length')
    return Scenario(
        id='hypothesis-reduce-lr',
        schedulers=(SchedulerSpec('ReduceLR', kwargs),),
        optimizers=(draw(optimizers(wrapper=wrapper), 'optimizer'),),
        steps=steps,
        loop=loop_kind,
        epoch_length=epoch_length,
        metrics=draw(metric_streams(steps, gaps=gaps, bursts=bursts, patterns=patterns),
                     'monitored values'),
        resumes=draw(resume_points(steps, new_process=new_process, drop_keys=drop_keys,
                                   max_count=max_resumes,
                                   min_count=1 if resumes == 'always' else 0),
                     'resumes') if resumes else (),
    )


#: Arguments a side-by-side run may pass that the implementation must refuse (or accept oddly).
ODD_LLI_KWARGS = (
    {'start_factor': 1.5}, {'start_factor': -0.1}, {'end_factor': 2.0}, {'end': 0, 'begin': 0},
    {'begin': 3, 'end': 2}, {'last_step': -2}, {'interval': 0}, {'interval': 100},
    {'interval': -2}, {'interval': 2.5},
)
ODD_RLR_KWARGS = (
    {'mode': 'avg'}, {'factor': 1.0}, {'factor': -0.5}, {'threshold_mode': 'relative'},
    {'begin': 2, 'end': 2}, {'patience': -1}, {'cooldown': -1}, {'threshold': -0.5},
    {'mode': 'max', 'factor': 2.0}, {'last_step': -2},
)


def _rarely(one_in):
    """True about once in ``one_in`` draws (hypothesis otherwise favours the simplest value)."""
    return ch.sample([False] * (one_in - 1) + [True])


def _scheduler_specs(draw, provides, optimizer_count, epoch_length):
    kinds = sorted(provides)
    plans = [(kind,) for kind in kinds] * 2
    if 'ReduceLR' in kinds:
        plans.append(('ReduceLR', 'ReduceLR'))
    if len(kinds) == 2:
        plans += [('LinearLrInterval', 'ReduceLR'), ('ReduceLR', 'LinearLrInterval')]
    plan = draw(ch.sample(plans), 'schedulers')
    specs = []
    for position, kind in enumerate(plan):
        build = 'init'
        if kind == 'LinearLrInterval':
            build = draw(ch.sample(['init', 'init', 'iter_from_epoch']), 'build')
            kwargs = draw(lli_kwargs(INTERVAL_KINDS, by_epoch=True if build != 'init' else None),
                          'LinearLrInterval kwargs')
            odd = ODD_LLI_KWARGS
        else:
            kwargs = draw(rlr_kwargs(), 'ReduceLR kwargs')
            odd = ODD_RLR_KWARGS
            if draw(_rarely(12), 'try iter_from_epoch on ReduceLR'):
                build = 'iter_from_epoch'
        if draw(_rarely(4), 'odd arguments?'):
            kwargs = {**kwargs, **draw(ch.sample(odd), 'odd arguments')}
        index = min(position, optimizer_count - 1)
        specs.append(SchedulerSpec(kind, kwargs, index, build))
    return tuple(specs)


def machine_scenario(draw, provides=('LinearLrInterval', 'ReduceLR')):
    """The fixed part of a side-by-side run: optimizers, schedulers, loop and hubs (no calls yet).

    Schedulers are drawn among ``provides``: one, two ReduceLRs on two optimizers sharing the
    monitored value, or a LinearLrInterval and a ReduceLR in either order.
    """
    loop_kind, epoch_length = draw(loops(), 'loop and epoch length')
    optimizer_count = draw(ch.integers(1, 2), 'optimizers')
    resumed = draw(_rarely(8), 'constructed with last_step?')
    specs = _scheduler_specs(draw, provides, optimizer_count, epoch_length)
    if resumed:
        last_step = draw(ch.integers(0, 4), 'last_step')
        specs = tuple(SchedulerSpec(s.type, {**s.kwargs, 'last_step': last_step}, s.optimizer,
                                    s.build) for s in specs)
    optimizer_specs = tuple(
        draw(optimizers(initial_lrs=resumed and draw(ch.booleans(), 'initial_lr present')),
             f'optimizer {index}')
        for index in range(optimizer_count)
    )
    return Scenario(
        id='hypothesis-side-by-side',
        schedulers=specs,
        optimizers=optimizer_specs,
        steps=0,
        loop=loop_kind,
        epoch_length=epoch_length,
        progress=draw(ch.sample(['loop'] * 6 + ['absent', 'frozen']), 'progress'),
        progress_offset=draw(progress_offsets(), 'progress offset'),
        metric_before_build=draw(ch.one_of(ch.none(), ch.none(), metric_values()),
                                 'value published before construction'),
        reduce_lr_hub_first=draw(ch.sample([True, False]), "'reduce_lr' hub created first"),
    )


# -- rule-level ReduceLR values (test_reduce_lr.py): edge values of single rules, any mode ---------

RLR_RULE_METRICS = st.one_of(
    st.sampled_from((0.0, 1.0, 2.0, 0.5, 1.00005, -1.0, -10.0, -9.9995, math.nan, math.inf,
                     -math.inf)),
    st.floats(min_value=-100, max_value=100, allow_nan=False),
)
RLR_RULE_LRS = st.one_of(
    st.sampled_from((1.0, 0.1, 0.01, 2e-4, 1e-9, 1.5e-8, 0.0, 0.1 + 5e-9)),
    st.floats(min_value=1e-7, max_value=10.0),
)


@st.composite
def rlr_rule_kwargs(draw):
    """ReduceLR's own arguments only (no window), including negative min_lr and eps."""
    return dict(
        mode=draw(st.sampled_from(('min', 'max'))),
        factor=draw(st.one_of(st.sampled_from((0.0, 0.1, 0.5, 0.9)),
                              st.floats(min_value=0.0, max_value=0.99))),
        patience=draw(st.integers(-1, 4)),
        threshold=draw(st.sampled_from((1e-4, 0.0, 0.1, 0.5, -0.5))),
        threshold_mode=draw(st.sampled_from(('rel', 'abs'))),
        cooldown=draw(st.integers(-1, 4)),
        min_lr=draw(st.sampled_from((0.0, 0.01, 0.3, 2.0, -1.0))),
        eps=draw(st.sampled_from((1e-8, 0.0, 0.05, -1.0))),
    )


def random_run(draw, provides=('LinearLrInterval', 'ReduceLR')):
    """A whole random run: :func:`machine_scenario`'s set-up, calls, values and resumes.

    What ``python -m conformance.differential`` compares, thousands at a time.
    """
    scenario = machine_scenario(draw, provides)
    steps = draw(ch.integers(0, 25), 'scheduler calls')
    metrics = None
    if 'ReduceLR' in scenario.scheduler_types:
        metrics = draw(metric_streams(steps, gaps=True, bursts=True), 'monitored values')
    return scenario.replace(
        id='random-run',
        steps=steps,
        metrics=metrics,
        resumes=draw(resume_points(steps, transports=TRANSPORTS, max_count=1), 'resumes'),
    )
