"""Build docs/migration.md: every clause of docs/spec.md against the four replacements.

Each replacement gets one child pytest run of the whole suite through its adapter
(``--impl=conformance.migration:<name>``, fixed test order, no plots) with a JSON report
(docs/reports.md); a clause's status in that report is its cell. The curves of the differences
that matter in practice are drawn from golden scenarios run here, on upstream mmagic and on the
replacement, into PNGs beside the page. Nothing in the output depends on the run's time, paths
or order, so regenerating gives the same bytes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

from conformance.harness import clauses, compare, driver, observed
from conformance.harness.scenario import Resume, Scenario, single

from .adapters import ADAPTERS

#: The checkout the child runs start in (``python -m pytest conformance`` from its root).
ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / 'docs'
PAGE = 'migration.md'
IMAGES = Path('img') / 'migration'

CELLS = ('same', 'differs', 'not applicable')
#: A clause's status in a report (reporting.STATUSES) as a cell of the matrix.
CELL_OF_STATUS = {'passed': 'same', 'failed': 'differs', 'not applicable': 'not applicable'}


@dataclass(frozen=True)
class Column:
    """One replacement: its adapter's name in ADAPTERS, how the page names it, what it replaces."""

    name: str
    label: str
    replaces: str

    @property
    def impl(self):
        return f'conformance.migration:{self.name}'


COLUMNS = (
    Column('torch_plateau', 'torch ReduceLROnPlateau', 'ReduceLR'),
    Column('mmengine_plateau', 'mmengine ReduceOnPlateauLR', 'ReduceLR'),
    Column('torch_linear', 'torch LinearLR', 'LinearLrInterval'),
    Column('mmengine_linear', 'mmengine LinearLR', 'LinearLrInterval'),
)


@dataclass(frozen=True)
class Topic:
    """A difference that matters in practice, shown on one typical configuration.

    ``scenario`` is run on upstream mmagic and on each replacement of ``replaces``; ``text``
    says what to look for, ``clauses`` where the specification states mmagic's side.
    """

    slug: str
    title: str
    replaces: str
    clauses: tuple
    scenario: Scenario
    text: str


def _linear(scenario_id, **kwargs):
    return single('LinearLrInterval', scenario_id, lrs=(0.1,), steps=12,
                  kwargs=dict(by_epoch=False, **kwargs))


#: Metrics that improve for four calls, then stay flat.
_PLATEAU = (1.0, 0.8, 0.6, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5)
#: Metrics that keep improving, by less and less.
_IMPROVING = tuple(round(1.0 / (call + 1), 6) for call in range(12))

TOPICS = (
    Topic('first-step-dip', 'LinearLrInterval: the first-step dip', 'LinearLrInterval',
          ('LLI-FIRST-STEP-DIP', 'LLI-ABSOLUTE-VALUE', 'LLI-NEVER-END-FACTOR'),
          _linear('migration-dip', start_factor=0.5, end_factor=1.0, begin=0, end=10),
          "lr 0.1, start_factor=0.5, end_factor=1.0, begin=0, end=10, interval=1, by_epoch="
          "False, stepped every iteration. mmagic's constructor call multiplies the lr by "
          'start_factor; from the next call on it writes the factor itself as the lr '
          '(LLI-ABSOLUTE-VALUE), so the lr jumps up tenfold, and it stops one step short of '
          'end_factor (LLI-NEVER-END-FACTOR). The replacements ramp the lr times the factor '
          'from lr * start_factor to lr * end_factor.'),
    Topic('absolute-values', 'LinearLrInterval: absolute values on two param groups',
          'LinearLrInterval', ('LLI-ABSOLUTE-VALUE', 'LLI-GROUPS-COLLAPSE'),
          single('LinearLrInterval', 'migration-groups', lrs=(0.1, 0.01), steps=12,
                 kwargs=dict(start_factor=0.1, end_factor=1.0, begin=0, end=10,
                             by_epoch=False)),
          'lr 0.1 and 0.01 in two groups, start_factor=0.1, end_factor=1.0, begin=0, end=10. '
          'After the dip mmagic gives both groups the same value (LLI-GROUPS-COLLAPSE): the '
          "groups' ratio is lost. The replacements keep each group's own base lr."),
    Topic('eps-order', 'ReduceLR: the eps test before the min_lr floor', 'ReduceLR',
          ('RLR-REDUCE-ORDER',),
          single('ReduceLR', 'migration-eps-order', lrs=(1.0,), steps=12, metrics=_PLATEAU,
                 kwargs=dict(factor=0.5, patience=1, min_lr=0.9, eps=0.2, by_epoch=False)),
          'lr 1.0, factor=0.5, patience=1, min_lr=0.9, eps=0.2, a metric that stops improving '
          'after four calls. mmagic tests the unfloored decrement 1.0 - 0.5 = 0.5 > eps and '
          'then floors the lr at 0.9; the replacements test the floored decrement '
          '1.0 - 0.9 = 0.1, not larger than eps, and keep 1.0.'),
    Topic('resume', 'ReduceLR: resuming from a checkpoint in a new process', 'ReduceLR',
          ('RLR-RESUME-STALE-HUB', 'RLR-METRIC-STALE'),
          single('ReduceLR', 'migration-resume', lrs=(0.1,), steps=12, metrics=_IMPROVING,
                 resumes=(Resume(after=4, transport='torch_save_unsafe', new_process=True),),
                 kwargs=dict(factor=0.5, patience=1, by_epoch=False)),
          'lr 0.1, factor=0.5, patience=1, a metric that keeps improving, checkpointed after '
          "call 4 and resumed in a new process. mmagic's state dict holds the MessageHub it "
          'reads, so the resumed ReduceLR keeps reading the value published before the '
          'checkpoint, counts it as bad again and again and halves the lr; the replacements '
          'receive each new value through step() and do not reduce.'),
)


class MatrixError(Exception):
    """A child run or its report cannot give the matrix; the message says why."""


# -- the child runs ------------------------------------------------------------------------------


def child_command(column: Column, report: Path) -> list:
    """The pytest command of one replacement's run (fixed order, no report plots)."""
    return [sys.executable, '-m', 'pytest', 'conformance', f'--impl={column.impl}',
            '-p', 'no:randomly', '-p', 'no:cacheprovider', '-p', 'conformance.migration.child',
            '-q', '--no-header', '-o', 'console_output_style=classic',
            f'--conformance-report={report}']


def run_child(column: Column, report: Path, echo=None) -> dict:
    """Run the suite on ``column``'s replacement and return its JSON report."""
    report.parent.mkdir(parents=True, exist_ok=True)
    environment = {key: value for key, value in os.environ.items()
                   if key not in ('LR_CONFORMANCE_IMPL', 'PYTEST_ADDOPTS')}
    environment['LR_CONFORMANCE_WORKERS'] = '0'  # one process: one heavy job at a time
    done = subprocess.run(child_command(column, report), cwd=ROOT, env=environment,
                          capture_output=True, text=True)
    if echo is not None:
        echo(f'{column.name}: pytest exit status {done.returncode}')
    if done.returncode not in (0, 1) or not report.exists():
        tail = '\n'.join((done.stdout + done.stderr).splitlines()[-20:])
        raise MatrixError(f'the run on {column.impl} ended with exit status '
                          f'{done.returncode} and no usable report:\n{tail}')
    return json.loads(report.read_text(encoding='utf-8'))


def read_report(path: Path) -> dict:
    return json.loads(path.read_text(encoding='utf-8'))


# -- cells ---------------------------------------------------------------------------------------


def cell(entry: dict, column: Column) -> str:
    """The cell of one clause: same / differs / not applicable, with counts and a divergence."""
    status = entry['status']
    if status not in CELL_OF_STATUS:
        raise MatrixError(f'clause status {status!r} has no cell (checks: {entry["checks"]}); '
                          'every check must pass, fail or be skipped as not applicable')
    word = CELL_OF_STATUS[status]
    checks = entry['checks']
    total = sum(checks.values())
    if word == 'same':
        return f'same ({checks["passed"]}/{total})'
    if word == 'not applicable':
        return 'not applicable'
    return f'differs ({checks["failed"]}/{total}): {divergence_text(entry, column)}'


_BITS = re.compile(r' \(([\w.]+) 0x[0-9a-fA-Fp.+-]+\)')


def _value(encoded, text):
    """A value as the page shows it: its repr, with its type unless it is a plain float/int."""
    try:
        value = observed.decode(encoded)
    except (observed.EncodingError, TypeError, ValueError):
        return text or repr(encoded)
    if isinstance(value, observed.Typed):
        return f'{value.value!r} ({value.type})'
    if type(value) in (float, int):
        return repr(value)
    return text or repr(value)


def _error(error) -> str:
    if error is None:
        return 'no exception'
    return f'{error["type"]} at call {error["step"]} ({error["phase"]})'


#: How compare.Divergence writes a trace's exception: ``Type('message') at call n [phase]``.
_ERROR_TEXT = re.compile(r"^([\w.]+)\(.*\)(?: \(message informative only\))? at call (\d+) "
                         r"\[(\w+)\]$", re.DOTALL)


def _ending(message: str) -> tuple:
    """The two exceptions of a 'calls' divergence's message, each as type, call and phase."""
    inside = message.split('(expected error: ', 1)[-1]
    want, _, got = inside.rpartition('; got error: ')
    return tuple(_ending_one(text) for text in (want, got[:-1] if got.endswith(')') else got))


def _ending_one(text: str) -> str:
    if text == 'none':
        return 'no exception'
    match = _ERROR_TEXT.match(text)
    if match is None:
        return _short(text)
    return f'{match.group(1)} at call {match.group(2)} ({match.group(3)})'


def _line(text) -> str:
    """One line, without the quotes a KeyError's message carries."""
    line = ' '.join(str(text).split())
    if len(line) >= 2 and line[0] == line[-1] and line[0] in '"\'':
        line = line[1:-1]
    return line


def _short(text, limit=72) -> str:
    """A message on one line, cut at ``limit`` characters."""
    line = _line(text)
    return '"' + (line if len(line) <= limit else line[:limit - 3] + '...') + '"'


def _pair(first, second, limit=72) -> tuple:
    """Two messages from the word where they start to differ, each cut at ``limit``."""
    first, second = _line(first), _line(second)
    common = 0
    while common < min(len(first), len(second)) and first[common] == second[common]:
        common += 1
    start = 0
    if common > 24:  # keep the two words before the first difference
        start = first.rfind(' ', 0, first.rfind(' ', 0, first.rfind(' ', 0, common))) + 1
    return tuple(_short(('...' if start else '') + text[start:], limit)
                 for text in (first, second))


def divergence_text(entry: dict, column: Column) -> str:
    """The report's first divergence in numbers: where, and mmagic's value against the other."""
    first = entry['first_divergence']
    nodeid = first['nodeid']
    where = f'`{first["scenario"]}`' if first.get('scenario') else ''
    if '/test_golden.py::' not in nodeid:
        test = nodeid.split('/')[-1].split('[')[0]
        where = f'{test} {where}'.strip()
    aspect = first.get('aspect')
    them = column.label
    if aspect == 'lr':
        what = (f'call {first["call"]}, group {first["group"]}: mmagic '
                f'{_value(first["expected"], first["expected_text"])}, {them} '
                f'{_value(first["got"], first["got_text"])}')
    elif aspect == 'error':
        want, got = first['expected'], first['got']
        if want and got and (want['type'], want['step'], want['phase']) == \
                (got['type'], got['step'], got['phase']):
            mine, theirs = _pair(want['message'], got['message'])
            what = f'both raise {_error(want)}; mmagic says {mine}, {them} {theirs}'
        else:
            what = f'mmagic: {_error(want)}; {them}: {_error(got)}'
    elif aspect == 'calls':
        want, got = _ending(first['message'])
        what = (f'mmagic: {want}, {first["expected"]} recorded calls; {them}: {got}, '
                f'{first["got"]} recorded calls')
    elif aspect == 'groups':
        what = (f'call {first["call"]}: mmagic has {first["expected"]} param groups, {them} '
                f'{first["got"]}')
    else:  # a plain assertion: its message, without addresses and float bits
        message = driver.mask_addresses(first['message'] or '').strip().splitlines() or ['']
        what = _short(_BITS.sub(lambda m: '' if m.group(1) == 'float' else f' ({m.group(1)})',
                                message[0]), 100)
    return f'{where}, {what}' if where else what


# -- curves --------------------------------------------------------------------------------------


def _numbers(trace, group):
    values = []
    for row in trace.lrs:
        value = row[group] if group < len(row) else None
        if isinstance(value, observed.Typed):
            value = value.value
        values.append(float(value) if isinstance(value, (int, float)) else None)
    return values


def _run_or_none(scenario, adapter):
    """The replacement's trace, or None when the scenario does not apply to it."""
    try:
        return driver.run(scenario, adapter)
    except pytest.skip.Exception:
        return None


def draw(path: Path, title: str, column: Column, mmagic, other) -> None:
    """mmagic's and the replacement's lrs over the calls, one panel per param group."""
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    groups = max(len(row) for row in mmagic.lrs + other.lrs)
    with matplotlib.rc_context({'font.family': 'DejaVu Sans', 'font.size': 9,
                                'axes.formatter.useoffset': False}):
        figure, axes = plt.subplots(groups, 1, figsize=(7, 2.2 * groups + 0.8), squeeze=False,
                                    sharex=True)
        for group in range(groups):
            ax = axes[group][0]
            for trace, label, style in ((mmagic, 'mmagic', dict(color='tab:blue', linewidth=2.2,
                                                                alpha=0.6, marker='o')),
                                        (other, column.label, dict(color='tab:red',
                                                                   linewidth=1.2, linestyle='--',
                                                                   marker='x'))):
                values = _numbers(trace, group)
                calls = [call for call, value in enumerate(values) if value is not None]
                ax.step(calls, [values[call] for call in calls], where='post', label=label,
                        markersize=4, **style)
            ax.set_ylabel(f'lr, group {group}')
            ax.grid(alpha=0.3)
            ax.legend(loc='best', fontsize=8)
        axes[-1][0].set_xlabel('scheduler call (0 = after the constructor)')
        figure.suptitle(title, fontsize=9)
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=80, metadata={'Software': None})
        plt.close(figure)


def curves(output: Path) -> list:
    """Draw every topic against each replacement of its scheduler; return the page's sections."""
    from conformance.harness import impl

    upstream = impl.resolve('mmagic')
    sections = []
    for topic in TOPICS:
        mine = driver.run(topic.scenario, upstream)
        lines = [f'### {topic.title}', '', topic.text,
                 f'(mmagic\'s side: {", ".join(topic.clauses)}.)', '']
        for column in COLUMNS:
            if column.replaces != topic.replaces:
                continue
            got = _run_or_none(topic.scenario, ADAPTERS[column.name]())
            if got is None:
                lines += [f'{column.label}: the configuration does not apply to it.', '']
                continue
            name = f'{topic.slug}-{column.name}.png'
            draw(output / IMAGES / name, f'{topic.title}: mmagic {topic.replaces} against '
                 f'{column.label}', column, mine, got)
            lines += [f'- {column.label}: {_comparison(mine, got, column)}', '',
                      f'  ![mmagic {topic.replaces} against {column.label}]'
                      f'({IMAGES.as_posix()}/{name})', '']
        sections.append('\n'.join(lines))
    return sections


def _comparison(mine, got, column) -> str:
    divergence = compare.first_divergence(mine, got, ('lrs', 'error'))
    if divergence is None:
        return 'the same lrs at every call.'
    if divergence.aspect == 'lr':
        return (f'first difference at call {divergence.call}, group {divergence.group}: '
                f'mmagic {_show(divergence.expected)}, {column.label} '
                f'{_show(divergence.got)}.')
    return _BITS.sub('', str(divergence)) + '.'


def _show(value) -> str:
    if isinstance(value, observed.Typed):
        return f'{value.value!r} ({value.type})'
    return repr(value)


# -- the page ------------------------------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace('|', '\\|').replace('\n', ' ')


def page(reports: dict, sections: list) -> str:
    """docs/migration.md from the four reports and the curves' sections."""
    defined = clauses.defined()
    for column in COLUMNS:
        missing = [cid for cid in defined if cid not in reports[column.name]['clauses']]
        if missing:
            raise MatrixError(f'the report of {column.impl} lacks clauses {missing[:5]}')
    rows = {cid: [cell(reports[c.name]['clauses'][cid], c) for c in COLUMNS] for cid in defined}
    versions = reports[COLUMNS[0].name]['versions']
    out = [
        "# Migration matrix: mmagic's schedulers against PyTorch's and mmengine's",
        '',
        '<!-- Generated by `python -m conformance.migration`; do not edit. '
        'tests/test_migration.py checks that it is current. -->',
        '',
        'What changes if a config swaps mmagic\'s `ReduceLR` for PyTorch\'s `ReduceLROnPlateau` '
        'or mmengine\'s `ReduceOnPlateauLR`, or `LinearLrInterval` for PyTorch\'s or '
        'mmengine\'s `LinearLR`? Each column is the whole conformance suite run on one '
        'replacement through its adapter (`--impl=conformance.migration:<name>`, '
        '[docs/adapters.md](adapters.md#migration-adapters) maps every argument), against '
        'mmagic 1.2.0 as [docs/spec.md](spec.md) specifies it. Measured with '
        f'mmagic {versions["mmagic"]}, mmengine {versions["mmengine"]}, torch '
        f'{versions["torch"]}.',
        '',
        '- **same (n/m)**: the n checks of the clause that apply to the replacement pass (m '
        'checks in all): a user who swaps sees no difference there.',
        '- **differs (n/m)**: n checks fail; the cell gives the first divergence (the '
        "report's `first_divergence`): the golden case or the test, the call, and mmagic's "
        "value against the replacement's (or the exceptions). mmagic's value is what the "
        "suite expects: a golden records upstream's run, and the other checks compute the "
        'rule that upstream passes.',
        '- **not applicable**: no check of the clause runs on the replacement: its scenarios '
        'use an argument or input the replacement has no counterpart for (`interval` other '
        "than 1, a window torch cannot express, build_iter_from_epoch, ...), or the checks "
        "read mmagic's class interface (attributes, state attributes, state dict keys, "
        'warnings, the registry), which a migration replaces with another class, or they do '
        'not run an implementation at all (they check a document, a config file or upstream '
        'itself). A property test (hypothesis) is not applicable as a whole as soon as one of '
        'its drawn scenarios has no counterpart.',
        '',
        'Only what a training loop observes is compared: the lrs the optimizer holds, with '
        'their types, and the exceptions (type, call, and the message where mmagic\'s own '
        'code writes it). A different exception message therefore counts as a difference.',
        '',
        '## Totals',
        '',
        '| Replacement | replaces | ' + ' | '.join(CELLS) + ' |',
        '|---|---|' + '---|' * len(CELLS),
    ]
    for index, column in enumerate(COLUMNS):
        counts = {word: 0 for word in CELLS}
        for cells in rows.values():
            counts[cells[index].split(' (')[0].split(':')[0]] += 1
        out.append(f'| {column.label} (`{column.name}`) | {column.replaces} | '
                   + ' | '.join(str(counts[word]) for word in CELLS) + ' |')
    out += ['', '## Where it matters', '',
            'Typical configurations, run here on upstream mmagic and on each replacement '
            "(mmagic's lrs solid, the replacement's dashed); the numbers are the first "
            'difference the runs show.', '']
    out += [section for section in sections]
    out += ['## The matrix', '',
            '| Clause | ' + ' | '.join(column.label for column in COLUMNS) + ' |',
            '|---|' + '---|' * len(COLUMNS)]
    for cid, cells in rows.items():
        out.append(f'| {cid} | ' + ' | '.join(_escape(text) for text in cells) + ' |')
    return '\n'.join(out) + '\n'


def generate(output: Path = DOCS, reports_dir: Optional[Path] = None, reuse: bool = False,
             echo=None) -> dict:
    """Run (or, with ``reuse``, read) the four reports and write the page and its images.

    Returns the reports by column name. ``reports_dir`` keeps the children's reports.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix='migration-') as scratch:
        where = Path(reports_dir) if reports_dir is not None else Path(scratch)
        reports = {}
        for column in COLUMNS:
            path = where / column.name / 'report.json'
            if reuse and path.exists():
                reports[column.name] = read_report(path)
            else:
                reports[column.name] = run_child(column, path, echo)
        images = output / IMAGES
        if images.exists():
            for old in images.glob('*.png'):
                old.unlink()
        text = page(reports, curves(output))
        output.mkdir(parents=True, exist_ok=True)
        (output / PAGE).write_text(text, encoding='utf-8')
    return reports


def table(text: str) -> dict:
    """The matrix of a generated page: clause -> {column label: cell}."""
    lines = text.split('## The matrix', 1)[1].strip().splitlines()
    header = [part.strip() for part in lines[0].strip('|').split('|')]
    result = {}
    for line in lines[2:]:
        parts = [part.strip() for part in re.split(r'(?<!\\)\|', line.strip().strip('|'))]
        result[parts[0]] = dict(zip(header[1:], parts[1:]))
    return result
