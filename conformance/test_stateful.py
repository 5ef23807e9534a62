"""The implementation under test and the reference, driven side by side in lock-step by hypothesis.

A rule-based state machine builds the same schedulers in two "processes", one per
implementation, then applies random calls (with random monitored values) and resumes to both,
comparing every param group's lr after every call. mmengine's MessageHub registry is global, so
each side keeps its own registry and swaps it in around everything it does: neither side ever sees
the other's hubs. At the end the same run is replayed through ``driver.run`` on each side, which
keeps this machine and the driver's model of the training loop in agreement.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test
from mmengine.logging import MessageHub

from conformance.harness import compare, driver, goldens
from conformance.harness import strategies as strat
from conformance.harness.scenario import Resume

#: The clauses a divergence may come from; a failure's scenario lists those of its schedulers.
CLAUSES = {
    'WIN': ('WIN-ACTIVE', 'WIN-CONSTRUCTOR-STEP', 'WIN-WRITE', 'WIN-STATE-DICT',
            'WIN-END-AFTER-BEGIN', 'WIN-LAST-STEP', 'WIN-RESUME-INITIAL-VALUE',
            'WIN-WRAPPER-BASE-GROUP'),
    'LinearLrInterval': ('LLI-FIRST-STEP-DIP', 'LLI-STAIRCASE', 'LLI-ABSOLUTE-VALUE',
                         'LLI-CURRENT-HUB', 'LLI-FACTOR-RANGE', 'LLI-INTERVAL-UNVALIDATED',
                         'LLI-RESUME-LAST-STEP', 'LLI-ITER-FROM-EPOCH'),
    'ReduceLR': ('RLR-VALIDATION', 'RLR-COUNT', 'RLR-PATIENCE', 'RLR-COOLDOWN',
                 'RLR-REDUCE-ORDER', 'RLR-METRIC-CURRENT', 'RLR-METRIC-MISSING',
                 'RLR-SHARED-HUB', 'RLR-RESUME-STALE-HUB', 'RLR-TORCH-LOAD',
                 'RLR-RESUME-LAST-STEP', 'RLR-NO-ITER-FROM-EPOCH'),
}
#: torch_save ends every ReduceLR run (RLR-TORCH-LOAD), so it is drawn less often than the others.
TRANSPORTS = ('memory', 'deepcopy', 'torch_save_unsafe') * 2 + ('torch_save',)

MACHINE_SETTINGS = settings(
    stateful_step_count=30,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class _Side:
    """One implementation's process: adapter, MessageHub registry, optimizers, schedulers, trace."""

    def __init__(self, adapter):
        self.adapter = adapter
        self.registry = OrderedDict()
        self.context = None
        self.world = None
        self.trace = driver.Trace()

    @property
    def failed(self):
        return self.trace.error is not None

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

    def attempt(self, call, phase, action):
        """Run ``action`` in this process; an exception ends the run, as it does in driver.run."""
        if self.failed:
            return
        with self.current():
            try:
                action()
            except Exception as exc:  # the exception is the observed behaviour
                self.trace.error = driver.ErrorRecord(
                    driver.exception_type_name(exc), driver.mask_addresses(str(exc)), call, phase
                )

    def close(self):
        if self.context is not None:
            with self.current():
                self.context.__exit__(None, None, None)
            self.context = None


class SideBySide(RuleBasedStateMachine):
    """The reference and the candidate, stepped in lock-step on one growing scenario."""

    def __init__(self, reference, candidate):
        super().__init__()
        # An adapter keeps the state of its current process (e.g. the runner's hub), so the two
        # sides need two adapter objects even when they adapt the same implementation.
        assert reference is not candidate, 'side-by-side runs need two adapter objects'
        self.sides = (_Side(reference), _Side(candidate))
        self.scenario = None
        self.call = 0
        self.metrics = []
        self.resumes = []
        self.diverged = False

    # -- the scenario so far -------------------------------------------------------------------

    @property
    def finished(self):
        return self.scenario is None or any(side.failed for side in self.sides)

    def so_far(self, include_trailing=True):
        """The Scenario equivalent to everything done so far (for messages and the replay)."""
        steps, metrics = self.call, list(self.metrics)
        resumes = [r for r in self.resumes if r.after < steps]
        trailing = [r for r in self.resumes if r.after == steps]
        if include_trailing and trailing:
            steps, metrics, resumes = steps + 1, [*metrics, None], resumes + trailing
        kinds = [spec.type for spec in self.scenario.schedulers]
        clause_ids = CLAUSES['WIN'] + tuple(c for kind in sorted(set(kinds)) for c in CLAUSES[kind])
        return self.scenario.replace(
            id='side-by-side', steps=steps, metrics=tuple(metrics), resumes=tuple(resumes),
            clauses=clause_ids,
            description='drawn by conformance/test_stateful.py; '
                        'the first divergence from the reference is shown above',
        )

    def check(self):
        reference, candidate = self.sides
        divergence = compare.first_divergence(goldens.expectation(reference.trace),
                                              candidate.trace)
        if divergence is not None:
            self.diverged = True
            raise AssertionError(compare.explain(self.so_far(), divergence))

    # -- rules ---------------------------------------------------------------------------------

    @initialize(data=st.data())
    def construct(self, data):
        provides = self.sides[0].adapter.provides & self.sides[1].adapter.provides
        self.scenario = strat.machine_scenario(strat.labelled(data), provides=provides)
        for side in self.sides:
            side.attempt(0, 'construct', lambda side=side: self._open(side))
        self.check()

    def _open(self, side):
        scenario, adapter = self.scenario, side.adapter
        side.context = adapter.process(scenario)
        side.context.__enter__()
        # What driver.run does before building: a frozen progress, a value published early.
        if scenario.progress == 'frozen':
            adapter.publish_progress(scenario.progress_offset, scenario.progress_offset)
        if scenario.metric_before_build is not None:
            adapter.publish_metric(scenario.metric_before_build)
        side.world = driver.World(scenario, adapter)
        side.trace.lrs.append(side.world.lrs())

    def _entry(self, data, label):
        if 'ReduceLR' in self.scenario.scheduler_types:
            return data.draw(strat.metric_entries(), label=label)
        # Values published without a ReduceLR still create the 'reduce_lr' hub (LLI-CURRENT-HUB).
        return data.draw(st.one_of(st.none(), st.none(), st.none(), strat.metric_values()),
                         label=label)

    def _advance(self, entry):
        self.call += 1
        self.metrics.append(entry)
        call = self.call
        for side in self.sides:
            side.attempt(call, 'step', lambda side=side: self._step(side, call, entry))
        self.check()

    def _step(self, side, call, entry):
        scenario, adapter = self.scenario, side.adapter
        driver.train_before_call(side.world, scenario, adapter, call)
        values = () if entry is None else entry if isinstance(entry, tuple) else (entry,)
        for value in values:
            adapter.publish_metric(value)
        for scheduler in side.world.schedulers:
            adapter.step(scheduler)
        side.trace.lrs.append(side.world.lrs())

    @rule(data=st.data())
    def step(self, data):
        if self.finished:
            return
        self._advance(self._entry(data, f'published before call {self.call + 1}'))

    @rule(data=st.data(), count=st.integers(2, 8))
    def steps_on_a_plateau(self, data, count):
        if self.finished:
            return
        entry = self._entry(data, f'published before each of calls {self.call + 1}-'
                                  f'{self.call + count}')
        for _ in range(count):
            if self.finished:
                return
            self._advance(entry)

    @rule(spec=strat.resume_specs(transports=TRANSPORTS))
    def resume(self, spec):
        if self.finished or self.call == 0:
            return
        transport, new_process, drop_keys = spec
        resume = Resume(self.call, transport, new_process, drop_keys)
        self.resumes.append(resume)
        for side in self.sides:
            side.attempt(self.call, 'resume', lambda side=side: self._resume(side, resume))
        self.check()

    def _resume(self, side, resume):
        side.world = driver.resume_world(side.world, self.scenario, side.adapter, resume)

    def teardown(self):
        for side in self.sides:
            side.close()
        if self.scenario is None or self.diverged:
            return
        # The lock-step run must be exactly what driver.run does with the same scenario.
        scenario = self.so_far(include_trailing=False)
        for side in self.sides:
            recorded = side.trace
            if recorded.error is not None and recorded.error.step == self.call \
                    and recorded.error.phase == 'resume':
                recorded = driver.Trace(lrs=recorded.lrs)
            replay = driver.run(scenario, side.adapter)
            divergence = compare.first_divergence(recorded, replay)
            if divergence is not None:
                raise AssertionError(
                    f'harness: the lock-step run on {side.adapter.name} differs from '
                    f'driver.run: {divergence}\n  scenario: {scenario.to_python()}'
                )


@pytest.mark.clause(*sorted({c for ids in CLAUSES.values() for c in ids}))
class TestSideBySide:
    def test_candidate_matches_reference_call_by_call(self, adapter, reference_adapter):
        """Gives the reference's lrs after every call and resume, and raises where it raises."""
        if not adapter.provides & reference_adapter.provides:
            pytest.skip('not applicable: no scheduler in common with the reference')
        run_state_machine_as_test(lambda: SideBySide(reference_adapter, adapter),
                                  settings=MACHINE_SETTINGS)
