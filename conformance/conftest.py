"""The suite's options, header, markers and isolation.

``--impl`` is resolved once, in ``pytest_configure``; a bad value stops the run with a usage
error that says what is wrong. Every test runs with an empty MessageHub registry.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from conformance.harness import impl as impl_module
from conformance.harness.adapters import isolated_message_hubs

settings.register_profile(
    'ci',
    max_examples=60,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    'thorough',
    max_examples=2000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile('ci')

_ADAPTER_KEY = pytest.StashKey()


def pytest_addoption(parser):
    group = parser.getgroup('conformance', 'mmagic lr scheduler conformance')
    group.addoption(
        '--impl',
        dest='conformance_impl',
        default=None,
        metavar='VALUE',
        help=(
            'implementation under test: reference, mmagic, a module path, or module:adapter. '
            f'Default: ${impl_module.ENV_VAR}, else {impl_module.DEFAULT!r}.'
        ),
    )


def pytest_configure(config):
    config.addinivalue_line('markers', 'clause(*ids): the specification clauses a test checks')
    config.addinivalue_line(
        'markers', 'scheduler(*names): the schedulers a test needs from the implementation'
    )
    config.addinivalue_line('markers', 'runner: runs a real mmengine Runner (slower)')
    value = impl_module.choose(config.getoption('conformance_impl'))
    try:
        config.stash[_ADAPTER_KEY] = impl_module.resolve(value)
    except impl_module.ImplError as exc:
        raise pytest.UsageError(str(exc)) from None


def pytest_report_header(config):
    adapter = config.stash[_ADAPTER_KEY]
    found = impl_module.versions()
    provides = ', '.join(sorted(adapter.provides))
    return [
        f'conformance: impl={adapter.name} provides=[{provides}]',
        f'conformance: loaded from {adapter.origin}',
        'conformance: versions mmagic={mmagic} mmengine={mmengine} torch={torch}'.format(**found),
        f'conformance: mmengine {found["mmengine"]} {_measured(found["mmengine"])}',
        f'conformance: hypothesis profile={settings._current_profile}',
    ]


def _measured(version):
    if version == impl_module.NORMATIVE_MMENGINE:
        return 'is the normative release of docs/spec.md'
    if version in impl_module.MEASURED_MMENGINE:
        return 'was measured to behave as the normative release (docs/versions.md)'
    return 'was NOT measured: see docs/versions.md before trusting this run'


def pytest_runtest_setup(item):
    adapter = item.config.stash[_ADAPTER_KEY]
    for marker in item.iter_markers('scheduler'):
        missing = [name for name in marker.args if name not in adapter.provides]
        if missing:
            pytest.skip(f'not applicable: {adapter.name} provides no {", ".join(missing)}')


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Every failure names the clauses its test cites, whatever its assertion message says."""
    report = yield
    if report.failed:
        cited = [cid for marker in item.iter_markers('clause') for cid in marker.args]
        report.sections.append(('conformance clauses', ', '.join(cited) or '(none cited)'))
    return report


@pytest.fixture(scope='session')
def adapter(request):
    """The adapter for the implementation under test."""
    return request.config.stash[_ADAPTER_KEY]


@pytest.fixture(scope='session')
def reference_adapter():
    """The reference, for side-by-side runs."""
    return impl_module.resolve('reference')


@pytest.fixture(autouse=True)
def _isolated_hubs():
    """mmengine's MessageHub registry is global: give each test an empty one."""
    with isolated_message_hubs():
        yield


def require(adapter, scenario):
    """Skip as not applicable when the implementation lacks a scheduler the scenario uses."""
    missing = sorted(scenario.scheduler_types - adapter.provides)
    if missing:
        pytest.skip(f'not applicable: {adapter.name} provides no {", ".join(missing)}')
