"""How many processes run the suite (conformance/harness/workers.py), and what the controller does.

Child runs as a user types them, without the LR_CONFORMANCE_WORKERS=0 that tests/conftest.py
gives every other child run: the header says how the run is distributed; on two or more cores
the default is xdist workers, and ``-n`` or the environment variable decide otherwise. Under
workers the controller imports neither torch nor mmengine (that is what makes them pay), a bad
``--impl`` or a damaged fixture is still one usage error, and what the workers loaded is printed
at the end of the run and written into the report.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conformance.harness import goldens, workers
from tests.installing import ROOT

SELECTION = ('conformance/test_state_loading.py', '-p', 'no:randomly', '-p', 'no:cacheprovider')
IMPL = ('--impl=reference',)


def _run(*options, selection=SELECTION, **env):
    environment = {key: value for key, value in os.environ.items()
                   if key not in ('LR_CONFORMANCE_WORKERS', 'LR_CONFORMANCE_IMPL')}
    environment.update(env)
    if not any(option.startswith('--impl') for option in options):
        options = IMPL + options
    result = subprocess.run([sys.executable, '-m', 'pytest', *selection, *options], cwd=ROOT,
                            capture_output=True, text=True, timeout=600, env=environment)
    return result.returncode, result.stdout + result.stderr


def _processes_line(output):
    return next(line for line in output.splitlines() if line.startswith('conformance: processes'))


def _cores():
    """The core count xdist's ``auto`` finds here, as the default reads it."""
    from xdist.plugin import pytest_xdist_auto_num_workers

    class _Config:
        option = type('Option', (), {'numprocesses': 'auto'})()

        def getoption(self, name, default=None):
            return getattr(self.option, name, default)

    return pytest_xdist_auto_num_workers(_Config())


def test_default_is_workers_on_two_or_more_cores():
    """Starts min(cores, 4) workers for the whole suite, and says so in the header."""
    cores = _cores()
    code, output = _run('-q', '-v', selection=('conformance', '-p', 'no:cacheprovider'))
    assert code == pytest.ExitCode.OK, output[-3000:]
    count = min(cores, workers.DEFAULT_CAP)
    why = f'the default on {cores} cores; -n 0 or LR_CONFORMANCE_WORKERS=0 for one process'
    if count < 2:
        assert _processes_line(output) == f'conformance: processes one process ({why})'
    else:
        assert _processes_line(output) == f'conformance: processes {count} workers ({why})'
        assert f'created: {count}/{count} workers' in output  # xdist's own line


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
    ((), {'LR_CONFORMANCE_WORKERS': '0'}, 'one process (LR_CONFORMANCE_WORKERS=0)'),
    (('-p', 'no:xdist'), {'LR_CONFORMANCE_WORKERS': '2'},
     'one process (pytest-xdist is not loaded)'),
], ids=['n0', 'n0-over-environment', 'environment-0', 'no-xdist'])
def test_one_process_when_asked(options, env, said):
    """Runs in one process when -n 0, the environment or -p no:xdist says so."""
    code, output = _run(*options, **env)
    assert code == pytest.ExitCode.OK, output[-3000:]
    assert _processes_line(output) == f'conformance: processes {said}'
    assert 'created: ' not in output
    assert 'conformance: loaded from ' in output.split('created: ')[0]  # in the header


@pytest.mark.parametrize(('options', 'said'), [
    ((), 'a test file or node id'),
    (('--subject=RLR-STATE-KEYS',), '--subject'),
    (('-k', 'state'), '-k'),
    (('-m', 'example'), '-m'),
], ids=['file', 'subject', 'keyword', 'marker'])
def test_narrowed_run_is_one_process(options, said):
    """Runs a narrowed selection in one process: its tests cost less than a worker's start-up."""
    selection = SELECTION if not options else ('conformance', '-p', 'no:randomly')
    code, output = _run(*options, selection=selection)
    assert code == pytest.ExitCode.OK, output[-3000:]
    assert _processes_line(output) == ('conformance: processes one process (the default for a '
                                       f'run narrowed by {said}; -n N for workers)')
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


@pytest.mark.parametrize(('value', 'said'), [
    ('no_such_module_here', "module 'no_such_module_here' is not importable"),
    ('tests.forks.mode_type_error:nothing', "has no attribute 'nothing'"),
], ids=['missing-module', 'missing-adapter'])
def test_bad_impl_is_one_usage_error_under_workers(value, said):
    """The workers find the implementation unusable; the controller says why, once."""
    code, output = _run(f'--impl={value}', '-n', '2')
    assert code == pytest.ExitCode.USAGE_ERROR, output[-3000:]
    assert 'created: 2/2 workers' in output
    assert output.count(said) == 1, output[-3000:]
    assert f'ERROR: --impl={value}: ' in output
    assert 'Traceback' not in output and 'INTERNALERROR' not in output, output[-3000:]


def test_controller_imports_neither_torch_nor_mmengine():
    """The controller starts the workers at once: it never pays for torch or mmengine."""
    code, output = _run('-n', '2', '-p', 'tests.probes.controller_modules')
    assert code == pytest.ExitCode.OK, output[-3000:]
    lines = [line for line in output.splitlines() if line.startswith('controller modules:')]
    assert lines == ['controller modules: torch=False mmengine=False mmagic=False'], output[-3000:]


def test_workers_report_what_they_loaded(tmp_path):
    """The header names the --impl value; the end of the run and the report, what was loaded."""
    path = tmp_path / 'report.json'
    code, output = _run('-n', '2', f'--conformance-report={path}')
    assert code == pytest.ExitCode.OK, output[-3000:]
    header, _, rest = output.partition('created: 2/2 workers')
    assert ('conformance: impl=reference (each worker resolves and checks it; what it loaded is '
            'printed at the end of the run)') in header
    assert 'conformance: impl=reference provides=[LinearLrInterval, ReduceLR]' in rest
    assert f'conformance: loaded from {ROOT / "reference" / "__init__.py"}' in rest
    data = json.loads(path.read_text(encoding='utf-8'))
    assert data['implementation'] == {
        'name': 'reference', 'origin': str(ROOT / 'reference' / '__init__.py'),
        'provides': ['LinearLrInterval', 'ReduceLR'], 'is_reference': True}
