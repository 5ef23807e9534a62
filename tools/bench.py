"""How fast the suite verifies, and what the reference's step() costs next to upstream's.

``python -m tools.bench`` (or ``tox -e bench``) prints figures and asserts nothing about time:

1. golden replay: every golden case (``goldens.load()``) run through the one driver on ``--impl``
   and compared with its golden by the harness's compare, as conformance/test_golden.py does;
   the scheduler calls verified (trace rows, the constructor's row 0 included) per second;
2. ``step()`` per call: long catalog scenarios (mmagic's own configurations) of each scheduler
   run on the reference and on upstream, rounds interleaved, timing ``scheduler.step()`` alone
   (not the optimizer's step, not the driver's recording); the median per-call time of each and
   their ratio, measured in the same process;
3. wall time of the suite run with one process (``-n 0``) and two workers (``-n 2``, what the
   default starts on two cores: conformance/harness/workers.py), each a child process, one after
   the other;
4. time to the first failure: the default run (random order, the default processes) with ``-x``
   on each hand-written mutant of tests/mutants/, from the start of the child process to its
   exit (it stops at its first failure, which it has printed by then).

The figures depend on the machine and on what else runs on it: the machine facts and the load
average are printed with them. The exit status is 1 when a golden case disagreed or a suite run
failed (the figures then time something other than a passing run), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The catalog scenarios whose step() calls are timed: mmagic's configurations, the longest.
STEP_SCENARIOS = {
    'LinearLrInterval': ('config-cyclegan-horse2zebra-scaled50',
                         'config-cyclegan-facades-scaled50'),
    'ReduceLR': ('config-cain-vimeo90k-triplet', 'config-flavr-vimeo90k-septuplet'),
}
#: The default suite run that part 3 times; ``-n`` is appended.
SUITE = ('-m', 'pytest', 'conformance', '--impl=reference', '-q', '-p', 'no:randomly')
WORKERS = (0, 2)


#: The hand-written mutants that existed when issue 9 set its target of a first failure within
#: 20 s (tests/mutants/ has more since; part 4 times all of them by default).
ISSUE_9_MUTANTS = (
    'lli_clamped_fraction', 'lli_interval_validated', 'lli_no_dip', 'lli_progress_from_counter',
    'lli_progress_from_runner_hub', 'lli_relative_value', 'rlr_cooldown_before_count',
    'rlr_first_step_consumes', 'rlr_live_hub_after_load', 'rlr_mean_of_values',
    'rlr_min_lr_not_raising', 'rlr_mode_message_fixed', 'rlr_state_without_last_epoch',
    'rlr_threshold_inclusive', 'rlr_torch_reduce_order',
)


def parse(argv):
    parser = argparse.ArgumentParser(prog='python -m tools.bench', description=__doc__.split(
        '\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--impl', default='reference',
                        help='the implementation whose golden replay is timed (part 1), any '
                             '--impl value of the suite; default reference')
    parser.add_argument('--cases', type=int, default=None, metavar='N',
                        help='replay only the first N golden cases (default: all)')
    parser.add_argument('--rounds', type=int, default=7, metavar='R',
                        help='interleaved reference/upstream rounds of the step() timing '
                             '(default 7)')
    parser.add_argument('--repeat', type=int, default=1, metavar='K',
                        help='suite runs per worker count (default 1)')
    parser.add_argument('--skip-replay', action='store_true', help='leave out part 1')
    parser.add_argument('--skip-step', action='store_true', help='leave out part 2')
    parser.add_argument('--skip-mutants', action='store_true', help='leave out part 4')
    parser.add_argument('--mutant', action='append', default=[], metavar='NAME',
                        help='part 4 on this mutant of tests/mutants/ only (repeatable); '
                             f'--mutant=issue9 means the {len(ISSUE_9_MUTANTS)} hand-written '
                             'mutants that issue 9 times (default: all)')
    parser.add_argument('--seed', type=int, default=1, metavar='S',
                        help='the pytest-randomly seed of the runs of part 4 (default 1)')
    parser.add_argument('--skip-wall', action='store_true',
                        help='leave out part 3, the slow one (two whole suite runs)')
    args = parser.parse_args(argv)
    if args.mutant:
        from tests.mutants import MUTANTS

        names = [n for name in args.mutant
                 for n in (ISSUE_9_MUTANTS if name == 'issue9' else (name,))]
        unknown = sorted(set(names) - set(MUTANTS))
        if unknown:
            parser.error(f'--mutant: no such mutant in tests/mutants/: {", ".join(unknown)}')
        args.mutant = list(dict.fromkeys(names))
    for name in ('cases', 'rounds', 'repeat'):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f'--{name} must be at least 1')
    return args


def command_line(argv) -> str:
    return shlex.join([sys.executable, '-m', 'tools.bench', *argv])


def machine() -> list:
    """CPU count, load, and the versions the figures belong to."""
    from conformance.harness.impl import versions as installed

    versions = installed()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()
    return [
        f'machine: {os.cpu_count()} CPUs ({usable} usable), {platform.machine()}, '
        f'{platform.system()} {platform.release()}',
        f'versions: Python {platform.python_version()} ({sys.executable}), '
        + ', '.join(f'{name} {versions[name]}' for name in ('torch', 'mmengine', 'mmagic')),
        load(),
    ]


def load() -> str:
    if not hasattr(os, 'getloadavg'):
        return 'load average: unknown'
    return 'load average (1, 5, 15 min): ' + ', '.join(f'{x:.2f}' for x in os.getloadavg())


# -- 1. golden replay ---------------------------------------------------------------------------


def replay(value, count=None) -> tuple:
    """Replay the golden cases on ``value``'s adapter; return (lines, every case agreed)."""
    from conformance.harness import compare, driver, goldens, impl

    adapter = impl.resolve(value)
    started = time.perf_counter()
    cases = goldens.load(goldens.directory())
    loading = time.perf_counter() - started
    cases = cases[:count] if count else cases
    runnable = [case for case in cases if set(case.scenario.scheduler_types) <= adapter.provides]
    aspects = compare.TRACE + (compare.STATE if driver.exposes_state(adapter) else ())
    rows = 0
    differing = []
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', 'overflow encountered', RuntimeWarning)
        started = time.perf_counter()
        for case in runnable:
            got = driver.run(case.scenario, adapter)
            rows += len(got.lrs)
            if compare.first_divergence(case.expected, got, aspects) is not None:
                differing.append(case.id)
        seconds = time.perf_counter() - started
    lines = [
        f'golden replay, --impl={value} ({adapter.name}): {len(runnable)} cases '
        f'({len(cases) - len(runnable)} not applicable), compared on {", ".join(aspects)}',
        f'  scheduler calls verified: {rows} (trace rows, row 0 = construction)',
        f'  seconds: {seconds:.2f} (run + compare; loading the goldens took {loading:.2f} s, '
        'not counted)',
        f'  calls/s: {rows / seconds:.0f}',
        f'  agree: {len(runnable) - len(differing)}, differ: {len(differing)}'
        + (f' ({", ".join(differing[:5])}{" ..." if len(differing) > 5 else ""})'
           if differing else ''),
    ]
    return lines, not differing


# -- 2. step() per call -------------------------------------------------------------------------


class StepTimer:
    """An adapter that delegates everything and times each ``scheduler.step()`` alone."""

    def __init__(self, adapter):
        self._adapter = adapter
        self.durations = []  # nanoseconds, one per step() call

    def __getattr__(self, name):
        return getattr(self._adapter, name)

    def step(self, scheduler):
        started = time.perf_counter_ns()
        try:
            scheduler.step()
        finally:
            self.durations.append(time.perf_counter_ns() - started)


def timed_run(scenarios, adapter) -> list:
    """The nanoseconds of every step() call over ``scenarios``; the GC paused meanwhile."""
    from conformance.harness import driver

    timer = StepTimer(adapter)
    for scenario in scenarios:
        gc.collect()
        gc.disable()
        try:
            trace = driver.run(scenario, timer)
        finally:
            gc.enable()
        if trace.error is not None:
            raise RuntimeError(f'{scenario.id} raised on {adapter.name}: {trace.error}')
    return timer.durations


def step_costs(rounds) -> list:
    """Per scheduler: the median per-call step() time of the reference and upstream, and the
    ratio; the two alternate within each round, and which goes first alternates between rounds.

    A round's per-call time is its mean (the whole cost of its calls); a preemption by another
    process lands in one call and inflates that mean, so the median single call over every
    round is printed too, the figure that load disturbs least.
    """
    from conformance.harness import catalog, impl

    adapters = {'reference': impl.resolve('reference'), 'upstream': impl.resolve('mmagic')}
    wanted = {name for names in STEP_SCENARIOS.values() for name in names}
    found = {s.id: s for family in catalog.FAMILIES for s in family.build() if s.id in wanted}
    missing = sorted(wanted - set(found))
    if missing:
        raise SystemExit(f'tools.bench: catalog scenarios not found: {", ".join(missing)}')
    lines = [f'step() per call: median of {rounds} rounds, reference and upstream '
             f'({adapters["upstream"].name}) interleaved in this process']
    for kind, names in STEP_SCENARIOS.items():
        scenarios = [found[name] for name in names]
        for adapter in adapters.values():  # warm-up: imports, caches, first allocations
            timed_run(scenarios, adapter)
        per_call = {name: [] for name in adapters}
        single = {name: [] for name in adapters}
        for number in range(rounds):
            order = list(adapters) if number % 2 == 0 else list(reversed(adapters))
            for name in order:
                durations = timed_run(scenarios, adapters[name])
                per_call[name].append(sum(durations) / len(durations) / 1000)
                single[name].extend(durations)
        reference = statistics.median(per_call['reference'])
        upstream = statistics.median(per_call['upstream'])
        ratios = [r / u for r, u in zip(per_call['reference'], per_call['upstream'])]
        one = {name: statistics.median(found) / 1000 for name, found in single.items()}
        lines += [
            f'  {kind} ({", ".join(names)}; {len(single["reference"]) // rounds} step() calls '
            'per round):',
            f'    reference {reference:.2f} us/call, upstream {upstream:.2f} us/call, '
            f'ratio reference/upstream {reference / upstream:.2f} '
            f'(per round {min(ratios):.2f} to {max(ratios):.2f})',
            f'    median single call: reference {one["reference"]:.2f} us, upstream '
            f'{one["upstream"]:.2f} us, ratio {one["reference"] / one["upstream"]:.2f}',
        ]
    return lines


# -- 3. wall time of the suite ------------------------------------------------------------------


def wall(repeat) -> tuple:
    """Run the suite with each worker count, ``repeat`` times, interleaved."""
    from conformance.harness import workers as workers_module

    lines = ['wall time of the suite with one process and with two workers (child processes, '
             'one at a time; on two or more cores the default starts '
             f'min(cores, {workers_module.DEFAULT_CAP}) workers):']
    seconds = {workers: [] for workers in WORKERS}
    passed = True
    for _ in range(repeat):
        for workers in WORKERS:
            command = [sys.executable, *SUITE, '-n', str(workers)]
            started = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
            elapsed = time.perf_counter() - started
            seconds[workers].append(elapsed)
            passed = passed and done.returncode == 0
            lines.append(f'  {shlex.join(command[1:])}: {elapsed:.1f} s, exit '
                         f'{done.returncode}, {summary(done.stdout)}')
    if repeat > 1:
        for workers, found in seconds.items():
            lines.append(f'  -n {workers}: median {statistics.median(found):.1f} s of {repeat}')
    return lines, passed


# -- 4. time to the first failure on a faulty implementation -----------------------------------


def first_failures(seed, names=None) -> tuple:
    """Run the suite with ``-x`` on each hand-written mutant; seconds until it stopped."""
    from tests.mutants import MUTANTS

    lines = ['time to the first failure, default run with -x on each hand-written mutant '
             f'(--randomly-seed={seed}):']
    environment = {key: value for key, value in os.environ.items()
                   if key not in ('LR_CONFORMANCE_WORKERS', 'LR_CONFORMANCE_IMPL')}
    seconds, all_failed = [], True
    for name in sorted(names or MUTANTS):
        command = [sys.executable, '-m', 'pytest', 'conformance', f'--impl=tests.mutants.{name}',
                   '-x', '-q', f'--randomly-seed={seed}']
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                              env=environment)
        elapsed = time.perf_counter() - started
        seconds.append(elapsed)
        # -x under xdist (LR_CONFORMANCE_WORKERS) ends as 'interrupted' (2) after the failure
        failed = done.returncode in (1, 2) and ' failed' in summary(done.stdout)
        all_failed = all_failed and failed
        lines.append(f'  {name} ({MUTANTS[name].subject}): {elapsed:.1f} s, '
                     f'{"failed" if failed else f"NOT FAILED (exit {done.returncode})"}, '
                     f'{summary(done.stdout)}')
    lines.append(f'  slowest {max(seconds):.1f} s, median {statistics.median(seconds):.1f} s '
                 f'over {len(seconds)} mutants')
    return lines, all_failed


def summary(output) -> str:
    """pytest's last line (``2411 passed, 2 skipped in ...``), without its '=' padding."""
    for line in reversed(output.splitlines()):
        text = line.strip().strip('=').strip()
        if re.search(r'\b(passed|failed|error|errors|skipped|no tests ran)\b', text):
            return f'"{text}"'
    return '(no pytest summary line)'


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse(argv)
    from conformance.harness import impl

    print(f'command: {command_line(argv)}', flush=True)
    for line in machine():
        print(line, flush=True)
    status = 0
    if not args.skip_replay:
        try:
            lines, agreed = replay(args.impl, args.cases)
        except impl.ImplError as exc:
            print(f'tools.bench: {exc}', file=sys.stderr)
            return 2
        print('\n'.join(lines), flush=True)
        status = status or (0 if agreed else 1)
    if not args.skip_step:
        print('\n'.join(step_costs(args.rounds)), flush=True)
    if not args.skip_wall:
        lines, passed = wall(args.repeat)
        print('\n'.join(lines), flush=True)
        status = status or (0 if passed else 1)
    if not args.skip_mutants:
        lines, failed = first_failures(args.seed, args.mutant or None)
        print('\n'.join(lines), flush=True)
        status = status or (0 if failed else 1)
    print(f'after: {load()}')
    return status


if __name__ == '__main__':
    sys.exit(main())
