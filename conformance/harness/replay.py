"""Replay one golden case or scenario on an implementation: the reproduction line of a failure.

A failing golden's message names it as ``python -m conformance.harness.replay --case
fixtures/configs.json:ID`` instead of pasting its scenario (a config case's is 25 KB of
Python). This command runs it on ``--impl`` (default: reference), compares with the case's
expected trace and prints the first divergence; ``--show`` prints the scenario as Python.
``--scenario FILE`` replays a scenario JSON file (what a long non-golden failure writes).
Exit status: 0 when the implementation agrees (or there is nothing to compare), 1 when not.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import compare, driver, goldens, impl
from .scenario import Scenario


def find_case(spec: str):
    """The golden case ``FILE:ID`` names; FILE relative to the current directory or to the
    fixture directory (``fixtures/configs.json`` works from anywhere)."""
    file, sep, case_id = spec.rpartition(':')
    if not sep or not file or not case_id:
        raise SystemExit(f'--case wants FILE:ID, got {spec!r}')
    candidates = [Path(file), goldens.directory() / Path(file).name]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        raise SystemExit(f'--case {spec}: no fixture file {file!r}')
    for case in goldens.load(path.parent):
        if case.id == case_id and Path(case.file).name == path.name:
            return case
    raise SystemExit(f'--case {spec}: {path} has no case {case_id!r}')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog='python -m conformance.harness.replay',
                                     description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--case', metavar='FILE:ID', help='a golden case')
    source.add_argument('--scenario', metavar='FILE', help='a scenario JSON file')
    parser.add_argument('--impl', default='reference',
                        help='the implementation to run it on (as pytest --impl; default: '
                             'reference)')
    parser.add_argument('--show', action='store_true', help='print the scenario as Python')
    args = parser.parse_args(argv)
    if args.case:
        case = find_case(args.case)
        scenario, expected = case.scenario, case.expected
        print(f'case {case.id} of {case.file}: subject {case.subject}; {case.description}')
    else:
        scenario = Scenario.from_json(json.loads(Path(args.scenario).read_text('utf-8')))
        expected = None
        print(f'scenario {scenario.id} from {args.scenario}')
    if args.show:
        print(scenario.to_python())
    try:
        adapter = impl.resolve(args.impl)
    except impl.ImplError as exc:
        raise SystemExit(str(exc)) from None
    got = driver.run(scenario, adapter)
    if expected is None:
        print(f'{adapter.name}: {len(got.lrs)} recorded calls, error: '
              f'{None if got.error is None else got.error.to_json()}')
        print(f'lrs: {got.lrs}')
        return 0
    divergence = compare.first_divergence(expected, got)
    if divergence is None:
        print(f'{adapter.name} agrees with the golden trace ({len(got.lrs)} calls)')
        return 0
    print(f'{adapter.name} diverges: {divergence}')
    return 1


if __name__ == '__main__':
    sys.exit(main())
