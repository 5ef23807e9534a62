"""The suite spreads itself over every core by default (conformance/harness/workers.py).

Child runs as a user types them, without the LR_CONFORMANCE_WORKERS=0 that tests/conftest.py
gives every other child run: the header says how the run is distributed, an explicit ``-n``
or the environment variable wins, and a damaged fixture is still one error, not one per worker.
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


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason='not applicable: one core, no default '
                    'distribution to observe')
def test_default_uses_every_core():
    """Runs with -n auto when nothing says otherwise, and says so in the header."""
    code, output = _run()
    assert code == pytest.ExitCode.OK, output[-3000:]
    assert 'the default: -n auto' in _processes_line(output)
    assert 'created: ' in output  # xdist's own line: workers really started


@pytest.mark.parametrize(('options', 'env', 'said'), [
    (('-n', '0'), {}, 'one process (as given)'),
    ((), {'LR_CONFORMANCE_WORKERS': '0'}, 'one process (LR_CONFORMANCE_WORKERS=0)'),
    (('-p', 'no:xdist'), {}, 'one process (pytest-xdist is not loaded)'),
], ids=['n0', 'environment', 'no-xdist'])
def test_explicit_choice_wins(options, env, said):
    """Runs in one process when -n 0, the environment variable or -p no:xdist says so."""
    code, output = _run(*options, **env)
    assert code == pytest.ExitCode.OK, output[-3000:]
    assert _processes_line(output) == f'conformance: processes {said}'
    assert 'created: ' not in output


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
