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


def freeze_collected_objects():
    """Exclude every object alive now from garbage collection (see the module docstring)."""
    gc.collect()
    gc.freeze()
