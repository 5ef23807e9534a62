"""Differential check: the reference and upstream side by side on many random scenarios.

``python -m conformance.differential --count 10000 --seed 0`` draws random runs from the suite's
one source of random scenarios (harness/strategies.py, seeded), runs each through the driver on
both implementations, compares the traces exactly (lrs with their types, state, errors), and
prints how many it compared, how long it took and the first divergence with a scenario that can
be pasted into a test. It exits 1 on a divergence, 2 when an implementation cannot be loaded.
The same seed always draws the same scenarios.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import sys
import time
from dataclasses import dataclass
from typing import Optional

from .harness import choices, compare, driver, impl, observed, strategies
from .harness.scenario import Scenario


@dataclass
class Outcome:
    """What a differential run found."""

    compared: int
    seconds: float
    seed: int
    divergence: Optional[str] = None
    scenario: Optional[Scenario] = None
    errors_seen: int = 0


# -- the scenarios -----------------------------------------------------------------------------


def scenarios(count: int, seed: int) -> list:
    """The first ``count`` random runs of ``seed``'s sequence (strategies.random_run)."""
    draw = choices.RandomDraw(random.Random(seed))
    return [strategies.random_run(draw).replace(id=f'differential-{seed}-{index}',
                                                description='drawn by conformance.differential')
            for index in range(count)]


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
            dump.write(json.dumps(observed.encode(have.to_json()), sort_keys=True) + '\n')
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
