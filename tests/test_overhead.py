"""The suite turns off pytest's log capture unless logging is asked for (harness/overhead.py).

pytest attaches its handler to each of torch's non-propagating loggers around every test phase;
the suite unregisters the logging plugin after collection. A user who asks for logging keeps it.
"""

from __future__ import annotations

import pytest

from conformance.harness import overhead
from tests.test_workers import _run  # a child run of a small selection, header included


class _Config:
    def __init__(self, options=None, ini=None):
        self.options, self.ini = options or {}, ini or {}

    def getoption(self, name, default=None):
        return self.options.get(name, default)

    def getini(self, name):
        if name not in overhead.LOG_INI:
            raise ValueError(name)
        return self.ini.get(name)


@pytest.mark.parametrize(('options', 'ini', 'asked'), [
    ({}, {}, False),
    ({'log_level': 'INFO'}, {}, True),
    ({'log_cli_level': 'DEBUG'}, {}, True),
    ({'log_file': 'run.log'}, {}, True),
    ({}, {'log_cli': True}, True),
    ({}, {'log_level': 'WARNING'}, True),
], ids=['nothing', 'log-level', 'log-cli-level', 'log-file', 'ini-log-cli', 'ini-log-level'])
def test_logging_asked(options, ini, asked):
    """Counts a logging option on the command line or in the ini file as asking for logging."""
    assert overhead.logging_asked(_Config(options, ini)) is asked


def _line(output):
    return next(line for line in output.splitlines()
                if line.startswith('conformance: pytest log capture'))


def test_default_run_turns_capture_off():
    """Says in the header that log capture is off, and passes."""
    code, output = _run()
    assert code == pytest.ExitCode.OK, output[-3000:]
    assert _line(output).startswith('conformance: pytest log capture off')


def test_a_log_option_keeps_capture(tmp_path):
    """Keeps pytest's logging when --log-file is given: pytest writes the log file."""
    log = tmp_path / 'run.log'
    code, output = _run(f'--log-file={log}', '--log-file-level=DEBUG')
    assert code == pytest.ExitCode.OK, output[-3000:]
    assert _line(output) == 'conformance: pytest log capture on, as configured'
    assert log.is_file()


def test_quiet_capture_unregisters_only_without_a_request(pytester):
    """Unregisters the logging plugin for a plain run and leaves it for --log-level."""
    plain = pytester.parseconfigure()
    assert overhead.quiet_log_capture(plain) is True
    assert plain.pluginmanager.get_plugin('logging-plugin') is None
    asked = pytester.parseconfigure('--log-level=INFO')
    assert overhead.quiet_log_capture(asked) is False
    assert asked.pluginmanager.get_plugin('logging-plugin') is not None
