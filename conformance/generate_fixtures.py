"""Write fixtures/ from the catalog: the reference's traces, each reproduced bitwise by upstream.

    python -m conformance.generate_fixtures          # regenerate fixtures/*.json and the manifest
    python -m conformance.generate_fixtures --check  # lint; verify regeneration is byte-identical
    python -m conformance.generate_fixtures --lint   # lint only (no implementation is run)

Nothing is written when upstream mmagic disagrees with the reference on any case, or when the
result does not pass the fixture lint; the divergence or the problems are printed instead.

It also writes fixtures/intents/<KEY>.json for every intent of docs/spec.md (KEY: the sorted IDs
of the intent and of the intents it requires, joined by '+'): the golden cases whose trace the
reference with those intents gives differently, with that trace. No upstream implements an
intent, so these are the reference's alone; their provenance says so.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

from conformance.harness import catalog, compare, driver, goldens, impl, observed, resources, schema

SOURCES = (
    'conformance/harness/catalog.py',
    'conformance/harness/driver.py',
    'conformance/harness/adapters.py',
    'conformance/harness/schema.py',
    'reference/',
)


class Refused(Exception):
    """The fixtures cannot be written; the message says why."""


def provenance(versions: dict) -> dict:
    """The header every fixture file carries: no timestamps and no paths, so reruns agree."""
    return {
        'generated': True,
        'generator': goldens.GENERATOR,
        'command': goldens.REGENERATE,
        'sources': list(SOURCES),
        'reference': 'reference (the literal implementation in reference/)',
        'verified_against': {
            'implementation': 'mmagic (upstream scheduler modules, unmodified)',
            'mmagic': versions['mmagic'],
            'mmengine': versions['mmengine'],
            'torch': versions['torch'],
        },
        'spec': 'docs/spec.md',
    }


def run_catalog(reference, upstream, families=None):
    """Run every scenario on both; return ``[(family, [(scenario, trace)])]`` or raise Refused."""
    families = catalog.families() if families is None else families
    results, divergences = [], []
    with warnings.catch_warnings():
        # numpy warns about overflow in some threshold products; the values are the behaviour.
        warnings.simplefilter('ignore', RuntimeWarning)
        for family, scenarios in families:
            traced = []
            for scenario in scenarios:
                expected = driver.run(scenario, reference)
                got = driver.run(scenario, upstream)
                divergence = compare.first_divergence(expected, got) or _wording(expected, got)
                if divergence is not None:
                    divergences.append('upstream differs from the reference:\n'
                                       + compare.explain(scenario, divergence))
                traced.append((scenario, expected))
            results.append((family, traced))
    if divergences:
        raise Refused(f'{len(divergences)} case(s) diverge; nothing written\n\n'
                      + '\n\n'.join(divergences))
    return results


def _wording(expected, got):
    """The reference's own messages are upstream's own messages, and no others are."""
    if expected.error is None or got.error is None:
        return None
    if expected.error.normative != got.error.normative:
        return (f'the reference says the message of {expected.error.type} is '
                f'{"" if expected.error.normative else "not "}written by the specified code; '
                f'upstream raised it {"" if got.error.normative else "not "}from its own code')
    if expected.error.normative and expected.error.message != got.error.message:
        return (f'{expected.error.type} message: reference {expected.error.message!r}, '
                f'upstream {got.error.message!r}')
    return None


def intent_sets() -> list:
    """One set per intent: the intent and the intents it requires, sorted by file key."""
    import reference

    sets = {frozenset({cid}) | reference.INTENT_REQUIRES.get(cid, frozenset())
            for cid in reference.INTENTS}
    return sorted(sets, key=goldens.intent_key)


#: The scheduler an intent's clause belongs to: its prefix (LLI- or RLR-).
_SCHEDULER_OF = {'LLI': 'LinearLrInterval', 'RLR': 'ReduceLR'}


def run_intents(results, sets=None):
    """``[(intent set, [(scenario, trace)])]``: the cases each set changes; or raise Refused.

    A scenario is run on ``reference[set]`` when it builds a scheduler the set's intents belong
    to; it is kept when its trace differs from the upstream golden's (as the upstream check
    compares them: lrs, state, error type, call and normative message). Every intent of a set
    needs at least one kept case whose subject is its clause.
    """
    sets = intent_sets() if sets is None else sets
    changed, problems = [], []
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)
        for ids in sets:
            adapter = impl.resolve(f'reference[{",".join(sorted(ids))}]')
            kinds = {_SCHEDULER_OF[cid.split('-')[0]] for cid in ids}
            kept = []
            for _family, traced in results:
                for scenario, expected in traced:
                    if not kinds & set(scenario.scheduler_types):
                        continue
                    got = driver.run(scenario, adapter)
                    if compare.first_divergence(expected, got) or _wording(expected, got):
                        kept.append((scenario, got))
            subjects = {scenario.subject for scenario, _trace in kept}
            for cid in sorted(ids - subjects):
                problems.append(f'{goldens.intent_file_name(ids)}: no golden case whose subject '
                                f'is {cid} changes under intent:{cid}; add a catalog scenario '
                                f'that shows it (conformance/harness/catalog.py)')
            changed.append((ids, kept))
    if problems:
        raise Refused('\n'.join(problems))
    return changed


def intent_provenance(ids) -> dict:
    """The header of an intent file: produced by the reference with the intents, unverified."""
    named = ', '.join(f'intent:{cid}' for cid in sorted(ids))
    return {
        'generated': True,
        'generator': goldens.GENERATOR,
        'command': goldens.REGENERATE,
        'sources': list(SOURCES),
        'reference': f'reference with {named} (reference.with_intents, the literal '
                     'implementation in reference/)',
        'intents': sorted(ids),
        'verified_against': None,
        'note': f'every expected trace was produced by the reference with {named}; no upstream '
                'implements an intent, so there is nothing to verify these traces against',
        'spec': 'docs/spec.md (the Intent paragraphs of the named clauses)',
    }


def schema_bytes() -> bytes:
    """fixtures/schema.json as conformance/harness/schema.py builds it."""
    return observed.dumps(schema.document()).encode('utf-8')


def render(results, versions, changed=()) -> dict:
    """File name -> bytes, for every fixture file and the manifest."""
    header = provenance(versions)
    files = {}
    for family, traced in results:
        cases = [goldens.case_json(scenario, trace) for scenario, trace in traced]
        payload = goldens.file_json(family.name, family.title, header, cases)
        files[f'{family.name}.json'] = observed.dumps(payload).encode('utf-8')
    for ids, traced in changed:
        cases = [goldens.case_json(scenario, trace) for scenario, trace in traced]
        named = ', '.join(f'intent:{cid}' for cid in sorted(ids))
        payload = goldens.file_json('intents', f'Golden cases the reference gives with {named}',
                                    intent_provenance(ids), cases, intents=ids)
        files[goldens.intent_file_name(ids)] = observed.dumps(payload).encode('utf-8')
    files[goldens.SCHEMA_NAME] = schema_bytes()
    return files


def with_manifest(files: dict) -> dict:
    return {**files, goldens.MANIFEST_NAME: goldens.manifest_text(files).encode('utf-8')}


def build(directory: Path, known=None, lint=True) -> dict:
    """Everything the generator would write into ``directory``, linted; or raise Refused.

    ``lint=False`` skips the lint of the new files, for callers that compare them with files
    they lint themselves.
    """
    try:
        upstream = impl.resolve('mmagic')
    except impl.ImplError as exc:
        raise Refused(f'cannot verify against upstream: {exc}') from None
    results = run_catalog(impl.resolve('reference'), upstream)
    files = with_manifest(render(results, impl.versions(), run_intents(results)))
    if not lint:
        return files
    with tempfile.TemporaryDirectory() as scratch:
        _write(Path(scratch), files)
        problems = goldens.lint(Path(scratch), known=known)
    if problems:
        raise Refused('the generated fixtures do not pass the lint; nothing written\n'
                      + '\n'.join(problems))
    return files


def _write(directory: Path, files: dict):
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_bytes(data)


def write(directory: Path, files: dict):
    """Replace the generated files in ``directory``, removing case files no family produces."""
    for name in goldens.generated_names(directory):
        if name not in files:
            (Path(directory) / name).unlink()
    with tempfile.TemporaryDirectory(dir=directory) as scratch:
        _write(Path(scratch), files)
        for name in sorted(files):
            (Path(directory) / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(Path(scratch) / name), str(Path(directory) / name))


def differences(directory: Path, files: dict) -> list:
    """How the files on disk differ from ``files`` (an empty list: byte-identical)."""
    problems = []
    on_disk = set(goldens.generated_names(directory))
    if (Path(directory) / goldens.MANIFEST_NAME).exists():
        on_disk.add(goldens.MANIFEST_NAME)
    for name in sorted(set(files) | on_disk):
        path = Path(directory) / name
        if name not in files:
            problems.append(f'fixtures/{name} exists but the generator does not produce it')
        elif not path.is_file():
            problems.append(f'fixtures/{name} is missing')
        elif path.read_bytes() != files[name]:
            problems.append(f'fixtures/{name} differs from a fresh regeneration '
                            f'({_first_difference(path.read_bytes(), files[name])})')
    return problems


def _first_difference(old: bytes, new: bytes) -> str:
    old_lines, new_lines = old.decode('utf-8', 'replace').splitlines(), new.decode().splitlines()
    for number, (was, now) in enumerate(zip(old_lines, new_lines), 1):
        if was != now:
            return f'line {number}: on disk {was.strip()!r}, regenerated {now.strip()!r}'
    return f'{len(old_lines)} lines on disk, {len(new_lines)} regenerated'


def check(directory: Path = goldens.FIXTURES, known=None) -> list:
    """Problems with the committed fixtures: lint findings, then any regeneration difference."""
    problems = goldens.lint(directory, known=known)
    try:
        files = build(directory, known=known, lint=False)
    except Refused as exc:
        return [*problems, str(exc)]
    return problems + differences(directory, files)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog='python -m conformance.generate_fixtures',
                                     description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument('--check', action='store_true',
                        help='lint fixtures/ and verify that regenerating gives identical bytes')
    action.add_argument('--lint', action='store_true',
                        help='lint fixtures/ only (schema, manifest, ids, descriptions, clauses)')
    parser.add_argument('--fixtures', type=Path, default=None,
                        help='the fixture directory (default: the checkout\'s fixtures/; '
                        '--check and --lint also read an installed copy)')
    options = parser.parse_args(argv)
    if options.fixtures is None:
        # Writing goes into a checkout only (harness/resources.py); reading may use either.
        try:
            options.fixtures = (goldens.FIXTURES if options.lint or options.check
                                else resources.writable_fixtures())
        except resources.ResourceError as exc:
            parser.error(str(exc))

    if options.lint or options.check:
        problems = (goldens.lint(options.fixtures, thorough=True) if options.lint
                    else check(options.fixtures))
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            return 1
        cases = goldens.load(options.fixtures)
        intent_cases = sum(len(c) for c in goldens.load_intents(options.fixtures).values())
        what = 'lint clean' if options.lint else 'lint clean and byte-identical on regeneration'
        print(f'{len(cases)} golden cases and {intent_cases} intent golden cases: {what}')
        return 0

    try:
        files = build(options.fixtures)
    except Refused as exc:
        print(exc, file=sys.stderr)
        return 1
    write(options.fixtures, files)
    for name in sorted(files):
        if name.endswith('.json') and name != goldens.SCHEMA_NAME:
            count = len(json.loads(files[name])['cases'])
            print(f'wrote fixtures/{name}: {count} cases')
    print(f'wrote fixtures/{goldens.SCHEMA_NAME} and fixtures/{goldens.MANIFEST_NAME}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
