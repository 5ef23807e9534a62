"""``python -m tools.mutation``: the suite's mutation score on upstream, mmengine and the reference.

Examples::

    python -m tools.mutation --list                       # the mutant IDs, nothing run
    python -m tools.mutation --target upstream --jobs 2   # one target
    python -m tools.mutation --only 'mmagic/engine/schedulers/reduce_lr_scheduler.py:128:58:Gt->GtE'

Prints, per mutated file, killed/total and the score, then each survivor with its diff lines;
writes a JSON summary (--json). Exits 1 if a survivor is not declared equivalent in
docs/mutation.md (or a child ended in an error), 0 otherwise. docs/mutation.md explains more.
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from . import equivalents, runner, targets

EQUIVALENTS = targets.ROOT / 'docs' / 'mutation.md'


def parse(argv):
    parser = argparse.ArgumentParser(prog='python -m tools.mutation', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--target', action='append', choices=sorted(targets.TARGETS),
                        help='a target to mutate (repeatable; default: all three)')
    parser.add_argument('--jobs', type=int, default=1,
                        help='mutants judged at the same time, one child pytest each (default 1)')
    parser.add_argument('--limit', type=int, default=None,
                        help='only the first N mutants of each target (a quick check)')
    parser.add_argument('--only', action='append', default=[], metavar='ID',
                        help='only the mutant with this ID (repeatable)')
    parser.add_argument('--list', action='store_true',
                        help='print the mutant IDs and their diff lines, run nothing')
    parser.add_argument('--timeout', type=float, default=900.0,
                        help='seconds a child may run before the mutant counts as killed by '
                             'timeout (default 900)')
    parser.add_argument('--baseline', action=argparse.BooleanOptionalAction, default=None,
                        help='first run the suite on each unmutated copy, which must pass '
                             '(default: on, unless --only or --limit is given)')
    parser.add_argument('--json', type=Path, default=Path('mutation-summary.json'),
                        help='where to write the JSON summary (default mutation-summary.json)')
    parser.add_argument('--report', type=Path, default=None, metavar='JSON',
                        help='run nothing: print the scores and survivors of an earlier JSON '
                             'summary (a partial one included), judged against --equivalents')
    parser.add_argument('--equivalents', type=Path, default=EQUIVALENTS,
                        help='the file declaring equivalent mutants (default docs/mutation.md)')
    options = parser.parse_args(argv)
    if options.jobs < 1:
        parser.error('--jobs must be at least 1')
    return options


def select(options):
    """Target name -> its mutants, as the options ask."""
    chosen = options.target or list(targets.TARGETS)
    selected = {name: targets.TARGETS[name].mutants() for name in dict.fromkeys(chosen)}
    if options.only:
        known = {m.id for found in selected.values() for m in found}
        unknown = [i for i in options.only if i not in known]
        if unknown:
            raise SystemExit(f'no such mutant in the chosen targets: {", ".join(unknown)} '
                             '(see --list)')
        selected = {name: [m for m in found if m.id in options.only]
                    for name, found in selected.items()}
    if options.limit is not None:
        selected = {name: found[:options.limit] for name, found in selected.items()}
    return {name: found for name, found in selected.items() if found}


def main(argv=None) -> int:
    options = parse(argv)
    selected = select(options)
    if options.list:
        for name, found in selected.items():
            sources = targets.TARGETS[name].sources()
            print(f'# {name}: {len(found)} mutants')
            for mutant in found:
                print(mutant.id)
                for line in mutant.diff(sources[mutant.file]):
                    print(f'    {line}')
        return 0
    declared = equivalents.load(options.equivalents)
    if options.report:
        summary = json.loads(options.report.read_text(encoding='utf-8'))
        for record in summary['mutants']:
            record.pop('equivalent', None)
            if record['status'] == runner.SURVIVED and record['id'] in declared:
                record['equivalent'] = declared[record['id']]
        if summary.get('partial'):
            print(f'{options.report} is PARTIAL: the run was interrupted')
        return 1 if report(summary, declared) else 0
    baseline = options.baseline
    if baseline is None:
        baseline = not (options.only or options.limit is not None)
    started = datetime.now(timezone.utc)
    summary = {'started': started.isoformat(timespec='seconds'), 'command': sys.argv,
               'jobs': options.jobs, 'timeout': options.timeout, 'targets': {}, 'mutants': []}
    options.json.parent.mkdir(parents=True, exist_ok=True)

    def save():
        """Write the summary so far: an interrupted run keeps what it judged (``partial``)."""
        options.json.write_text(json.dumps(summary, indent=1) + '\n', encoding='utf-8')

    summary['partial'] = True
    with tempfile.TemporaryDirectory(prefix='lr-mutation-') as scratch:
        for name, found in selected.items():
            target = targets.TARGETS[name]
            summary['targets'][name] = {}
            summary['targets'][name] = run_target(target, found, Path(scratch) / name, options,
                                                  baseline, declared, summary['mutants'], save)
    summary['finished'] = datetime.now(timezone.utc).isoformat(timespec='seconds')
    summary['partial'] = False
    failing = report(summary, declared)
    save()
    print(f'\nJSON summary: {options.json}')
    return 1 if failing else 0


def run_target(target, found, directory, options, baseline, declared, records, save):
    print(f'== {target.name}: {len(found)} mutants, --impl={target.impl}'
          + (f' (survivors again with --impl={target.second[0]})' if target.second else ''),
          flush=True)
    layouts = [target.build(directory / f'copy{index}') for index in range(options.jobs)]
    info = {'impl': target.impl, 'copy': str(layouts[0].directory), 'loaded': check_load(
        target, layouts[0])}
    for line in info['loaded']:
        print(f'   {line}', flush=True)
    sources = target.sources()
    if baseline:
        info['baseline'] = {}
        for label, impl, extra in configurations(target):
            outcome = runner.run(layouts[0].directory, impl, extra, options.timeout)
            info['baseline'][label] = {'status': outcome.status,
                                       'seconds': round(outcome.seconds, 1)}
            print(f'   baseline ({label}, unmutated copy): {outcome.status} in '
                  f'{outcome.seconds:.0f} s', flush=True)
            if outcome.status != runner.SURVIVED:
                raise SystemExit(f'the suite does not pass on the unmutated {target.name} copy '
                                 f'({label}): {outcome.status} {outcome.failed}\n{outcome.tail}')
    free = queue.Queue()
    for layout in layouts:
        free.put(layout)
    lock = threading.Lock()
    done = []
    started = time.monotonic()

    def judge(mutant):
        layout = free.get()
        try:
            layout.apply(mutant)
            outcome = None
            for label, impl, extra in configurations(target):
                outcome = combine(outcome, runner.run(layout.directory, impl, extra,
                                                      options.timeout), label)
                if outcome.status != runner.SURVIVED:
                    break
        finally:
            layout.restore(mutant)
            free.put(layout)
        record = {
            'id': mutant.id, 'target': target.name, 'file': mutant.file, 'line': mutant.line,
            'col': mutant.col, 'operator': mutant.operator, 'scope': mutant.scope,
            'status': outcome.status, 'seconds': round(outcome.seconds, 1),
            'runs': outcome.runs, 'failed': outcome.failed, 'returncode': outcome.returncode,
            'diff': mutant.diff(sources[mutant.file]),
        }
        if outcome.status == runner.SURVIVED and mutant.id in declared:
            record['equivalent'] = declared[mutant.id]
        if outcome.tail:
            record['tail'] = outcome.tail
        with lock:
            done.append(record)
            records.append(record)
            save()
            print(f'   [{len(done)}/{len(found)}] {outcome.status:8s} {outcome.seconds:5.1f} s '
                  f'{mutant.id}' + (f'  ({outcome.failed})' if outcome.failed else ''),
                  flush=True)
        return record

    with ThreadPoolExecutor(max_workers=options.jobs) as pool:
        list(pool.map(judge, found))
    records.sort(key=lambda r: (list(targets.TARGETS).index(r['target']), r['file'], r['line'],
                                r['col'], r['operator']))
    info['seconds'] = round(time.monotonic() - started, 1)
    return info


def configurations(target):
    """(label, --impl value, extra options) of each run a mutant of ``target`` may get."""
    runs = [('plain', target.impl, ())]
    if target.second:
        runs.append(('intents', *target.second))
    return runs


def combine(previous, outcome, label):
    """The outcome so far after one more run (a survivor of the plain run gets another)."""
    if previous is not None:
        outcome.seconds += previous.seconds
        outcome.runs = previous.runs
    outcome.runs = [*outcome.runs, label]
    return outcome


def check_load(target, layout):
    """Show, and check, that the suite loads the copy rather than the installed code."""
    where = str(layout.directory)
    if target.name == 'mmengine':
        file = runner.probe(layout.directory,
                            'import mmengine.optim.scheduler.param_scheduler as m; '
                            'print(m.__file__)')
        if not file.startswith(where):
            raise SystemExit(f'the child imports mmengine from {file}, not from the copy {where}')
        lines = [f'mmengine loaded from {file}']
    else:
        lines = []
    header = runner.header(layout.directory, target.impl)
    loaded = [line for line in header if line.startswith('conformance: loaded from')]
    if target.name != 'mmengine' and not any(where in line for line in loaded):
        raise SystemExit(f'the suite did not load the copy in {where}:\n' + '\n'.join(header))
    keep = ('conformance: impl=', 'conformance: loaded from', 'conformance: versions')
    return lines + [line for line in header if line.startswith(keep)]


def report(summary, declared) -> list:
    """Print the scores and the survivors; return the survivors and errors that fail the run."""
    records = summary['mutants']
    failing = []
    print('\n== mutation score (killed includes timeouts and refusals)')
    for name in summary['targets']:
        mine = [r for r in records if r['target'] == name]
        files = {}
        for record in mine:
            files.setdefault(record['file'], []).append(record)
        per_file = {}
        for file, group in [*files.items(), (f'{name} (all)', mine)]:
            counts = {status: sum(r['status'] == status for r in group)
                      for status in (runner.KILLED, runner.TIMEOUT, runner.REFUSED,
                                     runner.ERROR, runner.SURVIVED)}
            dead = sum(counts[s] for s in runner.DEAD)
            equivalent = sum('equivalent' in r for r in group)
            judged = len(group) - equivalent
            score = dead / judged if judged else 1.0
            per_file[file] = {**counts, 'total': len(group), 'dead': dead,
                              'equivalent': equivalent, 'score': round(score, 4)}
            extra = ', '.join(f'{counts[s]} {s}' for s in (runner.TIMEOUT, runner.REFUSED,
                                                             runner.ERROR) if counts[s])
            print(f'{file}: {dead}/{len(group)} killed' + (f' ({extra})' if extra else '')
                  + f', {equivalent} equivalent, score {score:.1%} of non-equivalent')
        summary['targets'][name]['scores'] = per_file
    survivors = [r for r in records if r['status'] == runner.SURVIVED]
    if survivors:
        print(f'\n== survivors ({len(survivors)})')
    for record in survivors:
        verdict = (f'equivalent: {record["equivalent"]}' if 'equivalent' in record
                   else 'NOT DECLARED EQUIVALENT (docs/mutation.md)')
        print(f'{record["id"]}  [{record["scope"]}]  {verdict}')
        for line in record['diff']:
            print(f'    {line}')
        if 'equivalent' not in record:
            failing.append(record['id'])
    errors = [r for r in records if r['status'] == runner.ERROR]
    for record in errors:
        print(f'\nERROR (exit code {record["returncode"]}) {record["id"]}:\n{record["tail"]}')
        failing.append(record['id'])
    refused = [r for r in records if r['status'] == runner.REFUSED]
    for record in refused:
        print(f'\nkilled by refusal (the suite would not load it) {record["id"]}:\n'
              f'{record["tail"]}')
    timeouts = [r['id'] for r in records if r['status'] == runner.TIMEOUT]
    if timeouts:
        print('\nkilled by timeout: ' + ', '.join(timeouts))
    judged_ids = {r['id'] for r in records}
    stale = sorted(i for i in declared if i in judged_ids and
                   next(r for r in records if r['id'] == i)['status'] != runner.SURVIVED)
    if stale:
        print('\ndeclared equivalent in docs/mutation.md but killed (remove them): '
              + ', '.join(stale))
    summary['failing'] = failing
    return failing


if __name__ == '__main__':
    sys.exit(main())
