"""docs/fork-gate.yml, the ready workflow for forks, runs: its shell steps against a fake fork.

The test reads the workflow and runs each of its ``run:`` steps, in order, with bash as GitHub
Actions does (``bash --noprofile --norc -eo pipefail``), in a temporary fork directory, with the
workflow's ``env`` and these replacements:

- ``actions/checkout``: replaced by the fake fork the test writes (the steps run inside it): a
  package ``mmagic`` holding copies of the installed mmagic 1.2.0's scheduler files, hook file and
  registry, whose package ``__init__`` imports mmcv (not installed, as in a real fork's CI without
  mmagic's requirements), plus an empty conformance-deviations.toml;
- ``actions/setup-python``: replaced by a fresh virtualenv first on PATH;
- ``actions/upload-artifact``: replaced by checking that the directory it uploads holds the report;
- ``CONFORMANCE_SUITE`` (where pip gets the suite) is a copy of this checkout, and
  ``TORCH_INDEX_URL`` is empty: this machine installs torch 2.13.0 (CPU) from its own wheel, and
  reaches no other index. ``RUNNER_TEMP`` is a temporary directory.

Every other step runs as written: the pins, the torch install, the suite and mmengine install,
``pip install --no-deps -e .`` of the fork, and the gate itself, to which the test adds
``--subject`` options for tests/test_fork_gate.SUBJECTS: the whole suite from an installed copy
is tests/test_install.py's run, so this one checks the workflow's steps, not the suite again.
"""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from conformance.harness.upstream import location
from tests import installing
from tests.installing import ROOT
from tests.test_fork_gate import SUBJECTS

WORKFLOW = ROOT / 'docs' / 'fork-gate.yml'
#: The ``uses:`` steps the test replaces, and what it does instead (module docstring).
REPLACED = {
    'actions/checkout': 'the fake fork is the working directory',
    'actions/setup-python': 'a fresh virtualenv is first on PATH',
    'actions/upload-artifact': 'conformance-report/ must hold report.json',
}
#: Upstream's files a fork carries, relative to the mmagic package.
FORK_FILES = (
    'registry.py',
    'engine/schedulers/__init__.py',
    'engine/schedulers/linear_lr_scheduler_with_interval.py',
    'engine/schedulers/reduce_lr_scheduler.py',
    'engine/hooks/reduce_lr_scheduler_hook.py',
)
REPORT = 'conformance-report/report.json'


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding='utf-8'))


def steps() -> list:
    (job,) = workflow()['jobs'].values()
    return job['steps']


def make_fork(target: pytest.TempPathFactory):
    """A fake fork: upstream's scheduler files in a package whose __init__ needs mmcv."""
    upstream = location()  # works after an isolated import left a bare, spec-less mmagic
    if upstream is None:
        pytest.fail('mmagic 1.2.0 is not installed here (pip install --no-deps mmagic==1.2.0): '
                    'the fake fork copies its scheduler files')
    package = target / 'mmagic'
    for name in FORK_FILES:
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f'{upstream}/{name}', package / name)
    (package / '__init__.py').write_text('import mmcv  # noqa: F401  (a fork needs mmcv too)\n')
    (package / 'engine' / '__init__.py').write_text('from .hooks import *  # noqa\n'
                                                    'from .schedulers import *  # noqa\n')
    (package / 'engine' / 'hooks' / '__init__.py').write_text(
        'from .reduce_lr_scheduler_hook import ReduceLRSchedulerHook  # noqa: F401\n')
    (target / 'pyproject.toml').write_text(
        '[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n'
        '\n[project]\nname = "mmagic"\nversion = "1.2.0"\n'
        '\n[tool.setuptools.packages.find]\ninclude = ["mmagic*"]\n')
    (target / 'conformance-deviations.toml').write_text('# this fork declares no deviations\n')
    return target


def test_runs_only_the_replaced_actions_besides_shell_steps():
    """Uses no action but the three the test replaces, and uploads the report always."""
    used = [step['uses'].split('@')[0] for step in steps() if 'uses' in step]
    assert sorted(used) == sorted(REPLACED)
    assert all(('uses' in step) != ('run' in step) for step in steps())
    (upload,) = [step for step in steps() if step.get('uses', '').startswith(
        'actions/upload-artifact')]
    assert upload['if'] == 'always()'
    assert upload['with']['path'].rstrip('/') == REPORT.split('/')[0]


def test_pins_the_releases_of_constraints_txt():
    """Pins the torch and mmengine releases that constraints.txt pins."""
    pins, env = installing.constraint_pins(), workflow()['env']
    assert env['TORCH_VERSION'] == pins['torch']
    assert env['MMENGINE_VERSION'] == pins['mmengine']


def test_gate_runs_the_documented_command():
    """Runs the gate on the installed mmagic with the deviations file and the report option."""
    (gate,) = [step for step in steps() if 'pytest' in step.get('run', '')]
    command = ' '.join(gate['run'].replace('\\\n', ' ').split())
    assert command == ('python -m pytest --pyargs conformance --impl=mmagic '
                       '--deviations=conformance-deviations.toml '
                       f'--conformance-report={REPORT}')


@pytest.mark.install
@pytest.mark.xdist_group('workflow')
def test_shell_steps_gate_a_fake_fork(tmp_path_factory):
    """Installs the suite and an unmodified fork, passes the gate and writes the report."""
    base = tmp_path_factory.mktemp('workflow')
    source = installing.source_copy(base / 'suite')
    fork = make_fork(base / 'fork')
    runner_temp = base / 'runner-temp'
    runner_temp.mkdir()
    venv = installing.Venv.create(base / 'venv')
    env = venv.env(**{name: str(value) for name, value in workflow()['env'].items()})
    env.update(CONFORMANCE_SUITE=str(source), TORCH_INDEX_URL='', RUNNER_TEMP=str(runner_temp),
               GITHUB_WORKSPACE=str(fork), CI='true')
    ran = []
    for number, step in enumerate(steps()):
        if 'uses' in step:
            continue
        name = step.get('name', f'step {number}')
        script = runner_temp / f'step{number}.sh'
        text = step['run']
        if 'pytest' in text:
            text = text.rstrip('\n') + ' ' + ' '.join(f'--subject={s}' for s in SUBJECTS) + '\n'
        script.write_text(text)
        result = venv.timed(f'workflow step: {name}',
                            ['bash', '--noprofile', '--norc', '-eo', 'pipefail', str(script)],
                            cwd=fork, env=env, timeout=3000)
        output = result.stdout + result.stderr
        assert result.returncode == 0, f'step {name!r} exited {result.returncode}\n{output[-8000:]}'
        ran.append(name)
        if 'pytest' in step['run']:
            lines = installing.header(output)
            assert any(str(fork / 'mmagic') in line for line in lines), lines
    assert len(ran) == len([step for step in steps() if 'run' in step]) >= 5
    missing = venv.timed('mmcv is absent', [venv.python, '-c', 'import mmcv'], env=env)
    assert missing.returncode != 0, 'mmcv is installed: the fake fork would import fully'
    assert (fork / REPORT).is_file(), 'the gate wrote no report for the upload step'
    report = json.loads((fork / REPORT).read_text(encoding='utf-8'))
    assert {report['clauses'][s]['status'] for s in SUBJECTS} == {'passed'}, report['totals']
