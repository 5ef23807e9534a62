"""The specification and the checks agree: every clause is the subject of a check that can fail.

The inventory comes from collecting the conformance suite as a user runs it (goldens, tests and
spec examples alike): each check's subject clause and the clauses it touches. A clause's spec
example illustrates it but never counts as its test; tests/test_mutants.py shows, per clause, that
its subject checks fail when that clause alone is broken.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.harness import clauses

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope='module')
def inventory(tmp_path_factory):
    """Every collected check of ``pytest conformance --impl=reference``."""
    path = tmp_path_factory.mktemp('inventory') / 'subjects.json'
    env = {**os.environ, 'SUBJECT_INVENTORY': str(path)}
    env.pop('LR_CONFORMANCE_IMPL', None)
    result = subprocess.run(
        [sys.executable, '-m', 'pytest', 'conformance', '--impl=reference', '--collect-only',
         '-q', '-p', 'tests.subject_inventory', '-p', 'no:randomly', '-p', 'no:cacheprovider'],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(path.read_text(encoding='utf-8'))


@pytest.fixture(scope='module')
def defined():
    ids = clauses.defined()
    assert ids, 'the specification defines no clauses (docs/spec.md)'
    return ids


def untested(records, defined_ids):
    """Clauses that are the subject of no check other than their own spec example."""
    subjects = {record['subject'] for record in records if not record['example']}
    return sorted(set(defined_ids) - subjects)


def unknown_citations(records, defined_ids):
    """``{clause: [check ids]}`` for subjects and touched clauses the spec does not define."""
    unknown = {}
    for record in records:
        for cid in [record['subject'], *record['touches']]:
            if cid not in defined_ids:
                unknown.setdefault(cid, []).append(record['id'])
    return unknown


class TestTraceability:
    def test_every_clause_is_the_subject_of_a_check(self, inventory, defined):
        """Has, for every clause, a golden or test whose subject it is, besides its example."""
        missing = untested(inventory, defined)
        assert not missing, (
            f'{len(missing)} clause(s) are the subject of no check but their spec example:\n'
            + '\n'.join(f'  {cid}: {defined[cid]}' for cid in missing))

    def test_every_cited_clause_exists(self, inventory, defined):
        """Cites, as subject or touched clause, only clauses the specification defines."""
        unknown = unknown_citations(inventory, defined)
        assert not unknown, 'cited clauses the specification does not define:\n' + '\n'.join(
            f'  {cid} (e.g. {where[0]})' for cid, where in sorted(unknown.items()))

    def test_every_check_has_exactly_one_subject(self, inventory):
        """Gives every collected check one subject clause, never several."""
        assert inventory, 'the suite collected nothing'
        wrong = [r['id'] for r in inventory if r['subject'] is None
                 or [len(args) for args in r['subject_args']] != [1]]
        assert not wrong, 'checks without exactly one subject:\n  ' + '\n  '.join(wrong[:20])

    def test_examples_are_marked(self, inventory):
        """Marks every spec example as an example, and nothing else."""
        for record in inventory:
            in_examples = record['id'].startswith('conformance/test_spec_examples.py')
            assert record['example'] == in_examples, record['id']


DEFINED = {'AAA-ONE': 'one', 'AAA-TWO': 'two'}


class TestTheRules:
    """The meta-test's own logic, on made-up inventories."""

    def test_an_example_alone_does_not_count(self):
        """Reports a clause whose only check is its spec example."""
        records = [
            {'id': 'ex-one', 'subject': 'AAA-ONE', 'touches': [], 'example': True},
            {'id': 'ex-two', 'subject': 'AAA-TWO', 'touches': [], 'example': True},
            {'id': 'test-two', 'subject': 'AAA-TWO', 'touches': [], 'example': False},
        ]
        assert untested(records, DEFINED) == ['AAA-ONE']

    def test_a_touched_clause_does_not_count(self):
        """Reports a clause that checks only touch, never pin."""
        records = [{'id': 't', 'subject': 'AAA-TWO', 'touches': ['AAA-ONE'], 'example': False}]
        assert untested(records, DEFINED) == ['AAA-ONE']

    def test_unknown_citations_are_reported(self):
        """Names an undefined subject or touched clause with a check that cites it."""
        records = [{'id': 't', 'subject': 'AAA-ONE', 'touches': ['ZZZ-NONE'], 'example': False}]
        assert unknown_citations(records, DEFINED) == {'ZZZ-NONE': ['t']}
