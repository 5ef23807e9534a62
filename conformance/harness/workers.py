"""How many processes run the suite: one, unless the command line or the environment asks for more.

pytest-xdist was the default once (``-n auto``). Measured on the two-core machine this project is
built on, it made the default run slower, not faster: one process took 38 s; two workers took 44 s
on a quiet machine and 70 s with one other job running, because each worker repeats the start-up
(torch, mmengine and collecting 2,400 tests: about 8 s) and the controller competes with the
workers for the two cores. So the suite runs in one process unless ``-n``/``--numprocesses``/
``--tx`` is given, or ``LR_CONFORMANCE_WORKERS`` is ``auto`` or a number (for a CI step on a
machine with many cores). Whatever is chosen, the header says it.
"""

from __future__ import annotations

import os

import pytest

ENV_VAR = 'LR_CONFORMANCE_WORKERS'


def choose_default(config) -> str:
    """Sets ``-n`` from the environment when the command line did not; returns the header text."""
    if hasattr(config, 'workerinput'):
        return 'an xdist worker'
    if not config.pluginmanager.hasplugin('xdist'):
        return 'one process (pytest-xdist is not loaded)'
    option = config.option
    given = getattr(option, 'numprocesses', None)
    if given is not None or getattr(option, 'tx', None):
        count = len(option.tx or [])
        return f'{count} workers (as given)' if count else 'one process (as given)'
    wanted = os.environ.get(ENV_VAR, '').strip()
    if wanted in ('', '0'):
        return f'one process (the default; -n N or {ENV_VAR}=N for workers)'
    if config.getoption('usepdb', False) or config.getoption('collectonly', False):
        return 'one process'
    if getattr(option, 'cov_source', None):  # pytest-cov decided on one process before this
        return f'one process (--cov ignores {ENV_VAR}: pass -n to distribute)'
    if wanted == 'auto':
        count = config.hook.pytest_xdist_auto_num_workers(config=config) or 1
    elif wanted.isdigit():
        count = int(wanted)
    else:
        raise pytest.UsageError(f'{ENV_VAR}={wanted!r}: expected auto or a number of workers')
    if count < 2:
        return f'one process ({ENV_VAR}={wanted})'
    # What ``-n N`` does (xdist's own option handling has run already: set its results).
    option.numprocesses = count
    if option.dist == 'no':
        option.dist = 'load'
    option.tx = ['popen'] * count
    return f'{count} workers ({ENV_VAR}={wanted})'


def distributing(config) -> bool:
    """Whether this process hands the tests to xdist workers (the controller of a -n run)."""
    option = config.option
    return (not hasattr(config, 'workerinput') and getattr(option, 'dist', 'no') != 'no'
            and bool(getattr(option, 'tx', None)))
