"""A short differential run: the implementation under test meets the reference on random runs.

``python -m conformance.differential`` compares the reference with upstream on 10,000 random
runs; here the candidate meets the reference on a few hundred drawn the same way
(harness/strategies.py). On the reference itself the comparison could not fail, so it is not
applicable there. The command's own machinery is tested in tests/test_differential_command.py.
"""

from __future__ import annotations

import pytest

from conformance import differential


@pytest.mark.subject('LOOP-COMPOSITION')
class TestDifferential:
    def test_implementation_matches_reference_on_random_runs(self, adapter, reference_adapter):
        """Agrees with the reference exactly on 300 random runs."""
        outcome = differential.run(300, 1, reference_adapter, adapter)
        assert outcome.divergence is None, differential.report(
            outcome, reference_adapter.name, adapter.name)
        assert outcome.compared == 300
