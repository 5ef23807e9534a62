"""Fresh virtualenvs for the install and workflow tests: a copy of the checkout, pip, timings.

The tests install a COPY of the checkout's files (those git tracks, plus new ones it does not
ignore), so a build never writes into the checkout and two builds never share one build/ dir.
pip's own cache is reused (no --no-cache-dir): the torch wheel is installed, not downloaded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Variables of the developer's shell that would make a fresh environment less fresh.
DROPPED = ('PYTHONPATH', 'VIRTUAL_ENV', 'PYTHONHOME', 'PYTEST_ADDOPTS', 'PYTEST_PLUGINS',
           'LR_CONFORMANCE_IMPL', 'LR_CONFORMANCE_FIXTURES')
_IGNORED_WHEN_NOT_GIT = ('.git', '.venv', '.tox', 'build', '*.egg-info', '__pycache__',
                         '.pytest_cache', '.hypothesis', '.ruff_cache', '.coverage*', 'htmlcov')


def clean_env(**extra) -> dict:
    """This process's environment without the variables in DROPPED."""
    env = {k: v for k, v in os.environ.items() if k not in DROPPED}
    env.update(extra)
    return env


def source_copy(target: Path) -> Path:
    """Copy the checkout's files (git's view: tracked and new, not ignored) to ``target``."""
    listed = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
                            cwd=ROOT, capture_output=True, text=True)
    if listed.returncode != 0:  # not a git checkout (an unpacked sdist, say)
        shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(*_IGNORED_WHEN_NOT_GIT))
        return target
    for name in filter(None, listed.stdout.split('\0')):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@dataclass
class Venv:
    """A virtualenv made with ``python -m venv``, and how long each command in it took."""

    path: Path
    timings: list = field(default_factory=list)

    @classmethod
    def create(cls, path: Path) -> Venv:
        venv = cls(Path(path))
        venv.timed('python -m venv', [sys.executable, '-m', 'venv', str(path)], check=True)
        return venv

    @property
    def python(self) -> str:
        return str(self.path / 'bin' / 'python')

    def site_packages(self) -> Path:
        code = 'import sysconfig; print(sysconfig.get_paths()["purelib"])'
        found = subprocess.run([self.python, '-c', code], capture_output=True, text=True,
                               check=True, env=self.env())
        return Path(found.stdout.strip())

    def env(self, **extra) -> dict:
        env = clean_env()
        env['PATH'] = f'{self.path / "bin"}{os.pathsep}{env.get("PATH", "")}'
        env['VIRTUAL_ENV'] = str(self.path)
        env.update(extra)
        return env

    def pip(self, *args) -> subprocess.CompletedProcess:
        command = [self.python, '-m', 'pip', '--disable-pip-version-check', '-q', *map(str, args)]
        return self.timed('pip ' + ' '.join(map(str, args)), command, check=True)

    def timed(self, label, command, check=False, **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault('env', self.env())
        start = time.monotonic()
        result = subprocess.run(command, capture_output=True, text=True, **kwargs)
        seconds = time.monotonic() - start
        self.timings.append((label, seconds))
        print(f'[{seconds:7.1f} s] {label}')
        if check and result.returncode != 0:
            raise AssertionError(f'{label} exited {result.returncode}\n'
                                 f'{(result.stdout + result.stderr)[-6000:]}')
        return result


def constraint_pins() -> dict:
    """The ``name==version`` pins of constraints.txt."""
    pins = {}
    for line in (ROOT / 'constraints.txt').read_text(encoding='utf-8').splitlines():
        line = line.split('#', 1)[0].strip()
        if '==' in line:
            name, version = line.split('==', 1)
            pins[name.strip()] = version.strip()
    return pins


def header(output: str) -> list:
    """The ``conformance:`` lines of a pytest header."""
    return [line for line in output.splitlines() if line.startswith('conformance: ')]
