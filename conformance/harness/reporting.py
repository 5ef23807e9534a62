"""The conformance report plugin: ``--conformance-report=PATH``, ``--rtol``/``--atol``, and
each test's clause in pytest's JUnit XML.

``--conformance-report=report.json`` writes, at the end of the session (docs/reports.md):

- ``report.json``: the implementation, where it was loaded from, versions, deviations,
  tolerance, the command line, and per clause of docs/spec.md its status and the counts of
  checks behind it, with the first divergence of a failure; valid against
  ``conformance/report.schema.json``;
- ``report.md``: a Markdown summary for a CI page (``$GITHUB_STEP_SUMMARY``);
- ``plots/<test>.png``: for every failing check that compared traces, expected against actual
  lr over the calls, per param group, with the divergence marked.

Every test also carries ``subject`` and ``touches`` as user properties, which ``--junitxml``
writes as testcase properties. The plugin works under pytest-xdist: workers attach what they
recorded to their test reports, the controller writes the files.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pytest

from . import clauses, compare, deviations, observed, report

FORMAT = 'mmagic-lr-conformance-report/1'
SCHEMA = Path(__file__).resolve().parents[1] / 'report.schema.json'
#: A clause's status, from worst to best; see :func:`clause_status`.
STATUSES = ('failed', 'deviated', 'excused', 'not applicable', 'passed', 'not run')
COUNTS = ('passed', 'failed', 'skipped', 'deviated', 'excused')
#: At most this many plots are drawn (a completely broken implementation fails thousands of
#: checks); the report says how many were left out.
MAX_PLOTS = 200
#: The attribute a worker's test report carries the recorder's data in.
_ATTRIBUTE = 'conformance_record'


# -- options ------------------------------------------------------------------------------------


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r} is not a number') from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f'{text!r} is not a finite number >= 0')
    return value


def addoption(group) -> None:
    """The report and tolerance options, in the conformance option group."""
    group.addoption(
        '--conformance-report', dest='conformance_report', default=None, metavar='PATH',
        help='write the JSON conformance report to PATH, the Markdown summary beside it '
             '(PATH with .md) and a plot per failing trace in plots/ (docs/reports.md)')
    group.addoption(
        '--rtol', dest='conformance_rtol', type=_non_negative, default=0.0, metavar='FLOAT',
        help='compare lrs within this relative tolerance instead of bit for bit (default: 0, '
             'exact); the result is then not bit-exact conformance (docs/reports.md)')
    group.addoption(
        '--atol', dest='conformance_atol', type=_non_negative, default=0.0, metavar='FLOAT',
        help='compare lrs within this absolute tolerance (default: 0, exact)')


def configure(config, facts_key, deviations_key, subject_of) -> None:
    """Set the run's tolerance and register the plugin (from conftest's pytest_configure).

    ``facts_key``/``deviations_key`` are the conftest's stash keys of the implementation's facts
    (impl.facts; under xdist the controller has them from a worker) and the declared
    deviations; ``subject_of(item)`` is the conftest's reading of the subject marker.
    """
    from . import impl

    compare.set_tolerance(observed.Tolerance(config.getoption('conformance_rtol'),
                                             config.getoption('conformance_atol')))
    compare.impl_value = impl.choose(config.getoption('conformance_impl')).value
    config.pluginmanager.register(Reporter(config, facts_key, deviations_key, subject_of),
                                  'conformance-reporting')


def header_lines(config) -> list:
    tolerance = compare.tolerance()
    if tolerance.exact:
        lines = ['conformance: lrs compared bit for bit (bit-exact conformance)']
    else:
        lines = [f'conformance: lrs compared within {tolerance}: the result is NOT bit-exact '
                 'conformance']
    path = config.getoption('conformance_report')
    if path:
        lines.append(f'conformance: report {Path(path).resolve()} (and {_markdown_path(path)})')
    return lines


def _markdown_path(path) -> Path:
    path = Path(path).resolve()
    markdown = path.with_suffix('.md')
    return markdown if markdown != path else path.with_name(path.name + '.md')


# -- collecting outcomes ------------------------------------------------------------------------


@dataclass
class Check:
    """One test as the report counts it: its subject and its outcome."""

    nodeid: str
    subject: Optional[str] = None
    outcome: str = 'passed'  # passed, failed, skipped, deviated, excused
    reason: str = ''
    message: str = ''
    record: Optional[dict] = None
    verdict: Optional[str] = None  # the deviation hook's item.stash[OUTCOME_KEY]
    phases: list = field(default_factory=list)


class Reporter:
    def __init__(self, config, facts_key, deviations_key, subject_of):
        self.config = config
        self.subject_of = subject_of
        self.facts_key = facts_key
        self.deviations_key = deviations_key
        path = config.getoption('conformance_report')
        self.path = Path(path).resolve() if path else None
        self.checks: dict = {}
        self.written: Optional[str] = None
        self.problem: Optional[str] = None

    # Every run: the clause of each test in the JUnit XML.
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items):
        for item in items:
            touches = [cid for marker in item.iter_markers('touches') for cid in marker.args]
            item.user_properties.append(('subject', self.subject_of(item) or ''))
            item.user_properties.append(('touches', ' '.join(dict.fromkeys(touches))))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        if self.path is None:
            return (yield)
        report.start(item.nodeid)
        try:
            return (yield)
        finally:
            report.stop()
            report.take(item.nodeid)

    # Outermost (tryfirst): what it reads after the yield is the report and the deviation verdict
    # as every other hook left them.
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        rep = yield
        if self.path is not None:
            try:
                found = report.take(item.nodeid) if call.when == 'call' else None
                verdict = item.stash.get(deviations.OUTCOME_KEY, None)
                setattr(rep, _ATTRIBUTE, {
                    'record': None if found is None else found.to_json(),
                    'verdict': verdict,
                })
            except Exception as exc:  # a report is never a reason for a test to fail
                setattr(rep, _ATTRIBUTE, {'record': None, 'verdict': None,
                                          'problem': f'{type(exc).__name__}: {exc}'})
        return rep

    def pytest_runtest_logreport(self, report):
        if self.path is None:
            return
        check = self.checks.get(report.nodeid)
        if check is None:
            properties = dict(report.user_properties)
            check = self.checks[report.nodeid] = Check(report.nodeid, properties.get('subject'))
        extra = getattr(report, _ATTRIBUTE, None) or {}
        if extra.get('verdict'):
            check.verdict = extra['verdict']
        if extra.get('record') and check.record is None:
            check.record = extra['record']
        check.phases.append(report.when)
        if report.failed:
            if check.outcome != 'failed':
                check.message = _crash_message(report)
            check.outcome = 'failed'
        elif report.skipped and check.outcome != 'failed':
            if hasattr(report, 'wasxfail'):
                check.outcome = 'excused' if check.verdict == 'excused' else 'skipped'
                check.reason = report.wasxfail or 'xfail'
            else:
                check.outcome = 'skipped'
                check.reason = _skip_reason(report)
        elif report.when == 'call' and report.passed and check.verdict == 'deviated':
            check.outcome = 'deviated'

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session, exitstatus):
        if self.path is None or hasattr(self.config, 'workerinput'):
            return
        if self.facts_key not in self.config.stash:  # stopped before any worker judged it
            self.problem = 'the implementation was not judged (see the error above)'
            return
        try:
            self.written = write(self.build(exitstatus), self.path, self.checks)
        except Exception as exc:  # say so; the run's own outcome stands
            self.problem = f'{type(exc).__name__}: {exc}'

    def pytest_terminal_summary(self, terminalreporter):
        if self.problem:
            terminalreporter.write_line(f'conformance report NOT written: {self.problem}',
                                        red=True)
        elif self.written:
            terminalreporter.write_line(f'conformance report: {self.written}')

    # -- the report's data ----------------------------------------------------------------------

    def build(self, exitstatus) -> dict:
        config = self.config
        facts = config.stash[self.facts_key]
        declared = config.stash.get(self.deviations_key, deviations.NONE)
        key = getattr(deviations, 'UNNEEDED_KEY', None)
        unneeded = list(config.stash.get(key, [])) if key is not None else []
        tolerance = compare.tolerance()
        from . import impl

        statements = clauses.defined()
        by_clause: dict = {cid: [] for cid in statements}
        for check in self.checks.values():
            by_clause.setdefault(check.subject or '(no subject)', []).append(check)
        clause_data = {}
        for cid, checks in by_clause.items():
            clause_data[cid] = clause_entry(cid, statements.get(cid, ''), checks, declared,
                                            unneeded)
        totals = {status: 0 for status in STATUSES}
        for entry in clause_data.values():
            totals[entry['status']] += 1
        check_totals = {name: 0 for name in COUNTS}
        for check in self.checks.values():
            check_totals[check.outcome] += 1
        return {
            'format': FORMAT,
            'created': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
            'implementation': {
                'name': facts['name'],
                'origin': facts['origin'],
                'provides': list(facts['provides']),
                'is_reference': facts['is_reference'],
            },
            'versions': impl.versions(),
            'command': {
                'args': [str(arg) for arg in config.invocation_params.args],
                'dir': str(config.invocation_params.dir),
                'python': sys.executable,
            },
            'deviations': {
                'file': None if declared.path is None else str(declared.path),
                'entries': [{'clause': d.clause, 'follows': d.follows, 'reason': d.reason,
                             'aspect': d.aspect} for d in declared.entries],
            },
            'tolerance': {
                'rtol': tolerance.rtol,
                'atol': tolerance.atol,
                'bit_exact': tolerance.exact,
                'note': ('lrs compared bit for bit: bit-exact conformance' if tolerance.exact
                         else f'lrs compared within {tolerance}: this is NOT bit-exact '
                              'conformance'),
            },
            'exit_status': int(exitstatus),
            'totals': {'clauses': totals, 'checks': check_totals},
            'clauses': clause_data,
        }


def clause_status(counts: dict, intent: bool, unneeded: bool, all_not_applicable: bool) -> str:
    """A clause's status from the counts of its checks (docs/reports.md, "Status rules")."""
    if counts['failed'] or unneeded:
        return 'failed'
    if not any(counts.values()):
        return 'not run'
    if intent:
        return 'deviated'
    if counts['excused']:
        return 'excused'
    if counts['skipped'] and not (counts['passed'] or counts['deviated']):
        return 'not applicable' if all_not_applicable else 'not run'
    return 'passed'


def clause_entry(cid, statement, checks, declared, unneeded) -> dict:
    counts = {name: 0 for name in COUNTS}
    for check in checks:
        counts[check.outcome] += 1
    skipped = [check for check in checks if check.outcome == 'skipped']
    status = clause_status(counts, cid in declared.intents, cid in unneeded,
                           all(check.reason.startswith('not applicable') for check in skipped))
    failing = sorted((check for check in checks if check.outcome == 'failed'),
                     key=lambda check: (check.record is None, check.nodeid))
    entry = {
        'statement': statement,
        'status': status,
        'checks': counts,
        'note': None,
        'first_divergence': None,
        'failures': [{'nodeid': check.nodeid, 'message': check.message,
                      'plot': _plot_name(check.nodeid) if check.record else None}
                     for check in failing],
    }
    if cid in unneeded and not counts['failed']:
        file = declared.path or 'the deviations file'
        entry['note'] = f'deviation no longer needed: remove it from {file}'
    if failing:
        entry['first_divergence'] = divergence_entry(failing[0])
    return entry


def divergence_entry(check: Check) -> dict:
    data = {'nodeid': check.nodeid, 'message': check.message, 'aspect': None, 'call': None,
            'group': None, 'scheduler': None, 'attribute': None, 'expected': None, 'got': None,
            'expected_text': None, 'got_text': None, 'scenario': None, 'plot': None}
    if check.record:
        for key in data:
            if key in check.record and key not in ('nodeid',):
                data[key] = check.record[key]
        data['message'] = check.record.get('message') or check.message
        data['plot'] = _plot_name(check.nodeid)
    return data


def _crash_message(rep) -> str:
    crash = getattr(getattr(rep, 'longrepr', None), 'reprcrash', None)
    text = getattr(crash, 'message', None) or str(getattr(rep, 'longrepr', '') or '')
    lines = [line for line in text.splitlines() if line.strip()]
    text = '\n'.join(lines[:3])
    return text if len(text) <= 600 else text[:597] + '...'


def _skip_reason(rep) -> str:
    longrepr = rep.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix('Skipped: ')
    return str(longrepr or '')


def _plot_name(nodeid: str) -> str:
    name = re.sub(r'[^A-Za-z0-9_.-]+', '_', nodeid).strip('_')
    if len(name) > 120:
        import hashlib

        name = name[:100] + '-' + hashlib.sha256(nodeid.encode()).hexdigest()[:12]
    return f'plots/{name}.png'


# -- writing ------------------------------------------------------------------------------------


def write(data: dict, path: Path, checks: dict) -> str:
    """Write the JSON report, the plots and the Markdown summary; return what was written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    plotted, skipped, problem = _plots(checks, path.parent)
    data['plots'] = {'written': plotted, 'left_out': skipped, 'problem': problem}
    for entry in data['clauses'].values():  # no link to a plot that was not drawn
        for item in [*entry['failures'], entry['first_divergence'] or {}]:
            if item.get('plot') and item['plot'] not in plotted:
                item['plot'] = None
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + '\n', encoding='utf-8')
    markdown = _markdown_path(path)
    markdown.write_text(render_markdown(data), encoding='utf-8')
    return f'{path}, {markdown} and {len(plotted)} plot(s)'


def _plots(checks, directory):
    # A trace without any lr (the constructor raised) has nothing to plot: its divergence is
    # in the report and the summary, with no plot.
    failing = sorted((c for c in checks.values() if c.outcome == 'failed' and c.record
                      and any(c.record.get('expected_lrs') or c.record.get('got_lrs') or ())),
                     key=lambda c: c.nodeid)
    if not failing:
        return [], 0, None
    try:
        from . import report_plot
    except ImportError as exc:  # matplotlib missing: the report says so
        return [], len(failing), f'plots not drawn: {exc}'
    written = []
    for check in failing[:MAX_PLOTS]:
        name = _plot_name(check.nodeid)
        report_plot.draw(check.record, check.nodeid, directory / name)
        written.append(name)
    return written, max(0, len(failing) - MAX_PLOTS), None


def _cell(text) -> str:
    text = '' if text is None else str(text)
    return text.replace('|', '\\|').replace('\n', ' ')


def render_markdown(data: dict) -> str:
    """The Markdown summary of a report's data."""
    impl = data['implementation']
    versions = ', '.join(f'{name} {version}' for name, version in data['versions'].items())
    dev = data['deviations']
    tol = data['tolerance']
    clause_totals = data['totals']['clauses']
    check_totals = data['totals']['checks']
    failed = clause_totals['failed']
    lines = [
        f'# Conformance report: {impl["name"]} {"FAILED" if failed else "passed"}',
        '',
        f'- Implementation: `{impl["name"]}`, loaded from `{impl["origin"]}`',
        f'- Versions: {versions}',
        f'- Tolerance: {tol["note"]}',
        '- Deviations: ' + (f'`{dev["file"]}`' if dev['file'] else 'none declared'),
    ]
    for entry in dev['entries']:
        aspect = f' ({entry["aspect"]} only)' if entry.get('aspect') else ''
        lines.append(f'  - {entry["clause"]}: follows {entry["follows"]}{aspect}: '
                     f'{entry["reason"]}')
    lines += [
        f'- Command: `python -m pytest {shlex.join(data["command"]["args"])}`',
        '- Clauses: ' + ', '.join(f'{count} {status}' for status, count in clause_totals.items()
                                  if count),
        '- Checks: ' + ', '.join(f'{count} {name}' for name, count in check_totals.items()),
        '',
    ]
    shown = {cid: entry for cid, entry in data['clauses'].items()
             if entry['status'] in ('failed', 'deviated', 'excused')}
    if shown:
        lines += ['| Clause | Status | Checks | First divergence |', '|---|---|---|---|']
        for cid, entry in shown.items():
            counts = ', '.join(f'{n} {name}' for name, n in entry['checks'].items() if n)
            lines.append(f'| {cid} | {entry["status"]} | {counts} | '
                         f'{_divergence_cell(entry)} |')
        lines.append('')
    else:
        lines += ['No clause failed, deviated or was excused.', '']
    plots = data.get('plots', {})
    if plots.get('written'):
        lines += ['## Failing traces', '']
        for name in plots['written']:
            lines += [f'![{name}]({name})', '']
    if plots.get('left_out'):
        lines.append(f'{plots["left_out"]} more failing trace(s) not plotted (at most '
                     f'{MAX_PLOTS}).')
    if plots.get('problem'):
        lines.append(plots['problem'])
    return '\n'.join(lines).rstrip('\n') + '\n'


def _divergence_cell(entry) -> str:
    if entry['note']:
        return _cell(entry['note'])
    first = entry['first_divergence']
    if first is None:
        return ''
    text = f'`{_cell(first["nodeid"])}`: {_cell(first["message"])}'
    # Under deviations the verdict ("declared intent:X but does not implement it") heads the
    # failure's message and says more than the divergence it quotes: show it first.
    verdict = next(iter((entry['failures'][0].get('message') or '').splitlines()), '') \
        if entry['failures'] else ''
    verdict = verdict.split(': ', 1)[1] if verdict.startswith('AssertionError: ') else verdict
    if verdict.startswith(('declared ', 'the reference with the declared intents')):
        text = f'{_cell(verdict)} {text}'
    if first.get('plot'):
        text += f' ([plot]({first["plot"]}))'
    more = len(entry['failures']) - 1
    if more > 0:
        text += f' (+{more} more failing)'
    return text
