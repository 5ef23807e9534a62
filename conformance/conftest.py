"""The suite's options, header, markers and isolation.

``--impl`` is resolved once per process that runs tests, in ``pytest_configure``, and the
implementation is checked to be judgeable (each scheduler constructs and steps); a bad value
stops the run with one usage error that says what is wrong. Every test has exactly one subject
clause (``subject`` marker) and runs with an empty MessageHub registry.

Under pytest-xdist (the default on two or more cores, harness/workers.py) the controller runs no
test and never imports torch or mmengine: it parses the options, starts the workers at once, and
learns from them what the implementation is (its facts, for the header and the report) or why it
cannot be judged (one usage error, raised by the controller). This module therefore imports the
harness modules that need torch or mmengine where they are used.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, settings

from conformance import plugin
from conformance.harness import (
    clauses,
    deviations,
    ordering,
    overhead,
    reporting,
    resources,
    workers,
)
from conformance.harness import impl as impl_module

# ci: the same examples on every run, and the first failing example reported as drawn (no
# shrinking: on a faulty implementation it can take minutes). thorough: many more examples, and
# heavier draws (tests take the `thorough` fixture), shrunk to a minimal failing example.
settings.register_profile(
    'ci',
    max_examples=20,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
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
overhead.pause_collector()  # until the tests are collected (harness/overhead.py)

_ADAPTER_KEY = pytest.StashKey()
#: What the header and the report say of the implementation (impl.facts), in every process.
_FACTS_KEY = pytest.StashKey()
#: The --impl value as given (impl.choose), in every process.
_CHOICE_KEY = pytest.StashKey()
#: A worker's reason why the implementation cannot be judged, sent to the controller.
_PROBLEM_KEY = pytest.StashKey()
_WORKER_PROBLEM = 'conformance_usage_error'
_WORKER_FACTS = 'conformance_facts'
DEVIATIONS_KEY = deviations.STASH_KEY
#: Per excused clause: how many of its checks ran, and how many needed the excuse.
_EXCUSE_COUNTS_KEY = pytest.StashKey()
#: The session's config, for hooks that pytest calls without it (pytest_runtest_logreport).
_CONFIG = {}
_WORKERS_KEY = pytest.StashKey()
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
        '--deviations',
        dest='conformance_deviations',
        default=None,
        metavar='FILE',
        help=('a TOML file of the clauses where the implementation deliberately follows an '
              'intent or is excused (docs/deviations.md). Default: none.'),
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
    _CONFIG['config'] = config
    config.stash[_WORKERS_KEY] = workers.choose_default(config)
    _cache_goldens(config)
    if not config.pluginmanager.is_registered(ordering):
        config.pluginmanager.register(ordering, 'conformance-ordering')
    if workers.distributing(config):
        _check_fixtures_once()
    for line in MARKERS:
        config.addinivalue_line('markers', line)
    for line in plugin.WARNING_FILTERS:  # pyproject.toml's, for a run without it
        config.addinivalue_line('filterwarnings', line)
    try:
        config.stash[_CHOICE_KEY] = impl_module.choose(config.getoption('conformance_impl'))
    except impl_module.ImplError as exc:
        raise pytest.UsageError(str(exc)) from None
    _check_subjects(config.getoption('conformance_subjects'))
    config.stash[DEVIATIONS_KEY] = _load_deviations(config.getoption('conformance_deviations'))
    if workers.distributing(config):
        overhead.resume_collector()  # collects no test
        # The workers resolve and check the implementation; pytest_testnodedown hears it.
    elif hasattr(config, 'workerinput'):
        try:
            _judge_implementation(config)
        except pytest.UsageError as exc:  # the controller raises it (pytest_testnodedown)
            config.stash[_PROBLEM_KEY] = config.workeroutput[_WORKER_PROBLEM] = str(exc)
        else:
            config.workeroutput[_WORKER_FACTS] = config.stash[_FACTS_KEY]
    else:
        _judge_implementation(config)
    reporting.configure(config, _FACTS_KEY, DEVIATIONS_KEY, subject_of)


def _judge_implementation(config):
    """Resolve and check the implementation; a UsageError says why it cannot be judged."""
    choice = config.stash[_CHOICE_KEY]
    try:
        adapter = impl_module.resolve(choice)
        impl_module.check(adapter, choice.label)
        declared = config.stash[DEVIATIONS_KEY]
        if declared.intents:
            impl_module.resolve(_intent_reference_value(declared.intents))
    except impl_module.ImplError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[_ADAPTER_KEY] = adapter
    config.stash[_FACTS_KEY] = impl_module.facts(adapter)


@pytest.hookimpl(optionalhook=True)  # xdist's hook: absent under -p no:xdist
def pytest_testnodedown(node, error):
    """The controller of a distributed run: a worker's facts, or why it could not judge."""
    output = getattr(node, 'workeroutput', None) or {}
    if output.get(_WORKER_PROBLEM):
        raise pytest.UsageError(output[_WORKER_PROBLEM])
    if output.get(_WORKER_FACTS) and _FACTS_KEY not in node.config.stash:
        node.config.stash[_FACTS_KEY] = output[_WORKER_FACTS]


def _cache_goldens(config):
    """Let the golden loader keep the checked cases in pytest's cache (harness/goldens.py)."""
    cache = getattr(config, 'cache', None)  # None under -p no:cacheprovider
    if cache is not None:
        from conformance.harness import goldens

        goldens.CACHE_DIR = cache.mkdir('conformance-goldens')


def _check_fixtures_once():
    """Under xdist, refuse damaged fixtures here, once, rather than once per worker.

    Each worker collects test_golden.py, which stops on a damaged fixture; with several workers
    the one error would print once per worker. The checksums find a corrupt or hand-edited file
    in milliseconds; anything else the workers' collection still reports.
    """
    from conformance.harness import goldens

    try:
        goldens.verify_manifest(goldens.directory())
    except goldens.GoldenError as exc:
        raise pytest.UsageError(f'golden fixtures unusable:\n{exc}') from None


def _load_deviations(path):
    """The declared deviations, validated before collection (one usage error per problem).

    Whether the reference can take the declared intents is checked with the implementation.
    """
    if path is None:
        return deviations.NONE
    try:
        return deviations.load(path)
    except deviations.DeviationsError as exc:
        raise pytest.UsageError(str(exc)) from None


def _intent_reference_value(intents):
    """The --impl value of the reference with ``intents`` (the plain reference for none)."""
    return f'reference[{",".join(sorted(intents))}]' if intents else 'reference'


def _intent_reference(config):
    """The reference with the declared intents: what the candidate is checked against."""
    declared = config.stash[DEVIATIONS_KEY]
    return impl_module.resolve(_intent_reference_value(declared.intents))


def _check_subjects(wanted):
    """Refuse a --subject that names no clause: it would select nothing and look like a pass."""
    defined = clauses.defined()
    unknown = [cid for cid in wanted if cid not in defined]
    if unknown:
        hints = [f'{cid} (did you mean {cid.upper()}?)' if cid.upper() in defined else cid
                 for cid in unknown]
        raise pytest.UsageError(f'--subject names no clause of docs/spec.md: {", ".join(hints)}')


def pytest_report_header(config):
    found = impl_module.versions()
    facts = config.stash.get(_FACTS_KEY, None)
    if facts is None:  # the controller of a distributed run: the workers judge the implementation
        lines = [f'conformance: impl={config.stash[_CHOICE_KEY].value} (each worker resolves and '
                 'checks it; what it loaded is printed at the end of the run)']
    else:
        lines = _implementation_lines(config, facts)
    lines += [
        'conformance: versions mmagic={mmagic} mmengine={mmengine} torch={torch}'.format(**found),
        f'conformance: mmengine {found["mmengine"]} {_measured(found["mmengine"])}',
        f'conformance: hypothesis profile={settings._current_profile}',
        f'conformance: processes {config.stash.get(_WORKERS_KEY, "one process")}',
        f'conformance: pytest log capture {overhead.describe(config)}',
        f'conformance: suite {resources.describe()}',
    ]
    lines.extend(_deviation_lines(config.stash[DEVIATIONS_KEY]))
    lines += reporting.header_lines(config)
    return lines


def _implementation_lines(config, facts):
    """What the header says of the implementation under test, from its facts (impl.facts)."""
    state = ('read attribute by attribute' if facts['exposes_state']
             else 'not exposed by the adapter: state checks are not applicable')
    lines = [
        f'conformance: impl={facts["name"]} provides=[{", ".join(facts["provides"])}]',
        f'conformance: loaded from {facts["origin"]}',
        *([f'conformance: {facts["published"]}'] if facts['published'] else []),
        f'conformance: scheduler state {state}',
        f'conformance: registry {facts["registry"]}',
    ]
    if _is_expected_reference(config):
        lines.append('conformance: the candidate is the reference: side-by-side checks against '
                     'the reference are not applicable')
    return lines


def _deviation_lines(declared):
    if declared.path is None:
        return ['conformance: deviations none declared (every clause is checked against '
                'upstream)']
    if not declared:
        return [f'conformance: deviations {declared.path}: none declared']
    lines = [f'conformance: deviations {declared.path}:']
    for entry in declared.entries:
        what = ('follows intent:' + entry.clause if entry.follows == 'intent'
                else 'excused' + (f' ({entry.aspect} only)' if entry.aspect else ''))
        lines.append(f'conformance:   {entry.clause}: {what} - {entry.reason}')
    return lines


def _is_expected_reference(config):
    """Whether the candidate is the very reference it would be compared with."""
    facts = config.stash[_FACTS_KEY]
    return (facts['is_reference']
            and frozenset(facts['intents']) == config.stash[DEVIATIONS_KEY].intents)


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


def _unregistered_markers(config, items) -> list:
    """Markers no plugin registered: --strict-markers' check, which holds without pyproject.toml."""
    known = {line.split(':', 1)[0].split('(', 1)[0].strip() for line in config.getini('markers')}
    return sorted({mark.name for item in items for mark in item.iter_markers()} - known)


def pytest_collection_modifyitems(config, items):
    if _PROBLEM_KEY in config.stash:  # a worker that cannot judge: the controller says why
        config.hook.pytest_deselected(items=list(items))
        items[:] = []
        return
    unknown = _unregistered_markers(config, items)
    if unknown:
        raise pytest.UsageError(f'unregistered markers in the conformance suite: {unknown}')
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


def pytest_unconfigure(config):
    overhead.freeze_for_exit()  # and on again if the run stopped before its tests were collected


def pytest_collection_finish(session):
    overhead.quiet_log_capture(session.config)
    overhead.freeze_collected_objects()


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


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Under declared deviations the verdict is the deviation's (harness/verdict.py)."""
    __tracebackhide__ = True
    config = pyfuncitem.config
    declared = config.stash[DEVIATIONS_KEY]
    subject = subject_of(pyfuncitem)
    excused = next((entry for entry in declared.entries
                    if entry.clause == subject and entry.follows == 'excused'), None)
    if excused is None and not declared.intents:
        return None  # pytest calls the test as usual
    from conformance.harness import verdict

    function = pyfuncitem.obj
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    if excused is not None:
        outcome = verdict.judge_excused(function, arguments, excused)  # a skip raises here
        if outcome == 'excused':
            pyfuncitem.stash[deviations.OUTCOME_KEY] = outcome
            pytest.xfail(f'{_EXCUSED_PREFIX}{declared.path} [deviations.{subject}]: '
                         f'{excused.reason}')
        return True
    candidate = config.stash[_ADAPTER_KEY]
    if _is_expected_reference(config):
        # The candidate is the very reference with the declared intents: a probe would be the
        # same run, so only the plain reference's outcome is needed (harness/verdict.py).
        outcome = verdict.judge_expected_reference(
            function, arguments, candidate, impl_module.resolve('reference'))
        if outcome is not None:
            pyfuncitem.stash[deviations.OUTCOME_KEY] = outcome
        return True
    outcome = verdict.judge_with_intents(
        pyfuncitem, function, arguments, candidate, _intent_reference(config),
        impl_module.resolve('reference'), lambda: _named_intents(config, pyfuncitem))
    if outcome is not None:
        pyfuncitem.stash[deviations.OUTCOME_KEY] = outcome
    return True


_EXCUSED_PREFIX = 'excused by '


def pytest_runtest_logreport(report):
    """Count the checks of excused clauses from the test reports (also a worker's, under xdist)."""
    if report.when != 'call':
        return
    subject = dict(report.user_properties).get('subject')
    config = _CONFIG.get('config')
    if config is None or not subject:
        return
    declared = config.stash.get(DEVIATIONS_KEY, deviations.NONE)
    if not any(e.clause == subject and e.follows == 'excused' for e in declared.entries):
        return
    counts = config.stash.setdefault(_EXCUSE_COUNTS_KEY, {}).setdefault(subject, [0, 0])
    excused = str(getattr(report, 'wasxfail', '')).startswith(_EXCUSED_PREFIX)
    if report.passed or report.failed or excused:
        counts[0] += 1
    if excused:
        counts[1] += 1


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    """An excused clause none of whose checks needed the excuse fails the run."""
    config = session.config
    if hasattr(config, 'workerinput'):
        return  # an xdist worker sees only its share of the checks: the controller judges
    declared = config.stash.get(DEVIATIONS_KEY, deviations.NONE)
    counts = config.stash.get(_EXCUSE_COUNTS_KEY, {})
    unneeded = [entry.clause for entry in declared.entries
                if entry.follows == 'excused' and entry.clause in counts
                and counts[entry.clause][1] == 0]
    config.stash[deviations.UNNEEDED_KEY] = unneeded
    if unneeded and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config):
    facts = config.stash.get(_FACTS_KEY, None)
    if facts is not None and workers.distributing(config):  # the header could not say it
        for line in _implementation_lines(config, facts):
            terminalreporter.write_line(line)
    declared = config.stash.get(DEVIATIONS_KEY, deviations.NONE)
    counts = config.stash.get(_EXCUSE_COUNTS_KEY, {})
    for entry in declared.entries:
        if entry.follows != 'excused':
            continue
        ran, excused = counts.get(entry.clause, (0, 0))
        if entry.clause in config.stash.get(deviations.UNNEEDED_KEY, []):
            terminalreporter.write_line(
                f'FAILED deviation no longer needed: remove [deviations.{entry.clause}] from '
                f'{declared.path} ({ran} of its checks ran and all passed)', red=True)
        elif ran:
            terminalreporter.write_line(
                f'conformance: {entry.clause} excused by {declared.path}: {excused} of {ran} '
                'checks needed the excuse')
        else:
            terminalreporter.write_line(
                f'conformance: {entry.clause} excused by {declared.path}: not judged, no check '
                'of it ran in this selection')


def _named_intents(config, item):
    declared = config.stash[DEVIATIONS_KEY].intents
    subject = subject_of(item)
    if subject in declared:
        return f'intent:{subject}'
    return ', '.join(f'intent:{cid}' for cid in sorted(declared))


@pytest.fixture(scope='session')
def adapter(request):
    """The adapter for the implementation under test."""
    return request.config.stash[_ADAPTER_KEY]


@pytest.fixture(scope='session')
def thorough():
    """Whether the run also makes the heavy draws (``--hypothesis-profile=thorough``)."""
    return settings._current_profile == 'thorough'


@pytest.fixture(scope='session')
def declared(request):
    """The deviations the candidate declares (``--deviations``); empty when none."""
    return request.config.stash.get(DEVIATIONS_KEY, deviations.NONE)


@pytest.fixture(scope='session')
def classes(adapter):
    """The implementation's classes, for tests that construct and call schedulers directly."""
    from conformance.harness import adapters

    return adapters.classes_of(adapter)


@pytest.fixture(scope='session')
def reference_adapter(request, adapter):
    """The reference (with the declared intents), for side-by-side runs.

    Such a run on the reference itself checks nothing, so it is not applicable there.
    """
    if _is_expected_reference(request.config):
        pytest.skip('not applicable: the candidate is the reference itself, and a side-by-side '
                    'run would compare it with itself')
    return _intent_reference(request.config)


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
    from conformance.harness import isolation

    with isolation.isolated():
        yield
