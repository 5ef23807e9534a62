"""The differential command's machinery: seeded draws, the first divergence, the exit status."""

from __future__ import annotations

from conformance import differential
from conformance.harness import impl, observed
from conformance.harness.adapters import MessageHubAdapter
from reference import LinearLrInterval
from reference.reduce_lr import ReduceLR as ReferenceReduceLR


class _TorchOrderReduceLR(ReferenceReduceLR):
    """torch's order (floor at min_lr first, then the eps test): one rule off upstream."""

    def _reduced_values(self):
        values_ = []
        for group in self.optimizer.param_groups:
            lr = group['lr']
            new = max(lr * self.factor, self.min_lr)
            values_.append(new if lr - new > self.eps else lr)
        return values_


class TestDifferentialCommand:
    def test_reports_the_first_divergence_with_its_scenario(self):
        """Stops at the first scenario where a one-rule mutant differs and prints it."""
        mutant = MessageHubAdapter({'LinearLrInterval': LinearLrInterval,
                                    'ReduceLR': _TorchOrderReduceLR}, 'mutant', 'test')
        outcome = differential.run(2000, 0, impl.resolve('reference'), mutant)
        assert outcome.divergence is not None
        assert outcome.compared < 2000
        text = differential.report(outcome, 'reference', 'mutant')
        assert 'FIRST DIVERGENCE' in text
        assert outcome.scenario.id in text
        assert 'Scenario.from_json(' in text

    def test_a_seed_draws_the_same_scenarios(self):
        """Draws identical scenarios for the same seed and different ones for another."""
        def drawn(seed):
            return [observed.dumps(s.to_json()) for s in differential.scenarios(50, seed)]

        assert drawn(3) == drawn(3)
        assert drawn(3) != drawn(4)
        assert len(drawn(3)) == 50

    def test_command_prints_the_count_compared(self, capsys):
        """Prints the number compared and 'no divergence' and exits 0 for equal implementations."""
        code = differential.main(['--count', '40', '--seed', '2', '--expected', 'reference',
                                  '--got', 'reference'])
        out = capsys.readouterr().out
        assert code == 0
        assert 'compared 40 scenarios' in out
        assert 'no divergence' in out
