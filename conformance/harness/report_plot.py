"""The plot of a failing trace: expected against actual lr over the calls, per param group.

Drawn with matplotlib's Agg backend (no display needed); imported only when a report has a
failing trace to draw.
"""

from __future__ import annotations

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt


def _column(rows, group):
    return [row[group] if group < len(row) else None for row in rows]


def _points(values):
    calls = [call for call, value in enumerate(values) if value is not None]
    return calls, [values[call] for call in calls]


def draw(record: dict, title: str, path) -> None:
    """Write the PNG of ``record`` (report.Record.to_json data) to ``path``."""
    expected, got = record['expected_lrs'], record['got_lrs']
    groups = max([len(row) for row in expected + got] or [1])
    figure, axes = plt.subplots(groups, 1, figsize=(8, 2.6 * groups + 0.6), squeeze=False,
                                sharex=True)
    divergent_call = record.get('call')
    for group in range(groups):
        ax = axes[group][0]
        calls, values = _points(_column(expected, group))
        ax.step(calls, values, where='post', color='tab:blue', linewidth=2.2, alpha=0.6,
                label='expected')
        ax.plot(calls, values, 'o', color='tab:blue', markersize=3, alpha=0.6)
        calls, values = _points(_column(got, group))
        ax.step(calls, values, where='post', color='tab:red', linewidth=1.2, linestyle='--',
                label='got')
        ax.plot(calls, values, 'x', color='tab:red', markersize=4)
        if divergent_call is not None:
            ax.axvline(divergent_call, color='black', linestyle=':', linewidth=1)
            if record.get('group') in (None, group):
                ax.annotate(f'first divergence: call {divergent_call}\n'
                            f'({record.get("aspect") or "?"})',
                            xy=(divergent_call, 1), xycoords=('data', 'axes fraction'),
                            xytext=(4, -4), textcoords='offset points', va='top', fontsize=8)
        ax.set_ylabel(f'lr, group {group}')
        ax.grid(alpha=0.3)
        ax.legend(loc='upper right', fontsize=8)
    axes[-1][0].set_xlabel('scheduler call (0 = after the constructor)')
    figure.suptitle(title, fontsize=8, wrap=True)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)
