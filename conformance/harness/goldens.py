"""The golden fixtures: their file format, loading, validation and the checksum manifest.

``fixtures/*.json`` hold generated cases (a scenario plus the trace the reference produced and
upstream reproduced); ``fixtures/intents/<KEY>.json`` the cases whose trace an intent changes, as
the reference with that intent produces them (no upstream to verify against);
``fixtures/schema.json`` is their JSON Schema and ``fixtures/MANIFEST.sha256`` their checksums.
Anything wrong with them is one :class:`GoldenError` that names the file.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import pickle
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from . import clauses, observed, resources
from .driver import STATE_ATTRIBUTES, ErrorRecord, Trace
from .scenario import MAX_GROUPS, MAX_OPTIMIZERS, MAX_SCHEDULERS, Scenario
from .schema import FLOAT_TAG

#: Where the suite's files are read from: the checkout, or the installed copies (resources.py).
ROOT = resources.root()
FIXTURES = resources.fixtures()
SCHEMA_NAME = 'schema.json'
MANIFEST_NAME = 'MANIFEST.sha256'
GENERATOR = 'conformance/generate_fixtures.py'
REGENERATE = 'python -m conformance.generate_fixtures'
FORMAT = 'mmagic-lr-golden/2'
#: Points conformance/test_golden.py at another fixture directory (the suite's own meta-tests).
ENV_VAR = 'LR_CONFORMANCE_FIXTURES'
#: The subdirectory of the fixture directory that holds the intent goldens.
INTENTS_DIR = 'intents'

#: Fields of a case's ``inputs``, in the order docs/fixtures.md explains them.
INPUT_FIELDS = (
    'optimizers',
    'schedulers',
    'loop',
    'epoch_length',
    'progress',
    'progress_offset',
    'metric_before_build',
    'reduce_lr_hub_first',
    'calls',
)
#: Words a case description must not use: a golden states what happens.
BANNED_WORDS = ('should',)
_LINE = re.compile(r'^([0-9a-f]{64})  ((?:intents/)?[A-Za-z0-9_.+-]+)$')


#: Where :func:`load` keeps what it loaded, for the next process (``None``: nowhere). The suite
#: sets it to a directory in pytest's cache; ``-p no:cacheprovider`` leaves it None.
CACHE_DIR = None
#: The modules whose code decides what :func:`load` accepts and returns: a change to any of them
#: is a new cache key.
_LOADER_MODULES = ('goldens', 'observed', 'scenario', 'schema', 'driver')


class GoldenError(Exception):
    """A fixture file is missing, corrupt, hand-edited or malformed; the message says which."""


@dataclass(frozen=True)
class Case:
    """One golden case: the scenario to run and the trace every conforming implementation gives.

    ``subject`` is the clause the case was built to pin; ``touches`` the others it depends on.
    """

    id: str
    subject: str
    touches: tuple
    description: str
    scenario: Scenario
    expected: Trace
    file: str

    @property
    def scheduler_types(self):
        return tuple(sorted(self.scenario.scheduler_types))


# -- writing (used by the generator) ------------------------------------------------------------


def case_json(scenario: Scenario, trace: Trace) -> dict:
    """The file form of a case (values still Python objects; observed.dumps encodes them)."""
    data = scenario.to_json()
    inputs = {name: data[name] for name in INPUT_FIELDS}
    expected = trace.to_json()
    expected['lrs'] = [nest(row, scenario) for row in expected['lrs']]
    return {
        'id': scenario.id,
        'subject': scenario.subject,
        'touches': list(scenario.touches),
        'description': scenario.description,
        'inputs': inputs,
        'expected': expected,
    }


def widths(scenario) -> list:
    """The number of param groups each optimizer exposes, in order.

    An mmengine OptimWrapper over more than one group exposes one more group after them (its
    ``base_param_settings``, created with the optimizer's default lr, i.e. the first group's),
    and the schedulers write it like the others (WIN-WRAPPER-BASE-GROUP).
    """
    return [len(spec.lrs) + (1 if spec.wrapper and len(spec.lrs) > 1 else 0)
            for spec in scenario.optimizers]


def nest(row: list, scenario) -> list:
    """A flat trace row as the file writes it: one list of groups per optimizer."""
    nested, position = [], 0
    for width in widths(scenario):
        nested.append(list(row[position:position + width]))
        position += width
    return nested


def file_json(family: str, title: str, provenance: dict, cases: list, intents=None) -> dict:
    data = {'format': FORMAT, 'family': family, 'title': title, 'provenance': provenance,
            'cases': cases}
    if intents is not None:
        data['intents'] = sorted(intents)
    return data


def intent_key(ids) -> str:
    """The file stem of an intent set: its sorted clause IDs joined by '+'."""
    return '+'.join(sorted(ids))


def intent_file_name(ids) -> str:
    """The name of an intent set's file, relative to the fixture directory."""
    return f'{INTENTS_DIR}/{intent_key(ids)}.json'


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


def intent_files(directory: Path = FIXTURES) -> list:
    """The intent case files (``intents/*.json``), sorted by name."""
    return sorted((Path(directory) / INTENTS_DIR).glob('*.json'))


def generated_names(directory: Path = FIXTURES) -> list:
    """Every file the manifest must list that is present: case files, intent files, the schema."""
    directory = Path(directory)
    names = [p.name for p in fixture_files(directory)]
    names += [f'{INTENTS_DIR}/{p.name}' for p in intent_files(directory)]
    if (directory / SCHEMA_NAME).is_file():
        names.append(SCHEMA_NAME)
    return sorted(names)


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
    for name in sorted(set(generated_names(directory)) - set(listed)):
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

    ``thorough=False`` leaves two parts of the schema to Python, which checks the same thing in
    milliseconds where the generic validator takes seconds (every process that collects the
    suite loads the goldens): ``expected.lrs`` and ``expected.state`` (:func:`_check_rows`
    applies their array bounds and the ``lrValue``, ``state`` and ``value`` definitions, and
    decoding checks every tag) and the shape rules between fields (:func:`_trace_problem`).
    ``generate_fixtures --check`` and ``--lint`` validate with the whole schema.
    """
    import jsonschema

    document = schema(directory)
    if not thorough:
        document = copy.deepcopy(document)
        document['$defs']['expected']['properties']['lrs'] = {'type': 'array'}
        document['$defs']['expected']['properties']['state'] = {'type': 'array'}
        document['$defs']['case'].pop('allOf', None)
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
    """The schema's ``expected.lrs`` and ``expected.state``, applied without the generic validator.

    An lrs row is one list per optimizer (1 to MAX_OPTIMIZERS) of values, one per group (1 to
    MAX_GROUPS + 1, a late group included); a value is a JSON number or a tagged object. A
    state row is one object per scheduler (1 to MAX_SCHEDULERS) with last_step and _global_step
    and only the names STATE_ATTRIBUTES lists, each a value.
    """
    names = {name for names in STATE_ATTRIBUTES.values() for name in names}

    def fail(where, problem):
        raise GoldenError(f'{_label(path)}: malformed at {where}: {problem} '
                          f'(see fixtures/{SCHEMA_NAME})')

    def check_list(where, value, low, high):
        if not isinstance(value, list) or not low <= len(value) <= high:
            fail(where, f'{value!r} is not an array of {low} to {high} items')

    for number, case in enumerate(data['cases']):
        at = f'cases/{number}/expected'
        for row_number, row in enumerate(case['expected']['lrs']):
            check_list(f'{at}/lrs/{row_number}', row, 1, MAX_OPTIMIZERS)
            for optimizer, groups in enumerate(row):
                where = f'{at}/lrs/{row_number}/{optimizer}'
                check_list(where, groups, 1, MAX_GROUPS + 1)
                for group, value in enumerate(groups):
                    if not _is_value(value):
                        fail(f'{where}/{group}', f'{value!r} is not an lr value (a JSON number '
                                                 'or a tagged value, docs/fixtures.md)')
        for row_number, row in enumerate(case['expected']['state']):
            check_list(f'{at}/state/{row_number}', row, 1, MAX_SCHEDULERS)
            for index, entry in enumerate(row):
                where = f'{at}/state/{row_number}/{index}'
                if not isinstance(entry, dict) or not {'last_step', '_global_step'} <= set(entry):
                    fail(where, f'{entry!r} is not an object with last_step and _global_step')
                for name, value in entry.items():
                    if name not in names:
                        fail(f'{where}/{name}', 'not a state attribute (docs/fixtures.md)')
                    if isinstance(value, list) or (isinstance(value, dict)
                                                   and not _is_value(value)):
                        fail(f'{where}/{name}', f'{value!r} is not a value (docs/fixtures.md)')


def _is_value(value) -> bool:
    """A bare number, or a tag as fixtures/schema.json defines it (floatTag, intTag, typedTag)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if not isinstance(value, dict):
        return False
    if set(value) == {'float'}:
        return isinstance(value['float'], str) and re.match(FLOAT_TAG, value['float']) is not None
    if set(value) == {'int'}:
        return (isinstance(value['int'], str) and re.match(r'^-?[0-9]+$', value['int']) is not None
                and abs(int(value['int'])) > observed.EXACT_INT)
    return set(value) == {'type', 'value'} and isinstance(value['type'], str)


def load(directory: Path = FIXTURES, thorough: bool = False) -> list:
    """Every golden case, after checking checksums, the schema and the cases' consistency.

    Validating and decoding the cases takes seconds, and every process that collects the suite
    does it. So with :data:`CACHE_DIR` set, the cases that passed every check are kept there,
    under a key that covers what decides the result: the manifest (which the checksums just
    tied to the bytes of every fixture file and the schema), the loader's own code and the
    Python version. Any other fixture, even one with a re-sealed manifest, misses the cache
    and is checked in full.
    """
    directory = Path(directory)
    verify_manifest(directory)
    cached = _cache_path(directory, thorough)
    if cached is not None and cached.is_file():
        try:
            return pickle.loads(cached.read_bytes())
        except Exception:  # an unreadable or stale entry is only a miss
            pass
    cases = _load_checked(directory, thorough)
    if cached is not None:
        _write_atomically(cached, pickle.dumps(cases, protocol=pickle.HIGHEST_PROTOCOL))
    return cases


def _cache_path(directory: Path, thorough: bool):
    """The cache entry for the fixtures in ``directory`` as they are now (None: no cache)."""
    if CACHE_DIR is None:
        return None
    key = hashlib.sha256()
    key.update(f'{FORMAT} {sys.version} thorough={thorough} {directory.resolve()}'.encode())
    key.update((directory / MANIFEST_NAME).read_bytes())
    here = Path(__file__).parent
    for name in _LOADER_MODULES:
        key.update((here / f'{name}.py').read_bytes())
    return Path(CACHE_DIR) / f'goldens-{key.hexdigest()[:32]}.pickle'


def _write_atomically(path: Path, data: bytes):
    """Write ``data`` so that a concurrent reader (another xdist worker) sees all or nothing."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f'{path.name}.{os.getpid()}.partial')
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError:  # a read-only cache directory: no cache, same result
        pass


def _load_checked(directory: Path, thorough: bool) -> list:
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


def load_intents(directory: Path = FIXTURES, thorough: bool = False) -> dict:
    """The intent goldens: ``{frozenset(intent IDs): [Case, ...]}``, one entry per file.

    ``directory`` is the fixture directory (the one holding MANIFEST.sha256); the files are in
    its ``intents/`` subdirectory. They pass the same checks as :func:`load`'s files (checksums,
    schema, consistency), and each names its intents, which must be intents of docs/spec.md and
    match the file name. A directory without intent files gives ``{}``.
    """
    directory = Path(directory)
    verify_manifest(directory)
    paths = intent_files(directory)
    if not paths:
        return {}
    checker = validator(directory, thorough)
    defined = set(clauses.intents())
    result = {}
    for path in paths:
        data = read_file(path, checker)
        ids = data.get('intents')
        if not ids:
            raise GoldenError(f'{_label(path)}: names no intents; an intent file has '
                              '"intents": [clause IDs] (docs/fixtures.md)')
        unknown = sorted(set(ids) - defined)
        if unknown:
            raise GoldenError(f'{_label(path)}: {", ".join(unknown)} is no intent of '
                              'docs/spec.md')
        if path.stem != intent_key(ids):
            raise GoldenError(f'{_label(path)}: holds the goldens of {intent_key(ids)} but is '
                              f'named {path.name}')
        cases, seen = [], set()
        for raw in data['cases']:
            case = _case(path, raw)
            if case.id in seen:
                raise GoldenError(f'{_label(path)}: case id {case.id!r} is used twice')
            seen.add(case.id)
            cases.append(case)
        result[frozenset(ids)] = cases
    return result


def _case(path, raw) -> Case:
    where = f'{_label(path)}: case {raw["id"]!r}'
    try:
        decoded = observed.decode(raw, f'cases/{raw["id"]}')
    except observed.EncodingError as exc:
        raise GoldenError(f'{where}: {exc}') from None
    try:
        scenario = Scenario.from_json({
            'id': decoded['id'],
            'subject': decoded['subject'],
            'touches': decoded['touches'],
            'description': decoded['description'],
            **decoded['inputs'],
        })
    except (TypeError, ValueError) as exc:
        raise GoldenError(f'{where}: inputs do not make a scenario: {exc}') from None
    expected = decoded['expected']
    problem = _trace_problem(scenario, expected)
    if problem:
        raise GoldenError(f'{where}: {problem}')
    error = expected['error']
    trace = Trace(lrs=[[value for groups in row for value in groups] for row in expected['lrs']],
                  state=[list(row) for row in expected['state']],
                  error=None if error is None else ErrorRecord(**error))
    return Case(scenario.id, scenario.subject, scenario.touches, scenario.description, scenario,
                trace, _label(path))


def _trace_problem(scenario, expected):
    """What the schema cannot check: lengths that depend on the number of calls."""
    rows = len(expected['lrs'])
    if len(expected['state']) != rows:
        return f'expected.state has {len(expected["state"])} rows for {rows} lr rows'
    for number, row in enumerate(expected['lrs']):
        if [len(groups) for groups in row] != widths(scenario):
            return (f'expected.lrs row {number} has {[len(groups) for groups in row]} values '
                    f'per optimizer for {widths(scenario)} param groups')
    for number, row in enumerate(expected['state']):
        if len(row) != len(scenario.schedulers):
            return (f'expected.state row {number} has {len(row)} entries for '
                    f'{len(scenario.schedulers)} schedulers')
    error = expected['error']
    if error is None and rows != scenario.steps + 1:
        return (f'expected.lrs has {rows} rows; a run without error records '
                f'steps + 1 = {scenario.steps + 1}')
    if error is not None:
        if error['step'] > scenario.steps:
            return f'expected.error.step {error["step"]} is beyond the {scenario.steps} calls'
        want = error['step'] + (1 if error['phase'] == 'resume' else 0)
        if rows != want:
            return (f'expected.lrs has {rows} rows; an error at call {error["step"]} '
                    f'({error["phase"]}) leaves {want}')
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

    def number(literal):
        value = float(literal)
        if value.is_integer():
            raise GoldenError(
                f'{_label(path)}: the number {literal} has a fraction or exponent but is '
                f'integral; a parser without ints reads it as an int, so the encoding writes '
                f'{{"float": "{value!r}"}} (docs/fixtures.md, "Values")')
        return value

    try:
        return json.loads(path.read_text(encoding='utf-8'), object_pairs_hook=pairs,
                          parse_constant=constant, parse_float=number)
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
    a subject and touched clauses that docs/spec.md defines, and descriptions that state facts
    (no "should").
    ``thorough`` validates every value with the generic JSON Schema validator too (slow).
    """
    try:
        cases = load(directory, thorough=thorough)
        intent_cases = load_intents(directory, thorough=thorough)
    except GoldenError as exc:
        return [str(exc)]
    known = clauses.defined() if known is None else known
    problems = []
    for path in fixture_files(directory) + intent_files(directory):
        provenance = _parse(path)['provenance']
        if provenance.get('generated') is not True or provenance.get('generator') != GENERATOR:
            problems.append(f'{_label(path)}: provenance does not say it was generated by '
                            f'{GENERATOR}')
    for path in intent_files(directory):
        data = _parse(path)
        provenance = data['provenance']
        if provenance.get('verified_against') is not None or (
                provenance.get('intents') != data['intents']):
            problems.append(f'{_label(path)}: provenance does not say that the reference with '
                            f'intents {data["intents"]} produced it, unverified')
        subjects = {case['subject'] for case in data['cases']}
        for cid in sorted(set(data['intents']) - subjects):
            problems.append(f'{_label(path)}: no case whose subject is {cid}')
    for case in (case for found in intent_cases.values() for case in found):
        unknown = [cid for cid in [case.subject, *case.touches] if known and cid not in known]
        if unknown:
            problems.append(f'{case.file}: case {case.id!r}: cites unknown clause IDs {unknown} '
                            '(not in docs/spec.md)')
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
        cited = [case.subject, *case.touches]
        unknown = [cid for cid in cited if known and cid not in known]
        if unknown:
            problems.append(f'{where}: cites unknown clause IDs {unknown} (not in docs/spec.md)')
        if case.subject in case.touches:
            problems.append(f'{where}: its subject {case.subject} is also listed in touches')
        words = re.findall(r'[a-z]+', case.description.lower())
        for word in BANNED_WORDS:
            if word in words:
                problems.append(f'{where}: description says {word!r}; state what happens')
    return problems
