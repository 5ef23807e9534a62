"""Differential check: the reference and upstream side by side on many random scenarios.

``python -m conformance.differential --count 10000 --seed 0`` draws scenarios from a seeded
generator, runs each through the driver on both implementations, compares the traces bit for
bit (compare.first_divergence), and prints how many it compared, how long it took and the first
divergence with a scenario that can be pasted into a test. It exits 1 on a divergence, 2 when an
implementation cannot be loaded. The same seed always draws the same scenarios.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import random
import sys
import time
from dataclasses import dataclass
from typing import Optional

from .harness import compare, driver, floats, impl
from .harness.scenario import OptimizerSpec, Resume, Scenario, SchedulerSpec

INF = int(1e9)
LRS = (0.1, 1.0, 2e-4, 0.05, 1e-3, 1.5e-8, 1e-9, 1e6, 0.1 + 5e-9, 0.0, 0.3, 0.7)
FACTORS = (0.0, 0.5, 1.0, 1.0 / 3, 0.0002, 0.1, 0.9, 0.25)
METRICS = (math.nan, math.inf, -math.inf, 0.0, -0.0, -1.0, 1.0, -10.0, 1e-9, 1e300, 2.0, 3.0)


@dataclass
class Outcome:
    """What a differential run found."""

    compared: int
    seconds: float
    seed: int
    divergence: Optional[str] = None
    scenario: Optional[Scenario] = None
    errors_seen: int = 0


# -- the generator ---------------------------------------------------------------------------


def _maybe(rng, probability):
    return rng.random() < probability


def _lr(rng):
    return rng.choice(LRS) if _maybe(rng, 0.6) else rng.uniform(1e-6, 2.0)


def _factor(rng):
    if _maybe(rng, 0.03):
        return rng.choice((-0.1, 1.5))  # LLI-FACTOR-RANGE
    return rng.choice(FACTORS) if _maybe(rng, 0.5) else rng.random()


def _window(rng, steps):
    begin = rng.randrange(0, max(1, steps // 2) + 2)
    if _maybe(rng, 0.15):
        return begin, None  # mmengine's default end, 10**9
    end = begin + rng.randrange(-1 if _maybe(rng, 0.03) else 1, steps + 3)
    return begin, end


def _linear_interval(rng, steps):
    begin, end = _window(rng, steps)
    kwargs = {'start_factor': _factor(rng), 'end_factor': _factor(rng), 'begin': begin,
              'by_epoch': _maybe(rng, 0.5)}
    if end is not None:
        kwargs['end'] = end
    roll = rng.random()
    if roll < 0.7:
        kwargs['interval'] = rng.randrange(1, 6)
    elif roll < 0.8:
        kwargs['interval'] = rng.choice((0, -1, -2, 2.5))  # LLI-INTERVAL-UNVALIDATED
    elif roll < 0.9:
        kwargs['interval'] = rng.randrange(6, 20)  # often larger than the window
    return kwargs


def _reduce_lr(rng, steps):
    begin, end = _window(rng, steps)
    kwargs = {
        'mode': rng.choice(('min', 'max')),
        'factor': rng.choice((0.0, 0.1, 0.5, 0.9)) if _maybe(rng, 0.7) else rng.random(),
        'patience': rng.randrange(-1, 5),
        'threshold': rng.choice((1e-4, 0.0, 0.1, -0.5, 1.0)),
        'threshold_mode': rng.choice(('rel', 'abs')),
        'cooldown': rng.randrange(-1, 4),
        'min_lr': rng.choice((0.0, 0.0, 1e-3, 0.1, 0.5)),
        'eps': rng.choice((1e-8, 1e-8, 0.0, 1e-3)),
        'begin': begin,
        'by_epoch': _maybe(rng, 0.5),
    }
    if end is not None:
        kwargs['end'] = end
    if _maybe(rng, 0.03):
        kwargs[rng.choice(('mode', 'threshold_mode', 'factor'))] = rng.choice(
            ('median', 'relative', 1.0))  # RLR-VALIDATION
    return kwargs


def _metric(rng):
    if _maybe(rng, 0.3):
        return rng.choice(METRICS)
    return round(rng.uniform(-5.0, 5.0), rng.randrange(0, 4))


def _metrics(rng, steps):
    values = []
    last = _metric(rng)
    for _ in range(steps):
        roll = rng.random()
        if roll < 0.1:
            values.append(None)  # nobody published: the stale value is re-read
        elif roll < 0.15:
            values.append(tuple(_metric(rng) for _ in range(rng.randrange(2, 4))))
        elif roll < 0.55:
            values.append(last)  # plateaus make patience and cooldown matter
        else:
            last = _metric(rng)
            values.append(last)
    return tuple(values)


def random_scenario(rng: random.Random, index: int) -> Scenario:
    """One scenario; every choice comes from ``rng``."""
    steps = rng.randrange(0, 26)
    kinds = rng.choice((('LinearLrInterval',), ('ReduceLR',), ('ReduceLR',),
                        ('LinearLrInterval', 'ReduceLR')))
    wrapper = _maybe(rng, 0.4)
    optimizers = [OptimizerSpec(tuple(_lr(rng) for _ in range(rng.randrange(1, 4))),
                                wrapper=wrapper)]
    if _maybe(rng, 0.15):
        optimizers.append(OptimizerSpec((_lr(rng),), wrapper=wrapper))
    schedulers = []
    for kind in kinds:
        for index_opt in range(len(optimizers)):
            kwargs = _linear_interval(rng, steps) if kind == 'LinearLrInterval' else (
                _reduce_lr(rng, steps))
            build = 'init'
            if kind == 'LinearLrInterval' and kwargs['by_epoch'] and _maybe(rng, 0.1):
                build = 'iter_from_epoch'
            schedulers.append(SchedulerSpec(kind, kwargs, index_opt, build))
    resumes = ()
    if steps >= 2 and _maybe(rng, 0.2):
        resumes = (Resume(
            after=rng.randrange(1, steps),
            transport=rng.choice(('memory', 'deepcopy', 'torch_save_unsafe', 'torch_save')),
            new_process=_maybe(rng, 0.5),
            drop_keys=('message_hub',) if _maybe(rng, 0.3) else (),
        ),)
    progress = rng.choice(('loop',) * 8 + ('absent', 'frozen'))
    return Scenario(
        id=f'differential-{index}',
        schedulers=tuple(schedulers),
        optimizers=tuple(optimizers),
        steps=steps,
        loop=rng.choice(('iter', 'epoch')),
        epoch_length=rng.randrange(1, 4),
        progress=progress,
        progress_offset=rng.choice((0, 0, 0, 3, -2, 100)) if progress != 'absent' else 0,
        metrics=_metrics(rng, steps) if 'ReduceLR' in kinds else None,
        metric_before_build=_metric(rng) if _maybe(rng, 0.1) else None,
        # With 'reduce_lr' made last a LinearLrInterval reads no progress (LOOP-HOOK-HUB): keep
        # that case, but let most mixed scenarios run their whole length.
        reduce_lr_hub_first=_maybe(rng, 0.8 if len(kinds) == 2 else 0.5),
        resumes=resumes,
        description='drawn by conformance.differential',
    )


def scenarios(count: int, seed: int):
    """The first ``count`` scenarios of ``seed``'s sequence."""
    rng = random.Random(seed)
    for index in range(count):
        yield random_scenario(rng, index)


# -- the comparison --------------------------------------------------------------------------


def run(count: int, seed: int, expected, got, time_limit: Optional[float] = None,
        dump=None) -> Outcome:
    """Compare ``got`` with ``expected`` on ``count`` scenarios; stop at the first divergence.

    ``time_limit`` (seconds) stops early; the outcome says how many were compared. ``dump``, a
    text file, receives ``got``'s trace of every scenario as one JSON line (docs/versions.md
    compares such files across mmengine releases).
    """
    start = time.perf_counter()
    outcome = Outcome(compared=0, seconds=0.0, seed=seed)
    for scenario in scenarios(count, seed):
        if time_limit is not None and time.perf_counter() - start > time_limit:
            break
        want = driver.run(scenario, expected)
        have = driver.run(scenario, got)
        if dump is not None:
            dump.write(json.dumps(floats.encode(have.to_json()), sort_keys=True) + '\n')
        outcome.compared += 1
        outcome.errors_seen += want.error is not None
        divergence = compare.first_divergence(want, have)
        if divergence is not None:
            outcome.divergence = divergence
            outcome.scenario = scenario
            break
    outcome.seconds = time.perf_counter() - start
    return outcome


def report(outcome: Outcome, expected_name: str, got_name: str) -> str:
    lines = [
        f'differential: {got_name} against {expected_name}, seed {outcome.seed}: compared '
        f'{outcome.compared} scenarios in {outcome.seconds:.1f} s '
        f'({outcome.errors_seen} of them end in an exception)',
    ]
    if outcome.divergence is None:
        lines.append('differential: no divergence')
    else:
        lines.append('differential: FIRST DIVERGENCE')
        lines.append(compare.explain(outcome.scenario, outcome.divergence))
    return '\n'.join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog='python -m conformance.differential',
        description='Run two implementations side by side on random scenarios, bit for bit.',
    )
    parser.add_argument('--count', type=int, default=10000,
                        help='number of scenarios to compare (default: 10000)')
    parser.add_argument('--seed', type=int, default=0, help='generator seed (default: 0)')
    parser.add_argument('--expected', default='reference',
                        help='implementation taken as expected (default: reference)')
    parser.add_argument('--got', default='mmagic',
                        help='implementation compared with it (default: mmagic)')
    parser.add_argument('--time-limit', type=float, default=None, metavar='SECONDS',
                        help='stop drawing new scenarios after this many seconds (default: none)')
    parser.add_argument('--dump', default=None, metavar='FILE',
                        help="write the --got implementation's traces to FILE, one JSON line "
                             'per scenario (default: none)')
    args = parser.parse_args(argv)
    try:
        expected = impl.resolve(args.expected)
        got = impl.resolve(args.got)
    except impl.ImplError as exc:
        print(f'differential: {exc}', file=sys.stderr)
        return 2
    with contextlib.ExitStack() as stack:
        dump = None
        if args.dump:
            dump = stack.enter_context(open(args.dump, 'w', encoding='utf-8'))
        outcome = run(args.count, args.seed, expected, got, args.time_limit, dump)
    print(report(outcome, expected.name, got.name))
    return 0 if outcome.divergence is None else 1


if __name__ == '__main__':
    sys.exit(main())
