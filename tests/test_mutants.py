"""The suite catches one-behaviour mutants and passes a correct rewrite (the issue's "Done when").

Each module of tests/mutants/ differs from upstream in exactly one clause; the suite must fail on
it and name one of the clauses listed for it in ``tests.mutants.MUTANTS``. tests/rewritten/ is a
correct implementation written independently of reference/; the whole suite must pass on it.
Each run is a child ``python -m pytest`` in the repository root, as a user would type it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mutants import MUTANTS

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / 'conformance'
#: Suite modules in the order a mutation run takes them: spec examples and goldens first (each
#: names its clause precisely and runs fast), then the family modules, then the hypothesis ones.
#: Modules not listed here run last; modules that do not exist yet are left out.
PREFERRED = (
    'test_spec_examples.py', 'test_golden.py', 'test_window.py', 'test_linear_interval.py',
    'test_reduce_lr.py', 'test_state.py', 'test_properties.py', 'test_stateful.py',
)
COMMON = ('-q', '-p', 'no:randomly', '-p', 'no:cacheprovider')
#: Side-by-side comparisons with the reference catch any difference but cite whole families of
#: clauses; a mutant must be caught by a test that names its clause, so these are left out.
BROAD = (
    'conformance/test_stateful.py::TestSideBySide::test_candidate_matches_reference_call_by_call',
    'conformance/test_differential.py::TestDifferential::'
    'test_implementation_matches_reference_on_random_scenarios',
)

pytestmark = pytest.mark.mutation


def suite_files():
    present = {path.name for path in SUITE.glob('test_*.py')}
    ordered = [name for name in PREFERRED if name in present]
    ordered += sorted(present - set(PREFERRED))
    assert ordered, f'no conformance test modules found in {SUITE}'
    return [f'conformance/{name}' for name in ordered]


def run_suite(impl, *options, timeout=900):
    command = [sys.executable, '-m', 'pytest', *suite_files(), f'--impl={impl}', *COMMON,
               *options]
    env = {key: value for key, value in os.environ.items() if key != 'LR_CONFORMANCE_IMPL'}
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                            env=env)
    return result.returncode, result.stdout + result.stderr


class TestMutants:
    @pytest.mark.parametrize('mutant', sorted(MUTANTS))
    def test_suite_fails_and_names_the_clause(self, mutant):
        """Fails on a one-behaviour mutant, and the failures name a clause the mutant breaks.

        The first failure (``-x``) usually names it; when the first failing test cites a
        neighbouring clause (an example that also shows the broken behaviour), the whole suite
        runs and its failures must name it.
        """
        options = ('-m', 'not runner', *(f'--deselect={node}' for node in BROAD),
                   # Shrinking only makes a failure prettier; the first failing example will do.
                   '-p', 'tests.mutation_profile', '--hypothesis-profile=mutation')
        code, output = run_suite(f'tests.mutants.{mutant}', '-x', *options)
        assert code == pytest.ExitCode.TESTS_FAILED, f'{mutant}: exit code {code}\n{output[-4000:]}'
        if not _named(mutant, output):
            code, output = run_suite(f'tests.mutants.{mutant}', *options)
            assert code == pytest.ExitCode.TESTS_FAILED, f'{mutant}: exit code {code}'
        assert _named(mutant, output), (
            f'{mutant}: no failure names any of {", ".join(MUTANTS[mutant])}\n{output[-4000:]}'
        )


def _named(mutant, output):
    return [cid for cid in MUTANTS[mutant] if cid in output]


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
