"""Two costs of a pytest run that the suite's verdict does not need, turned off.

- Log capture. pytest (9.x) attaches its capture handlers to every non-propagating logger
  around each phase of each test, and torch defines about forty of them: with 2,400 tests that
  was about a tenth of a run. The suite reads no log record (no check uses ``caplog``), so
  once the tests are collected pytest's logging plugin is unregistered, unless the command line
  or the ini file asks for logging (``--log-level``, ``--log-cli-level``, ``--log-file``,
  ``log_cli``, ...): then it stays as the user configured it. Log records still reach stderr,
  which pytest captures per test and shows with a failure.
- Garbage collection of what never becomes garbage. After collection, torch, mmengine and the
  decoded goldens are a few million objects that every full collection walks again; they are
  moved to the permanent generation (:func:`gc.freeze`), which the collector skips.
- Garbage collection while they are made. Importing torch, mmengine and sympy and collecting
  2,400 tests triggered eight full collections, each walking everything imported so far: 1.8 s
  of every process's start-up (measured with ``gc.callbacks``). The collector is paused from the
  moment the suite's conftest is imported until the tests are collected, then one collection
  and the freeze run, and it is on again for the tests. A process that collects nothing (the
  controller of a distributed run) turns it back on at once.
- Garbage collection at exit. The interpreter's finalization walks every object that is not
  frozen, several times: after the tests, in a process that imported torch and mmengine, that
  took a second or more (1.6 s for a bare ``import mmengine.optim``; 0.4 s with everything
  frozen). The process exits as soon as its session is over, so everything is frozen then too.
"""

from __future__ import annotations

import gc

#: Command-line options (dest) and ini names that ask pytest for logging.
LOG_OPTIONS = ('log_level', 'log_cli_level', 'log_file', 'log_file_level')
LOG_INI = ('log_cli', 'log_level', 'log_cli_level', 'log_file', 'log_file_level')


def logging_asked(config) -> bool:
    """Whether the user configured pytest's logging for this run."""
    if any(config.getoption(name, None) for name in LOG_OPTIONS):
        return True
    return any(_ini(config, name) for name in LOG_INI)


def _ini(config, name):
    try:
        return config.getini(name)
    except ValueError:  # an ini name this pytest does not know
        return None


def describe(config) -> str:
    """The header's account of log capture."""
    if logging_asked(config):
        return 'on, as configured'
    return 'off (records go to stderr, captured per test; a --log-* option turns it on)'


def quiet_log_capture(config) -> bool:
    """Unregister pytest's logging plugin unless logging was asked for; True if it was."""
    plugin = config.pluginmanager.get_plugin('logging-plugin')
    if plugin is None or logging_asked(config):
        return False
    config.pluginmanager.unregister(plugin)
    return True


def pause_collector():
    """Pause garbage collection for the start-up (see the module docstring)."""
    gc.disable()


def resume_collector():
    """Turn garbage collection back on (idempotent)."""
    gc.enable()


def freeze_for_exit():
    """At the end of the session: nothing left is worth collecting before the process exits."""
    gc.enable()
    gc.freeze()


def freeze_collected_objects():
    """Exclude every object alive now from garbage collection, then collect as usual again."""
    gc.collect()
    gc.freeze()
    resume_collector()
