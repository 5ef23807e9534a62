"""The specification and the tests agree: every clause is tested, every cited clause exists.

Test modules are read statically (``ast``): a citation is a ``pytest.mark.clause(...)`` call on a
test function, its class or its module (``pytestmark``), including marks inside
``pytest.mark.parametrize``. Golden cases cite clauses in their ``clauses`` field, and
test_spec_examples runs each clause's own example, which counts as a citation of that clause.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conformance.harness import clauses

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / 'conformance'
FIXTURES = ROOT / 'fixtures'


@dataclass
class Module:
    """What one test module cites, and which of its tests carry no clause marker."""

    path: Path
    cited: set = field(default_factory=set)
    tests: list = field(default_factory=list)
    unmarked: list = field(default_factory=list)


def _is_clause_call(node):
    """``pytest.mark.clause(...)`` or ``mark.clause(...)``."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == 'clause' and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == 'mark')


def _clause_calls(node):
    return [sub for sub in ast.walk(node) if _is_clause_call(sub)]


def _module_constants(tree):
    """Module-level names bound to literal data, for citations such as ``clause(*IDS)``."""
    constants = {}
    for statement in tree.body:
        targets = []
        if isinstance(statement, ast.Assign):
            targets = [t.id for t in statement.targets if isinstance(t, ast.Name)]
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            targets = [statement.target.id]
        for name in targets:
            constants[name] = statement.value
    return constants


def _cited_by(call, constants):
    """The clause IDs a clause call names: its string arguments, and IDs in constants it uses."""
    found = set()
    for argument in [*call.args, *(keyword.value for keyword in call.keywords)]:
        for sub in ast.walk(argument):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                found.add(sub.value)
            elif isinstance(sub, ast.Name) and sub.id in constants:
                found |= {s.value for s in ast.walk(constants[sub.id])
                          if isinstance(s, ast.Constant) and isinstance(s.value, str)
                          and clauses.CLAUSE_ID.match(s.value)}
    return found


def _pytestmark(body):
    return [s for s in body if isinstance(s, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == 'pytestmark' for t in s.targets)]


def scan(path):
    """Read one test module."""
    tree = ast.parse(path.read_text(encoding='utf-8'), filename=str(path))
    module = Module(path)
    constants = _module_constants(tree)
    for call in _clause_calls(tree):
        module.cited |= _cited_by(call, constants)
    # Module-level helpers that build marked params, e.g. ``parametrize('case', [_param(c) ...])``.
    helpers = {node.name for node in tree.body
               if isinstance(node, ast.FunctionDef) and _clause_calls(node)}

    def marks(node):
        return bool(_clause_calls(node)) or any(
            isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id in helpers
            for sub in ast.walk(node)
        )

    module_marked = any(marks(s) for s in _pytestmark(tree.body))

    def visit(functions, marked):
        for node in functions:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    and node.name.startswith('test'):
                name = f'{path.name}::{node.name}'
                module.tests.append(name)
                if not (marked or any(marks(d) for d in node.decorator_list)):
                    module.unmarked.append(name)

    visit(tree.body, module_marked)
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name.startswith('Test'):
            class_marked = module_marked or any(marks(d) for d in node.decorator_list) \
                or any(marks(s) for s in _pytestmark(node.body))
            visit(node.body, class_marked)
    return module


def golden_citations():
    """Clause IDs in the ``clauses`` fields of the golden case files."""
    found = set()
    if not FIXTURES.is_dir():
        return found

    def walk(value):
        if isinstance(value, dict):
            cited = value.get('clauses')
            if isinstance(cited, list) and all(isinstance(c, str) for c in cited):
                found.update(cited)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in sorted(FIXTURES.glob('*.json')):
        if path.name != 'schema.json':
            walk(json.loads(path.read_text(encoding='utf-8')))
    return found


def example_citations():
    """Clauses whose example test_spec_examples runs as a doctest."""
    if not (SUITE / 'test_spec_examples.py').exists():
        return set()
    return set(clauses.examples())


@pytest.fixture(scope='module')
def modules():
    found = [scan(path) for path in sorted(SUITE.glob('test_*.py'))]
    assert found, f'no test modules in {SUITE}'
    return found


@pytest.fixture(scope='module')
def defined():
    ids = clauses.defined()
    assert ids, 'the specification defines no clauses (docs/spec.md or docs/spec/*.md)'
    return ids


def _cited(modules):
    by_tests = set().union(*(module.cited for module in modules))
    return by_tests | golden_citations() | example_citations()


class TestTraceability:
    def test_every_clause_is_cited_by_a_test(self, modules, defined):
        """Cites every clause of the specification from at least one test or golden case."""
        missing = sorted(set(defined) - _cited(modules))
        assert not missing, (
            f'{len(missing)} clause(s) of the specification are tested nowhere:\n'
            + '\n'.join(f'  {cid}: {defined[cid]}' for cid in missing)
        )

    def test_every_cited_clause_exists(self, modules, defined):
        """Cites only clauses the specification defines."""
        unknown = {}
        for module in modules:
            for cid in sorted(module.cited - set(defined)):
                unknown.setdefault(cid, []).append(module.path.name)
        for cid in sorted(golden_citations() - set(defined)):
            unknown.setdefault(cid, []).append('fixtures/')
        assert not unknown, 'cited clauses the specification does not define:\n' + '\n'.join(
            f'  {cid} (in {", ".join(where)})' for cid, where in sorted(unknown.items())
        )

    def test_every_test_has_a_clause_marker(self, modules):
        """Marks every test function with the clauses it checks (function, class or module)."""
        unmarked = [name for module in modules for name in module.unmarked]
        assert not unmarked, 'tests without a clause marker:\n' + '\n'.join(
            f'  conformance/{name}' for name in unmarked
        )
        assert sum(len(module.tests) for module in modules) > 0


class TestScanner:
    def test_finds_marks_at_every_level(self, tmp_path):
        """Reads function, class, module and parametrize marks, and constant-held IDs."""
        source = tmp_path / 'test_sample.py'
        source.write_text(
            'import pytest\n'
            "IDS = ('AAA-ONE', 'AAA-TWO')\n"
            "pytestmark = pytest.mark.clause('AAA-MODULE')\n"
            'def test_module_level():\n    pass\n'
            "@pytest.mark.clause('AAA-CLASS')\n"
            'class TestThing:\n'
            "    @pytest.mark.clause(*IDS)\n"
            '    def test_constants(self):\n        pass\n'
            "    @pytest.mark.parametrize('x', [pytest.param(1, marks=pytest.mark.clause("
            "'AAA-PARAM'))])\n"
            '    def test_param(self, x):\n        pass\n'
            'def _param(x):\n'
            "    return pytest.param(x, marks=pytest.mark.clause('AAA-HELPER'))\n"
            "@pytest.mark.parametrize('x', [_param(1)])\n"
            'def test_helper(x):\n    pass\n',
            encoding='utf-8',
        )
        module = scan(source)
        assert module.cited == {'AAA-ONE', 'AAA-TWO', 'AAA-MODULE', 'AAA-CLASS', 'AAA-PARAM',
                                'AAA-HELPER'}
        assert len(module.tests) == 4
        assert module.unmarked == []

    def test_reports_unmarked_tests(self, tmp_path):
        """Lists a test with no clause marker anywhere."""
        source = tmp_path / 'test_sample.py'
        source.write_text(
            'import pytest\n'
            'class TestThing:\n'
            "    @pytest.mark.parametrize('x', [1])\n"
            '    def test_bare(self, x):\n        pass\n'
            "    @pytest.mark.clause('AAA-ONE')\n"
            '    def test_marked(self):\n        pass\n',
            encoding='utf-8',
        )
        assert scan(source).unmarked == ['test_sample.py::test_bare']
