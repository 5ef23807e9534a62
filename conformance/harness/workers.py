"""How many processes run the suite: pytest-xdist workers on two or more cores, else one.

Measured on the two-core machine this project is built on (tools/bench.py, README "Benchmark"):
one process takes about 33 s, start-up (importing torch and mmengine, torch's first optimizer,
collecting 2,400 tests: about 7 s) and then the tests; two workers take about 25 s. Each worker
repeats the start-up, and the controller handles every report. Workers became the default once
the controller stopped importing torch and mmengine itself (conftest.py): before that, it spent
7 s starting up before it started any worker, and two workers were slower than one process.

The default is ``min(cores, 4)`` workers when pytest-xdist is loaded and there are two or more
cores (more workers only repeat the start-up); ``-n``/``--numprocesses``/``--tx`` on the command
line win, and ``LR_CONFORMANCE_WORKERS`` (``auto``, a number, or ``0`` for one process) decides
when they are not given. A run under ``--pdb``, ``--collect-only`` or pytest-cov's ``--cov`` is
one process, and so is a narrowed run (``--subject``, ``-k``, ``-m``, ``--lf``, a test file or
a node id): its few tests take less time than a worker's start-up (a new user's
``--subject=RLR-PATIENCE`` took 22 s with workers, 3 s of tests in one process). Whatever is
chosen, the header says it.
"""

from __future__ import annotations

import os

import pytest

ENV_VAR = 'LR_CONFORMANCE_WORKERS'
#: The most workers the default starts.
DEFAULT_CAP = 4


def choose_default(config) -> str:
    """Sets ``-n`` when the command line did not; returns the header text."""
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
    if wanted == '0':
        return f'one process ({ENV_VAR}=0)'
    if wanted and wanted != 'auto' and not wanted.isdigit():
        raise pytest.UsageError(f'{ENV_VAR}={wanted!r}: expected auto or a number of workers')
    if config.getoption('usepdb', False) or config.getoption('collectonly', False):
        return 'one process'
    if getattr(option, 'cov_source', None):  # pytest-cov decided on one process before this
        return 'one process (--cov: pass -n to distribute)'
    narrowed = _narrowed(config) if not wanted else None
    if narrowed:
        return f'one process (the default for a run narrowed by {narrowed}; -n N for workers)'
    auto = config.hook.pytest_xdist_auto_num_workers(config=config) or 1
    if wanted == 'auto':
        count, why = auto, f'{ENV_VAR}=auto'
    elif wanted:
        count, why = int(wanted), f'{ENV_VAR}={wanted}'
    else:
        count = min(auto, DEFAULT_CAP)
        why = (f'the default on {auto} cores; -n 0 or {ENV_VAR}=0 for one process')
    if count < 2:
        return f'one process ({why})'
    # What ``-n N`` does (xdist's own option handling has run already: set its results).
    option.numprocesses = count
    if option.dist == 'no':
        option.dist = 'load'
    option.tx = ['popen'] * count
    return f'{count} workers ({why})'


def _narrowed(config):
    """What narrows the run to a few tests, if anything does (None for the whole suite)."""
    option = config.option
    for given, what in ((config.getoption('conformance_subjects', None), '--subject'),
                        (getattr(option, 'keyword', ''), '-k'),
                        (getattr(option, 'markexpr', ''), '-m'),
                        (getattr(option, 'lf', False), '--lf')):
        if given:
            return what
    for argument in config.args:
        if '::' in argument or argument.endswith('.py'):
            return 'a test file or node id'
    return None


def distributing(config) -> bool:
    """Whether this process hands the tests to xdist workers (the controller of a -n run)."""
    option = config.option
    return (not hasattr(config, 'workerinput') and getattr(option, 'dist', 'no') != 'no'
            and bool(getattr(option, 'tx', None)))
