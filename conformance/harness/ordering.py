"""The golden checks run first, in whatever order pytest-randomly gave them.

A faulty implementation should be reported within seconds, and the golden replays are the
cheapest checks that exercise every clause with an lr trace: about 600 cases in a few seconds.
So after every other reordering (pytest-randomly's shuffle included: this wrapper is registered
after it, so it runs outside it) the items of test_golden.py move to the front, both parts keeping
their shuffled order; under xdist both workers start with them. A run with ``-x`` on a mutant
then stops at its first failing golden instead of wherever the shuffle put the few checks of its
clause. Order independence is still checked: within each part, and across the other modules.
"""

from __future__ import annotations

import pytest

FIRST = 'test_golden.py'


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_collection_modifyitems(config, items):
    result = yield
    first = [item for item in items if item.path.name == FIRST]
    if first:
        items[:] = first + [item for item in items if item.path.name != FIRST]
    return result
