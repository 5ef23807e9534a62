"""The oracle (conformance/harness/oracle.py) stays one independent writing of the spec's rules."""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
import sys
from pathlib import Path

from conformance.harness import clauses, oracle

ROOT = Path(__file__).resolve().parents[1]
_CITED = re.compile(r'\b(?:WIN|LLI|RLR|LOOP)-[A-Z0-9-]*[A-Z0-9]\b')
#: The names test modules once gave their own copies of the oracle's rules.
_COPIES = ('_staircase', '_staircase_value', '_staircase_index', '_expected_rows', '_reduced',
           'reduced', 'better', '_is_better', '_consuming_calls', '_initial_row',
           '_loop_progress', 'frozen_after', 'lli_expected', '_active_last_steps',
           'window_message', 'every_n', 'clause_numerator', 'rlr_reduce', 'is_better_rule')


class TestOracle:
    def test_never_imports_the_reference(self):
        """Loads without importing reference/, directly or through what it imports."""
        code = ('import sys, conformance.harness.oracle as o; o.Outcome([]).trace(); '
                "print(sorted(m for m in sys.modules if m.split('.')[0] == 'reference'))")
        result = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        assert result.stdout.strip() == '[]'

    def test_every_rule_cites_an_existing_clause(self):
        """Cites in each public function's docstring at least one clause the spec defines."""
        defined = set(clauses.defined())
        functions = [value for name, value in vars(oracle).items()
                     if inspect.isfunction(value) and not name.startswith('_')
                     and value.__module__ == oracle.__name__]
        assert functions
        for function in functions:
            cited = set(_CITED.findall(function.__doc__ or ''))
            assert cited, f'{function.__name__} cites no clause'
            assert cited <= defined, f'{function.__name__} cites unknown {cited - defined}'

    def test_test_modules_keep_no_copy_of_a_rule(self):
        """Leaves the rules to the oracle: no test module defines a function of a copy's name."""
        for path in sorted((ROOT / 'conformance').glob('test_*.py')):
            tree = ast.parse(path.read_text(encoding='utf-8'))
            defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
            assert not defined & set(_COPIES), f'{path.name} defines {defined & set(_COPIES)}'
