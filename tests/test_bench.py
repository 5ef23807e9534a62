"""tools/bench.py prints its figures; nothing here judges how fast anything is."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.harness import goldens
from tools import bench

ROOT = Path(__file__).resolve().parents[1]
NUMBER = r'([0-9]+(?:\.[0-9]+)?)'


def _figure(pattern, text):
    found = re.search(pattern, text)
    assert found, f'no match for {pattern!r} in:\n{text}'
    return [float(group) for group in found.groups()]


class TestBench:
    def test_prints_the_replay_and_step_figures(self):
        """Prints calls verified, seconds, calls/s and both schedulers' step() costs and ratio."""
        argv = ['--cases', '3', '--rounds', '1', '--skip-wall', '--skip-mutants']
        done = subprocess.run([sys.executable, '-m', 'tools.bench', *argv], cwd=ROOT,
                              capture_output=True, text=True, timeout=600)
        out = done.stdout
        assert done.returncode == 0, done.stdout + done.stderr
        assert f'command: {sys.executable} -m tools.bench {" ".join(argv)}' in out
        assert re.search(r'machine: [0-9]+ CPUs', out)
        assert re.search(r'Python [0-9.]+.*torch [0-9].*mmengine [0-9]', out)
        calls, = _figure(r'scheduler calls verified: ([0-9]+)', out)
        # the trace rows of the first three cases, counted from their goldens
        assert calls == sum(len(case.expected.lrs) for case in goldens.load()[:3])
        seconds, = _figure(rf'seconds: {NUMBER}', out)
        rate, = _figure(rf'calls/s: {NUMBER}', out)
        assert seconds > 0 and rate > 0
        assert 'agree: 3, differ: 0' in out
        for kind in bench.STEP_SCENARIOS:
            block = out[out.index(f'  {kind} ('):]
            reference, upstream, ratio = _figure(
                rf'reference {NUMBER} us/call, upstream {NUMBER} us/call, '
                rf'ratio reference/upstream {NUMBER}', block)
            assert reference > 0 and upstream > 0
            assert abs(ratio - reference / upstream) <= 0.01 + 0.01 * ratio
            reference, upstream, ratio = _figure(
                rf'median single call: reference {NUMBER} us, upstream {NUMBER} us, '
                rf'ratio {NUMBER}', block)
            assert reference > 0 and upstream > 0
            assert abs(ratio - reference / upstream) <= 0.01 + 0.01 * ratio
        assert 'wall time' not in out
        assert 'first failure' not in out

    def test_wall_times_each_worker_count_as_a_child_process(self, monkeypatch):
        """Prints one wall time, exit status and summary per worker count and repetition."""
        monkeypatch.setattr(bench, 'SUITE', ('-c', 'import sys; print("== 7 passed in 0.01s ==")',))
        lines, passed = bench.wall(2)
        assert passed
        timed = [line for line in lines if ' s, exit 0, "7 passed in 0.01s"' in line]
        assert len(timed) == 2 * len(bench.WORKERS)
        assert sum('-n 2' in line for line in timed) == 2
        assert any(line.startswith('  -n 0: median ') for line in lines)

    def test_a_failing_suite_run_is_reported(self, monkeypatch):
        """Reports a child's non-zero exit and its missing summary, and the run as not passed."""
        monkeypatch.setattr(bench, 'SUITE', ('-c', 'import sys; sys.exit(3)'))
        lines, passed = bench.wall(1)
        assert not passed
        assert sum('exit 3, (no pytest summary line)' in line for line in lines) == 2

    def test_first_failure_of_a_mutant_is_timed(self):
        """Times one hand-written mutant's -x run and reports that it failed."""
        lines, failed = bench.first_failures(1, names=['rlr_eps_inclusive'])
        assert failed, '\n'.join(lines)
        (timed,) = [line for line in lines if line.startswith('  rlr_eps_inclusive (RLR-EPS): ')]
        seconds, = _figure(rf': {NUMBER} s, failed, ', timed)
        assert seconds > 0
        assert lines[-1].startswith('  slowest ')

    def test_mutant_option_names_the_mutants_of_part_4(self):
        """--mutant selects mutants, issue9 the fifteen issue 9 times; an unknown one is refused."""
        from tests.mutants import MUTANTS

        args = bench.parse(['--mutant', 'issue9', '--mutant', 'rlr_eps_inclusive'])
        assert args.mutant == [*bench.ISSUE_9_MUTANTS, 'rlr_eps_inclusive']
        assert len(bench.ISSUE_9_MUTANTS) == 15 and set(bench.ISSUE_9_MUTANTS) <= set(MUTANTS)
        with pytest.raises(SystemExit) as stopped:
            bench.parse(['--mutant', 'no_such_mutant'])
        assert stopped.value.code == 2
