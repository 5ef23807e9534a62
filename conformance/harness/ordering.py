"""Cheap checks first: the goldens, then the clause-by-clause files, then the heavy ones.

A faulty implementation should be reported within seconds. The golden replays are the cheapest
checks that exercise every clause with an lr trace (about 600 cases in a few seconds), so they
come first. A fault the goldens miss is most often caught by its clause's own tests, which cost a
few milliseconds each; the property, side-by-side and real-Runner files cost up to a few hundred
milliseconds per test (hypothesis draws, mmengine Runners), about half of the run, so they come
last. Measured on 2 cores under load: a mutant caught only by a clause test that the shuffle put
after the heavy files waited 25 to 47 s for its first failure.

So after every other reordering (pytest-randomly's shuffle included: this wrapper is registered
after it, so it runs outside it) the items are grouped into these three tiers, each keeping its
shuffled order; under xdist each worker keeps the tiers. A run with ``-x`` on a mutant stops at
its first failure in the cheapest tier that sees it. Order independence is still checked: within
each tier, across its modules, and by the seeds that reorder them.
"""

from __future__ import annotations

import pytest

FIRST = 'test_golden.py'
#: The files whose tests cost the most per test: hypothesis draws, side-by-side runs, Runners.
LAST = frozenset({
    'test_properties.py', 'test_differential.py', 'test_stateful.py', 'test_runner.py',
    'test_loop.py',
})


def tier(item) -> int:
    """0 for a golden check, 2 for a check of a heavy file, 1 for every other check."""
    name = item.path.name
    if name == FIRST:
        return 0
    return 2 if name in LAST else 1


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_collection_modifyitems(config, items):
    result = yield
    items[:] = sorted(items, key=tier)  # sorted() is stable: each tier keeps its order
    return result
