"""pytest plugin (entry point ``pytest11``): lets an installed suite run with ``--pyargs``.

``python -m pytest --pyargs conformance --impl=mmagic`` from any directory: pytest parses the
command line before it collects anything, and it loads the conftest.py files of path arguments
only, so without help the suite's own options (``--impl`` and the others that
conformance/conftest.py adds) would be "unrecognized arguments". When the command line collects
this package by module name (``--pyargs conformance`` or ``--pyargs conformance.test_x``), this
plugin points pytest's initial-conftest loading at the installed package's directory, so
conformance/conftest.py is loaded exactly as for ``python -m pytest conformance`` in a checkout,
and supplies the settings of pyproject.toml's ``[tool.pytest.ini_options]`` that must be known
before conftest.py is imported or that conftest.py cannot set: the import mode, ``-ra``, and the
warning filters (as ``-W``, so they hold while conftest.py imports mmengine). conftest.py
registers the markers, adds the same warning filters, and checks markers as --strict-markers.

In every other run (a fork's own tests, in the same environment) it does nothing: it imports no
part of the suite and changes no option. ``-p no:mmagic_lr_conformance`` turns it off.

Being a pytest11 plugin makes pytest rewrite the asserts of every module of this distribution
when they are imported; the reference modules whose asserts write upstream's messages opt out with
PYTEST_DONT_REWRITE in their docstrings (tests/test_install.py checks that they do).
"""

from __future__ import annotations

import importlib.util

import pytest

PACKAGE = 'conformance'
#: pyproject.toml's addopts that matter outside the checkout, by the option each one sets: the
#: import mode, and the summary of skips ("not applicable") and failures. A command line that
#: names the option keeps its own value (these go first, and the last value wins).
SETTINGS = {'--import-mode': '--import-mode=importlib', '-r': '-ra'}
#: The suite's warning filters (pyproject.toml's filterwarnings; conftest.py adds them as well).
WARNING_FILTERS = (
    'error::pytest.PytestUnraisableExceptionWarning',
    # mmengine calls torch.jit.script and torch.jit.interface while it is imported;
    # torch 2.13 deprecates both.
    'ignore:`torch.jit.script` is deprecated:DeprecationWarning',
    'ignore:`torch.jit.interface` is deprecated:DeprecationWarning',
)


def suite_paths(targets, pyargs: bool) -> dict:
    """Map each command-line target that names this package (or a module of it) by module name
    to its file or directory; empty when ``--pyargs`` is off or no target names the suite."""
    found = {}
    if not pyargs:
        return found
    for target in targets:
        name = str(target).split('::', 1)[0]
        if name != PACKAGE and not name.startswith(PACKAGE + '.'):
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        if spec.submodule_search_locations:
            found[target] = next(iter(spec.submodule_search_locations))
        elif spec.origin:
            found[target] = spec.origin
    return found


def _names(args, option: str) -> bool:
    return any(str(arg).startswith(option) for arg in args)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    namespace = early_config.known_args_namespace
    targets = list(namespace.file_or_dir or [])
    paths = suite_paths(targets, bool(namespace.pyargs))
    if not paths:
        return (yield)
    given = list(args)
    for option, setting in SETTINGS.items():
        if not _names(given, option):
            args.insert(0, setting)
    # Before the user's own -W, which therefore still win.
    args[:0] = [f'-W{line}' for line in WARNING_FILTERS]
    namespace.pythonwarnings = [*WARNING_FILTERS, *(namespace.pythonwarnings or [])]
    if not _names(given, '--import-mode'):
        namespace.importmode = 'importlib'  # pytest imports the initial conftests with it
    # pytest loads the initial conftests of path arguments: show it the package's path for the
    # duration of that step, then give the command line back untouched.
    namespace.file_or_dir = [paths.get(target, target) for target in targets]
    try:
        return (yield)
    finally:
        namespace.file_or_dir = targets

