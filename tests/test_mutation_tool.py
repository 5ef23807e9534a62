"""tools/mutation, the mutation score command: its mutator, its IDs, --list, and one judged run.

The mutator checks run on a small snippet written here; the judged runs (marked ``mutation``)
run the suite as a child on a copy of upstream's scheduler files laid out as a fork: one known
mutant must be killed, and a copy whose bytes differ but whose code does not must pass.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest

from tools.mutation import equivalents, mutator, runner, targets

SNIPPET = '''\
"""A docstring, never mutated."""


@REGISTRY.register_module()
class Thing:
    """Also a docstring."""

    def __init__(self, limit=10, strict=True):
        self.limit = limit
        self.strict = strict
        self.seen = None

    def check(self, value, low):
        if value < low or not self.strict:
            raise ValueError(f'value {value} below {low}')
        print_log(f'checked {value}', logger='current')
        self.seen = value * 2 - 1
        self.limit //= 2
        return value >= self.limit and 'ok' in self.mode
'''


def found(functions=None):
    return mutator.mutants(SNIPPET, 'snippet.py', functions)


def changed_nodes(before, after):
    """How many statements of the two sources differ, compared one by one as ASTs."""
    old = [ast.dump(node) for node in ast.walk(ast.parse(before)) if isinstance(node, ast.stmt)]
    new = [ast.dump(node) for node in ast.walk(ast.parse(after)) if isinstance(node, ast.stmt)]
    return old != new


class TestMutator:
    def test_each_mutant_is_one_compilable_change(self):
        """Makes mutants that each compile and differ from the snippet on their own lines only."""
        mutants = found()
        assert len(mutants) > 20
        for mutant in mutants:
            mutated = mutant.apply(SNIPPET)
            compile(mutated, mutant.id, 'exec')
            assert changed_nodes(SNIPPET, mutated), mutant.id
            before, after = SNIPPET.splitlines(), mutated.splitlines()
            differing = [n for n, (a, b) in enumerate(zip(before, after), 1) if a != b]
            assert len(before) == len(after), mutant.id
            assert differing == [mutant.line], (mutant.id, differing)

    def test_ids_are_stable_sorted_and_unique(self):
        """Gives each mutant a file:line:col:operator ID, the same on every call, in order."""
        first, again = [m.id for m in found()], [m.id for m in found()]
        assert first == again
        assert len(set(first)) == len(first)
        keys = [(m.line, m.col, m.operator) for m in found()]
        assert keys == sorted(keys)
        line = SNIPPET.splitlines().index('        if value < low or not self.strict:') + 1
        column = SNIPPET.splitlines()[line - 1].index('<') + 1
        assert f'snippet.py:{line}:{column}:Lt->LtE' in first

    def test_every_operator_of_the_snippet_is_produced(self):
        """Produces each kind of operator the snippet offers."""
        operators = {m.operator for m in found()}
        assert operators >= {
            'decorator-removed', 'n->n+1', 'True->False', 'None->0', 'stmt->pass', 'if-negated',
            'Lt->LtE', 'or->and', 'not-removed', 'Mult->Div', 'Sub->Add', '1->0',
            'FloorDiv->Div', 'return->None', 'GtE->Gt', 'and->or', 'In->NotIn', 'str->XXstrXX',
        }

    def test_text_for_readers_is_not_mutated(self):
        """Leaves docstrings, raise statements and logging arguments alone."""
        lines = SNIPPET.splitlines()
        untouched = {n for n, text in enumerate(lines, 1)
                     if '"""' in text or 'raise' in text}
        log = next(n for n, text in enumerate(lines, 1) if 'print_log' in text)
        for mutant in found():
            assert mutant.line not in untouched, mutant.id
            if mutant.line == log:
                assert mutant.operator == 'stmt->pass', mutant.id

    def test_functions_limit_what_is_mutated(self):
        """Mutates only the functions named, and refuses a name the file does not define."""
        only = found(['Thing.__init__'])
        assert only and {m.scope for m in only} == {'Thing.__init__'}
        with pytest.raises(ValueError, match=r'Thing\.missing'):
            found(['Thing.missing'])


class TestCommand:
    def test_list_prints_every_mutant_id(self):
        """Prints, with --list, the ID of every mutant of the target and runs nothing."""
        result = subprocess.run(
            [sys.executable, '-m', 'tools.mutation', '--list', '--target', 'upstream'],
            cwd=targets.ROOT, capture_output=True, text=True, timeout=120, check=True)
        listed = [line for line in result.stdout.splitlines() if line.startswith('mmagic/')]
        assert listed == [m.id for m in targets.TARGETS['upstream'].mutants()]

    def test_declared_equivalents_name_existing_mutants(self):
        """Declares equivalent, in docs/mutation.md, only mutants the targets produce."""
        declared = equivalents.load(targets.ROOT / 'docs' / 'mutation.md')
        produced = {m.id for target in targets.TARGETS.values() for m in target.mutants()}
        assert declared, 'docs/mutation.md declares no equivalent mutant'
        assert sorted(set(declared) - produced) == []


KNOWN_BAD = 'mmagic/engine/schedulers/reduce_lr_scheduler.py:128:58:Gt->GtE'


@pytest.mark.mutation
class TestJudging:
    def test_known_bad_upstream_mutant_is_killed(self, tmp_path):
        """Kills upstream's eps test turned from > into >= (the command, one child run)."""
        summary = tmp_path / 'summary.json'
        result = subprocess.run(
            [sys.executable, '-m', 'tools.mutation', '--only', KNOWN_BAD, '--json', str(summary)],
            cwd=targets.ROOT, capture_output=True, text=True, timeout=1200)
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
        (record,) = json.loads(summary.read_text())['mutants']
        assert record['id'] == KNOWN_BAD
        assert record['status'] == runner.KILLED, record

    def test_unmutated_copy_survives(self, tmp_path):
        """Passes a fork copy whose bytes differ from upstream's but whose code does not."""
        target = targets.TARGETS['upstream']
        layout = target.build(tmp_path / 'fork')
        file = targets.UPSTREAM_FILES[1]
        layout.write(file, layout.sources[file] + '\n# a comment changes the bytes, not the code\n')
        header = runner.header(layout.directory, target.impl)
        assert any('MODIFIED' in line for line in header), header
        outcome = runner.run(layout.directory, target.impl, timeout=1200)
        assert outcome.status == runner.SURVIVED, (outcome.status, outcome.failed, outcome.tail)
