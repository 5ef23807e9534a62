"""The implementation under test and the reference, driven side by side in lock-step by hypothesis.

A rule-based state machine builds the same schedulers in two "processes", one per
implementation, then applies random calls (with random monitored values) and resumes to both,
comparing lrs and state after every call. Both sides advance through ``driver.Run``, the
driver's own call-by-call run, so this machine drives exactly what the goldens drive.
mmengine's MessageHub registry is global, so each side keeps its own registry and swaps it in
around everything it does: neither side ever sees the other's hubs.

On the reference itself the comparison could not fail, so it is not applicable there.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)
from mmengine.logging import MessageHub

from conformance.harness import compare, driver
from conformance.harness import strategies as strat
from conformance.harness.scenario import Resume

#: torch_save ends every ReduceLR run (RLR-TORCH-LOAD), so it is drawn less often than the others.
TRANSPORTS = ('memory', 'deepcopy', 'torch_save_unsafe') * 2 + ('torch_save',)

MACHINE_SETTINGS = settings(
    stateful_step_count=30,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class _Side:
    """One implementation's process: its MessageHub registry and its driver run."""

    def __init__(self, adapter, scenario):
        self.registry = OrderedDict()
        self.run = driver.Run(scenario, adapter)

    @contextlib.contextmanager
    def current(self):
        """Swap this side's MessageHub registry in for the duration of one action."""
        other = OrderedDict(MessageHub._instance_dict)
        MessageHub._instance_dict.clear()
        MessageHub._instance_dict.update(self.registry)
        try:
            yield
        finally:
            self.registry = OrderedDict(MessageHub._instance_dict)
            MessageHub._instance_dict.clear()
            MessageHub._instance_dict.update(other)


class SideBySide(RuleBasedStateMachine):
    """The reference and the candidate, stepped in lock-step on one growing scenario."""

    def __init__(self, reference, candidate):
        super().__init__()
        # An adapter keeps the state of its current process (e.g. the runner's hub), so the two
        # sides need two adapter objects even when they adapt the same implementation.
        assert reference is not candidate, 'side-by-side runs need two adapter objects'
        self.adapters = (reference, candidate)
        self.sides = ()
        self.scenario = None
        self.metrics = []
        self.resumes = []

    # -- the scenario so far -------------------------------------------------------------------

    @property
    def call(self):
        return len(self.metrics)

    def running(self):
        """A scenario is open and neither side has raised yet."""
        return self.scenario is not None and not any(side.run.failed for side in self.sides)

    def so_far(self):
        """The Scenario equivalent to everything done so far (for failure messages)."""
        return self.scenario.replace(
            id='side-by-side', steps=self.call, metrics=tuple(self.metrics),
            resumes=tuple(r for r in self.resumes if r.after < self.call),
            subject='LOOP-COMPOSITION',
            description='drawn by conformance/test_stateful.py; '
                        'the first divergence from the reference is shown above',
        )

    def each(self, action):
        for side in self.sides:
            with side.current():
                action(side.run)
        reference, candidate = (side.run.trace for side in self.sides)
        divergence = compare.first_divergence(reference, candidate)
        if divergence is not None:
            compare.fail(self.so_far(), reference, candidate, divergence)

    # -- rules ---------------------------------------------------------------------------------

    @initialize(data=st.data())
    def construct(self, data):
        provides = self.adapters[0].provides & self.adapters[1].provides
        self.scenario = strat.machine_scenario(strat.labelled(data), provides=provides)
        self.sides = tuple(_Side(adapter, self.scenario) for adapter in self.adapters)
        for side in self.sides:
            with side.current():
                side.run.__enter__()
        self.each(lambda run: run.start())

    def _entry(self, data, label):
        draw = strat.labelled(data)
        if 'ReduceLR' in self.scenario.scheduler_types:
            return draw(strat.metric_entries(), label)
        # Values published without a ReduceLR still create the 'reduce_lr' hub (LLI-CURRENT-HUB).
        return draw(strat.sparse_values(), label)

    def _advance(self, entry):
        self.metrics.append(entry)
        call = self.call
        published = () if entry is None else entry if isinstance(entry, tuple) else (entry,)
        self.each(lambda run: run.call(call, published))

    @precondition(running)
    @rule(data=st.data())
    def step(self, data):
        self._advance(self._entry(data, f'published before call {self.call + 1}'))

    @precondition(running)
    @rule(data=st.data(), count=st.integers(2, 8))
    def steps_on_a_plateau(self, data, count):
        entry = self._entry(data, f'published before each of calls {self.call + 1}-'
                                  f'{self.call + count}')
        for _ in range(count):
            if self.running():
                self._advance(entry)

    @precondition(lambda self: self.running() and self.call > 0
                  and not any(r.after == self.call for r in self.resumes))
    @rule(spec=strat.resume_specs(transports=TRANSPORTS).strategy())
    def resume(self, spec):
        transport, new_process, drop_keys = spec
        resume = Resume(self.call, transport, new_process, drop_keys)
        self.resumes.append(resume)
        self.each(lambda run: run.resume(resume, resume.after))

    @precondition(lambda self: not self.running())
    @rule()
    def finished(self):
        """A run that raised (on both sides alike) has nothing left to compare."""

    def teardown(self):
        for side in self.sides:
            with side.current():
                side.run.__exit__(None, None, None)


@pytest.mark.subject('LOOP-COMPOSITION')
class TestSideBySide:
    def test_candidate_matches_reference_call_by_call(self, adapter, reference_adapter):
        """Gives the reference's lrs and state after every call and resume, and its errors."""
        if not adapter.provides & reference_adapter.provides:
            pytest.skip('not applicable: no scheduler in common with the reference')
        run_state_machine_as_test(lambda: SideBySide(reference_adapter, adapter),
                                  settings=MACHINE_SETTINGS)
