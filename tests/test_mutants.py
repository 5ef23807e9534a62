"""Every clause with behaviour has a mutant, and the checks whose subject it is kill that mutant.

Each mutant (tests/mutants/) breaks one clause, its subject. The suite runs on it with only the
checks whose subject is that clause (``--subject``), spec examples excluded (an example
illustrates its clause, it is not its test): they must fail. tests/rewritten/ is a correct
implementation written independently of reference/; the whole suite must pass on it. Each run is
a child ``python -m pytest`` in the repository root, as a user would type it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.harness import clauses
from tests.mutants import MUTANTS, NO_MUTANT

ROOT = Path(__file__).resolve().parents[1]
COMMON = ('-q', '-p', 'no:randomly', '-p', 'no:cacheprovider')

pytestmark = pytest.mark.mutation


def run_suite(impl, *options, timeout=900, paths=('conformance',)):
    command = [sys.executable, '-m', 'pytest', *paths, f'--impl={impl}', *COMMON, *options]
    env = {key: value for key, value in os.environ.items() if key != 'LR_CONFORMANCE_IMPL'}
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                            env=env)
    return result.returncode, result.stdout + result.stderr


class TestMutants:
    @pytest.mark.parametrize('name', sorted(MUTANTS))
    def test_subject_checks_kill_the_mutant(self, name):
        """Fails the checks whose subject is the clause the mutant breaks."""
        mutant = MUTANTS[name]
        code, output = run_suite(
            f'tests.mutants.{name}', f'--subject={mutant.subject}', '-m', 'not example', '-x',
            # Shrinking only makes a failure prettier; the first failing example will do.
            '-p', 'tests.mutation_profile', '--hypothesis-profile=mutation')
        assert code != pytest.ExitCode.NO_TESTS_COLLECTED, (
            f'{name}: no check has subject {mutant.subject}\n{output[-2000:]}')
        assert code == pytest.ExitCode.TESTS_FAILED, (
            f'{name} ({mutant.description}) survives the checks of {mutant.subject}: '
            f'exit code {code}\n{output[-4000:]}')

    def test_every_mutant_breaks_a_defined_clause(self):
        """Registers mutants only under clauses docs/spec.md defines, one module name each."""
        defined = clauses.defined()
        unknown = {name: m.subject for name, m in MUTANTS.items() if m.subject not in defined}
        assert not unknown, f'mutants of undefined clauses: {unknown}'

    def test_every_clause_with_behaviour_has_a_mutant(self):
        """Has a mutant for every clause, except those NO_MUTANT lists with a reason."""
        defined = set(clauses.defined())
        covered = {m.subject for m in MUTANTS.values()}
        missing = sorted(defined - covered - set(NO_MUTANT))
        assert not missing, (f'{len(missing)} clause(s) have no mutant (add one in tests/mutants/ '
                             'or a reason in NO_MUTANT): ' + ', '.join(missing))
        stale = sorted(set(NO_MUTANT) & covered) + sorted(set(NO_MUTANT) - defined)
        assert not stale, f'NO_MUTANT entries that have a mutant or no clause: {stale}'


class TestRewrite:
    def test_rewrite_is_independent_of_the_reference(self):
        """Shares no class with the reference implementation."""
        import reference
        import tests.rewritten as rewritten

        for name in ('LinearLrInterval', 'ReduceLR'):
            assert not issubclass(getattr(rewritten, name), getattr(reference, name))

    def test_suite_passes_a_correct_rewrite(self):
        """Passes every test, real-Runner ones included, on the independent rewrite."""
        code, output = run_suite('tests.rewritten')
        assert code == pytest.ExitCode.OK, output[-6000:]

    def test_suite_passes_classes_named_otherwise(self):
        """Passes every test on the reference's behaviour under classes with other names."""
        import reference
        import tests.forks.renamed_classes as fork

        assert fork.ReduceLR.__name__ != 'ReduceLR'
        assert issubclass(fork.ReduceLR, reference.ReduceLR)
        code, output = run_suite('tests.forks.renamed_classes')
        assert code == pytest.ExitCode.OK, output[-6000:]
