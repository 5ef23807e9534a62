"""Prints, at the end of a distributed run, which heavy packages the controller imported."""

import sys


def pytest_terminal_summary(terminalreporter, config):
    if hasattr(config, 'workerinput'):
        return
    found = ' '.join(f'{name}={name in sys.modules}' for name in ('torch', 'mmengine', 'mmagic'))
    terminalreporter.write_line(f'controller modules: {found}')
