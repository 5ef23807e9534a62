"""Fake mmagic forks and virtualenvs to install them in, for the fork-gate and guide tests.

A fake fork is what a real one looks like to the suite: a package named ``mmagic`` whose
``__init__`` imports mmcv (not installed here, as on a fork maintainer's CI), holding copies of the
installed mmagic 1.2.0 files the isolated import executes, made at test time (never committed),
optionally with one operator changed.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

from conformance.harness import published

ROOT = Path(__file__).resolve().parents[1]

#: The one change of the modified fork: ReduceLR's eps test lets a decrement equal to eps pass.
EPS_TEST = ('regular_lr - regular_lr * self.factor > self.eps',
            'regular_lr - regular_lr * self.factor >= self.eps')
MODIFIED_FILE = 'mmagic/engine/schedulers/reduce_lr_scheduler.py'

PYPROJECT = '''\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "mmagic"
version = "1.2.0+fork"

[tool.setuptools.packages.find]
include = ["mmagic*"]
'''

#: Package __init__ files as a real fork has them: they need mmcv, and the suite never runs them.
INITS = {
    'mmagic/__init__.py': 'import mmcv  # noqa: F401  (a real fork needs mmcv and friends)\n',
    'mmagic/engine/__init__.py': 'from .hooks import *  # noqa: F403\n',
    'mmagic/engine/hooks/__init__.py': 'from .reduce_lr_scheduler_hook import *  # noqa: F403\n',
    'mmagic/engine/schedulers/__init__.py': 'from .reduce_lr_scheduler import *  # noqa: F403\n',
}


def installed_upstream() -> importlib.metadata.Distribution:
    """The mmagic distribution installed in this interpreter; it must be 1.2.0 as published."""
    dist = importlib.metadata.distribution('mmagic')
    assert dist.version == published.VERSION, (
        f'these tests copy mmagic {published.VERSION} files, but {dist.version} is installed')
    return dist


def build(directory: Path, *, modified: bool) -> Path:
    """Write a fork into ``directory`` (returned); ``modified``: with EPS_TEST applied."""
    dist = installed_upstream()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / 'pyproject.toml').write_text(PYPROJECT)
    for path, text in INITS.items():
        (directory / path).parent.mkdir(parents=True, exist_ok=True)
        (directory / path).write_text(text)
    for path, digest in published.FILES.items():
        data = Path(dist.locate_file(path)).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, f'installed {path} is not as published'
        if modified and path == MODIFIED_FILE:
            text = data.decode()
            assert text.count(EPS_TEST[0]) == 1, f'{path}: the eps test is not where expected'
            data = text.replace(*EPS_TEST).encode()
        (directory / path).parent.mkdir(parents=True, exist_ok=True)
        (directory / path).write_bytes(data)
    return directory


def shared_venv(directory: Path) -> Path:
    """A fresh virtualenv that sees this interpreter's packages (torch, mmengine, pytest, pip...)
    except mmagic and this project, as a fork maintainer's environment does after the guide's
    ``pip install --no-deps -e fork`` replaced upstream mmagic. Returns the new interpreter.

    It stands in for ``venv --system-site-packages`` on top of this project's .venv (which is
    itself a venv, so that option would expose the bare base interpreter instead): a ``.pth``
    file puts a directory of symbolic links to this interpreter's site-packages entries, minus
    ``mmagic``, its dist-info and this project's own, after the new venv's site-packages. The
    suite itself comes from the working directory the tests run it in (the checkout).
    """
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(directory)], check=True)
    python = directory / 'bin' / 'python'
    shared = directory / 'shared-site-packages'
    shared.mkdir()
    for entry in Path(sysconfig.get_path('purelib')).iterdir():
        if not _hidden(entry.name):
            (shared / entry.name).symlink_to(entry)
    own = subprocess.run(
        [str(python), '-c', 'import sysconfig; print(sysconfig.get_path("purelib"))'],
        check=True, capture_output=True, text=True).stdout.strip()
    (Path(own) / 'zz_shared_site.pth').write_text(f'{shared}\n')
    return python


def _hidden(name: str) -> bool:
    """mmagic (to be replaced by the fork), this project (run from the checkout), .pth files."""
    return (name == 'mmagic' or name.endswith('.pth')
            or name.startswith(('mmagic-', 'mmagic_lr_conformance', '__editable__')))


def pip_install_editable(python: Path, fork: Path) -> None:
    """``pip install --no-deps -e fork``, as the guide says."""
    subprocess.run([str(python), '-m', 'pip', 'install', '-q', '--no-deps', '-e', str(fork)],
                   check=True, env=quiet_env())


def quiet_env() -> dict:
    """The environment for child processes: no --impl from the caller's environment."""
    env = dict(os.environ)
    env.pop('LR_CONFORMANCE_IMPL', None)
    env.pop('PYTHONPATH', None)
    return env
