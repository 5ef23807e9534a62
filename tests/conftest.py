"""The project's own meta-tests: pytester runs the conformance suite as a user would."""

pytest_plugins = ['pytester']


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'mutation: runs the suite on a mutant or on the rewrite (slow)'
    )
    config.addinivalue_line(
        'markers', 'venv: builds virtualenvs and installs into them with pip (slow; needs the '
        'package index)'
    )
