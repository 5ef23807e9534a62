"""The golden fixtures: their file format, loading, validation and the checksum manifest.

``fixtures/*.json`` hold generated cases (a scenario plus the trace the reference produced and
upstream reproduced); ``fixtures/schema.json`` is their JSON Schema and ``fixtures/MANIFEST.sha256``
their checksums. Anything wrong with them is one :class:`GoldenError` that names the file.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from . import clauses, floats
from .driver import ErrorRecord, Trace
from .scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / 'fixtures'
SCHEMA_NAME = 'schema.json'
MANIFEST_NAME = 'MANIFEST.sha256'
GENERATOR = 'conformance/generate_fixtures.py'
REGENERATE = 'python -m conformance.generate_fixtures'
FORMAT = 'mmagic-lr-golden/1'
#: Points conformance/test_golden.py at another fixture directory (the suite's own meta-tests).
ENV_VAR = 'LR_CONFORMANCE_FIXTURES'

#: Fields of a case's ``inputs``, in the order docs/fixtures.md explains them.
INPUT_FIELDS = (
    'optimizers',
    'schedulers',
    'steps',
    'loop',
    'epoch_length',
    'progress',
    'progress_offset',
    'metrics',
    'metric_before_build',
    'reduce_lr_hub_first',
    'resumes',
)
#: Words a case description must not use: a golden states what happens.
BANNED_WORDS = ('should',)
_LINE = re.compile(r'^([0-9a-f]{64})  ([A-Za-z0-9_.-]+)$')


class GoldenError(Exception):
    """A fixture file is missing, corrupt, hand-edited or malformed; the message says which."""


@dataclass(frozen=True)
class Case:
    """One golden case: the scenario to run and the trace every conforming implementation gives."""

    id: str
    clauses: tuple
    description: str
    scenario: Scenario
    expected: Trace
    file: str

    @property
    def scheduler_types(self):
        return tuple(sorted(self.scenario.scheduler_types))


# -- writing (used by the generator) ------------------------------------------------------------


def expectation(trace: Trace, normative_message: bool = True) -> Trace:
    """The trace as a golden states it: the message left open (None) where it is not normative.

    The wording of exceptions that are not Python builtins belongs to the versions of torch or
    pickle, and some clauses declare Python's own wording informative (catalog).
    """
    error = trace.error
    if error is None or (normative_message and is_builtin(error.type)):
        return trace
    return Trace(lrs=trace.lrs, error=ErrorRecord(error.type, None, error.step, error.phase))


def case_json(scenario: Scenario, trace: Trace) -> dict:
    """The file form of a case (floats still Python floats; floats.dumps tags the rest)."""
    data = scenario.to_json()
    inputs = {name: data[name] for name in INPUT_FIELDS}
    expected = trace.to_json()
    return {
        'id': scenario.id,
        'clauses': list(scenario.clauses),
        'description': scenario.description,
        'inputs': inputs,
        'expected': expected,
    }


def is_builtin(type_name: str) -> bool:
    """driver.exception_type_name spells builtin exceptions without a module."""
    return '.' not in type_name


def file_json(family: str, title: str, provenance: dict, cases: list) -> dict:
    return {'format': FORMAT, 'family': family, 'title': title, 'provenance': provenance,
            'cases': cases}


def manifest_text(contents: dict) -> str:
    """``sha256sum`` format, one line per file, sorted by name."""
    return ''.join(f'{_sha256(contents[name])}  {name}\n' for name in sorted(contents))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- reading ------------------------------------------------------------------------------------


def directory() -> Path:
    """The fixture directory the golden tests read: $LR_CONFORMANCE_FIXTURES, else fixtures/."""
    return Path(os.environ.get(ENV_VAR) or FIXTURES)


def fixture_files(directory: Path = FIXTURES) -> list:
    """The case files (every ``*.json`` except the schema), sorted by name."""
    return sorted(p for p in Path(directory).glob('*.json') if p.name != SCHEMA_NAME)


def verify_manifest(directory: Path = FIXTURES) -> None:
    """Raise GoldenError unless every fixture file matches its manifest checksum, and vice versa."""
    directory = Path(directory)
    where = _label(directory / MANIFEST_NAME)
    if not (directory / MANIFEST_NAME).is_file():
        raise GoldenError(f'{where} is missing; regenerate the fixtures with `{REGENERATE}`')
    listed = {}
    text = (directory / MANIFEST_NAME).read_text(encoding='utf-8')
    for number, line in enumerate(text.splitlines(), 1):
        match = _LINE.match(line)
        if not match:
            raise GoldenError(f'{where}:{number}: malformed line {line!r} '
                              '(expected "<sha256>  <file name>")')
        listed[match.group(2)] = match.group(1)
    problems = []
    for name, digest in sorted(listed.items()):
        path = directory / name
        if not path.is_file():
            problems.append(f'{_label(path)} is listed in {MANIFEST_NAME} but missing')
        elif _sha256(path.read_bytes()) != digest:
            problems.append(
                f'{_label(path)}: checksum mismatch with {MANIFEST_NAME}: the file is corrupt or '
                f'hand-edited; regenerate it with `{REGENERATE}`'
            )
    present = [p.name for p in fixture_files(directory)] + [SCHEMA_NAME]
    for name in sorted(set(present) - set(listed)):
        if (directory / name).is_file():
            problems.append(f'{_label(directory / name)} is not in {MANIFEST_NAME}: fixtures are '
                            f'written only by `{REGENERATE}`')
    if problems:
        raise GoldenError('\n'.join(problems))


def schema(directory: Path = FIXTURES) -> dict:
    path = Path(directory) / SCHEMA_NAME
    if not path.is_file():
        raise GoldenError(f'{_label(path)} is missing; regenerate with `{REGENERATE}`')
    return _parse(path)


def validator(directory: Path = FIXTURES, thorough: bool = True):
    """A JSON Schema validator for the case files.

    ``thorough=False`` leaves the values of ``expected.lrs`` to :func:`_check_rows`, which
    applies the schema's ``float`` definition to them directly: a full run of the
    configuration goldens holds hundreds of thousands of them, and the generic validator
    takes seconds where this takes milliseconds.
    """
    import jsonschema

    document = schema(directory)
    if not thorough:
        document = copy.deepcopy(document)
        document['$defs']['expected']['properties']['lrs'] = {
            'type': 'array', 'items': {'type': 'array', 'minItems': 1},
        }
    return jsonschema.Draft202012Validator(document)


def read_file(path: Path, checker) -> dict:
    """Parse one fixture file and validate it with ``checker`` (no manifest check)."""
    data = _parse(path)
    errors = sorted(checker.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        import jsonschema

        error = jsonschema.exceptions.best_match(errors)
        location = '/'.join(str(part) for part in error.absolute_path) or '(top level)'
        raise GoldenError(f'{_label(path)}: malformed at {location}: {error.message} '
                          f'(see fixtures/{SCHEMA_NAME})')
    _check_rows(path, data)
    return data


def _check_rows(path, data):
    """The schema's ``float`` definition, applied to every value of every ``expected.lrs``."""
    for number, case in enumerate(data['cases']):
        for row_number, row in enumerate(case['expected']['lrs']):
            for group, value in enumerate(row):
                if _is_float(value):
                    continue
                raise GoldenError(
                    f'{_label(path)}: malformed at cases/{number}/expected/lrs/{row_number}/'
                    f'{group}: {value!r} is not a float (a JSON number, or {{"float": "NaN"}}, '
                    f'{{"float": "Infinity"}}, {{"float": "-Infinity"}}) '
                    f'(see fixtures/{SCHEMA_NAME})'
                )


def _is_float(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return (isinstance(value, dict) and list(value) == ['float']
            and value['float'] in ('NaN', 'Infinity', '-Infinity'))


def load(directory: Path = FIXTURES, thorough: bool = False) -> list:
    """Every golden case, after checking checksums, the schema and the cases' consistency."""
    directory = Path(directory)
    verify_manifest(directory)
    checker = validator(directory, thorough)
    cases, seen = [], {}
    for path in fixture_files(directory):
        data = read_file(path, checker)
        for raw in data['cases']:
            case = _case(path, raw)
            if case.id in seen:
                raise GoldenError(f'{_label(path)}: case id {case.id!r} is also used in '
                                  f'{seen[case.id]}')
            seen[case.id] = _label(path)
            cases.append(case)
    if not cases:
        raise GoldenError(f'{_label(directory)} holds no golden cases; regenerate with '
                          f'`{REGENERATE}`')
    return cases


def _case(path, raw) -> Case:
    where = f'{_label(path)}: case {raw["id"]!r}'
    decoded = floats.decode(raw)
    try:
        scenario = Scenario.from_json({
            'id': decoded['id'],
            'clauses': decoded['clauses'],
            'description': decoded['description'],
            **decoded['inputs'],
        })
    except (TypeError, ValueError) as exc:
        raise GoldenError(f'{where}: inputs do not make a scenario: {exc}') from None
    expected = decoded['expected']
    error = expected['error']
    trace = Trace(lrs=[list(row) for row in expected['lrs']],
                  error=None if error is None else ErrorRecord(**error))
    problem = _trace_problem(scenario, trace)
    if problem:
        raise GoldenError(f'{where}: {problem}')
    return Case(scenario.id, scenario.clauses, scenario.description, scenario, trace, _label(path))


def row_width(scenario) -> int:
    """Values per trace row: every group of every optimizer, in order.

    An mmengine OptimWrapper over more than one group exposes one more group after them (its
    ``base_param_settings``, created with the optimizer's default lr, i.e. the first group's),
    and the schedulers write it like the others.
    """
    return sum(len(spec.lrs) + (1 if spec.wrapper and len(spec.lrs) > 1 else 0)
               for spec in scenario.optimizers)


def _trace_problem(scenario, trace):
    groups = row_width(scenario)
    for number, row in enumerate(trace.lrs):
        if len(row) != groups:
            return f'expected.lrs row {number} has {len(row)} values for {groups} param groups'
    if trace.error is None and len(trace.lrs) != scenario.steps + 1:
        return (f'expected.lrs has {len(trace.lrs)} rows; a run without error records '
                f'steps + 1 = {scenario.steps + 1}')
    if trace.error is not None:
        error = trace.error
        if error.step > scenario.steps:
            return f'expected.error.step {error.step} is beyond the {scenario.steps} steps'
        rows = error.step + (1 if error.phase == 'resume' else 0)
        if len(trace.lrs) != rows:
            return (f'expected.lrs has {len(trace.lrs)} rows; an error at call {error.step} '
                    f'({error.phase}) leaves {rows}')
    return None


def _parse(path: Path):
    def pairs(items):
        keys = [key for key, _ in items]
        duplicated = sorted({key for key in keys if keys.count(key) > 1})
        if duplicated:
            raise GoldenError(f'{_label(path)}: duplicate keys {duplicated}')
        return dict(items)

    def constant(name):
        raise GoldenError(f'{_label(path)}: bare {name} is not JSON; write '
                          f'{{"float": "{name}"}}')

    try:
        return json.loads(path.read_text(encoding='utf-8'), object_pairs_hook=pairs,
                          parse_constant=constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GoldenError(f'{_label(path)}: not valid JSON ({exc}); regenerate with '
                          f'`{REGENERATE}`') from None


def _label(path: Path) -> str:
    path = Path(path)
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


# -- linting ------------------------------------------------------------------------------------


def lint(directory: Path = FIXTURES, known=None, thorough: bool = False) -> list:
    """Everything wrong with the fixtures, as messages (an empty list means clean).

    Beyond :func:`load`: a provenance header written by the generator, unique descriptions,
    clause IDs that docs/spec.md defines, and descriptions that state facts (no "should").
    ``thorough`` validates every value with the generic JSON Schema validator too (slow).
    """
    try:
        cases = load(directory, thorough=thorough)
    except GoldenError as exc:
        return [str(exc)]
    known = clauses.defined() if known is None else known
    problems = []
    for path in fixture_files(directory):
        provenance = _parse(path)['provenance']
        if provenance.get('generated') is not True or provenance.get('generator') != GENERATOR:
            problems.append(f'{_label(path)}: provenance does not say it was generated by '
                            f'{GENERATOR}')
    if not known:
        problems.append('docs/spec.md (and docs/spec/*.md) define no clauses; cannot check '
                        'the clause IDs the goldens cite')
    descriptions = {}
    for case in cases:
        where = f'{case.file}: case {case.id!r}'
        if case.description in descriptions:
            problems.append(f'{where}: description {case.description!r} is also used by case '
                            f'{descriptions[case.description]!r}')
        descriptions.setdefault(case.description, case.id)
        unknown = [cid for cid in case.clauses if known and cid not in known]
        if unknown:
            problems.append(f'{where}: cites unknown clause IDs {unknown} (not in docs/spec.md)')
        words = re.findall(r'[a-z]+', case.description.lower())
        for word in BANNED_WORDS:
            if word in words:
                problems.append(f'{where}: description says {word!r}; state what happens')
    return problems
