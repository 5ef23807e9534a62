"""Judge a mutant: one child ``python -m pytest conformance --impl=...`` on it, its exit code.

Exit code 1 (a test failed) kills the mutant, 0 lets it survive. A child that runs past the
timeout is killed too but counted apart (``timeout``). A usage error (exit code 4) whose message
names the ``--impl`` value is the suite refusing to load the mutant (``refused``: killed, since
the suite does reject it); any other exit code is an ``error``, reported with its output's tail.

Speed: ``-x`` stops a child at its first failure, and the test files run cheapest-and-strongest
first (FILE_ORDER), so most mutants die within seconds of the suite's start-up.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Cheapest and most direct first: the clause-by-clause files, then the golden scenarios, the
#: differential check and the rest; the property-based, real-Runner and loop files, the slowest,
#: last. The suite's own tiers (conformance/harness/ordering.py) apply on top: the golden checks
#: run first, then the clause files in this order, then the heavy files in this order. A file not
#: listed runs after these, in name order. (Each file is named on the command line: given
#: ``conformance`` as well, pytest would collect the directory in its own order.)
FILE_ORDER = (
    'test_window.py', 'test_linear_interval.py', 'test_reduce_lr.py', 'test_state.py',
    'test_registry.py', 'test_argument_values.py', 'test_value_types.py',
    'test_construction_order.py', 'test_live_state.py', 'test_late_groups.py',
    'test_state_loading.py', 'test_never_end_factor.py', 'test_golden.py', 'test_differential.py',
    'test_hook_edges.py', 'test_spec_examples.py', 'test_runner.py', 'test_stateful.py',
    'test_loop.py', 'test_properties.py',
)
KILLED, SURVIVED, TIMEOUT, REFUSED, ERROR = 'killed', 'survived', 'timeout', 'refused', 'error'
#: Statuses that count as killed in the score.
DEAD = frozenset({KILLED, TIMEOUT, REFUSED})


@dataclass
class Outcome:
    """What one child run said about one mutant (or about an unmutated copy: the baseline)."""

    status: str
    seconds: float
    returncode: int = None
    failed: str = ''  # the first failing test's node ID, for a killed mutant
    tail: str = ''  # the output's last lines, for an error or a refusal
    runs: list = field(default_factory=list)  # the configurations run: 'plain', 'intents'


def paths() -> list:
    """Every test file of conformance/, in FILE_ORDER."""
    present = {path.name for path in (ROOT / 'conformance').glob('test_*.py')}
    ordered = [name for name in FILE_ORDER if name in present]
    return [f'conformance/{name}' for name in ordered + sorted(present - set(ordered))]


def command(impl, extra=()) -> list:
    options = ['-x', '-q', '-p', 'no:randomly',
               '-p', 'tests.mutation_profile', '--hypothesis-profile=mutation']
    if importlib.util.find_spec('xdist') is not None:
        options += ['-n', '0']
    return [sys.executable, '-m', 'pytest', *paths(), f'--impl={impl}', *options, *extra]


def environment(directory) -> dict:
    """The caller's environment with the target's copy first on PYTHONPATH and no --impl."""
    env = {key: value for key, value in os.environ.items() if key != 'LR_CONFORMANCE_IMPL'}
    env['PYTHONPATH'] = os.pathsep.join(
        [str(directory), str(ROOT)] + ([env['PYTHONPATH']] if env.get('PYTHONPATH') else []))
    return env


def run(directory, impl, extra=(), timeout=600.0) -> Outcome:
    """Run the suite once on the copy in ``directory``; return the outcome."""
    started = time.monotonic()
    try:
        result = subprocess.run(command(impl, extra), cwd=ROOT, env=environment(directory),
                                capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        output = _text(exc.stdout) + _text(exc.stderr)
        return Outcome(TIMEOUT, time.monotonic() - started, None, '', _tail(output))
    seconds = time.monotonic() - started
    output = result.stdout + result.stderr
    code = result.returncode
    if code == 1:
        return Outcome(KILLED, seconds, code, first_failure(output))
    if code == 0:
        return Outcome(SURVIVED, seconds, code)
    if code == 4 and f'--impl={impl}' in output:
        return Outcome(REFUSED, seconds, code, '', _tail(output, 6))
    return Outcome(ERROR, seconds, code, '', _tail(output))


def first_failure(output) -> str:
    match = re.search(r'^(?:FAILED|ERROR) (\S+)', output, re.MULTILINE)
    return match.group(1) if match else ''


def probe(directory, code) -> str:
    """Run ``python -c code`` in a child's environment; its stdout (for load checks)."""
    result = subprocess.run([sys.executable, '-c', code], cwd=ROOT, env=environment(directory),
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise SystemExit(f'probe failed ({code!r}):\n{result.stderr[-3000:]}')
    return result.stdout.strip()


def header(directory, impl, extra=()) -> list:
    """The suite's ``conformance:`` header lines for ``impl`` on the copy (collection only)."""
    command_line = [sys.executable, '-m', 'pytest', 'conformance/test_state.py', f'--impl={impl}',
                    '--collect-only', '-p', 'no:randomly', '-p', 'no:cacheprovider', *extra]
    result = subprocess.run(command_line, cwd=ROOT, env=environment(directory),
                            capture_output=True, text=True, timeout=300)
    lines = [line for line in result.stdout.splitlines() if line.startswith('conformance:')]
    if result.returncode != 0 or not lines:
        raise SystemExit(f'the suite does not load --impl={impl} from {directory}:\n'
                         f'{_tail(result.stdout + result.stderr)}')
    return lines


def _text(data) -> str:
    if data is None:
        return ''
    return data.decode(errors='replace') if isinstance(data, bytes) else data


def _tail(output, lines=25) -> str:
    return '\n'.join(output.rstrip().splitlines()[-lines:])
