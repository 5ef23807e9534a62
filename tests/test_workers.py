"""The suite runs in one process unless asked for workers (conformance/harness/workers.py).

Child runs as a user types them, without the LR_CONFORMANCE_WORKERS=0 that tests/conftest.py
gives every other child run: the header says how the run is distributed, ``-n`` or the
environment variable asks for workers, and a damaged fixture is still one error, not one per
worker.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conformance.harness import goldens
from tests.installing import ROOT

SELECTION = ('conformance/test_state_loading.py', '--impl=reference', '-p', 'no:randomly',
             '-p', 'no:cacheprovider')


def _run(*options, **env):
    environment = {key: value for key, value in os.environ.items()
                   if key not in ('LR_CONFORMANCE_WORKERS', 'LR_CONFORMANCE_IMPL')}
    environment.update(env)
    result = subprocess.run([sys.executable, '-m', 'pytest', *SELECTION, *options], cwd=ROOT,
                            capture_output=True, text=True, timeout=600, env=environment)
    return result.returncode, result.stdout + result.stderr


def _processes_line(output):
    return next(line for line in output.splitlines() if line.startswith('conformance: processes'))


def test_default_is_one_process():
    """Runs in one process when nothing asks for workers, and says so in the header."""
    code, output = _run()
    assert code == pytest.ExitCode.OK, output[-3000:]
    assert _processes_line(output) == ('conformance: processes one process (the default; -n N '
                                       'or LR_CONFORMANCE_WORKERS=N for workers)')
    assert 'created: ' not in output


@pytest.mark.parametrize(('options', 'env', 'said'), [
    (('-n', '2'), {}, '2 workers (as given)'),
    ((), {'LR_CONFORMANCE_WORKERS': '2'}, '2 workers (LR_CONFORMANCE_WORKERS=2)'),
], ids=['n2', 'environment'])
def test_workers_when_asked(options, env, said):
    """Runs with xdist workers when -n or the environment variable asks for them."""
    code, output = _run(*options, **env)
    assert code == pytest.ExitCode.OK, output[-3000:]
    assert _processes_line(output) == f'conformance: processes {said}'
    assert 'created: 2/2 workers' in output  # xdist's own line: workers really started


@pytest.mark.parametrize(('options', 'env', 'said'), [
    (('-n', '0'), {}, 'one process (as given)'),
    (('-n', '0'), {'LR_CONFORMANCE_WORKERS': '2'}, 'one process (as given)'),
    (('-p', 'no:xdist'), {'LR_CONFORMANCE_WORKERS': '2'},
     'one process (pytest-xdist is not loaded)'),
], ids=['n0', 'n0-over-environment', 'no-xdist'])
def test_explicit_choice_wins(options, env, said):
    """Runs in one process when -n 0 or -p no:xdist says so, whatever the environment says."""
    code, output = _run(*options, **env)
    assert code == pytest.ExitCode.OK, output[-3000:]
    assert _processes_line(output) == f'conformance: processes {said}'
    assert 'created: ' not in output


def test_bad_environment_value_is_a_usage_error():
    """Refuses an LR_CONFORMANCE_WORKERS that is neither auto nor a number, naming it."""
    code, output = _run(LR_CONFORMANCE_WORKERS='many')
    assert code == pytest.ExitCode.USAGE_ERROR, output[-3000:]
    assert "LR_CONFORMANCE_WORKERS='many': expected auto or a number of workers" in output


def test_damaged_fixture_is_one_error_under_workers(tmp_path):
    """Stops a distributed run on a hand-edited fixture with one usage error, before workers."""
    copy = tmp_path / 'fixtures'
    shutil.copytree(goldens.FIXTURES, copy)
    target = copy / 'window.json'
    target.write_text(target.read_text(encoding='utf-8').replace('"lrs"', '"lrs" ', 1),
                      encoding='utf-8')
    code, output = _run('-n', '2', LR_CONFORMANCE_FIXTURES=str(copy))
    assert code == pytest.ExitCode.USAGE_ERROR, output[-3000:]
    assert output.count('checksum mismatch') == 1, output[-3000:]
    assert 'window.json' in output
