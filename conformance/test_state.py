"""State dicts, checkpoints and resume of both schedulers (docs/spec.md, 'State, checkpoint and
resume': WIN-STATE-DICT, LLI-STATE-KEYS, RLR-STATE-KEYS, RLR-TORCH-LOAD, RLR-RESUME-STALE-HUB,
WIN-STATE-INTEROP).

Resumes go through the driver's ``Resume`` (mmengine's Runner.resume order). The interop tests
pair the implementation under test with upstream mmagic and therefore need it installed.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from mmengine.logging import MessageHub
from mmengine.runner.checkpoint import _load_checkpoint

from conformance.harness import compare, driver, observed, oracle, repro
from conformance.harness.adapters import (
    REDUCE_LR_HUB,
    RUNNER_HUB,
    VALUE_KEY,
    MessageHubAdapter,
    classes_of,
)
from conformance.harness.by_hand import open_hubs
from conformance.harness.compare import assert_same_trace
from conformance.harness.scenario import Resume, single

TRANSPORTS = ('memory', 'deepcopy', 'torch_save', 'torch_save_unsafe')
COPYING_TRANSPORTS = ('deepcopy', 'torch_save_unsafe')

LLI_KEYS = oracle.LLI_STATE_KEYS
RLR_KEYS = oracle.RLR_STATE_KEYS
KEYS = {'LinearLrInterval': LLI_KEYS, 'ReduceLR': RLR_KEYS}
#: One scheduler of each kind, with arguments that make its trace move (used across this module).
LLI_KWARGS = dict(start_factor=0.5, end_factor=0.0, end=8, by_epoch=False, interval=2)
RLR_KWARGS = dict(patience=1, factor=0.5, cooldown=1)
RLR_METRICS = (5.0, 4.0, 4.0, 4.0, 4.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0)

SCHEDULERS = [
    pytest.param('LinearLrInterval', LLI_KWARGS, id='LinearLrInterval',
                 marks=pytest.mark.scheduler('LinearLrInterval')),
    pytest.param('ReduceLR', RLR_KWARGS, id='ReduceLR', marks=pytest.mark.scheduler('ReduceLR')),
]


def make_optimizer(*lrs):
    return repro.optimizer(*(lrs or (1.0,)))


def build(adapter, name, *lrs, **kwargs):
    return classes_of(adapter)[name](make_optimizer(*lrs), **kwargs)


def step(scheduler, value=None, iteration=None):
    """One iteration: progress, optimizer step, the monitored value, scheduler step."""
    if iteration is not None:
        MessageHub.get_instance(RUNNER_HUB).update_info('iter', iteration)
    scheduler.optimizer.step()
    if value is not None:
        MessageHub.get_instance(REDUCE_LR_HUB).update_scalar(VALUE_KEY, value)
    scheduler.step()


def scenario_for(name, resumes=(), steps=None, metrics=None, **fields):
    """A scenario of ``name`` whose trace moves, optionally with resumes."""
    if name == 'ReduceLR':
        steps = steps or len(RLR_METRICS)
        return single(name, lrs=(1.0, 0.3), steps=steps, kwargs=fields.pop('kwargs', RLR_KWARGS),
                      metrics=metrics or RLR_METRICS[:steps], resumes=resumes, **fields)
    return single(name, lrs=(0.1, 0.3), steps=steps or 9, kwargs=fields.pop('kwargs', LLI_KWARGS),
                  resumes=resumes, **fields)


def outcome(scenario):
    """The oracle's outcome of a one-scheduler scenario of this module, resumes included."""
    spec = scenario.schedulers[0]
    lrs = oracle.initial_row(scenario.optimizers)
    if spec.type == 'ReduceLR':
        return oracle.rlr_outcome(lrs, scenario.metrics, spec.kwargs,
                                  scenario.metric_before_build, scenario.resumes)
    # LLI-STATE-KEYS: a resume restores all the staircase reads, so it changes nothing.
    return oracle.lli_outcome(lrs, spec.kwargs, scenario.steps)


def run_as_expected(adapter, scenario):
    """Run ``scenario`` and require the oracle's rows and failure first; return the trace.

    What a comparison of two runs stands on: both failing the same way proves nothing.
    """
    __tracebackhide__ = True
    trace = driver.run(scenario, adapter)
    compare.assert_rows(outcome(scenario).trace(), trace, scenario)
    return trace


def save_and_load(payload, weights_only=None):
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    buffer.seek(0)
    if weights_only is None:
        return torch.load(buffer)
    return torch.load(buffer, weights_only=weights_only)


def torch_load_defaults_to_weights_only():
    """torch switched torch.load's default to weights_only=True in 2.6."""
    major, minor = (int(part) for part in torch.__version__.split('.')[:2])
    return (major, minor) >= (2, 6) and not os.environ.get('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD')


# -- WIN-STATE-DICT -----------------------------------------------------------------------------


@pytest.mark.subject('WIN-STATE-DICT')
@pytest.mark.parametrize(('name', 'kwargs'), SCHEDULERS)
class TestStateDict:
    def test_state_dict_is_every_attribute_but_the_optimizer(self, adapter, name, kwargs):
        """Returns each instance attribute except optimizer, the values themselves."""
        s = build(adapter, name, 0.1, 0.2, **kwargs)
        s.added_later = ['anything']
        state = s.state_dict()
        assert set(state) == KEYS[name] | {'added_later'}
        assert 'optimizer' not in state
        for key, value in state.items():
            assert value is getattr(s, key), key
        assert state['added_later'] is s.added_later

    def test_state_dict_is_a_new_dict_each_time(self, adapter, name, kwargs):
        """Returns a fresh dict, so changing it does not change the scheduler."""
        s = build(adapter, name, 0.1, **kwargs)
        state = s.state_dict()
        state['begin'] = 99
        assert s.begin == kwargs.get('begin', 0)
        assert s.state_dict() is not state

    def test_load_state_dict_updates_attributes_without_checks(self, adapter, name, kwargs):
        """Assigns every key as an attribute, keeps absent ones, and takes values by reference."""
        s = build(adapter, name, 0.1, **kwargs)
        before = s.state_dict()
        values = [0.5]
        s.load_state_dict({'end': 3, 'not_an_attribute': 1, '_last_value': values})
        assert (s.end, s.not_an_attribute) == (3, 1)
        assert s.get_last_value() is values
        after = s.state_dict()
        for key in set(before) - {'end', '_last_value'}:
            assert after[key] is before[key], key

    def test_load_state_dict_shares_objects_between_schedulers(self, adapter, name, kwargs):
        """Makes a scheduler loaded from another's state dict share its list objects."""
        source = build(adapter, name, 0.1, **kwargs)
        target = build(adapter, name, 0.7, **kwargs)
        target.load_state_dict(source.state_dict())
        assert target.base_values is source.base_values
        assert target.get_last_value() is source.get_last_value()
        assert target.optimizer is not source.optimizer


# -- key sets -----------------------------------------------------------------------------------


@pytest.mark.subject('LLI-STATE-KEYS')
@pytest.mark.scheduler('LinearLrInterval')
class TestLinearLrIntervalStateKeys:
    @pytest.mark.parametrize('kwargs', [{}, LLI_KWARGS, dict(begin=2, end=5, interval=3)])
    def test_state_dict_has_exactly_the_keys(self, adapter, kwargs):
        """Has exactly LinearLR's attributes plus interval."""
        assert set(build(adapter, 'LinearLrInterval', 0.1, **kwargs).state_dict()) == LLI_KEYS

    def test_default_torch_load_round_trips(self, adapter):
        """Survives torch.save and a default torch.load as an equal dict."""
        open_hubs()
        s = build(adapter, 'LinearLrInterval', 0.1, 0.2, **LLI_KWARGS)
        step(s, iteration=0)
        step(s, iteration=1)
        state = s.state_dict()
        loaded = save_and_load(state)
        assert loaded == state

    @pytest.mark.parametrize('new_process', [False, True])
    @pytest.mark.parametrize('transport', TRANSPORTS)
    @pytest.mark.parametrize('after', [1, 3, 6])
    def test_resume_continues_the_uninterrupted_trace(self, adapter, transport, new_process,
                                                      after):
        """Gives the uninterrupted trace after a resume by any transport and process."""
        plain = scenario_for('LinearLrInterval')
        resumed = scenario_for('LinearLrInterval', (Resume(after, transport, new_process),))
        assert_same_trace(resumed, run_as_expected(adapter, plain), driver.run(resumed, adapter))


@pytest.mark.subject('RLR-STATE-KEYS')
@pytest.mark.scheduler('ReduceLR')
class TestReduceLRStateKeys:
    @pytest.mark.parametrize('kwargs', [{}, RLR_KWARGS, dict(mode='max', begin=2, end=9)])
    def test_state_dict_has_exactly_the_keys(self, adapter, kwargs):
        """Has exactly the base attributes plus ReduceLR's own, message_hub included."""
        assert set(build(adapter, 'ReduceLR', 1.0, **kwargs).state_dict()) == RLR_KEYS

    def test_message_hub_entry_is_the_live_hub(self, adapter):
        """Holds the live 'reduce_lr' MessageHub object itself."""
        s = build(adapter, 'ReduceLR', 1.0)
        hub = s.state_dict()['message_hub']
        assert type(hub) is MessageHub
        assert hub is MessageHub.get_instance(REDUCE_LR_HUB)
        step(s, 2.0)
        assert hub.get_scalar(VALUE_KEY).current() == 2.0

    def test_best_is_a_float_until_the_first_improvement(self, adapter):
        """Stores best as the float mode_worse first and as the read value afterwards."""
        s = build(adapter, 'ReduceLR', 1.0)
        assert type(s.state_dict()['best']) is float
        step(s, 2.0)
        best = s.state_dict()['best']
        assert best == 2.0
        assert type(best) is type(s.message_hub.get_scalar(VALUE_KEY).current())


# -- torch.load ---------------------------------------------------------------------------------


@pytest.mark.subject('RLR-TORCH-LOAD')
@pytest.mark.scheduler('ReduceLR')
class TestTorchLoad:
    def test_default_torch_load_refuses_the_message_hub(self, adapter):
        """Fails a default torch.load with UnpicklingError because of message_hub (torch >= 2.6)."""
        state = build(adapter, 'ReduceLR', 1.0).state_dict()
        if not torch_load_defaults_to_weights_only():
            assert set(save_and_load(state)) == RLR_KEYS
            return
        with pytest.raises(Exception) as info:
            save_and_load(state)
        # torch words the message; the type is specified, and the cause shown by removing it:
        assert driver.exception_type_name(info.value) == '_pickle.UnpicklingError'
        without_hub = {key: value for key, value in state.items() if key != 'message_hub'}
        assert set(save_and_load(without_hub)) == RLR_KEYS - {'message_hub'}

    def test_weights_only_false_loads_a_copy_of_the_hub(self, adapter):
        """Loads with weights_only=False, giving an unpickled copy of the hub and its values."""
        s = build(adapter, 'ReduceLR', 1.0)
        step(s, 2.0)
        loaded = save_and_load(s.state_dict(), weights_only=False)
        assert set(loaded) == RLR_KEYS
        assert type(loaded['message_hub']) is MessageHub
        assert loaded['message_hub'] is not s.message_hub
        assert loaded['message_hub'].get_scalar(VALUE_KEY).current() == 2.0

    def test_resume_through_default_torch_load_fails(self, adapter):
        """Stops a resume through a default torch.load at the checkpoint, before any new row."""
        after = 4
        scenario = scenario_for('ReduceLR', (Resume(after, 'torch_save'),))
        trace = driver.run(scenario, adapter)
        if not torch_load_defaults_to_weights_only():
            assert trace.error is None
            return
        assert trace.error is not None
        assert (trace.error.type, trace.error.step, trace.error.phase) == (
            '_pickle.UnpicklingError', after, 'resume'
        )
        assert len(trace.lrs) == after + 1

    def test_mmengine_checkpoint_loader_refuses_too(self, adapter, tmp_path):
        """Fails mmengine's checkpoint loader on a checkpoint holding a ReduceLR state."""
        path = tmp_path / 'epoch_1.pth'
        torch.save({'param_schedulers': [build(adapter, 'ReduceLR', 1.0).state_dict()]}, path)
        if not torch_load_defaults_to_weights_only():
            assert _load_checkpoint(str(path))['param_schedulers'][0]['mode'] == 'min'
            return
        with pytest.raises(Exception) as info:
            _load_checkpoint(str(path))
        assert driver.exception_type_name(info.value) == '_pickle.UnpicklingError'


# -- the stale hub after a resume ---------------------------------------------------------------


@pytest.mark.subject('RLR-RESUME-STALE-HUB')
@pytest.mark.scheduler('ReduceLR')
class TestResumeStaleHub:
    @pytest.mark.parametrize('after', [1, 4, 8])
    def test_same_process_resume_by_reference_is_exact(self, adapter, after):
        """Gives the uninterrupted trace when the state dict keeps the live hub."""
        plain = scenario_for('ReduceLR')
        resumed = scenario_for('ReduceLR', (Resume(after, 'memory'),))
        assert_same_trace(resumed, run_as_expected(adapter, plain), driver.run(resumed, adapter))

    @pytest.mark.parametrize(
        ('transport', 'new_process'),
        [('memory', True), ('deepcopy', False), ('deepcopy', True),
         ('torch_save_unsafe', False), ('torch_save_unsafe', True)],
    )
    @pytest.mark.parametrize('after', [1, 2, 4])  # the published value changes after each
    def test_copied_or_new_process_resume_rereads_the_frozen_value(self, adapter, transport,
                                                                   new_process, after):
        """Gives the trace of a run whose value stays at the one published before the save."""
        resumed = scenario_for('ReduceLR', (Resume(after, transport, new_process),))
        frozen = scenario_for('ReduceLR', metrics=oracle.stale_metrics(RLR_METRICS, after))
        plain = scenario_for('ReduceLR')
        got = driver.run(resumed, adapter)
        assert_same_trace(resumed, run_as_expected(adapter, frozen), got)
        assert got.lrs != run_as_expected(adapter, plain).lrs  # the values change after a save

    @pytest.mark.parametrize('new_process', [False, True])
    @pytest.mark.parametrize('transport', ['memory', *COPYING_TRANSPORTS])
    def test_dropping_message_hub_reproduces_the_uninterrupted_trace(self, adapter, transport,
                                                                     new_process):
        """Gives the uninterrupted trace when 'message_hub' is removed before loading."""
        resume = Resume(4, transport, new_process, drop_keys=('message_hub',))
        resumed = scenario_for('ReduceLR', (resume,))
        plain = scenario_for('ReduceLR')
        assert_same_trace(resumed, run_as_expected(adapter, plain), driver.run(resumed, adapter))

    def test_load_state_dict_rebinds_message_hub(self, adapter):
        """Points message_hub at the loaded object instead of the registry's instance."""
        source = build(adapter, 'ReduceLR', 1.0)
        step(source, 2.0)
        copied = copy.deepcopy(source.state_dict())
        target = build(adapter, 'ReduceLR', 1.0)
        target.load_state_dict(copied)
        assert target.message_hub is copied['message_hub']
        assert target.message_hub is not MessageHub.get_instance(REDUCE_LR_HUB)
        step(target, 0.5)  # published to the live hub, not seen
        assert target.best == 2.0
        assert target.num_bad_epochs == 1

    @given(data=st.data())
    def test_resume_equals_frozen_run_and_drop_equals_plain(self, adapter, data):
        """Follows the frozen-value run after a copied resume and the plain run without the hub."""
        steps = data.draw(st.integers(3, 10), label='steps')
        after = data.draw(st.integers(1, steps - 1), label='after')
        metrics = tuple(data.draw(
            st.lists(st.one_of(st.none(), st.sampled_from((0.5, 1.0, 2.0, 3.0))),
                     min_size=steps - 1, max_size=steps - 1), label='metrics after the first'))
        metrics = (data.draw(st.sampled_from((1.0, 4.0)), label='first metric'), *metrics)
        if metrics[after] is None:  # a new process's hub is empty until the next publish
            metrics = (*metrics[:after], metrics[after - 1] or 2.0, *metrics[after + 1:])
        kwargs = dict(
            patience=data.draw(st.integers(0, 2), label='patience'),
            cooldown=data.draw(st.integers(0, 2), label='cooldown'),
            factor=0.5,
            mode=data.draw(st.sampled_from(('min', 'max')), label='mode'),
        )
        transport = data.draw(st.sampled_from(COPYING_TRANSPORTS), label='transport')
        new_process = data.draw(st.booleans(), label='new_process')

        def scenario(metrics, resumes=()):
            return single('ReduceLR', lrs=(1.0,), steps=steps, kwargs=kwargs, metrics=metrics,
                          resumes=resumes)

        stale = scenario(metrics, (Resume(after, transport, new_process),))
        frozen = run_as_expected(adapter, scenario(oracle.stale_metrics(metrics, after)))
        assert_same_trace(stale, frozen, driver.run(stale, adapter))
        dropped = scenario(metrics, (Resume(after, transport, new_process, ('message_hub',)),))
        assert_same_trace(dropped, run_as_expected(adapter, scenario(metrics)),
                          driver.run(dropped, adapter))


# -- interop with upstream ----------------------------------------------------------------------


class _CheckpointSwitch(MessageHubAdapter):
    """Runs a scenario on ``before``'s classes up to the checkpoint and on ``after``'s from then on.

    The driver takes every state dict before it builds the resumed schedulers, so the switch
    happens in ``state_dict``; both sides speak upstream's MessageHub protocol.
    """

    def __init__(self, before, after):
        super().__init__(before.classes, f'{before.name} -> {after.name}', '')
        self._before, self._after = before.classes, after.classes

    @contextlib.contextmanager
    def process(self, scenario):
        self.classes = dict(self._before)
        with super().process(scenario):
            yield self

    def state_dict(self, scheduler):
        self.classes = dict(self._after)
        return scheduler.state_dict()


@pytest.fixture
def interop_pair(adapter, upstream_adapter):
    if not isinstance(adapter, MessageHubAdapter):
        pytest.skip(f'not applicable: {adapter.name} does not use the MessageHub protocol, so its '
                    'schedulers cannot share a run with upstream')
    return upstream_adapter, adapter


@pytest.mark.subject('WIN-STATE-INTEROP')
@pytest.mark.parametrize(('name', 'kwargs'), SCHEDULERS)
class TestUpstreamInterop:
    """Checkpoints cross implementations; not applicable without upstream mmagic installed
    (the conftest's ``upstream_adapter``, the one policy for a missing upstream)."""

    def test_key_sets_equal_upstream(self, interop_pair, name, kwargs):
        """Has exactly upstream's state dict keys for the same arguments."""
        upstream, candidate = interop_pair
        assert set(build(candidate, name, 0.1, **kwargs).state_dict()) == set(
            build(upstream, name, 0.1, **kwargs).state_dict()
        )

    @pytest.mark.parametrize('new_process', [False, True])
    @pytest.mark.parametrize('transport', TRANSPORTS)
    def test_checkpoints_cross_both_ways(self, interop_pair, name, kwargs, transport,
                                         new_process):
        """Continues upstream's checkpoint, and upstream continues its, exactly as upstream does."""
        upstream, candidate = interop_pair
        scenario = scenario_for(name, (Resume(3, transport, new_process),))
        expected = driver.run(scenario, upstream)
        for pair in ((upstream, candidate), (candidate, upstream)):
            got = driver.run(scenario, _CheckpointSwitch(*pair))
            told = scenario.replace(subject='WIN-STATE-INTEROP',
                                    description=f'{pair[0].name} saves, {pair[1].name} resumes '
                                                '(replay it with the two implementations)')
            assert_same_trace(told, expected, got)

    def test_loaded_upstream_state_equals_upstream_state(self, interop_pair, name, kwargs):
        """Reports, after loading upstream's state dict and stepping, the state upstream reports."""
        upstream, candidate = interop_pair
        schedulers = []
        open_hubs()
        value = None if name == 'LinearLrInterval' else 1.0
        for side in (upstream, candidate):
            source = build(upstream, name, 0.1, **kwargs)
            for iteration in range(3):
                step(source, value and value + iteration, iteration)
            target = build(side, name, 0.05, **kwargs)
            target.load_state_dict(source.state_dict())
            step(target, value, 3)
            schedulers.append(target)
        want, got = (s.state_dict() for s in schedulers)
        assert set(want) == set(got)
        for key in set(want) - {'message_hub'}:
            assert _same_value(want[key], got[key]), key


def _same_value(a, b):
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return type(a) is type(b) and observed.same(a, b)
    return type(a) is type(b) and a == b
