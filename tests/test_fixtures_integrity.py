"""The golden fixtures guard themselves: damage is reported clearly, regeneration is exact, and
every trace-observable clause of the spec has a golden case.

These are the project's own meta-tests; they run a corrupted copy of fixtures/ in a temporary
directory and never touch the committed files.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys

import pytest

from conformance import generate_fixtures
from conformance.harness import catalog, clauses, compare, driver, goldens, impl, observed
from conformance.harness.adapters import MessageHubAdapter
from conformance.harness.scenario import single

#: Clauses no golden trace can observe: a golden records the lrs, the state attributes and the
#: exception of a run that the driver builds from plain data, so other attributes, warnings, log
#: lines, non-optimizer arguments, cross-implementation loading and the real Runner are checked
#: by other tests.
NOT_TRACE_OBSERVABLE = {
    # A scenario always passes a real optimizer; the TypeError for anything else is attribute-level.
    'WIN-OPTIMIZER-TYPE',
    # The call counter on optimizer.step and its warnings are not lrs.
    'WIN-OPTIMIZER-COUNTER',
    'WIN-ORDER-WARNING',
    # verbose only logs.
    'WIN-VERBOSE',
    # get_last_value() and _last_value are attributes; dropping _last_value on resume is inert.
    'WIN-LAST-VALUE',
    # A golden runs one implementation; loading one implementation's state into another is
    # checked side by side (test_state).
    'WIN-STATE-INTEROP',
    # How the hook averages the training loss happens before anything reaches the driver, which
    # publishes the averaged value itself; the real-Runner tests prove the averaging.
    'LOOP-HOOK-TRAIN-LOSS',
    # Other mmengine versions: a golden records the versions that reproduced it, one set.
    'LOOP-MMENGINE-VERSIONS',
    # Every golden composes the other clauses; the composition's own checks are the
    # side-by-side and differential runs of random scenarios.
    'LOOP-COMPOSITION',
    # The hook is not part of a scenario: the driver publishes what the hook would
    # (test_hook_edges runs real Runners and direct calls).
    'LOOP-HOOK-INTERVAL',
    'LOOP-HOOK-NOT-CHECKPOINTED',
    'LOOP-HOOK-DIRECT-CALLS',
    # A scenario names its scheduler by kind and the driver takes the implementation's class; how
    # a config's type name finds the class (a registry lookup) is test_registry's subject.
    'LOOP-REGISTRY',
    # A scenario publishes the loop's own integer progress; other progress values are
    # test_argument_values' subject.
    'LLI-PROGRESS-VALUES',
    # Not expressible as a scenario: an OptimWrapperDict, a param group added or an attribute
    # assigned between calls, a patched optimizer.step, a verbose log, direct calls of
    # _init_is_better, _reset and is_better, deep copies, and loading a foreign or partial
    # state dict (test_construction_order, test_late_groups, test_live_state,
    # test_value_types, test_state_loading).
    'WIN-OPTIM-WRAPPER-DICT',
    'WIN-LATE-GROUP',
    'WIN-LIVE-ATTRIBUTES',
    'WIN-STEP-PATCH-CONFLICT',
    'WIN-VERBOSE-FORMAT',
    'RLR-INIT-IS-BETTER-RESET',
    'RLR-IS-BETTER-DIRECT',
    'WIN-DEEPCOPY',
    'WIN-STATE-FOREIGN',
    'RLR-LOAD-UNVALIDATED',
}


@pytest.fixture(scope='module')
def committed():
    return goldens.load()


@pytest.fixture(scope='module')
def sample(tmp_path_factory):
    """A sealed, smaller copy of fixtures/: the shortest error-free cases of each file first,
    then one that raises and one with a NaN metric where the file has them."""
    target = tmp_path_factory.mktemp('sample') / 'fixtures'
    shutil.copytree(goldens.FIXTURES, target, ignore=shutil.ignore_patterns('tmp*'))
    for path in goldens.fixture_files(target):
        data = json.loads(path.read_text(encoding='utf-8'))
        clean = [c for c in data['cases'] if c['expected']['error'] is None]
        keep = sorted(clean, key=lambda c: len(c['expected']['lrs']))[:3]
        keep += [c for c in data['cases'] if c['expected']['error'] is not None][:1]
        keep += [c for c in data['cases'] if '"NaN"' in json.dumps(c['inputs']['calls'])][:1]
        data['cases'] = [c for c in data['cases'] if c in keep]
        path.write_text(observed.dumps(data), encoding='utf-8')
    _reseal(target)
    return target


@pytest.fixture
def copy(sample, tmp_path):
    """A private copy of the sample to damage."""
    target = tmp_path / 'fixtures'
    shutil.copytree(sample, target)
    return target


def _rewrite(directory, name, edit, *, reseal):
    """Apply ``edit`` to the parsed file and write it back; ``reseal`` updates the manifest."""
    path = directory / name
    data = json.loads(path.read_text(encoding='utf-8'))
    edit(data)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + '\n', encoding='utf-8')
    if reseal:
        _reseal(directory)


def _reseal(directory):
    contents = {name: (directory / name).read_bytes()
                for name in goldens.generated_names(directory)}
    contents[goldens.SCHEMA_NAME] = (directory / goldens.SCHEMA_NAME).read_bytes()
    (directory / goldens.MANIFEST_NAME).write_text(goldens.manifest_text(contents))


def _clean_index(data):
    return next(i for i, c in enumerate(data['cases']) if c['expected']['error'] is None)


def _clean(data):
    """The first case of a file that runs without an exception."""
    return data['cases'][_clean_index(data)]


def _problem(directory):
    with pytest.raises(goldens.GoldenError) as info:
        goldens.load(directory)
    return str(info.value)


class TestCommittedFixtures:
    def test_pass_the_lint(self):
        """The committed fixtures are schema-valid, sealed, unique and cite defined clauses."""
        assert goldens.lint() == []

    def test_hold_enough_cases(self, committed):
        """The goldens hold at least 250 cases, in one file per family."""
        assert len(committed) >= 250
        assert {case.file for case in committed} == {
            f'fixtures/{family.name}.json' for family in catalog.FAMILIES
        }

    def test_record_their_provenance(self):
        """Every file says which generator wrote it and which upstream versions reproduced it."""
        for path in goldens.fixture_files():
            provenance = json.loads(path.read_text())['provenance']
            assert provenance['generated'] is True
            assert provenance['generator'] == goldens.GENERATOR
            assert set(provenance['verified_against']) >= {'mmagic', 'mmengine', 'torch'}

    def test_regenerate_byte_identical(self):
        """Regenerating from the catalog gives the committed bytes exactly (--check)."""
        assert generate_fixtures.check() == []


class TestIntentGoldens:
    """fixtures/intents/: the cases each intent changes, as the reference with it gives them."""

    @pytest.fixture(scope='class')
    @classmethod
    def intent_cases(cls):
        return goldens.load_intents()

    def test_one_file_per_intent(self, intent_cases):
        """Holds one file per intent, keyed by the intent and the intents it requires."""
        assert sorted(intent_cases, key=goldens.intent_key) == generate_fixtures.intent_sets()
        names = [p.name for p in goldens.intent_files()]
        assert 'RLR-MIN-LR+RLR-REDUCE-ORDER.json' in names
        assert len(names) == len(intent_cases)

    def test_every_file_pins_its_intents(self, intent_cases):
        """Has, in every file, a case whose subject is each of its intents' clauses."""
        for ids, cases in intent_cases.items():
            assert ids <= {case.subject for case in cases}, sorted(ids)

    def test_cases_are_upstream_cases_with_another_trace(self, intent_cases, committed):
        """Repeats an upstream golden's id, clauses and inputs, with a trace that differs."""
        upstream = {case.id: case for case in committed}
        for cases in intent_cases.values():
            for case in cases:
                twin = upstream[case.id]
                assert (case.subject, case.touches, case.scenario) == (
                    twin.subject, twin.touches, twin.scenario), case.id
                # As the generator compares: types, lrs, state, error type, call and wording.
                assert (compare.first_divergence(twin.expected, case.expected)
                        or generate_fixtures._wording(twin.expected, case.expected)), case.id

    def test_load_returns_upstream_only(self, committed):
        """Keeps the intent goldens out of goldens.load()."""
        assert not [case.file for case in committed if '/intents/' in case.file]

    def test_provenance_says_unverified(self):
        """Names the intents and says that no upstream verified the traces."""
        for path in goldens.intent_files():
            data = json.loads(path.read_text())
            provenance = data['provenance']
            assert provenance['verified_against'] is None
            assert provenance['intents'] == data['intents']
            for cid in data['intents']:
                assert f'intent:{cid}' in provenance['reference']
                assert f'intent:{cid}' in provenance['note']
            assert 'nothing to verify' in provenance['note']

    def test_hold_on_the_reference_with_the_intents(self, intent_cases):
        """Replays the first cases of each file on reference[intents] exactly."""
        for ids, cases in intent_cases.items():
            adapter = impl.resolve(f'reference[{",".join(sorted(ids))}]')
            for case in cases[:5]:
                got = driver.run(case.scenario, adapter)
                assert compare.first_divergence(case.expected, got) is None, case.id

    def _problem(self, directory):
        with pytest.raises(goldens.GoldenError) as info:
            goldens.load_intents(directory)
        return str(info.value)

    def test_hand_edited_intent_file(self, copy):
        """Reports a hand-edited intent file as corrupt or hand-edited, by name."""

        def edit(data):
            data['cases'][0]['description'] = 'edited by hand'

        _rewrite(copy, 'intents/RLR-MIN-LR.json', edit, reseal=False)
        message = self._problem(copy)
        assert 'intents/RLR-MIN-LR.json' in message and 'corrupt or hand-edited' in message

    def test_unlisted_intent_file(self, copy):
        """Reports an intent file the manifest does not list."""
        shutil.copy(copy / 'intents' / 'RLR-MIN-LR.json', copy / 'intents' / 'RLR-EXTRA.json')
        assert 'intents/RLR-EXTRA.json is not in MANIFEST.sha256' in self._problem(copy)

    @pytest.mark.parametrize(('intents', 'expected'), [
        (None, 'names no intents'),
        (['RLR-EPS'], 'RLR-EPS is no intent of docs/spec.md'),
        (['RLR-VALIDATION'], 'holds the goldens of RLR-VALIDATION but is named RLR-MIN-LR.json'),
    ])
    def test_wrong_intents(self, copy, intents, expected):
        """Reports a sealed intent file with missing, unknown or mismatched intents."""

        def edit(data):
            if intents is None:
                del data['intents']
            else:
                data['intents'] = intents

        _rewrite(copy, 'intents/RLR-MIN-LR.json', edit, reseal=True)
        assert expected in self._problem(copy)

    def test_malformed_intent_case(self, copy):
        """Validates intent files with the same schema as the upstream files."""

        def edit(data):
            data['cases'][0]['inputs']['warmup'] = 3

        _rewrite(copy, 'intents/RLR-MIN-LR.json', edit, reseal=True)
        message = self._problem(copy)
        assert 'RLR-MIN-LR.json: malformed at cases/0/inputs' in message

    def test_lint_reports_a_verified_claim(self, copy):
        """Lints an intent file whose provenance claims an upstream verification."""

        def edit(data):
            data['provenance']['verified_against'] = {'mmagic': '1.2.0'}

        _rewrite(copy, 'intents/RLR-MIN-LR.json', edit, reseal=True)
        assert any('unverified' in problem for problem in goldens.lint(copy))

    def test_directory_without_intents(self, copy):
        """Gives no intent goldens for a sealed directory without intents/."""
        shutil.rmtree(copy / 'intents')
        _reseal(copy)
        assert goldens.load_intents(copy) == {}


class TestCatalog:
    def test_every_golden_comes_from_the_grid_named_after_its_subject(self, committed):
        """Each case's subject has one grid, named after the clause, in the case's file."""
        subjects = [g.subject for g in catalog.GRIDS]
        assert len(set(subjects)) == len(subjects)
        assert [g.build.__name__ for g in catalog.GRIDS] == [catalog.snake(s) for s in subjects]
        grid_of = {scenario.id: g for g in catalog.GRIDS for scenario in g.scenarios()}
        for case in committed:
            assert case.subject == grid_of[case.id].subject, case.id
            assert case.file == f'fixtures/{grid_of[case.id].family}.json', case.id

    def test_registry_refuses_a_misnamed_or_second_grid(self):
        """A grid named after another clause, or a second grid of a clause, raises ValueError."""
        registered = list(catalog.GRIDS)

        def lli_staircase():
            return []

        with pytest.raises(ValueError, match='LLI-FIRST-STEP-DIP is named lli_staircase'):
            catalog.grid('linear_lr_interval', 'LLI-FIRST-STEP-DIP')(lli_staircase)
        with pytest.raises(ValueError, match='LLI-STAIRCASE has a second grid'):
            catalog.grid('linear_lr_interval', 'LLI-STAIRCASE')(lli_staircase)
        assert registered == catalog.GRIDS


class TestDamageIsReported:
    def test_corrupted_file(self, copy):
        """A truncated file is reported as corrupt or hand-edited, by name."""
        path = copy / 'reduce_lr.json'
        path.write_bytes(path.read_bytes()[:-200])
        message = _problem(copy)
        assert 'reduce_lr.json' in message
        assert 'corrupt or hand-edited' in message
        assert goldens.REGENERATE in message

    def test_hand_edited_expectation(self, copy):
        """A changed lr in an otherwise valid file is reported as corrupt or hand-edited."""

        def edit(data):
            _clean(data)['expected']['lrs'][-1][0][0] = 0.123

        _rewrite(copy, 'linear_lr_interval.json', edit, reseal=False)
        message = _problem(copy)
        assert 'linear_lr_interval.json' in message
        assert 'corrupt or hand-edited' in message

    def test_missing_manifest_entry(self, copy):
        """A fixture file the manifest does not list is reported."""
        manifest = copy / goldens.MANIFEST_NAME
        lines = manifest.read_text().splitlines(keepends=True)
        manifest.write_text(''.join(line for line in lines if 'hubs.json' not in line))
        message = _problem(copy)
        assert 'hubs.json is not in MANIFEST.sha256' in message

    def test_unlisted_new_file(self, copy):
        """A new file dropped into fixtures/ is reported as not in the manifest."""
        shutil.copy(copy / 'hubs.json', copy / 'extra.json')
        assert 'extra.json is not in MANIFEST.sha256' in _problem(copy)

    def test_missing_file(self, copy):
        """A file the manifest lists but that is gone is reported as missing."""
        (copy / 'state.json').unlink()
        assert 'state.json is listed in MANIFEST.sha256 but missing' in _problem(copy)

    def test_no_cases(self, copy):
        """A sealed directory without case files is an error, never an empty test run."""
        for path in goldens.fixture_files(copy):
            path.unlink()
        _reseal(copy)
        assert 'holds no golden cases' in _problem(copy)

    def test_missing_manifest(self, copy):
        """A fixture directory without its manifest is reported."""
        (copy / goldens.MANIFEST_NAME).unlink()
        message = _problem(copy)
        assert 'MANIFEST.sha256 is missing' in message

    def test_malformed_manifest_line(self, copy):
        """A manifest line that is not '<sha256>  <name>' is reported with its line number."""
        manifest = copy / goldens.MANIFEST_NAME
        line = len(manifest.read_text().splitlines()) + 1
        with manifest.open('a') as stream:
            stream.write('not a checksum line\n')
        assert f'MANIFEST.sha256:{line}: malformed line' in _problem(copy)

    def test_malformed_case(self, copy):
        """A case with an unknown field is reported against the schema, by file and place."""

        def edit(data):
            data['cases'][2]['inputs']['warmup'] = 3

        _rewrite(copy, 'window.json', edit, reseal=True)
        message = _problem(copy)
        assert 'window.json: malformed at cases/2/inputs' in message
        assert "'warmup' was unexpected" in message

    @pytest.mark.parametrize('value', ['0.1', True, {'float': 'nan'}, {'float': 'NaN', 'x': 1},
                                       {'float': '0.5'}, {'int': '7'}])
    @pytest.mark.parametrize('thorough', [False, True])
    def test_wrong_type_in_case(self, copy, value, thorough):
        """A value that is no lr value, or a tag the encoding never writes, is reported."""

        def edit(data):
            _clean(data)['expected']['lrs'][0][0][0] = value

        _rewrite(copy, 'reduce_lr.json', edit, reseal=True)
        with pytest.raises(goldens.GoldenError) as info:
            goldens.load(copy, thorough=thorough)
        index = _clean_index(json.loads((copy / 'reduce_lr.json').read_text()))
        assert f'reduce_lr.json: malformed at cases/{index}/expected/lrs/0/0/0' in str(info.value)

    def test_bare_integral_float(self, copy):
        """A bare 2.0, which a parser without ints reads as the int 2, is reported."""
        path = copy / 'window.json'
        text = path.read_text()
        assert '"steps"' not in text and '"epoch_length": 1' in text
        path.write_text(text.replace('"epoch_length": 1', '"epoch_length": 1.0', 1))
        _reseal(copy)
        assert 'the number 1.0 has a fraction or exponent but is integral' in _problem(copy)

    def test_fast_and_thorough_validation_agree_on_valid_files(self, copy):
        """The sample passes the generic schema validator and the fast row check alike."""
        assert goldens.lint(copy, thorough=True) == goldens.lint(copy) == []

    def test_bare_nan(self, copy):
        """A bare NaN literal is reported with the tagged form to use instead."""
        path = copy / 'reduce_lr.json'
        text = path.read_text()
        assert '{"float": "NaN"}' in text
        path.write_text(text.replace('{"float": "NaN"}', 'NaN', 1))
        _reseal(copy)
        assert 'bare NaN is not JSON' in _problem(copy)

    def test_trace_inconsistent_with_inputs(self, copy):
        """A trace with a row missing for its steps is reported for its case."""

        def edit(data):
            _clean(data)['expected']['lrs'].pop()
            _clean(data)['expected']['state'].pop()

        _rewrite(copy, 'state.json', edit, reseal=True)
        message = _problem(copy)
        assert 'state.json: case' in message
        assert 'a run without error records steps + 1' in message

    def test_duplicate_id(self, copy):
        """An id used twice across files is reported with both places."""

        def edit(data):
            data['cases'][0]['id'] = json.loads((copy / 'hubs.json').read_text())['cases'][0]['id']

        _rewrite(copy, 'window.json', edit, reseal=True)
        message = _problem(copy)
        assert 'window.json: case id' in message
        assert message.endswith('is also used in ' + str(copy / 'hubs.json'))


class TestLint:
    def test_unknown_clause(self, copy):
        """A case citing a clause the spec does not define is reported."""

        def edit(data):
            data['cases'][0]['touches'].append('RLR-NO-SUCH-RULE')

        _rewrite(copy, 'reduce_lr.json', edit, reseal=True)
        problems = goldens.lint(copy)
        assert any("unknown clause IDs ['RLR-NO-SUCH-RULE']" in p for p in problems), problems

    def test_should_in_description(self, copy):
        """A description that says 'should' is reported."""

        def edit(data):
            data['cases'][1]['description'] = 'The lr should halve after one bad call, it is said.'

        _rewrite(copy, 'reduce_lr.json', edit, reseal=True)
        assert any("says 'should'" in p for p in goldens.lint(copy))

    def test_duplicate_description(self, copy):
        """Two cases with the same description are reported."""

        def edit(data):
            data['cases'][1]['description'] = data['cases'][0]['description']

        _rewrite(copy, 'state.json', edit, reseal=True)
        assert any('is also used by case' in p for p in goldens.lint(copy))

    def test_hand_written_provenance(self, copy):
        """A file whose provenance does not name the generator is rejected by the schema."""

        def edit(data):
            data['provenance']['generator'] = 'by hand'

        _rewrite(copy, 'hubs.json', edit, reseal=True)
        assert any('hubs.json: malformed at provenance/generator' in p for p in goldens.lint(copy))


class TestGenerator:
    def test_refuses_when_upstream_differs(self, reference_and_skewed):
        """A single differing bit stops generation with the divergence named."""
        reference, skewed = reference_and_skewed
        family = catalog.FAMILIES[2]
        scenario = family.build()[0]
        with pytest.raises(generate_fixtures.Refused) as info:
            generate_fixtures.run_catalog(reference, skewed, [(family, [scenario])])
        message = str(info.value)
        assert 'nothing written' in message
        assert f'scenario {scenario.id!r} diverges' in message
        assert 'param group 0: expected lr' in message

    def test_message_normative_only_where_the_specified_code_writes_it(self):
        """Marks a message normative for a raise in the specified code, not for Python's words."""
        reference = impl.resolve('reference')
        refused = driver.run(single('LinearLrInterval', kwargs={'begin': 5, 'end': 5}),
                             reference)
        divided = driver.run(single('LinearLrInterval', kwargs={'interval': 0, 'by_epoch': False},
                                    steps=2), reference)
        assert (refused.error.type, refused.error.normative) == ('ValueError', True)
        assert (divided.error.type, divided.error.normative) == ('ZeroDivisionError', False)

    def test_refuses_when_the_wording_differs(self, reference_and_reworded):
        """Stops generation when the reference words a normative message differently."""
        reference, reworded = reference_and_reworded
        scenario = single('ReduceLR', 'rlr-bad-mode', kwargs={'mode': 'avg'}, steps=1,
                          metrics=(1.0,))
        family = catalog.FAMILIES[2]
        with pytest.raises(generate_fixtures.Refused) as info:
            generate_fixtures.run_catalog(reference, reworded, [(family, [scenario])])
        message = str(info.value)
        assert 'nothing written' in message
        assert 'expected error ValueError(\'mode must be one of' in message
        assert "got ValueError('bad mode avg')" in message


@pytest.fixture
def reference_and_reworded():
    """The reference, and a copy of it whose ReduceLR words the bad-mode message differently."""
    reference = impl.resolve('reference')

    class Reworded(reference.classes['ReduceLR']):
        def __init__(self, optimizer, mode='min', **kwargs):
            if mode not in ('min', 'max'):
                raise ValueError(f'bad mode {mode}')
            super().__init__(optimizer, mode, **kwargs)

    classes = {**reference.classes, 'ReduceLR': Reworded}
    return reference, MessageHubAdapter(classes, 'reworded', 'tests')


@pytest.fixture
def reference_and_skewed():
    """The reference, and a copy of it that moves every lr by one ulp after each call."""
    reference = impl.resolve('reference')

    class Skewed(MessageHubAdapter):
        def step(self, scheduler):
            scheduler.step()
            for group in scheduler.optimizer.param_groups:
                group['lr'] = math.nextafter(group['lr'], math.inf)

    return reference, Skewed(reference.classes, 'skewed', 'tests')


class TestCollection:
    def test_corrupt_fixture_is_one_collection_error(self, copy):
        """The golden tests stop at collection with one error naming the damaged file."""
        path = copy / 'window.json'
        path.write_bytes(path.read_bytes().replace(b'"lrs"', b'"LRS"', 1))
        env = {**os.environ, goldens.ENV_VAR: str(copy)}
        result = subprocess.run(
            [sys.executable, '-m', 'pytest', 'conformance/test_golden.py', '--impl=reference',
             '-q', '-p', 'no:randomly', '-p', 'no:cacheprovider'],
            cwd=goldens.ROOT, env=env, capture_output=True, text=True, timeout=300,
        )
        output = result.stdout + result.stderr
        assert result.returncode == pytest.ExitCode.INTERRUPTED, output
        assert output.count('ERROR collecting') == 1, output
        assert 'window.json: checksum mismatch' in output
        assert 'corrupt or hand-edited' in output
        assert ' passed' not in output
        assert ' skipped' not in output


class TestClauseCoverage:
    def test_every_clause_has_a_golden(self, committed):
        """Every clause of the spec is cited by a golden case unless it is not trace-observable."""
        cited = {cid for case in committed for cid in (case.subject, *case.touches)}
        missing = sorted(set(clauses.defined()) - cited - NOT_TRACE_OBSERVABLE)
        assert missing == [], f'clauses without a golden case: {missing}'

    def test_allowlist_is_current(self, committed):
        """The allowlist names only defined clauses, and none that a golden case cites."""
        cited = {cid for case in committed for cid in (case.subject, *case.touches)}
        defined = set(clauses.defined())
        assert sorted(NOT_TRACE_OBSERVABLE - defined) == [], 'allowlisted but not in the spec'
        assert sorted(NOT_TRACE_OBSERVABLE & cited) == [], 'allowlisted but cited by a golden'


class TestPortability:
    def test_a_parser_without_ints_reads_the_same_values(self, committed):
        """Decodes every file to the same typed values when every JSON number is read as float."""
        for path in goldens.fixture_files():
            text = path.read_text(encoding='utf-8')
            exact = observed.decode(json.loads(text))
            floats_only = observed.decode(json.loads(text, parse_int=float))
            assert observed.same(exact, floats_only), path.name

    def test_no_bare_integral_float(self):
        """Writes no number that a parser without ints would turn into an int."""
        for path in goldens.fixture_files():
            assert observed.integral_float_literals(path.read_text(encoding='utf-8')) == [], path
