"""The quirk pages of the documentation (docs/quirks/, docs/img/quirk-*.png) are current.

tools/plot_quirks.py writes them from docs/spec.md (the clauses whose docstring upstream
contradicts) and from runs of the reference with and without each clause's intent. Each plot
carries the data it shows in its PNG, so the check compares data, not image bytes (which depend
on the matplotlib release).
"""

from __future__ import annotations

from tools import plot_quirks


def test_every_contradicted_clause_has_a_quirk_page():
    """Lists a page for exactly the clauses whose Docstring line says contra."""
    ids = plot_quirks.contradicted()
    assert ids, 'docs/spec.md has no clause whose docstring upstream contradicts'
    assert sorted(plot_quirks.QUIRKS) == sorted(ids)


def test_committed_quirk_pages_and_plots_are_current():
    """Finds every committed page and plot equal to what tools/plot_quirks.py makes now."""
    stale = plot_quirks.stale()
    assert not stale, (f'stale: {", ".join(str(p) for p in stale)}; '
                       'run python tools/plot_quirks.py and commit the result')


def test_a_changed_plot_is_detected(tmp_path, monkeypatch):
    """Reports a plot whose embedded data differs from the reference's run."""
    clause_id = plot_quirks.contradicted()[0]
    data = plot_quirks.example_data(clause_id)
    path = plot_quirks.IMG / f'quirk-{clause_id.lower()}.png'
    altered = dict(data, intent=[[value * 2 for value in row] for row in data['intent']])
    copy = tmp_path / path.name
    plot_quirks._plot(altered, plot_quirks.QUIRKS[data['clause']], copy)
    assert plot_quirks.png_description(copy) == altered
    monkeypatch.setattr(plot_quirks, 'build', lambda: ({}, {copy: data}))
    assert plot_quirks.stale() == [copy]
