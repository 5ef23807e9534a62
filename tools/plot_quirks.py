"""Write a page and a plot per quirk: each clause where upstream contradicts its docstring.

    python tools/plot_quirks.py          # docs/quirks/*.md and docs/img/quirk-*.png
    python tools/plot_quirks.py --check  # fail if a committed page or plot's data is stale

The quirks are the clauses of docs/spec.md whose Docstring line says ``contra``; the script
refuses to run when one of them has no text below (or when text is left for a clause that is no
longer a quirk). For each, one example runs through the suite's driver on the reference twice:
as upstream behaves (``reference``) and with the clause's intent (``reference[ID,...]``, with the
intents it must be declared with). The plot shows both lr schedules, and its PNG carries the
plotted data as JSON in its ``Description`` text chunk, so tests/test_quirk_pages.py can check
that the committed plots show what the reference computes today without comparing image bytes.
Each page also says which of mmagic's configs (conformance/harness/configs.py) the intent would
change, computed by running each config's golden scenario both ways.
"""

from __future__ import annotations

import argparse
import json
import re
import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import reference  # noqa: E402
from conformance.harness import clauses, configs, driver, impl  # noqa: E402
from conformance.harness.scenario import single  # noqa: E402

IMG = ROOT / 'docs' / 'img'
PAGES = ROOT / 'docs' / 'quirks'
_SAVE = {'dpi': 100}
#: The CycleGAN configs run at 1/_SCALE of their length (config_effects).
_SCALE = 50
_CONTRA = re.compile(r'^Docstring: contra', re.MULTILINE)
#: The one-line schedule that every LinearLrInterval example uses: a window of 20 iterations
#: from 4 to 24, 4 intervals of 5, with an optimizer lr that differs from start_factor (in
#: mmagic's CycleGAN configs the two are equal, which hides LLI-BEFORE-BEGIN).
_LLI = {'start_factor': 0.05, 'end_factor': 0.01, 'begin': 4, 'end': 24, 'interval': 5,
        'by_epoch': False}
_LLI_TEXT = ('`LinearLrInterval(start_factor=0.05, end_factor=0.01, begin=4, end=24, interval=5, '
             'by_epoch=False)` on an optimizer with lr 0.1, 28 iterations of mmengine\'s '
             'iteration loop')


@dataclass(frozen=True)
class Quirk:
    """The words of one quirk page; the numbers come from running the example."""

    docstring: str
    upstream: str
    intent: str
    scheduler: str
    example: dict
    example_text: str
    #: Why no mmagic config is affected (shown only when the runs agree).
    unchanged: str = ''
    log: bool = False


QUIRKS = {
    'LLI-FIRST-STEP-DIP': Quirk(
        docstring=('The learning rate is `start_factor` once `begin` is reached; nothing is said '
                   'of a different first value.'),
        upstream=('The first active call multiplies each group\'s current lr by `start_factor` '
                  'instead of writing `start_factor`, so the first iteration of the window '
                  'trains at `lr * start_factor` (a dip, 0.1 * 0.05 = 0.005 here) and only the '
                  'next one at `start_factor`.'),
        intent=('The first active call writes the staircase value at the start of the window, '
                '`start_factor`, like every later call: no dip.'),
        scheduler='LinearLrInterval',
        example={'lrs': (0.1,), 'steps': 28, 'kwargs': _LLI},
        example_text=_LLI_TEXT,
    ),
    'LLI-BEFORE-BEGIN': Quirk(
        docstring='Before `begin` the learning rate is held at `start_factor`.',
        upstream=('Calls before `begin` are inactive and write nothing: the iterations before '
                  '`begin` train with the optimizer\'s own lr (0.1 here).'),
        intent=('Every call before `begin`, the constructor\'s included, writes `start_factor`. '
                'The first active call still dips unless intent:LLI-FIRST-STEP-DIP is declared '
                'too, now from `start_factor` (0.05 * 0.05 = 0.0025 here).'),
        scheduler='LinearLrInterval',
        example={'lrs': (0.1,), 'steps': 28, 'kwargs': _LLI},
        example_text=_LLI_TEXT,
        unchanged=('their optimizers\' lr, 2e-4, is also their `start_factor`, so holding '
                   '`start_factor` before `begin` keeps the lr they already train with'),
    ),
    'LLI-NEVER-END-FACTOR': Quirk(
        docstring='After `begin` the learning rate goes linearly down (or up) to `end_factor`.',
        upstream=('In a training loop the last active call reads the progress of iteration '
                  '`end - 2`, so when `interval` divides `end - begin` (every mmagic config) the '
                  'lr stops one step short of `end_factor` (0.02 instead of 0.01 here).'),
        intent=('The last active call writes `end_factor` itself, so the last iteration of the '
                'window and every later one train at `end_factor`.'),
        scheduler='LinearLrInterval',
        example={'lrs': (0.1,), 'steps': 28, 'kwargs': _LLI},
        example_text=_LLI_TEXT,
    ),
    'RLR-REDUCE-ORDER': Quirk(
        docstring=('A reduction whose change of lr is smaller than `eps` is ignored, which reads '
                   'as the change actually made.'),
        upstream=('The `eps` test looks at `lr - lr * factor`, before the lr is floored at '
                  '`min_lr`: a reduction whose floored change is within `eps` is applied anyway '
                  '(0.25 goes to 0.22 here, a change of 0.03 with `eps=0.05`).'),
        intent=('torch\'s order: the new lr is `max(lr * factor, min_lr)`, written only if it is '
                'more than `eps` below the old one (0.25 is kept here). It must be declared '
                'together with intent:RLR-MIN-LR.'),
        scheduler='ReduceLR',
        example={'lrs': (1.0,), 'steps': 12, 'metrics': (1.0,) * 12,
                 'kwargs': {'patience': 2, 'factor': 0.5, 'min_lr': 0.22, 'eps': 0.05}},
        example_text=('`ReduceLR(patience=2, factor=0.5, min_lr=0.22, eps=0.05)` on an optimizer '
                      'with lr 1.0, a monitored value that never improves, 12 calls'),
        unchanged=('they keep the default `min_lr=0`, where flooring never changes '
                   '`lr * factor`, so both orders make the same test'),
        log=True,
    ),
    'RLR-MIN-LR': Quirk(
        docstring=('`min_lr` is the floor to which an lr that decays below it is clipped; nothing '
                   'says a reduction can increase an lr.'),
        upstream=('Every reduction that passes the `eps` test writes `max(lr * factor, min_lr)`, '
                  'so a group whose lr is already below `min_lr` is raised to `min_lr` (the '
                  'backbone group here goes from 0.02 up to 0.05 at the first reduction).'),
        intent=('A reduction leaves an lr at or below `min_lr` as it is: `min_lr` never raises '
                'an lr.'),
        scheduler='ReduceLR',
        example={'lrs': (1.0, 0.02), 'steps': 12, 'metrics': (1.0,) * 12,
                 'kwargs': {'patience': 2, 'factor': 0.5, 'min_lr': 0.05}},
        example_text=('`ReduceLR(patience=2, factor=0.5, min_lr=0.05)` on an optimizer with two '
                      'groups, a head at lr 1.0 and a backbone at lr 0.02, a monitored value that '
                      'never improves, 12 calls'),
        unchanged=('they keep the default `min_lr=0`, and a positive lr is never below it'),
        log=True,
    ),
}


def contradicted() -> list:
    """The clause IDs whose Docstring line says ``contra``, in spec order."""
    return [cid for cid, text in clauses.sections().items() if _CONTRA.search(text)]


def declared(clause_id) -> list:
    """The intents a fork declares to follow ``clause_id``'s intent: it and those it requires."""
    return sorted({clause_id} | reference.INTENT_REQUIRES.get(clause_id, frozenset()))


def _adapter(ids):
    return impl.resolve('reference' if not ids else f'reference[{",".join(ids)}]')


def _floats(rows):
    return [[float(value) for value in row] for row in rows]


def example_data(clause_id) -> dict:
    """Run the quirk's example as upstream behaves and with the intent; the plot's data."""
    quirk = QUIRKS[clause_id]
    example = dict(quirk.example)
    scenario = single(quirk.scheduler, f'quirk-{clause_id}', **example)
    intents = declared(clause_id)
    series = {}
    for label, ids in (('upstream', []), ('intent', intents)):
        trace = driver.run(scenario, _adapter(ids))
        if trace.error is not None:
            raise RuntimeError(f'{clause_id}: the example raised on {label}: {trace.error}')
        series[label] = _floats(driver.lrs_used(trace, scenario))
    if series['upstream'] == series['intent']:
        raise RuntimeError(f'{clause_id}: the example does not show the quirk')
    return {'clause': clause_id, 'intents': intents, 'scheduler': quirk.scheduler,
            'scenario': scenario.to_json(), **series}


def _full_iteration(i, scaled, full):
    """Map iteration ``i`` of a scaled CycleGAN scenario to the full config's iteration.

    The scaled goldens divide begin, end and interval (docs/configs.md); an iteration within one
    scaled interval of begin or end keeps its offset from it, since the dip, the lag and the last
    call do not scale. Any other difference would need the full run: refuse it.
    """
    near_begin, near_end = i - scaled['begin'], scaled['end'] - i
    if 0 <= near_begin < scaled['interval']:
        return full['begin'] + near_begin
    if -scaled['interval'] < near_end <= scaled['interval']:
        return full['end'] - near_end
    raise RuntimeError(f'iteration {i} of a scaled config differs; plot the full run instead')


def config_effects(clause_id) -> list:
    """For each mmagic config of the quirk's scheduler: the iterations the intent changes."""
    quirk = QUIRKS[clause_id]
    effects = []
    for case in configs.CASES:
        if case.param_scheduler['type'] != quirk.scheduler:
            continue
        # CycleGAN at 1/50 (as the summer2winter and horse2zebra goldens are): the full runs take
        # a minute, and every difference an intent makes is near begin or end, which keep their
        # offsets (_full_iteration).
        scale = _SCALE if quirk.scheduler == 'LinearLrInterval' else None
        scenario = configs.scenario(case, scale=scale)
        used = {}
        for label, ids in (('upstream', []), ('intent', declared(clause_id))):
            used[label] = _floats(driver.lrs_used(driver.run(scenario, _adapter(ids)), scenario))
        changed = [i for i, (a, b) in enumerate(zip(used['upstream'], used['intent'])) if a != b]
        unit = 'epoch' if scenario.loop == 'epoch' else 'iteration'
        if scale is not None and changed:
            kwargs = scenario.schedulers[0].kwargs
            where = [_full_iteration(i, kwargs, case.param_scheduler) for i in changed]
        else:
            where = changed
        values = [(used['upstream'][i][0], used['intent'][i][0]) for i in changed]
        effects.append({'config': case.name, 'files': list(case.files), 'unit': unit,
                        'changed': where, 'values': values})
    return effects


def _plot(data, quirk, path):
    fig, ax = plt.subplots(figsize=(8, 3.4))
    upstream, intent = data['upstream'], data['intent']
    groups = len(upstream[0])
    names = ['head', 'backbone'] if groups == 2 else [None]
    x = range(len(upstream))
    kwargs = data['scenario']['schedulers'][0]['kwargs']
    if quirk.scheduler == 'LinearLrInterval':
        ax.axvspan(kwargs['begin'], kwargs['end'], color='0.93', zorder=0,
                   label='the window, begin to end')
    for g in range(groups):
        suffix = f' ({names[g]})' if names[g] else ''
        ax.plot(x, [row[g] for row in upstream], drawstyle='steps-post', color=f'C{g * 2}',
                linewidth=2.2, label=f'upstream mmagic 1.2.0{suffix}')
        ax.plot(x, [row[g] for row in intent], drawstyle='steps-post', color=f'C{g * 2 + 1}',
                linewidth=1.4, linestyle='--', label=f'intent:{data["clause"]}{suffix}')
    ax.set_xlabel('scheduler call (the lr after it)' if quirk.scheduler == 'ReduceLR' else
                  'iteration (the lr it trains with)')
    ax.set_ylabel('lr')
    if quirk.log:
        ax.set_yscale('log')
    ax.set_title(f'{data["clause"]}: upstream and the documented intent')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, **_SAVE, metadata={'Software': None,
                                         'Description': json.dumps(data, sort_keys=True)})
    plt.close(fig)


def png_description(path) -> dict:
    """The JSON a plot carries in its ``Description`` tEXt chunk."""
    blob = Path(path).read_bytes()
    offset = 8
    while offset < len(blob):
        (length,) = struct.unpack('>I', blob[offset:offset + 4])
        kind = blob[offset + 4:offset + 8]
        body = blob[offset + 8:offset + 8 + length]
        if kind == b'tEXt':
            key, _, text = body.partition(b'\0')
            if key == b'Description':
                return json.loads(text.decode('latin-1'))
        elif kind == b'zTXt':
            key, _, rest = body.partition(b'\0')
            if key == b'Description':
                return json.loads(zlib.decompress(rest[1:]).decode('latin-1'))
        offset += 12 + length
    raise ValueError(f'{path}: no Description chunk')


def _effects_text(clause_id, effects):
    lines = []
    for effect in effects:
        files = ', '.join(f'`{file}`' for file in effect['files'])
        changed = effect['changed']
        if not changed:
            lines.append(f'- {effect["config"]} ({files}): unchanged.')
            continue
        old, new = effect['values'][0]
        unit = effect['unit']
        if len(changed) == 1:
            lines.append(f'- {effect["config"]} ({files}): {unit} {changed[0]} trains at {new!r} '
                         f'instead of {old!r}; every other {unit} is unchanged.')
            continue
        where = ', '.join(str(i) for i in changed[:4]) + (', ...' if len(changed) > 4 else '')
        lines.append(f'- {effect["config"]} ({files}): {len(changed)} {unit}s change ({where}); '
                     f'{unit} {changed[0]} trains at {new!r} instead of {old!r}.')
    affected = sum(1 for effect in effects if effect['changed'])
    quirk = QUIRKS[clause_id]
    summary = (f'The intent changes the schedule of {affected} of the {len(effects)} mmagic '
               f'configs that use {quirk.scheduler}'
               if affected else
               f'None of the {len(effects)} mmagic configs that use {quirk.scheduler} would '
               f'train differently with the intent: {quirk.unchanged}')
    return summary, '\n'.join(lines)


def _escaped(text):
    """``text`` with the characters Markdown would read as emphasis or code escaped."""
    return re.sub(r'([*_`\\])', r'\\\1', text)


def page(clause_id, data, effects) -> str:
    """The Markdown of one quirk page."""
    quirk = QUIRKS[clause_id]
    statement = clauses.defined()[clause_id]
    summary, lines = _effects_text(clause_id, effects)
    intents = data['intents']
    tables = '\n'.join(
        f'[deviations.{cid}]\nfollows = "intent"\nreason = "we follow intent:{cid}"\n'
        for cid in intents)
    impl_value = f'reference[{",".join(intents)}]'
    unit = 'call' if quirk.scheduler == 'ReduceLR' else 'iteration'
    together = ''
    if len(intents) > 1:
        others = ', '.join(cid for cid in intents if cid != clause_id)
        together = (f' The intent must be declared together with {others} '
                    '(docs/intents.md, "Intents declared together").')
    return f"""# {clause_id}

<!-- generated by tools/plot_quirks.py; edit that script, not this file -->

> {clause_id}: {_escaped(statement)}

(the clause in the [specification](../spec.md))

**What the docstring says.** {quirk.docstring}

**What upstream does.** {quirk.upstream}

**The documented intent.** {quirk.intent}

## Both, on one example

{quirk.example_text}: the lr the optimizer holds at each {unit}, as upstream behaves (the
reference, which the suite proves equal to upstream) and with the intent (`--impl={impl_value}`).

![{clause_id}: upstream and the intent](../img/quirk-{clause_id.lower()}.png)

## mmagic's configs

{summary}. Each config's schedule ([configs](../configs.md)) run on the reference both ways:

{lines}

## Declaring the intent in a fork

A fork that implements the intent on purpose declares it in its deviations file
([deviations](../deviations.md)) and is then checked against the reference with the intent
instead of upstream.{together}

```toml
{tables}```

To see what the suite expects of such a fork, run the reference with the intent:
`python -m pytest conformance "--impl={impl_value}" --deviations=conformance-deviations.toml`.
"""


def index(ids) -> str:
    rows = '\n'.join(f'| [{cid}]({cid.lower()}.md) | {QUIRKS[cid].docstring} |' for cid in ids)
    entries = '\n'.join(cid.lower() for cid in ids)
    return f"""# Quirks: where upstream contradicts its docstring

<!-- generated by tools/plot_quirks.py; edit that script, not this file -->

The clauses of the [specification](../spec.md) whose **Docstring** line says `contra`: upstream
mmagic 1.2.0 does something else than its documentation says. The suite pins upstream's
behaviour; each of these clauses also has an intent ([intents](../intents.md)), the documented
behaviour, which a fork can declare it follows ([deviations](../deviations.md)). One page each:
what the docstring says, what upstream does, both on one example, which of mmagic's configs the
difference reaches, and how a fork declares the intent.

| Clause | The docstring says |
| --- | --- |
{rows}

```{{toctree}}
:hidden:

{entries}
```
"""


def build() -> tuple:
    """Everything the script writes: ({page path: text}, {plot path: data})."""
    ids = contradicted()
    missing, stale = set(ids) - set(QUIRKS), set(QUIRKS) - set(ids)
    if missing or stale:
        raise RuntimeError(f'quirks without text: {sorted(missing)}; text for clauses that are '
                           f'no longer quirks: {sorted(stale)}')
    pages, plots = {PAGES / 'index.md': index(ids)}, {}
    for clause_id in ids:
        data = example_data(clause_id)
        plots[IMG / f'quirk-{clause_id.lower()}.png'] = data
        pages[PAGES / f'{clause_id.lower()}.md'] = page(clause_id, data,
                                                        config_effects(clause_id))
    return pages, plots


def stale() -> list:
    """The pages and plots whose committed content is not what :func:`build` makes now."""
    pages, plots = build()
    found = [path for path, text in pages.items()
             if not path.exists() or path.read_text(encoding='utf-8') != text]
    for path, data in plots.items():
        try:
            current = png_description(path)
        except (OSError, ValueError):
            current = None
        if current != json.loads(json.dumps(data, sort_keys=True)):
            found.append(path)
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--check', action='store_true',
                        help='write nothing; exit 1 if a page or a plot is stale')
    args = parser.parse_args(argv)
    if args.check:
        found = stale()
        for path in found:
            print(f'stale: {path.relative_to(ROOT)} (run python tools/plot_quirks.py)')
        return 1 if found else 0
    plt.rcParams.update({'font.size': 9})
    pages, plots = build()
    PAGES.mkdir(parents=True, exist_ok=True)
    for path, text in pages.items():
        path.write_text(text, encoding='utf-8')
        print(f'wrote {path.relative_to(ROOT)}')
    for path, data in plots.items():
        _plot(data, QUIRKS[data['clause']], path)
        print(f'wrote {path.relative_to(ROOT)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
