"""The closed-form rules of docs/spec.md, written once, from which the tests compute expectations.

Every function states one rule and cites the clause it comes from; the composed helpers at the
end of each section (:func:`lli_outcome`, :func:`rlr_outcome`) chain the rules into the rows and
the failure of a simple run. This module is written from the specification's text alone and
never imports ``reference/``: upstream, the reference and this oracle are three independent
writings of the same clauses, so a disagreement between two of them points at one writing
instead of hiding in a shared copy.

The oracle knows the driver's loop (conformance/harness/driver.py, proved against real Runners
by test_runner.py) only through :func:`loop_progress` and :func:`published_progress`, the
driver's optimizers only through :func:`initial_row`, and its Trace type only to hand an
:class:`Outcome` to the comparison (``Outcome.trace``). ``INF`` is the harness's one definition
(scenario.py).
"""

from __future__ import annotations

import math
from typing import NamedTuple, Optional

from . import observed
from .scenario import INF  # WIN-DEFAULTS: mmengine's "infinity", the integer 10**9

# -- defaults ------------------------------------------------------------------------------------

#: WIN-DEFAULTS: the window arguments of a scheduler built from an optimizer alone.
WINDOW_DEFAULTS = {'begin': 0, 'end': INF, 'last_step': -1, 'by_epoch': True, 'verbose': False}
#: LLI-DEFAULTS: LinearLrInterval's own defaults (the factors are mmengine LinearLR's).
LLI_DEFAULTS = {**WINDOW_DEFAULTS, 'start_factor': 1.0 / 3, 'end_factor': 1.0, 'interval': 1}
#: RLR-DEFAULTS: ReduceLR's eight own parameters, in their positional order.
RLR_POSITIONAL = ('mode', 'factor', 'patience', 'threshold', 'threshold_mode', 'cooldown',
                  'min_lr', 'eps')
#: RLR-DEFAULTS: ReduceLR's defaults, its own and the window's.
RLR_DEFAULTS = {**WINDOW_DEFAULTS, 'mode': 'min', 'factor': 0.1, 'patience': 10,
                'threshold': 1e-4, 'threshold_mode': 'rel', 'cooldown': 0, 'min_lr': 0.0,
                'eps': 1e-8}


def lli_arguments(kwargs):
    """LLI-DEFAULTS, WIN-DEFAULTS: every argument of a LinearLrInterval built with ``kwargs``."""
    return {**LLI_DEFAULTS, **kwargs}


def rlr_arguments(kwargs):
    """RLR-DEFAULTS: every argument of a ReduceLR built with ``kwargs``."""
    return {**RLR_DEFAULTS, **kwargs}


# -- the window ----------------------------------------------------------------------------------


def is_active(call, begin, end):
    """WIN-ACTIVE: call ``call`` (its ``_global_step``; 0 is the constructor's) is active."""
    return begin <= call < end


def active_calls(begin, end, steps):
    """WIN-ACTIVE, WIN-CONSTRUCTOR-STEP: the active calls among 0 (the constructor) to steps."""
    return [call for call in range(steps + 1) if is_active(call, begin, end)]


def last_step_after(call, begin, end, last_step=-1):
    """WIN-ACTIVE: ``last_step`` after call ``call``: the constructor's plus one per active call."""
    return last_step + len(active_calls(begin, end, call))


def second_active_call(begin, end, steps):
    """WIN-ACTIVE: the second active call among 0 to steps, or None when there is none.

    For a fresh scheduler (``last_step=-1``) it is the first call that reads progress
    (LinearLrInterval, LLI-PROGRESS-SOURCE) or a monitored value (ReduceLR, RLR-FIRST-STEP).
    """
    calls = active_calls(begin, end, steps)
    return calls[1] if len(calls) > 1 else None


def initial_row(optimizers):
    """WIN-WRAPPER-BASE-GROUP: every group's lr before any scheduler writes, in trace order.

    ``optimizers`` are the scenario's OptimizerSpecs (``lrs``, ``wrapper``). An OptimWrapper over
    several groups adds a trailing pseudo-group whose lr is the optimizer's default lr, which
    the driver's optimizers set to their first group's lr.
    """
    row = []
    for spec in optimizers:
        row += list(spec.lrs)
        if spec.wrapper and len(spec.lrs) > 1:
            row.append(spec.lrs[0])
    return row


def verbose_line(group, value):
    """WIN-VERBOSE: the INFO line logged when value ``value`` is written to group ``group``."""
    return f'Adjusting parameter value of group {group} to {value:.4e}.'


# -- outcomes ------------------------------------------------------------------------------------


class Outcome(NamedTuple):
    """What a run gives: the rows (row k: every group's lr after call k) and its failure.

    ``error`` is the exception's type name and ``error_call`` the call that raised it (0: the
    constructor); both None when the run finishes. The rows stop before the failing call.
    """

    rows: list
    error: Optional[str] = None
    error_call: Optional[int] = None

    def trace(self):
        """The outcome as a driver Trace: lrs as observed values (their types kept), and the
        error by type and call only."""
        from .driver import ErrorRecord, Trace

        error = None
        if self.error is not None:
            phase = 'construct' if self.error_call == 0 else 'step'
            error = ErrorRecord(self.error, '', self.error_call, phase, normative=False)
        rows = [[observed.observe(value) for value in row] for row in self.rows]
        return Trace(lrs=rows, error=error)


# -- the loop ------------------------------------------------------------------------------------


def loop_progress(call, by_epoch, loop='iter', epoch_length=1):
    """LOOP-ITER, LOOP-EPOCH, LLI-RUNNER-LAG: the progress the hub holds at explicit call ``call``.

    Nothing is published before the constructor's call 0 (None). In the iteration loop call k
    follows iteration k - 1, so 'iter' is k - 1 (and 'epoch' stays 0); in the epoch loop call k
    follows epoch k - 1, so 'epoch' is k - 1 and 'iter' that epoch's last iteration,
    ``k * epoch_length - 1``. ``by_epoch`` picks the key (LLI-PROGRESS-SOURCE).
    """
    if call == 0:
        return None
    index = call - 1
    if loop == 'iter':
        return 0 if by_epoch else index
    return index if by_epoch else index * epoch_length + epoch_length - 1


def published_progress(scenario, call, by_epoch):
    """The progress a scenario's hub holds at call ``call`` under its ``progress`` setting.

    'absent': nothing is ever published (None, LLI-PROGRESS-MISSING); 'frozen': the offset,
    published once before construction (LLI-PROGRESS-INCONSISTENT); 'loop': the loop's own
    progress (:func:`loop_progress`) shifted by the offset.
    """
    if scenario.progress == 'absent':
        return None
    if scenario.progress == 'frozen':
        return scenario.progress_offset
    progress = loop_progress(call, by_epoch, scenario.loop, scenario.epoch_length)
    return None if progress is None else progress + scenario.progress_offset


# -- LinearLrInterval ----------------------------------------------------------------------------


def total_iters(begin, end):
    """LLI-TOTAL-ITERS: the attribute ``total_iters``."""
    return end - begin - 1


def dip(lr, start_factor):
    """LLI-FIRST-STEP-DIP: a group's lr after the first active call, from its lr before it."""
    return lr * start_factor


def stairs_done(progress, begin, interval):
    """LLI-STAIRCASE: the whole intervals completed since begin (progress before it counts 0)."""
    return max(0, progress - begin) // interval


def stairs_total(begin, end, interval):
    """LLI-STAIRCASE: the whole intervals that fit in the window (the remainder dropped)."""
    return (end - begin) // interval


def staircase_fraction(progress, begin, end, interval):
    """LLI-STAIRCASE: k, with true division (LLI-INTERVAL-TOO-LARGE when the total is 0)."""
    return stairs_done(progress, begin, interval) / stairs_total(begin, end, interval)


def absolute_value(start_factor, end_factor, fraction):
    """LLI-ABSOLUTE-VALUE: the lr an active call after the dip writes, for fraction k."""
    return start_factor + (end_factor - start_factor) * fraction


def staircase_value(kwargs, progress):
    """LLI-STAIRCASE with LLI-ABSOLUTE-VALUE: the value at ``progress`` for arguments ``kwargs``.

    Evaluated literally on the objects given, so the value has the type the arithmetic gives
    (LLI-VALUE-TYPES), a missing progress raises TypeError (LLI-PROGRESS-MISSING), a zero or too
    large interval ZeroDivisionError (LLI-INTERVAL-ZERO, LLI-INTERVAL-TOO-LARGE), and odd
    intervals and progress values do what Python does with them (LLI-INTERVAL-TYPES,
    LLI-PROGRESS-VALUES).
    """
    kw = lli_arguments(kwargs)
    fraction = staircase_fraction(progress, kw['begin'], kw['end'], kw['interval'])
    return absolute_value(kw['start_factor'], kw['end_factor'], fraction)


def final_runner_value(kwargs):
    """LLI-NEVER-END-FACTOR: the lr a Runner ends with, for a window of at least two calls."""
    kw = lli_arguments(kwargs)
    return staircase_value(kw, kw['end'] - 2)


def final_stairs(width, interval):
    """LLI-NEVER-END-FACTOR's case split: the numerator of k at the end of a Runner's window.

    For ``end - begin = width = q * interval + r`` (q >= 1): q when r >= 2, q - 1 when
    interval >= 2 and r <= 1, q - 2 when interval == 1.
    """
    q, r = divmod(width, interval)
    if r >= 2:
        return q
    if interval >= 2:
        return q - 1
    return q - 2


def final_value(width, interval, start_factor, end_factor):
    """LLI-NEVER-END-FACTOR's closed form: sf + (ef - sf) * final_stairs / q."""
    q = width // interval
    return absolute_value(start_factor, end_factor, final_stairs(width, interval) / q)


def iter_from_epoch_window(begin, end, epoch_length):
    """LLI-ITER-FROM-EPOCH: ``(begin, end)`` after build_iter_from_epoch (an INF end is kept)."""
    return int(begin * epoch_length), end if end == INF else int(end * epoch_length)


def lli_outcome(lrs, kwargs, steps, progress=None):
    """A LinearLrInterval run on one optimizer whose groups start at ``lrs``, for ``steps`` calls.

    WIN-CONSTRUCTOR-STEP and WIN-ACTIVE decide which calls write; the first active call of a
    fresh scheduler dips (LLI-FIRST-STEP-DIP), every later one, and every one after a
    ``last_step`` resume (LLI-RESUME-LAST-STEP), writes the staircase value to every group
    (LLI-GROUPS-COLLAPSE) at ``progress(call)``, which defaults to the iteration loop's
    (:func:`loop_progress`). An exception of that formula ends the run at its call.
    """
    kw = lli_arguments(kwargs)
    if progress is None:
        def progress(call):
            return loop_progress(call, kw['by_epoch'])
    last_step = kw['last_step']
    row, rows = list(lrs), []
    for call in range(steps + 1):
        if is_active(call, kw['begin'], kw['end']):
            last_step += 1
            if last_step == 0:
                row = [dip(lr, kw['start_factor']) for lr in row]
            else:
                try:
                    value = staircase_value(kw, progress(call))
                except Exception as exc:  # whatever the formula raises, WIN-FAILED-CALL
                    return Outcome(rows, type(exc).__name__, call)
                row = [value] * len(row)
        rows.append(list(row))
    return Outcome(rows)


# -- ReduceLR ------------------------------------------------------------------------------------


def mode_worse(mode):
    """RLR-MODE-WORSE: the worst value of the mode, which seeds best (RLR-INITIAL-STATE)."""
    return math.inf if mode == 'min' else -math.inf


def is_better(a, best, mode, threshold_mode, threshold):
    """RLR-IS-BETTER: whether value ``a`` improves on ``best``, evaluated as the clause says.

    The exact pairs min/rel, min/abs and max/rel have their expressions; every other pair (only
    loading or assignment gives one, RLR-LOAD-UNVALIDATED) takes max/abs's. The result is the
    comparison's own (RLR-IS-BETTER-DIRECT).
    """
    if mode == 'min' and threshold_mode == 'rel':
        return a < best * (1.0 - threshold)
    if mode == 'min' and threshold_mode == 'abs':
        return a < best - threshold
    if mode == 'max' and threshold_mode == 'rel':
        return a > best * (1.0 + threshold)
    return a > best + threshold


def consuming_calls(begin, end, steps, last_step=-1):
    """RLR-FIRST-STEP, WIN-ACTIVE: the calls that read the monitored value.

    Those with ``last_step > 0`` once counted: for a fresh scheduler (``last_step=-1``) every
    active call after the first, which reads nothing; after a ``last_step`` resume every active
    call (RLR-RESUME-LAST-STEP).
    """
    active = active_calls(begin, end, steps)
    return active[1:] if last_step == -1 else active


def read_value(published, previous):
    """RLR-METRIC-CURRENT, RLR-METRIC-STALE: the value a consuming call reads.

    ``published`` is what was published since the last call (None: nothing; a tuple: several
    values, of which the last counts); ``previous`` the value the hub held before.
    """
    if published is None:
        return previous
    if isinstance(published, tuple):
        return published[-1]
    return published


def counted(value, best, bad, kwargs):
    """RLR-COUNT: ``(best, num_bad_epochs)`` after a consuming call compares ``value``."""
    kw = rlr_arguments(kwargs)
    if is_better(value, best, kw['mode'], kw['threshold_mode'], kw['threshold']):
        return value, 0
    return best, bad + 1


def cooled(cooldown_counter, bad):
    """RLR-COOLDOWN: ``(cooldown_counter, num_bad_epochs)`` after the cooldown tick."""
    if cooldown_counter > 0:
        return cooldown_counter - 1, 0
    return cooldown_counter, bad


def patience_exceeded(bad, patience):
    """RLR-PATIENCE: whether a consuming call reduces, after counting and the cooldown tick."""
    return bad > patience


def reduced(lr, factor, min_lr, eps):
    """RLR-REDUCE-ORDER, RLR-EPS, RLR-MIN-LR: one group's lr after a reducing call."""
    if lr - lr * factor > eps:
        return max(lr * factor, min_lr)
    return lr


def max_reductions(consuming, patience, cooldown):
    """RLR-PATIENCE, RLR-COOLDOWN: at most this many reductions in ``consuming`` consuming calls.

    For patience >= 0: the first reduction needs patience + 1 bad calls after the first
    (improving) one, every later one cooldown + patience + 1 more; a negative cooldown acts
    like 0 (RLR-UNVALIDATED).
    """
    first, period = patience + 1, max(cooldown, 0) + patience + 1
    return 0 if consuming < first else 1 + (consuming - first) // period


def plateau_reduces(j, patience, cooldown):
    """RLR-PATIENCE, RLR-COOLDOWN: whether consuming call j (1-based) reduces on a plateau.

    A plateau: the first value read improves on mode_worse and no later one improves. The first
    reduction is consuming call patience + 2, then one every cooldown + patience + 1 (a
    negative cooldown acts like 0, RLR-UNVALIDATED). For patience >= 0.
    """
    first, period = patience + 2, max(cooldown, 0) + patience + 1
    return j >= first and (j - first) % period == 0


def hub_reads(metrics, resumes=(), metric_before_build=None):
    """RLR-HUB-BINDING, RLR-METRIC-STALE, RLR-RESUME-STALE-HUB: the value each call 1..n can read.

    ``metrics[k - 1]`` is published before call k to the live 'reduce_lr' hub, which holds the
    latest value (:func:`read_value`; None: nothing ever published). The scheduler reads the hub
    it is bound to. A resume after call k (``resumes``: Resume objects) that keeps
    ``message_hub`` binds the hub object of the checkpoint: still the live one only for a
    'memory' transport in the same process; after a copy, or in a new process (whose live hub
    starts empty), an object frozen at the value it held. Dropping ``message_hub`` keeps the
    fresh scheduler's binding to the live hub.
    """
    live, frozen, bound_live = metric_before_build, None, True
    reads = []
    for call, published in enumerate(metrics, start=1):
        live = read_value(published, live)
        reads.append(live if bound_live else frozen)
        for resume in resumes:
            if resume.after != call:
                continue
            held = live if bound_live else frozen
            if resume.new_process:
                live = None
            if 'message_hub' in resume.drop_keys:
                bound_live = True
            elif resume.transport != 'memory' or resume.new_process:
                frozen, bound_live = held, False
    return reads


def rlr_outcome(lrs, metrics, kwargs, metric_before_build=None, resumes=()):
    """A ReduceLR run on one optimizer whose groups start at ``lrs``, one call per metric.

    ``metrics[k - 1]`` is published before call k (None: nothing; a tuple: several values),
    ``metric_before_build`` before construction, and ``resumes`` restore the run from
    checkpoints, which keep every counter and lr and change only the hub read (:func:`hub_reads`).
    Per consuming call (:func:`consuming_calls`): a value must exist (else KeyError,
    RLR-METRIC-MISSING), is counted (RLR-COUNT), the cooldown ticks (RLR-COOLDOWN), and on
    exceeded patience every group is reduced (RLR-PATIENCE, RLR-GROUPS) and the cooldown
    restarts. Other calls change nothing. The state starts as RLR-INITIAL-STATE says. After a
    ``last_step`` resume (the groups then need initial_lr, WIN-RESUME-INITIAL-VALUE) a consuming
    call 0 raises AttributeError, the hub not being bound yet (RLR-RESUME-LAST-STEP).
    """
    kw = rlr_arguments(kwargs)
    consuming = set(consuming_calls(kw['begin'], kw['end'], len(metrics), kw['last_step']))
    if 0 in consuming:
        return Outcome([], 'AttributeError', 0)
    best, bad, cooldown_counter = mode_worse(kw['mode']), 0, 0
    row = list(lrs)
    rows = [list(row)]
    for call, value in enumerate(hub_reads(metrics, resumes, metric_before_build), start=1):
        if call in consuming:
            if value is None:
                return Outcome(rows, 'KeyError', call)
            best, bad = counted(value, best, bad, kw)
            cooldown_counter, bad = cooled(cooldown_counter, bad)
            if patience_exceeded(bad, kw['patience']):
                row = [reduced(lr, kw['factor'], kw['min_lr'], kw['eps']) for lr in row]
                cooldown_counter, bad = kw['cooldown'], 0
        rows.append(list(row))
    return Outcome(rows)


def stale_metrics(metrics, after):
    """RLR-RESUME-STALE-HUB: the metrics of a run in which the value the hub holds after call
    ``after`` is published again before every later call."""
    value = None
    for published in metrics[:after]:
        value = read_value(published, value)
    return tuple(metrics[:after]) + (value,) * (len(metrics) - after)


# -- state dicts ---------------------------------------------------------------------------------

#: LLI-STATE-KEYS: the keys of LinearLrInterval's state dict.
LLI_STATE_KEYS = frozenset({
    '_global_step', '_last_value', 'base_values', 'begin', 'by_epoch', 'end', 'end_factor',
    'interval', 'last_step', 'param_name', 'start_factor', 'total_iters', 'verbose',
})
#: RLR-STATE-KEYS: the keys of ReduceLR's state dict.
RLR_STATE_KEYS = frozenset({
    '_global_step', '_last_value', 'base_values', 'begin', 'best', 'by_epoch', 'cooldown',
    'cooldown_counter', 'end', 'eps', 'factor', 'last_epoch', 'last_step', 'message_hub',
    'min_lr', 'mode', 'mode_worse', 'num_bad_epochs', 'param_name', 'patience', 'threshold',
    'threshold_mode', 'verbose',
})


# -- messages the specified code writes ----------------------------------------------------------


def optimizer_type_message(value):
    """WIN-OPTIMIZER-TYPE: the TypeError's message for a first argument ``value``."""
    return f'``optimizer`` should be an Optimizer,but got {type(value).__name__}'


#: LLI-FACTOR-RANGE: the ValueErrors' messages, start_factor's and end_factor's.
START_FACTOR_MESSAGE = 'Starting multiplicative factor should between 0 and 1.'
END_FACTOR_MESSAGE = 'Ending multiplicative factor should between 0 and 1.'


def window_message(begin, end):
    """WIN-END-AFTER-BEGIN: the ValueError's message for ``end <= begin``."""
    return f'end should be larger than begin, but got begin={begin}, end={end}'


def initial_lr_message(index):
    """WIN-RESUME-INITIAL-VALUE: the KeyError's message (its argument) for group ``index``."""
    return (f"param 'initial_lr' is not specified in param_groups[{index}] "
            'when resuming an optimizer')


# -- mmagic's ReduceLRSchedulerHook --------------------------------------------------------------


def hook_due(count, interval):
    """LOOP-HOOK-INTERVAL: mmengine's every_n test after ``count`` iterations or epochs."""
    return interval > 0 and count % interval == 0


def loss_average(losses, batch_lengths):
    """LOOP-HOOK-TRAIN-LOSS: sum(loss * len(batch)) / sum(len(batch)) over the iterations given."""
    total, count = 0, 0
    for loss, length in zip(losses, batch_lengths):
        total += loss * length
        count += length
    return total / count


def loss_averages(losses, batch_lengths, block):
    """LOOP-HOOK-TRAIN-LOSS: :func:`loss_average` over each whole block of ``block`` iterations.

    ``losses`` and ``batch_lengths`` are per training iteration; the hook publishes one average
    per ``block`` iterations (its interval, or the iterations of ``interval`` epochs).
    """
    return [loss_average(losses[start:start + block], batch_lengths[start:start + block])
            for start in range(0, len(losses) - block + 1, block)]


def metric_averages(values, blocks):
    """LOOP-HOOK-VAL-METRIC: the mean of each block of consecutive validation values.

    ``blocks`` are the numbers of validations each publication averages (the sum is reset after
    each publication).
    """
    averages, start = [], 0
    for size in blocks:
        total = 0
        for value in values[start:start + size]:
            total += value
        averages.append(total / size)
        start += size
    return averages
