"""How many processes run the suite: every core by default, when pytest-xdist is installed.

A run on a two-core machine spends most of its time in checks that do not depend on each other,
so the suite spreads them over ``-n auto`` workers unless the command line says otherwise. Any
``-n``/``--numprocesses``/``--tx`` given by the user wins (``-n 0`` runs in one process), and so
do ``-p no:xdist``, ``--pdb``, ``--collect-only`` and a single-core machine, where extra
processes only cost their start-up; a ``--cov`` run without ``-n`` stays in one process too
(pytest-cov decides where to measure before this default is known). ``LR_CONFORMANCE_WORKERS=0``
turns the default off for an environment (for example a CI step that runs suites side by side).
"""

from __future__ import annotations

import os

ENV_VAR = 'LR_CONFORMANCE_WORKERS'


def choose_default(config) -> str:
    """Sets ``-n`` when nobody did; returns how the run is distributed, for the header."""
    if hasattr(config, 'workerinput'):
        return 'an xdist worker'
    if not config.pluginmanager.hasplugin('xdist'):
        return 'one process (pytest-xdist is not loaded)'
    option = config.option
    given = getattr(option, 'numprocesses', None)
    if given is not None or getattr(option, 'tx', None):
        count = len(option.tx or [])
        return f'{count} workers (as given)' if count else 'one process (as given)'
    if os.environ.get(ENV_VAR) == '0':
        return f'one process ({ENV_VAR}=0)'
    if config.getoption('usepdb', False) or config.getoption('collectonly', False):
        return 'one process'
    if getattr(option, 'cov_source', None):  # pytest-cov decided on one process before this
        return 'one process (--cov without -n: pass -n to distribute)'
    count = config.hook.pytest_xdist_auto_num_workers(config=config) or 1
    if count < 2:
        return 'one process (one core)'
    # What ``-n auto`` does (xdist's own option handling has run already: set its results).
    option.numprocesses = count
    if option.dist == 'no':
        option.dist = 'load'
    option.tx = ['popen'] * count
    return f'{count} workers (the default: -n auto; -n 0 for one process)'


def distributing(config) -> bool:
    """Whether this process hands the tests to xdist workers (the controller of a -n run)."""
    option = config.option
    return (not hasattr(config, 'workerinput') and getattr(option, 'dist', 'no') != 'no'
            and bool(getattr(option, 'tx', None)))
