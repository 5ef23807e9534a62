"""First-order mutants of one Python source file: one small change each, found through the AST.

A mutant is a list of edits of the source text (byte offsets into its UTF-8 encoding), not a
re-printed AST, so everything outside the change keeps its formatting and line numbers and a
mutant's diff is the one line it changes. Operators (the names appear in mutant IDs):

- comparisons: ``Lt->LtE``, ``LtE->Lt``, ``Gt->GtE``, ``GtE->Gt``, ``Eq->NotEq``, ``NotEq->Eq``,
  ``In->NotIn``, ``NotIn->In``, ``Is->IsNot``, ``IsNot->Is`` (``#2`` etc. for the n-th operator of
  a chained comparison);
- arithmetic, also in augmented assignments: ``Add->Sub``, ``Sub->Add``, ``Mult->Div``,
  ``Div->Mult``, ``FloorDiv->Div``, ``Mod->FloorDiv``, ``Pow->Mult``;
- boolean: ``and->or``, ``or->and``, ``not-removed``;
- constants: ``0->1``, ``1->0``, ``n->n+1`` (any other int or float), ``True->False``,
  ``False->True``, ``None->0``, ``str->XXstrXX`` (a string gets ``XX`` around it);
- ``return->None`` (a ``return`` of anything but None);
- ``stmt->pass``: an assignment, augmented assignment or call statement replaced by ``pass``;
- ``if-negated``: the condition of an ``if`` statement or a conditional expression negated;
- ``decorator-removed``: a class decorator (upstream's registry lines) deleted.

Never mutated: docstrings, imports, annotations, f-strings, anything inside a ``raise`` statement
or an ``assert`` message, and the arguments of logging calls (``print_log``, ``warnings.warn``,
``logger.*``, ``print``): text a user reads, not behaviour the suite pins (a ``warnings.warn`` or
``print_log`` statement can still be removed by ``stmt->pass``).

A mutant's ID is ``file:line:column:operator`` (line and column, both from 1, of the first edit),
stable as long as the file does not change; mutants are listed in ID order.
"""

from __future__ import annotations

import ast
import bisect
import re
from dataclasses import dataclass

COMPARISONS = {
    ast.Lt: ('<', ast.LtE), ast.LtE: ('<=', ast.Lt), ast.Gt: ('>', ast.GtE),
    ast.GtE: ('>=', ast.Gt), ast.Eq: ('==', ast.NotEq), ast.NotEq: ('!=', ast.Eq),
    ast.In: ('in', ast.NotIn), ast.NotIn: ('not in', ast.In), ast.Is: ('is', ast.IsNot),
    ast.IsNot: ('is not', ast.Is),
}
ARITHMETIC = {
    ast.Add: ('+', ast.Sub), ast.Sub: ('-', ast.Add), ast.Mult: ('*', ast.Div),
    ast.Div: ('/', ast.Mult), ast.FloorDiv: ('//', ast.Div), ast.Mod: ('%', ast.FloorDiv),
    ast.Pow: ('**', ast.Mult),
}
#: Calls whose arguments are text for a reader (function name or attribute name).
LOGGING_CALLS = frozenset({'print_log', 'warn', 'print', 'debug', 'info', 'warning', 'error',
                           'exception', 'critical'})
_TOKEN = re.compile(r'[-+*/%<>=!@&|^~]+|[A-Za-z_]+')


@dataclass(frozen=True)
class Mutant:
    """One change of one file: ``edits`` are (start, end, replacement) in the encoded source."""

    file: str
    line: int
    col: int
    operator: str
    scope: str
    edits: tuple

    @property
    def id(self) -> str:
        return f'{self.file}:{self.line}:{self.col}:{self.operator}'

    def apply(self, source: str) -> str:
        """The mutated source."""
        data = source.encode()
        for start, end, replacement in sorted(self.edits, reverse=True):
            data = data[:start] + replacement.encode() + data[end:]
        return data.decode()

    def diff(self, source: str) -> list:
        """The changed lines: ``- `` original lines, then ``+ `` mutated lines."""
        data = source.encode()
        first = min(start for start, _, _ in self.edits)
        last = max(end for _, end, _ in self.edits)
        begin = data.rfind(b'\n', 0, first) + 1
        stop = data.find(b'\n', last)
        stop = len(data) if stop < 0 else stop
        before = data[begin:stop].decode()
        after = self._shifted(-begin).apply(before)
        return [f'- {line}' for line in before.splitlines()] + [
            f'+ {line}' for line in after.splitlines()]

    def _shifted(self, by):
        return Mutant(self.file, self.line, self.col, self.operator, self.scope,
                      tuple((start + by, end + by, text) for start, end, text in self.edits))


def mutants(source: str, file: str, functions=None) -> list:
    """Every mutant of ``source`` (named ``file`` in IDs), in ID order.

    ``functions``: qualified names (``Class.method``) whose bodies, default values and nested
    functions alone are mutated; None mutates the whole module.
    """
    finder = _Finder(source, file, None if functions is None else frozenset(functions))
    finder.module(ast.parse(source))
    if finder.functions is not None:
        unknown = finder.functions - finder.seen_functions
        if unknown:
            raise ValueError(f'{file}: no function {", ".join(sorted(unknown))}')
    found = sorted(finder.found, key=lambda m: (m.line, m.col, m.operator))
    ids = [m.id for m in found]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise AssertionError(f'mutant IDs are not unique: {duplicates}')
    return found


def _is_docstring(statement) -> bool:
    return (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str))


def _call_name(call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ''


class _Finder:
    def __init__(self, source, file, functions):
        self.data = source.encode()
        self.file = file
        self.functions = functions
        self.seen_functions = set()
        self.found = []
        self.line_starts = [0]
        for index, byte in enumerate(self.data):
            if byte == 0x0A:
                self.line_starts.append(index + 1)

    # -- positions ----------------------------------------------------------------------------
    def offset(self, line, col):
        return self.line_starts[line - 1] + col

    def start(self, node):
        return self.offset(node.lineno, node.col_offset)

    def end(self, node):
        return self.offset(node.end_lineno, node.end_col_offset)

    def text(self, node):
        return self.data[self.start(node):self.end(node)].decode()

    def add(self, operator, scope, edits):
        first = min(start for start, _, _ in edits)
        line = bisect.bisect_right(self.line_starts, first)
        col = first - self.line_starts[line - 1] + 1
        self.found.append(Mutant(self.file, line, col, operator, scope, tuple(edits)))

    def operator_edit(self, left, right, tokens, replacement):
        """The edit replacing the operator ``tokens`` found between the nodes left and right."""
        begin, stop = self.end(left), self.start(right)
        gap = self.data[begin:stop].decode()
        stripped = re.sub(r'#[^\n]*', lambda m: ' ' * len(m.group()), gap)
        found = list(_TOKEN.finditer(stripped))
        if [m.group() for m in found] != tokens.split():
            raise AssertionError(f'{self.file}: expected {tokens!r} between operands at byte '
                                 f'{begin}, found {gap!r}')
        return (begin + found[0].start(), begin + found[-1].end(), replacement)

    # -- statements ---------------------------------------------------------------------------
    def module(self, tree):
        self.body(tree.body, '<module>', self.functions is None)

    def body(self, statements, scope, active):
        for index, statement in enumerate(statements):
            if index == 0 and _is_docstring(statement):
                continue
            self.statement(statement, scope, active)

    def qualify(self, scope, name):
        return name if scope == '<module>' else f'{scope}.{name}'

    def statement(self, node, scope, active):
        if isinstance(node, ast.ClassDef):
            qual = self.qualify(scope, node.name)
            if active:
                for decorator in node.decorator_list:
                    self.add('decorator-removed', qual,
                             [(self.start(decorator) - 1, self.end(decorator), '')])
            self.body(node.body, qual, active)
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            qual = self.qualify(scope, node.name)
            selected = self.functions is not None and qual in self.functions
            if selected:
                self.seen_functions.add(qual)
            here = active or selected
            for default in [*node.args.defaults, *node.args.kw_defaults]:
                if default is not None:
                    self.expression(default, qual, here)
            self.body(node.body, qual, here)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.Raise, ast.Global, ast.Nonlocal,
                             ast.Pass, ast.Break, ast.Continue, ast.Delete)):
            return
        if not active:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    self.statement(child, scope, active)
            return
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            if getattr(node, 'value', None) is None:
                return
            self.add('stmt->pass', scope, [(self.start(node), self.end(node), 'pass')])
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if isinstance(node, ast.AugAssign):
                symbol, new = ARITHMETIC[type(node.op)]
                self.add(f'{type(node.op).__name__}->{new.__name__}', scope, [
                    self.operator_edit(node.target, node.value, symbol + '=',
                                       ARITHMETIC[new][0] + '=')])
            for target in targets:
                self.expression(target, scope, True)
            self.expression(node.value, scope, True)
        elif isinstance(node, ast.Expr):
            if isinstance(node.value, ast.Constant):
                return  # a string used as a comment
            if isinstance(node.value, ast.Call):
                self.add('stmt->pass', scope, [(self.start(node), self.end(node), 'pass')])
            self.expression(node.value, scope, True)
        elif isinstance(node, ast.Return):
            if node.value is not None and not (isinstance(node.value, ast.Constant)
                                               and node.value.value is None):
                self.add('return->None', scope,
                         [(self.start(node.value), self.end(node.value), 'None')])
                self.expression(node.value, scope, True)
        elif isinstance(node, ast.If):
            self.add('if-negated', scope, [(self.start(node.test), self.end(node.test),
                                            f'not ({self.text(node.test)})')])
            self.expression(node.test, scope, True)
            self.body(node.body, scope, True)
            self.body(node.orelse, scope, True)
        elif isinstance(node, ast.Assert):
            self.expression(node.test, scope, True)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    self.statement(child, scope, True)
                elif isinstance(child, ast.expr):
                    self.expression(child, scope, True)
                else:
                    for grandchild in ast.iter_child_nodes(child):  # with items, handlers
                        if isinstance(grandchild, ast.stmt):
                            self.statement(grandchild, scope, True)
                        elif isinstance(grandchild, ast.expr):
                            self.expression(grandchild, scope, True)

    # -- expressions --------------------------------------------------------------------------
    def expression(self, node, scope, active):
        if not active or isinstance(node, ast.JoinedStr):
            return
        if isinstance(node, ast.Compare):
            left = node.left
            for index, (op, right) in enumerate(zip(node.ops, node.comparators)):
                symbol, new = COMPARISONS[type(op)]
                name = f'{type(op).__name__}->{new.__name__}'
                if len(node.ops) > 1:
                    name += f'#{index + 1}'
                self.add(name, scope,
                         [self.operator_edit(left, right, symbol, COMPARISONS[new][0])])
                left = right
        elif isinstance(node, ast.BinOp):
            symbol, new = ARITHMETIC[type(node.op)]
            self.add(f'{type(node.op).__name__}->{new.__name__}', scope,
                     [self.operator_edit(node.left, node.right, symbol, ARITHMETIC[new][0])])
        elif isinstance(node, ast.BoolOp):
            old, new = ('and', 'or') if isinstance(node.op, ast.And) else ('or', 'and')
            self.add(f'{old}->{new}', scope, [
                self.operator_edit(a, b, old, new) for a, b in zip(node.values, node.values[1:])])
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            self.add('not-removed', scope, [(self.start(node), self.start(node.operand), '')])
        elif isinstance(node, ast.IfExp):
            self.add('if-negated', scope, [(self.start(node.test), self.end(node.test),
                                            f'not ({self.text(node.test)})')])
        elif isinstance(node, ast.Constant):
            self.constant(node, scope)
            return
        elif isinstance(node, ast.Call) and _call_name(node) in LOGGING_CALLS:
            return  # its arguments are text for a reader
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expression(child, scope, True)
            elif isinstance(child, ast.keyword):
                self.expression(child.value, scope, True)
            elif isinstance(child, ast.comprehension):  # not its target
                for part in [child.iter, *child.ifs]:
                    self.expression(part, scope, True)

    def constant(self, node, scope):
        value = node.value
        span = (self.start(node), self.end(node))
        if isinstance(value, bool):
            self.add(f'{value}->{not value}', scope, [(*span, repr(not value))])
        elif value is None:
            self.add('None->0', scope, [(*span, '0')])
        elif isinstance(value, (int, float)):
            if value == 0:
                name, new = '0->1', value + 1
            elif value == 1:
                name, new = '1->0', value - 1
            else:
                name, new = 'n->n+1', value + 1
            self.add(name, scope, [(*span, repr(new))])
        elif isinstance(value, str):
            self.add('str->XXstrXX', scope, [(*span, repr(f'XX{value}XX'))])

