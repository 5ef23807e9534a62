"""--impl and LR_CONFORMANCE_IMPL: resolution, usage errors, the header and applicability.

Resolution is checked directly on ``conformance.harness.impl``; the rest runs the suite in a
child pytest (pytester), where the implementations under test are small modules written into
the child's working directory.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conformance.harness import impl

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / 'conformance'
QUICK = str(SUITE / 'test_spec_examples.py')

ONLY_LLI = 'from reference import LinearLrInterval\n'
NEITHER = 'VALUE = 1\n'
UNBUILDABLE = '''
from reference import LinearLrInterval


class ReduceLR:
    def __init__(self, optimizer, mode_name='min'):
        raise TypeError('this ReduceLR takes mode_name')
'''
STEP_FAILS = '''
from reference import ReduceLR
from reference import LinearLrInterval as _LinearLrInterval


class LinearLrInterval(_LinearLrInterval):
    def step(self):
        if self._global_step >= 0:
            raise RuntimeError('broken step')
        super().step()
'''
NEEDS_MISSING = 'import no_such_dependency_xyz\nfrom reference import ReduceLR\n'
IMPORT_RAISES = "raise RuntimeError('the fork refuses to load')\n"
FACTORY_RAISES = '''
def make(required):
    raise AssertionError('never called with an argument')
'''
INCOMPLETE = '''
class Half:
    name = 'half'
    origin = 'here'
    provides = frozenset({'ReduceLR'})

    def build(self, spec, optimizer, epoch_length):
        raise NotImplementedError
'''
#: A plugin for the child run: records each test's outcome, skip reason and scheduler marks.
RECORDER = '''
import json
import re

import pytest

RECORDS = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == 'call' or report.outcome == 'skipped':
        needs = sorted({n for m in item.iter_markers('scheduler') for n in m.args})
        reason = report.longrepr[2] if report.skipped and isinstance(report.longrepr, tuple) else ''
        RECORDS.append({'id': item.nodeid, 'outcome': report.outcome, 'needs': needs,
                        'reason': reason})
    return report


def pytest_sessionfinish(session):
    with open('outcomes.json', 'w') as handle:
        json.dump(RECORDS, handle)
'''


def _child(pytester, *args):
    """Run the suite in a child process from pytester's directory (its modules importable)."""
    return pytester.runpytest_subprocess(*args, '-p', 'no:randomly', '-p', 'no:cacheprovider')


class TestResolve:
    def test_names_reference_by_default(self, monkeypatch):
        """Chooses the reference when neither --impl nor the environment variable is set."""
        monkeypatch.delenv(impl.ENV_VAR, raising=False)
        assert impl.choose(None) == impl.Choice('reference', 'default')

    def test_option_wins_over_environment(self, monkeypatch):
        """Prefers the --impl value to LR_CONFORMANCE_IMPL."""
        monkeypatch.setenv(impl.ENV_VAR, 'from.the.environment')
        assert impl.choose('from.the.option') == impl.Choice('from.the.option', '--impl')
        assert impl.choose(None) == impl.Choice('from.the.environment', impl.ENV_VAR)

    def test_refuses_an_empty_option(self):
        """Refuses --impl= rather than silently running the default."""
        with pytest.raises(impl.ImplError, match='--impl is empty'):
            impl.choose('')

    def test_names_the_environment_variable_in_errors(self, monkeypatch):
        """Says LR_CONFORMANCE_IMPL=value, not --impl=value, when the variable chose it."""
        monkeypatch.setenv(impl.ENV_VAR, 'no_such_module_xyz')
        with pytest.raises(impl.ImplError, match=rf'^{impl.ENV_VAR}=no_such_module_xyz: '):
            impl.resolve(impl.choose(None))

    def test_reports_unimportable_module(self):
        """Says the module is not importable and suggests installing it."""
        with pytest.raises(impl.ImplError, match=r"module 'no_such_module_xyz' is not importable"):
            impl.resolve('no_such_module_xyz')

    def test_reports_module_without_schedulers(self, pytester):
        """Says the module defines neither LinearLrInterval nor ReduceLR, and where it is."""
        pytester.makepyfile(neither=NEITHER)
        pytester.syspathinsert()
        with pytest.raises(impl.ImplError, match='defines neither LinearLrInterval nor ReduceLR'):
            impl.resolve('neither')

    def test_reports_missing_attribute(self, pytester):
        """Says which attribute module:object lacks."""
        pytester.makepyfile(neither=NEITHER)
        pytester.syspathinsert()
        with pytest.raises(impl.ImplError, match="module 'neither' has no attribute 'Adapter'"):
            impl.resolve('neither:Adapter')

    def test_reports_incomplete_adapter(self, pytester):
        """Lists the protocol methods an adapter lacks and points at docs/adapters.md."""
        pytester.makepyfile(half=INCOMPLETE)
        pytester.syspathinsert()
        with pytest.raises(impl.ImplError) as raised:
            impl.resolve('half:Half')
        message = str(raised.value)
        assert 'adapter is incomplete' in message
        assert 'docs/adapters.md' in message
        for method in ('process', 'new_process', 'publish_progress', 'publish_metric'):
            assert method in message

    def test_resolves_the_callback_example(self):
        """Accepts the worked example adapter, built from its class."""
        adapter = impl.resolve('conformance.examples.callback_adapter:CallbackAdapter')
        assert adapter.provides == {'LinearLrInterval', 'ReduceLR'}


class TestUsageErrors:
    @pytest.mark.parametrize(
        ('value', 'files', 'expected'),
        [
            pytest.param('no_such_module_xyz', {}, "is not importable", id='unimportable'),
            pytest.param('neither', {'neither': NEITHER},
                         'defines neither LinearLrInterval nor ReduceLR', id='no-scheduler'),
            pytest.param('neither:Adapter', {'neither': NEITHER}, "has no attribute 'Adapter'",
                         id='missing-attribute'),
            pytest.param('half:Half', {'half': INCOMPLETE}, 'adapter is incomplete, missing',
                         id='incomplete-adapter'),
            pytest.param('unbuildable', {'unbuildable': UNBUILDABLE},
                         'ReduceLR cannot be judged: constructing ReduceLR(optimizer, mode=',
                         id='unbuildable'),
            pytest.param('step_fails', {'step_fails': STEP_FAILS},
                         'LinearLrInterval cannot be judged: call 1 of', id='step-fails'),
            pytest.param('needs_missing', {'needs_missing': NEEDS_MISSING},
                         "importing 'needs_missing' failed: a module it imports is missing "
                         "(No module named 'no_such_dependency_xyz')", id='missing-dependency'),
            pytest.param('import_raises', {'import_raises': IMPORT_RAISES},
                         "importing 'import_raises' raised RuntimeError: the fork refuses to load",
                         id='import-raises'),
            pytest.param('factory_raises:make', {'factory_raises': FACTORY_RAISES},
                         'calling factory_raises.make() to get the adapter raised TypeError',
                         id='adapter-factory-raises'),
        ],
    )
    def test_bad_impl_is_a_usage_error(self, pytester, value, files, expected):
        """Stops before collecting anything, with exit code 4 and one line that says why."""
        if files:
            pytester.makepyfile(**files)
        result = _child(pytester, QUICK, f'--impl={value}', '--collect-only')
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        errors = result.stderr.str()
        assert f'ERROR: --impl={value}: ' in errors
        assert expected in errors
        assert 'Traceback' not in errors
        assert len(errors.strip().splitlines()) == 1

    def test_empty_impl_is_a_usage_error(self, pytester):
        """Refuses --impl= with one line instead of running the reference."""
        result = _child(pytester, QUICK, '--impl=', '--collect-only')
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        assert 'ERROR: --impl is empty' in result.stderr.str()

    def test_empty_environment_variable_is_a_usage_error(self, pytester, monkeypatch):
        """Refuses LR_CONFORMANCE_IMPL set to nothing, as a CI job whose variable lost its
        value would otherwise test the reference and pass."""
        monkeypatch.setenv(impl.ENV_VAR, '  ')
        result = _child(pytester, QUICK, '--collect-only')
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        assert f'ERROR: {impl.ENV_VAR} is set but empty' in result.stderr.str()

    @pytest.mark.parametrize(('value', 'expected'), [
        ('NOPE-X', 'NOPE-X'),
        ('rlr-cooldown', 'rlr-cooldown (did you mean RLR-COOLDOWN?)'),
    ])
    def test_unknown_subject_is_a_usage_error(self, pytester, value, expected):
        """Refuses a --subject that names no clause instead of selecting nothing."""
        result = _child(pytester, QUICK, '--impl=reference', f'--subject={value}',
                        '--collect-only')
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        assert result.stderr.str().strip() == (
            f'ERROR: --subject names no clause of docs/spec.md: {expected}')

    def test_bad_environment_variable_is_named(self, pytester, monkeypatch):
        """Names LR_CONFORMANCE_IMPL when the variable held the bad value."""
        monkeypatch.setenv(impl.ENV_VAR, 'nonsense_xyz')
        result = _child(pytester, QUICK, '--collect-only')
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        assert f'ERROR: {impl.ENV_VAR}=nonsense_xyz: ' in result.stderr.str()


class TestChoice:
    def test_environment_variable_selects_the_implementation(self, pytester, monkeypatch):
        """Uses LR_CONFORMANCE_IMPL when --impl is absent, and names it in the header."""
        pytester.makepyfile(only_lli=ONLY_LLI)
        monkeypatch.setenv(impl.ENV_VAR, 'only_lli')
        result = _child(pytester, QUICK, '--collect-only')
        assert result.ret == pytest.ExitCode.OK
        result.stdout.fnmatch_lines(['conformance: impl=only_lli provides=[LinearLrInterval]'])

    def test_option_wins_over_a_broken_environment_variable(self, pytester, monkeypatch):
        """Never resolves the environment variable when --impl is given."""
        monkeypatch.setenv(impl.ENV_VAR, 'no_such_module_xyz')
        result = _child(pytester, QUICK, '--impl=reference', '--collect-only')
        assert result.ret == pytest.ExitCode.OK
        result.stdout.fnmatch_lines(['conformance: impl=reference provides=*'])

    def test_header_names_implementation_origin_and_versions(self, pytester, monkeypatch):
        """Prints which implementation runs, where it was loaded from and the versions."""
        monkeypatch.delenv(impl.ENV_VAR, raising=False)
        result = _child(pytester, QUICK, '--collect-only')
        versions = impl.versions()
        result.stdout.fnmatch_lines([
            'conformance: impl=reference provides=[LinearLrInterval, ReduceLR]',
            f'conformance: loaded from {ROOT / "reference" / "__init__.py"}',
            'conformance: versions mmagic={mmagic} mmengine={mmengine} torch={torch}'.format(
                **versions),
            'conformance: hypothesis profile=*',
        ])

    def test_header_names_upstream_and_how_it_was_loaded(self, pytester):
        """Names upstream mmagic with its version, its import mode and its files' sha256 verdict."""
        result = _child(pytester, QUICK, '--impl=mmagic', '--collect-only')
        version = re.escape(impl.versions()['mmagic'])
        result.stdout.re_match_lines([
            rf"conformance: impl=mmagic {version} \(upstream's scheduler files as published: "
            r"sha256 match\) provides=\[LinearLrInterval, ReduceLR\]$",
            r'conformance: loaded from .*mmagic.* \[.*import.*\]$',
            r'conformance: sha256 of the loaded files vs mmagic-1\.2\.0-.*\.whl .* '
            r'mmagic/registry\.py ok$',
        ])


class TestApplicability:
    def test_tests_of_a_missing_scheduler_are_skipped_as_not_applicable(self, pytester):
        """Skips, never passes, every test that needs the scheduler an implementation lacks."""
        pytester.makepyfile(only_lli=ONLY_LLI, outcome_recorder=RECORDER)
        files = [str(SUITE / name) for name in ('test_golden.py', 'test_spec_examples.py')
                 if (SUITE / name).exists()]
        result = _child(pytester, *files, '--impl=only_lli', '-p', 'outcome_recorder', '-q')
        assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-3000:]
        records = json.loads((pytester.path / 'outcomes.json').read_text())
        needing = [r for r in records if 'ReduceLR' in r['needs']]
        assert needing, 'no test of the run needs ReduceLR'
        for record in needing:
            assert record['outcome'] == 'skipped', record
            assert record['reason'].startswith('Skipped: not applicable: only_lli provides no '
                                               'ReduceLR'), record
        # Intent examples are not applicable to a candidate that declares no intent.
        ran = [r for r in records if r['needs'] == ['LinearLrInterval']
               and 'test_intent_example_holds' not in r['id']]
        assert ran
        assert all(r['outcome'] == 'passed' for r in ran)
