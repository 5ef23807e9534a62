"""The suite's options, header, markers and isolation.

``--impl`` is resolved once, in ``pytest_configure``, and the implementation is checked to be
judgeable (each scheduler constructs and steps); a bad value stops the run with one usage error
that says what is wrong. Every test has exactly one subject clause (``subject`` marker) and
runs with an empty MessageHub registry.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from conformance.harness import clauses, deviations, isolation, reporting
from conformance.harness import impl as impl_module

settings.register_profile(
    'ci',
    max_examples=60,
    derandomize=True,
    database=None,
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
DEVIATIONS_KEY = pytest.StashKey()
MARKERS = (
    'subject(id): the one specification clause a test was built to pin',
    'touches(*ids): other clauses the test depends on',
    'scheduler(*names): the schedulers a test needs from the implementation',
    "example: runs a clause's own reproduction from docs/spec.md (never its subject test)",
    'runner: runs a real mmengine Runner (slower)',
)


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
    group.addoption(
        '--subject',
        dest='conformance_subjects',
        action='append',
        default=[],
        metavar='ID',
        help='run only the checks whose subject is clause ID (repeatable). Default: all.',
    )
    reporting.addoption(group)


def pytest_configure(config):
    for line in MARKERS:
        config.addinivalue_line('markers', line)
    try:
        choice = impl_module.choose(config.getoption('conformance_impl'))
        adapter = impl_module.resolve(choice)
        impl_module.check(adapter, choice.label)
    except impl_module.ImplError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[_ADAPTER_KEY] = adapter
    _check_subjects(config.getoption('conformance_subjects'))
    reporting.configure(config, _ADAPTER_KEY, DEVIATIONS_KEY, subject_of)


def _check_subjects(wanted):
    """Refuse a --subject that names no clause: it would select nothing and look like a pass."""
    defined = clauses.defined()
    unknown = [cid for cid in wanted if cid not in defined]
    if unknown:
        hints = [f'{cid} (did you mean {cid.upper()}?)' if cid.upper() in defined else cid
                 for cid in unknown]
        raise pytest.UsageError(f'--subject names no clause of docs/spec.md: {", ".join(hints)}')


def pytest_report_header(config):
    adapter = config.stash[_ADAPTER_KEY]
    found = impl_module.versions()
    provides = ', '.join(sorted(adapter.provides))
    state = ('read attribute by attribute' if getattr(adapter, 'exposes_state', False)
             else 'not exposed by the adapter: state checks are not applicable')
    lines = [
        f'conformance: impl={adapter.name} provides=[{provides}]',
        f'conformance: loaded from {adapter.origin}',
        'conformance: versions mmagic={mmagic} mmengine={mmengine} torch={torch}'.format(**found),
        f'conformance: mmengine {found["mmengine"]} {_measured(found["mmengine"])}',
        f'conformance: scheduler state {state}',
        f'conformance: hypothesis profile={settings._current_profile}',
    ]
    if getattr(adapter, 'is_reference', False):
        lines.append('conformance: the candidate is the reference: side-by-side checks against '
                     'the reference are not applicable')
    lines += reporting.header_lines(config)
    return lines


def _measured(version):
    if version == impl_module.NORMATIVE_MMENGINE:
        return 'is the normative release of docs/spec.md'
    if version in impl_module.MEASURED_MMENGINE:
        return 'was measured to behave as the normative release (docs/versions.md)'
    return 'was NOT measured: see docs/versions.md before trusting this run'


def subject_of(item):
    """The clause a test pins: its closest ``subject`` marker's one argument (None if absent)."""
    marker = item.get_closest_marker('subject')
    if marker is None or len(marker.args) != 1:
        return None
    return marker.args[0]


def pytest_collection_modifyitems(config, items):
    unmarked = [item.nodeid for item in items if subject_of(item) is None]
    if unmarked:
        raise pytest.UsageError(
            'every conformance test needs exactly one subject clause '
            '(@pytest.mark.subject("ID")); these have none or several:\n  '
            + '\n  '.join(unmarked[:20]))
    wanted = set(config.getoption('conformance_subjects'))
    if wanted:
        kept = [item for item in items if subject_of(item) in wanted]
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


def pytest_runtest_setup(item):
    adapter = item.config.stash[_ADAPTER_KEY]
    for marker in item.iter_markers('scheduler'):
        missing = [name for name in dict.fromkeys(marker.args) if name not in adapter.provides]
        if missing:
            pytest.skip(f'not applicable: {adapter.name} provides no {", ".join(missing)}')


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Every failure names the clause it pins, whatever its assertion message says."""
    report = yield
    if report.failed:
        touched = [cid for marker in item.iter_markers('touches') for cid in marker.args]
        report.sections.append(('conformance clause',
                                f'subject: {subject_of(item)}; touches: '
                                f'{", ".join(dict.fromkeys(touched)) or "-"}'))
    return report


@pytest.fixture(scope='session')
def adapter(request):
    """The adapter for the implementation under test."""
    return request.config.stash[_ADAPTER_KEY]


@pytest.fixture(scope='session')
def declared(request):
    """The deviations the candidate declares (``--deviations``); empty when none."""
    return request.config.stash.get(DEVIATIONS_KEY, deviations.NONE)


@pytest.fixture(scope='session')
def classes(adapter):
    """The implementation's classes, for tests that construct and call schedulers directly."""
    found = getattr(adapter, 'classes', None)
    if not found:
        pytest.skip(f'not applicable: the adapter {adapter.name} exposes no classes; this test '
                    "constructs schedulers directly with upstream's interface")
    return found


@pytest.fixture(scope='session')
def reference_adapter(adapter):
    """The reference, for side-by-side runs; such a run on the reference itself checks nothing."""
    if getattr(adapter, 'is_reference', False):
        pytest.skip('not applicable: the candidate is the reference itself, and a side-by-side '
                    'run would compare it with itself')
    return impl_module.resolve('reference')


@pytest.fixture(scope='session')
def upstream_adapter():
    """Upstream mmagic, for checks whose counterpart is upstream itself (interop, its hook)."""
    try:
        return impl_module.resolve('mmagic')
    except impl_module.ImplError as exc:
        pytest.skip(f'not applicable: upstream mmagic is not installed, so there is nothing to '
                    f'check against ({exc})')


@pytest.fixture(autouse=True)
def _isolated_global_state():
    """mmengine's MessageHub registry and loggers are global: give each test its own."""
    with isolation.isolated():
        yield
