"""The run's order: goldens, then clause files, then heavy files, each tier shuffled (ordering.py).

The tiers are what make a faulty implementation fail within seconds under ``-x``; the shuffle
inside each tier is what keeps order independence checked. Both are read from a real collection.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.harness import ordering

ROOT = Path(__file__).resolve().parents[1]


def _collected(seed):
    """The test ids of the whole suite on the reference, in run order, under one seed."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in ('LR_CONFORMANCE_WORKERS', 'LR_CONFORMANCE_IMPL')}
    result = subprocess.run(
        [sys.executable, '-m', 'pytest', 'conformance', '--impl=reference', '--collect-only',
         '-q', f'--randomly-seed={seed}'],
        cwd=ROOT, capture_output=True, text=True, timeout=600, env=environment)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return [line for line in result.stdout.splitlines() if line.startswith('conformance/')]


class _Item:
    def __init__(self, name):
        self.path = Path('conformance') / name


@pytest.mark.parametrize(('name', 'tier'), [
    ('test_golden.py', 0), ('test_window.py', 1), ('test_spec_examples.py', 1),
    ('test_properties.py', 2), ('test_runner.py', 2), ('test_loop.py', 2),
    ('test_differential.py', 2), ('test_stateful.py', 2),
])
def test_tier_of_a_file(name, tier):
    """Puts the goldens first and the hypothesis, side-by-side and Runner files last."""
    assert ordering.tier(_Item(name)) == tier


def test_tiers_are_in_order_and_each_tier_is_shuffled():
    """Keeps the tiers in order under two seeds, while each tier's order differs between them."""
    runs = [_collected(seed) for seed in (1, 2)]
    for ids in runs:
        tiers = [ordering.tier(_Item(Path(test_id.split('::')[0]).name)) for test_id in ids]
        assert tiers == sorted(tiers) and set(tiers) == {0, 1, 2}
    assert sorted(runs[0]) == sorted(runs[1])
    for tier in (0, 1, 2):
        orders = [[test_id for test_id in ids
                   if ordering.tier(_Item(Path(test_id.split('::')[0]).name)) == tier]
                  for ids in runs]
        assert orders[0] != orders[1], f'tier {tier} is in the same order under both seeds'
