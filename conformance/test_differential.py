"""The differential command's machinery, and a short differential run of the implementation.

``python -m conformance.differential`` compares the reference with upstream on 10,000 scenarios;
here the implementation under test meets the reference on a few hundred of the same kind, and a
deliberately wrong ReduceLR shows that the comparison catches a one-rule difference.
"""

from __future__ import annotations

import pytest

from conformance import differential
from conformance.harness import floats
from conformance.harness.adapters import MessageHubAdapter
from reference import LinearLrInterval
from reference.reduce_lr import ReduceLR as ReferenceReduceLR

#: The rules a random scenario exercises (every draw mixes windows, values and resumes).
_CLAUSES = (
    'WIN-ACTIVE', 'WIN-CONSTRUCTOR-STEP', 'WIN-STATE-DICT', 'LLI-STAIRCASE', 'LLI-FIRST-STEP-DIP',
    'LLI-PROGRESS-INCONSISTENT', 'RLR-IS-BETTER', 'RLR-PATIENCE', 'RLR-COOLDOWN',
    'RLR-REDUCE-ORDER', 'RLR-METRIC-STALE', 'RLR-RESUME-STALE-HUB', 'LOOP-HOOK-HUB',
)


class _TorchOrderReduceLR(ReferenceReduceLR):
    """torch's order (floor at min_lr first, then the eps test): one rule off upstream."""

    def _reduced_values(self):
        values = []
        for group in self.optimizer.param_groups:
            lr = group['lr']
            new = max(lr * self.factor, self.min_lr)
            values.append(new if lr - new > self.eps else lr)
        return values


@pytest.mark.clause(*_CLAUSES)
class TestDifferential:
    def test_implementation_matches_reference_on_random_scenarios(self, adapter,
                                                                   reference_adapter):
        """Agrees with the reference bit for bit on 300 random scenarios."""
        outcome = differential.run(300, 1, reference_adapter, adapter)
        assert outcome.divergence is None, differential.report(
            outcome, reference_adapter.name, adapter.name)
        assert outcome.compared == 300

    @pytest.mark.clause('RLR-REDUCE-ORDER', 'RLR-MIN-LR')
    def test_reports_the_first_divergence_with_its_scenario(self, reference_adapter):
        """Stops at the first scenario where a one-rule mutant differs and prints it."""
        mutant = MessageHubAdapter({'LinearLrInterval': LinearLrInterval,
                                    'ReduceLR': _TorchOrderReduceLR}, 'mutant', 'test')
        outcome = differential.run(2000, 0, reference_adapter, mutant)
        assert outcome.divergence is not None
        assert outcome.compared < 2000
        text = differential.report(outcome, 'reference', 'mutant')
        assert 'FIRST DIVERGENCE' in text
        assert outcome.scenario.id in text
        assert 'Scenario.from_json(' in text

    def test_a_seed_draws_the_same_scenarios(self):
        """Draws identical scenarios for the same seed and different ones for another."""
        def drawn(seed):
            return [floats.dumps(s.to_json()) for s in differential.scenarios(50, seed)]

        assert drawn(3) == drawn(3)
        assert drawn(3) != drawn(4)

    def test_command_prints_the_count_compared(self, capsys):
        """Prints the number compared and 'no divergence' and exits 0 for equal implementations."""
        code = differential.main(['--count', '40', '--seed', '2', '--expected', 'reference',
                                  '--got', 'reference'])
        out = capsys.readouterr().out
        assert code == 0
        assert 'compared 40 scenarios' in out
        assert 'no divergence' in out
