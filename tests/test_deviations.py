"""--deviations: the file's validation, excused clauses, and intents, run as a fork's CI would.

Each run is a child ``python -m pytest conformance`` in the repository root (tests/test_mutants.py
``run_suite``) on the reference, on upstream, on a mutant or on one of the small deliberate forks
in tests/forks/, with a deviations file written to a temporary directory. Runs are limited to the
clauses concerned with ``--subject`` where the point is a clause's verdict; the full-suite runs
(every intent on the reference with that intent) are marked ``mutation`` like other slow runs.
"""

from __future__ import annotations

import json

import pytest

from conformance.harness import deviations
from tests.test_mutants import run_suite

EXCUSE_VALIDATION = '''
[deviations.RLR-VALIDATION]
follows = "excused"
reason = "we raise TypeError for a bad mode"
'''
EXCUSE_VALIDATION_WORDING = '''
[deviations.RLR-VALIDATION]
follows = "excused"
aspect = "message"
reason = "our mode message names the rejected value"
'''


def _file(tmp_path, text, name='deviations.toml'):
    path = tmp_path / name
    path.write_text(text, encoding='utf-8')
    return path


def _usage_error(tmp_path, text):
    """Run the suite with a deviations file; return the usage error it must stop with."""
    code, output = run_suite('reference', f'--deviations={_file(tmp_path, text)}', '--co')
    assert code == pytest.ExitCode.USAGE_ERROR, output[-3000:]
    errors = [line for line in output.splitlines() if line.startswith('ERROR: ')]
    assert len(errors) == 1, output[-3000:]
    return errors[0]


MALFORMED = {
    'not-toml': ('[deviations.RLR-EPS\nfollows = "excused"\n', 'not valid TOML'),
    'unknown-clause': ('[deviations.RLR-NO-SUCH]\nfollows = "excused"\nreason = "r"\n',
                       "unknown clause ID 'RLR-NO-SUCH'"),
    'lower-case-clause': ('[deviations.rlr-eps]\nfollows = "excused"\nreason = "r"\n',
                          'did you mean RLR-EPS?'),
    'intent-without-intent': ('[deviations.RLR-EPS]\nfollows = "intent"\nreason = "r"\n',
                              'docs/spec.md states no intent for RLR-EPS'),
    'unknown-follows': ('[deviations.RLR-EPS]\nfollows = "torch"\nreason = "r"\n',
                        "unknown follows = 'torch'"),
    'missing-follows': ('[deviations.RLR-EPS]\nreason = "r"\n', 'missing follows'),
    'missing-reason': ('[deviations.RLR-EPS]\nfollows = "excused"\n', 'missing reason'),
    'empty-reason': ('[deviations.RLR-EPS]\nfollows = "excused"\nreason = " "\n',
                     'missing reason'),
    'unknown-key': ('[deviations.RLR-EPS]\nfollows = "excused"\nreason = "r"\nwhy = "x"\n',
                    'unknown key(s) why'),
    'unknown-aspect': ('[deviations.RLR-EPS]\nfollows = "excused"\nreason = "r"\n'
                       'aspect = "type"\n', "unknown aspect = 'type'"),
    'aspect-with-intent': ('[deviations.RLR-VALIDATION]\nfollows = "intent"\nreason = "r"\n'
                           'aspect = "message"\n', 'aspect is only for follows = "excused"'),
    'top-level-key': ('follows = "intent"\n', 'unknown top-level key(s) follows'),
    'intent-without-its-partner': ('[deviations.RLR-REDUCE-ORDER]\nfollows = "intent"\n'
                                   'reason = "r"\n', 'declared without RLR-MIN-LR'),
}


class TestMalformedFile:
    @pytest.mark.parametrize('name', sorted(MALFORMED))
    def test_one_clear_usage_error(self, tmp_path, name):
        """Stops before collection with one error naming the file and the problem."""
        text, problem = MALFORMED[name]
        error = _usage_error(tmp_path, text)
        assert f'--deviations={tmp_path / "deviations.toml"}' in error
        assert problem in error

    def test_missing_file(self, tmp_path):
        """Says the file cannot be read."""
        code, output = run_suite('reference', f'--deviations={tmp_path / "absent.toml"}', '--co')
        assert code == pytest.ExitCode.USAGE_ERROR
        assert 'cannot read the file' in output

    def test_loader_agrees_with_the_spec(self, tmp_path):
        """Reads every entry of a valid file with its clause, follows, reason and aspect."""
        path = _file(tmp_path, EXCUSE_VALIDATION_WORDING + EXCUSE_VALIDATION.replace(
            'RLR-VALIDATION', 'LLI-FACTOR-RANGE'))
        loaded = deviations.load(path)
        assert loaded.entries == (
            deviations.Deviation('RLR-VALIDATION', 'excused',
                                 'our mode message names the rejected value', 'message'),
            deviations.Deviation('LLI-FACTOR-RANGE', 'excused',
                                 'we raise TypeError for a bad mode'),
        )
        assert loaded.excused == {'LLI-FACTOR-RANGE'}
        assert not loaded.intents


class TestEmptyFile:
    def test_upstream_passes_with_an_empty_file(self, tmp_path):
        """Runs exactly as without --deviations, and the header says none are declared."""
        path = _file(tmp_path, '# no deviations\n')
        code, output = run_suite('mmagic', f'--deviations={path}', '--subject=RLR-VALIDATION',
                                 '--subject=LLI-FIRST-STEP-DIP', '-v')
        assert code == pytest.ExitCode.OK, output[-3000:]
        assert f'conformance: deviations {path}: none declared' in output


class TestExcused:
    def test_a_broken_clause_is_excused(self, tmp_path):
        """Reports the fork's failing RLR-VALIDATION checks as excused, and passes."""
        path = _file(tmp_path, EXCUSE_VALIDATION)
        code, output = run_suite('tests.forks.mode_type_error', f'--deviations={path}',
                                 '--subject=RLR-VALIDATION', '-rx', '-v')
        assert code == pytest.ExitCode.OK, output[-3000:]
        assert ' xfailed' in output and ' failed' not in output
        assert f'excused by {path} [deviations.RLR-VALIDATION]' in output
        assert ('conformance:   RLR-VALIDATION: excused - we raise TypeError for a bad mode'
                in output)

    @pytest.mark.parametrize('workers', [(), ('-n', '2')], ids=['one-process', 'xdist'])
    def test_an_excuse_no_longer_needed_fails(self, tmp_path, workers):
        """Fails a run whose excused clause passes every check, naming the table and file."""
        path = _file(tmp_path, EXCUSE_VALIDATION)
        code, output = run_suite('reference', f'--deviations={path}', '--subject=RLR-VALIDATION',
                                 *workers)
        assert code == pytest.ExitCode.TESTS_FAILED, output[-3000:]
        assert (f'deviation no longer needed: remove [deviations.RLR-VALIDATION] from {path}'
                in output)

    def test_other_clauses_are_not_excused(self, tmp_path):
        """Still fails the clause a mutant breaks when a different clause is excused."""
        path = _file(tmp_path, EXCUSE_VALIDATION)
        code, output = run_suite('tests.mutants.rlr_eps_inclusive', f'--deviations={path}',
                                 '--subject=RLR-EPS', '--subject=RLR-VALIDATION')
        assert code == pytest.ExitCode.TESTS_FAILED, output[-3000:]
        assert 'deviation no longer needed' in output  # and RLR-EPS failed on its own:
        assert 'FAILED conformance/' in output

    def test_the_wording_alone_can_be_excused(self, tmp_path):
        """Excuses a reworded ValueError under aspect = "message"."""
        path = _file(tmp_path, EXCUSE_VALIDATION_WORDING)
        code, output = run_suite('tests.forks.mode_wording', f'--deviations={path}',
                                 '--subject=RLR-VALIDATION')
        assert code == pytest.ExitCode.OK, output[-3000:]
        assert 'xfailed' in output

    def test_excusing_the_wording_still_checks_the_type(self, tmp_path):
        """Fails a fork that raises TypeError when only the wording is excused."""
        path = _file(tmp_path, EXCUSE_VALIDATION_WORDING)
        code, output = run_suite('tests.forks.mode_type_error', f'--deviations={path}',
                                 '--subject=RLR-VALIDATION')
        assert code == pytest.ExitCode.TESTS_FAILED, output[-3000:]


def _closure(clause_id):
    """The intent and the intents it must be declared with (reference.INTENT_REQUIRES)."""
    import reference

    return sorted({clause_id, *reference.INTENT_REQUIRES.get(clause_id, ())})


def _declare(tmp_path, ids):
    text = ''.join(f'[deviations.{cid}]\nfollows = "intent"\nreason = "the documented intent"\n\n'
                   for cid in ids)
    return _file(tmp_path, text)


def _intents():
    import reference

    return sorted(reference.INTENTS)


class TestIntents:
    @pytest.mark.parametrize('clause_id', _intents())
    def test_upstream_fails_naming_the_intent(self, tmp_path, clause_id):
        """Fails upstream under a declared intent, saying it does not implement it."""
        ids = _closure(clause_id)
        code, output = run_suite('mmagic', f'--deviations={_declare(tmp_path, ids)}',
                                 f'--subject={clause_id}')
        assert code == pytest.ExitCode.TESTS_FAILED, output[-3000:]
        assert 'but does not implement it' in output, output[-3000:]
        assert f'intent:{clause_id}' in output

    def test_a_wrong_implementation_of_the_intent_fails(self, tmp_path):
        """Fails a fork whose first active call departs from intent:LLI-FIRST-STEP-DIP."""
        path = _declare(tmp_path, ['LLI-FIRST-STEP-DIP'])
        code, output = run_suite('tests.forks.dip_intent_wrong', f'--deviations={path}',
                                 '--subject=LLI-FIRST-STEP-DIP')
        assert code == pytest.ExitCode.TESTS_FAILED, output[-3000:]

    def test_a_right_implementation_passes_and_an_unrelated_fault_still_fails(self, tmp_path):
        """Passes the declared intent's checks and fails the unrelated RLR-EPS checks."""
        path = _declare(tmp_path, ['LLI-FIRST-STEP-DIP'])
        code, output = run_suite('tests.forks.dip_intent_eps_bug', f'--deviations={path}',
                                 '--subject=LLI-FIRST-STEP-DIP', '-rf')
        assert code == pytest.ExitCode.OK, output[-3000:]
        code, output = run_suite('tests.forks.dip_intent_eps_bug', f'--deviations={path}',
                                 '--subject=RLR-EPS', '--subject=LLI-STAIRCASE', '-rf')
        assert code == pytest.ExitCode.TESTS_FAILED, output[-3000:]
        failed = [line for line in output.splitlines() if line.startswith('FAILED ')]
        # Only ReduceLR's checks fail (RLR-EPS), none of LinearLrInterval's (intent declared).
        assert failed and all('reduce_lr' in line or '[rlr-' in line for line in failed), failed

    def test_a_superseded_check_compares_failures_without_run_specific_texts(self, tmp_path):
        """Passes a right fork, with classes of its own, on the checks its intents supersede.

        Those checks' failures show a mock logger (its repr holds its id()) and a scheduler (its
        repr holds its class's dotted path): different in the run on the reference with the
        intents and in the run on the fork, and no part of the failure.
        """
        path = _declare(tmp_path, ['LLI-BEFORE-BEGIN', 'RLR-RESUME-STALE-HUB'])
        report = tmp_path / 'report.json'
        code, output = run_suite('tests.forks.own_classes_intents', f'--deviations={path}',
                                 '--subject=WIN-ACTIVE', '--subject=RLR-RESUME-STALE-HUB', '-rf',
                                 f'--conformance-report={report}',
                                 paths=('conformance/test_window.py',
                                        'conformance/test_state.py'))
        assert code == pytest.ExitCode.OK, output[-3000:]
        clauses = json.loads(report.read_text(encoding='utf-8'))['clauses']
        # The superseded checks were judged as such (deviated), not merely passed.
        for clause_id in ('WIN-ACTIVE', 'RLR-RESUME-STALE-HUB'):
            assert clauses[clause_id]['checks']['deviated'] >= 1, clauses[clause_id]

    @pytest.mark.mutation
    @pytest.mark.parametrize('clause_id', _intents())
    def test_the_reference_with_the_intent_passes(self, tmp_path, clause_id):
        """Passes the goldens and the spec examples on reference[intent] that declares it.

        These are the only checks the reference with an intent can fail: every other check
        passes on the plain reference (tools/test.sh runs the whole suite on it), and on
        reference[intent] such a check either passes or fails where the plain reference passes,
        which the verdict counts as deviated (superseded). tools/test.sh --full also runs the
        whole suite on the reference with every intent declared (tools/all-intents.toml).
        """
        ids = _closure(clause_id)
        code, output = run_suite(f'reference[{",".join(ids)}]',
                                 f'--deviations={_declare(tmp_path, ids)}', '-rf',
                                 paths=('conformance/test_golden.py',
                                        'conformance/test_spec_examples.py'))
        assert code == pytest.ExitCode.OK, output[-4000:]
        assert ' failed' not in output
