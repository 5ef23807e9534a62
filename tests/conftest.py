"""The project's own meta-tests: pytester runs the conformance suite as a user would."""

import os

pytest_plugins = ['pytester']

# Every child run of the suite (pytester's and subprocess's inherit this) runs in one process,
# whatever LR_CONFORMANCE_WORKERS the environment of this run has: its exit code and output stay
# those of one pytest, and the child starts no workers beside this run's own (-n 2).
# tests/test_workers.py unsets it where the default itself is under test.
os.environ['LR_CONFORMANCE_WORKERS'] = '0'


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'mutation: runs the suite on a mutant or on the rewrite (slow)'
    )
    config.addinivalue_line(
        'markers', 'venv: builds virtualenvs and installs into them with pip (slow; needs the '
        'package index)'
    )
