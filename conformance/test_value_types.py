"""The types of what the schedulers write and keep (LLI-VALUE-TYPES, RLR-VALUE-TYPES,
RLR-STATE-TYPES, RLR-IS-BETTER-DIRECT).

A trace records every lr and state attribute with its type (observed.observe), and
``observed.same`` compares type and bits. The expected values are computed here by the clauses'
own arithmetic applied to the very objects the scenario passes, so Python, numpy and torch decide
the expected type exactly as they decide upstream's.
"""

from __future__ import annotations

import numpy
import pytest
import torch
from mmengine.logging import MessageHub

from conformance.harness import driver, observed, oracle
from conformance.harness.adapters import REDUCE_LR_HUB, RUNNER_HUB
from conformance.harness.repro import optimizer
from conformance.harness.scenario import single

LLI = 'LinearLrInterval'
RLR = 'ReduceLR'


def _assert_row(want, got, where):
    __tracebackhide__ = True
    assert len(want) == len(got), f'{where}: {len(want)} groups expected, got {got}'
    for group, (a, b) in enumerate(zip(want, got)):
        assert observed.same(observed.observe(a), b), (
            f'{where}, group {group}: expected {observed.show(observed.observe(a))}, '
            f'got {observed.show(b)}')


def _call(scheduler):
    """One call as a training loop makes it: the optimizer steps first (WIN-ORDER-WARNING)."""
    scheduler.optimizer.step()
    scheduler.step()


def _assert_rows(want_rows, trace):
    __tracebackhide__ = True
    assert trace.error is None, f'unexpected {trace.error}'
    assert len(trace.lrs) == len(want_rows), trace.lrs
    for call, (want, got) in enumerate(zip(want_rows, trace.lrs)):
        _assert_row(want, got, f'call {call}')


# -- LinearLrInterval ----------------------------------------------------------------------------


def lli_value(progress, begin, end, interval, sf, ef):
    """The staircase value (oracle.staircase_value), evaluated on the objects given."""
    kw = dict(start_factor=sf, end_factor=ef, begin=begin, end=end, interval=interval)
    return oracle.staircase_value(kw, progress)


_LLI_CASES = {
    'int-lr-int-factors': (1, 1, 0),
    'int-lr-float-factors': (1, 0.5, 0.0),
    'numpy-lr': (numpy.float64(0.1), 0.5, 0.0),
    'numpy-float32-lr': (numpy.float32(0.1), 0.5, 0.0),
    'tensor-lr': (torch.tensor(0.1), 0.5, 0.0),
    'numpy-start-factor': (0.1, numpy.float64(0.5), 0.0),
    'tensor-start-factor': (0.1, torch.tensor(0.5), 0.0),
    'tensor-end-factor': (0.1, 0.5, torch.tensor(0.0)),
    'numpy-int-factors': (0.1, numpy.int64(1), numpy.int64(0)),
}


@pytest.mark.subject('LLI-VALUE-TYPES')
@pytest.mark.touches('LLI-FIRST-STEP-DIP', 'LLI-STAIRCASE', 'LLI-ABSOLUTE-VALUE')
@pytest.mark.scheduler(LLI)
class TestLinearIntervalWrites:
    @pytest.mark.parametrize(('lr', 'sf', 'ef'), list(_LLI_CASES.values()), ids=list(_LLI_CASES))
    @pytest.mark.parametrize('begin', [0, 2])
    def test_dip_and_staircase_keep_the_arithmetics_type(self, adapter, lr, sf, ef, begin):
        """Writes lr * start_factor, then sf + (ef - sf) * k, each of the type it computes to."""
        end = begin + 4
        kw = dict(start_factor=sf, end_factor=ef, begin=begin, end=end, by_epoch=False)
        steps = end + 1
        rows, current = [], lr
        for call in range(steps + 1):
            if call == begin:
                current = lr * sf
            elif begin < call < end:
                current = lli_value(call - 1, begin, end, 1, sf, ef)
            rows.append([current])
        trace = driver.run(single(LLI, kwargs=kw, steps=steps, lrs=(lr,)), adapter)
        _assert_rows(rows, trace)

    @pytest.mark.parametrize('progress', [numpy.int64(1), numpy.float32(1.0), torch.tensor(1),
                                          1.0, True], ids=repr)
    def test_progress_type_carries_into_the_value(self, classes, progress):
        """Writes a value of the type the published progress gives the formula."""
        MessageHub.get_instance(REDUCE_LR_HUB)
        hub = MessageHub.get_instance(RUNNER_HUB)
        opt = optimizer(0.1)
        s = classes[LLI](opt, start_factor=0.5, end_factor=0.0, end=4, by_epoch=False)
        hub.update_info('iter', progress)
        opt.step()
        s.step()
        _assert_row([lli_value(progress, 0, 4, 1, 0.5, 0.0)], [observed.observe(
            opt.param_groups[0]['lr'])], 'after call 1')

    def test_last_value_holds_the_written_objects(self, classes):
        """Returns from get_last_value() the very objects written, and initial_lr in base_values."""
        opt = optimizer(0.1)
        initial = torch.tensor(0.3)
        opt.param_groups[0]['lr'] = initial
        s = classes[LLI](opt, start_factor=0.5, end=4, by_epoch=False)
        written = opt.param_groups[0]['lr']
        assert s.get_last_value()[0] is written
        assert s.base_values[0] is initial


# -- ReduceLR --------------------------------------------------------------------------------------


_RLR_CASES = {
    'int-lr-half': (1, dict(factor=0.5)),
    'int-lr-int-zero': (1, dict(factor=0)),
    'int-tie-with-min-lr': (1, dict(factor=0, min_lr=0.0)),
    'min-lr-wins-int-lr': (1, dict(factor=0.5, min_lr=0.75)),
    'float-lr-int-zero': (0.1, dict(factor=0)),
    'numpy-lr': (numpy.float64(1.0), dict(factor=0.5)),
    'numpy-float32-lr': (numpy.float32(1.0), dict(factor=0.5)),
    'numpy-factor': (1.0, dict(factor=numpy.float64(0.5))),
    'numpy-min-lr-wins': (1.0, dict(factor=0.5, min_lr=numpy.float64(0.75))),
    'tensor-lr': (torch.tensor(1.0), dict(factor=0.5)),
    'tensor-factor': (1.0, dict(factor=torch.tensor(0.5))),
    'min-lr-wins-tensor-lr': (torch.tensor(1.0), dict(factor=0.5, min_lr=0.75)),
    'false-factor': (1.0, dict(factor=False)),
    'eps-holds-int-lr': (1, dict(factor=0.5, eps=2)),
}


@pytest.mark.subject('RLR-VALUE-TYPES')
@pytest.mark.touches('RLR-REDUCE-ORDER', 'RLR-MIN-LR', 'RLR-EPS', 'RLR-PATIENCE')
@pytest.mark.scheduler(RLR)
class TestReduceLRWrites:
    @pytest.mark.parametrize(('lr', 'kw'), list(_RLR_CASES.values()), ids=list(_RLR_CASES))
    def test_reductions_write_the_product_or_min_lr(self, adapter, lr, kw):
        """Keeps the lr object until a reduction, then writes max(lr * factor, min_lr) as is."""
        kwargs = dict(patience=0, **kw)
        factor, min_lr, eps = kw['factor'], kw.get('min_lr', 0.0), kw.get('eps', 1e-8)
        steps = 4
        # Constant value: call 1 improves on best, every later call is bad (patience 0).
        rows, current = [[lr], [lr]], lr
        for _call in range(2, steps + 1):
            current = oracle.reduced(current, factor, min_lr, eps)
            rows.append([current])
        trace = driver.run(single(RLR, kwargs=kwargs, steps=steps, lrs=(lr,),
                                  metrics=(1.0,) * steps), adapter)
        _assert_rows(rows, trace)

    def test_calls_without_reduction_keep_the_lr_object(self, classes):
        """Writes back the very lr object on the first active call and on non-reducing calls."""
        MessageHub.get_instance(REDUCE_LR_HUB).update_scalar('value', 1.0)
        opt = optimizer(0.1)
        lr = torch.tensor(0.1)  # a fresh object: identity cannot come from interning
        opt.param_groups[0]['lr'] = lr
        s = classes[RLR](opt, patience=1)
        for _ in range(2):  # call 0 (first active) and call 1, 2 (no reduction yet)
            assert opt.param_groups[0]['lr'] is lr
            assert s.get_last_value()[0] is lr
            _call(s)
        assert opt.param_groups[0]['lr'] is lr

    def test_group_held_back_by_eps_keeps_its_object(self, classes):
        """Keeps the lr object of a group whose decrement fails the eps test on a reduction."""
        MessageHub.get_instance(REDUCE_LR_HUB).update_scalar('value', 1.0)
        opt = optimizer(1.0, 0.1)
        small = numpy.float64(1e-9)
        opt.param_groups[1]['lr'] = small
        s = classes[RLR](opt, patience=0, factor=0.5)
        _call(s)
        _call(s)
        assert opt.param_groups[0]['lr'] == 0.5  # the other group was reduced
        assert opt.param_groups[1]['lr'] is small

    def test_min_lr_object_itself_is_written(self, classes):
        """Writes the min_lr object when it is strictly larger than lr * factor."""
        MessageHub.get_instance(REDUCE_LR_HUB).update_scalar('value', 1.0)
        floor = numpy.float64(0.75)
        opt = optimizer(1.0)
        s = classes[RLR](opt, patience=0, factor=0.5, min_lr=floor)
        _call(s)
        _call(s)
        assert opt.param_groups[0]['lr'] is floor


# -- ReduceLR state --------------------------------------------------------------------------------


def hub_reads(values):
    """What HistoryBuffer.current() gives after each publication (RLR-METRIC-CURRENT)."""
    hub = MessageHub('expected-hub-reads')
    reads = []
    for value in values:
        hub.update_scalar('value', value)
        reads.append(hub.get_scalar('value').current())
    return reads


@pytest.mark.subject('RLR-STATE-TYPES')
@pytest.mark.touches('RLR-COUNT', 'RLR-METRIC-CURRENT', 'RLR-COOLDOWN')
@pytest.mark.scheduler(RLR)
class TestReduceLRStateTypes:
    @pytest.mark.parametrize(('mode', 'metrics'), [
        ('min', (5, 4, 4, 3)),
        ('max', (True, False, False, True)),
        ('min', (5.0, 4.0, 4.0, 3.0)),
        ('min', (5, 4.5, 4.5, 3)),
        ('min', (torch.tensor(5), torch.tensor(4), torch.tensor(4), torch.tensor(3))),
    ], ids=['ints', 'bools', 'floats', 'int-then-float', 'int-tensors'])
    def test_best_is_the_value_read_from_the_hub(self, adapter, mode, metrics):
        """Holds best as a float until it improves, then as the hub's numpy scalar."""
        if not driver.exposes_state(adapter):
            pytest.skip('not applicable: the adapter exposes no state')
        trace = driver.run(single(RLR, kwargs=dict(patience=5, mode=mode), steps=len(metrics),
                                  lrs=(1.0,), metrics=metrics), adapter)
        assert trace.error is None, trace.error
        best = float('inf') if mode == 'min' else float('-inf')  # RLR-MODE-WORSE
        expected = [best]
        for read in hub_reads(metrics):  # RLR-COUNT on the values as the hub returns them
            if oracle.is_better(read, best, mode, 'rel', 1e-4):
                best = read
            expected.append(best)
        got = [row[0]['best'] for row in trace.state]
        assert len(got) == len(expected)
        for call, (want, have) in enumerate(zip(expected, got)):
            assert observed.same(observed.observe(want), have), (
                f'call {call}: expected best {observed.show(observed.observe(want))}, '
                f'got {observed.show(have)}')

    @pytest.mark.parametrize('cooldown', [1, numpy.int64(1), 1.0, 2.5], ids=repr)
    def test_counters_are_ints_and_the_cooldown_counter_takes_cooldowns_type(self, adapter,
                                                                             cooldown):
        """Keeps the counters Python ints, and cooldown_counter of cooldown's type."""
        if not driver.exposes_state(adapter):
            pytest.skip('not applicable: the adapter exposes no state')
        steps = 6
        trace = driver.run(single(RLR, kwargs=dict(patience=0, factor=0.5, cooldown=cooldown),
                                  steps=steps, lrs=(1.0,), metrics=(1.0,) * steps), adapter)
        assert trace.error is None, trace.error
        # RLR-COUNT, RLR-COOLDOWN, RLR-PATIENCE on a constant value with patience 0, computed
        # with the cooldown object itself so that Python and numpy give the counter its type.
        counters, counter = [0, 0], 0  # call 0 is the first active call, call 1 improves
        for _call in range(2, steps + 1):
            counter, bad = oracle.cooled(counter, 1)  # every later call is a bad one
            if oracle.patience_exceeded(bad, 0):
                counter = cooldown
            counters.append(counter)
        for call, row in enumerate(trace.state):
            state = row[0]
            for name in ('num_bad_epochs', 'last_step', '_global_step', 'last_epoch'):
                assert type(state[name]) is int, (call, name, state[name])
            want = observed.observe(counters[call])
            assert observed.same(state['cooldown_counter'], want), (
                f'call {call}: expected cooldown_counter {observed.show(want)}, '
                f'got {observed.show(state["cooldown_counter"])}')

    def test_in_cooldown_is_the_comparisons_result(self, classes):
        """Returns a numpy.bool_ from in_cooldown when the counter is a numpy integer."""
        MessageHub.get_instance(REDUCE_LR_HUB).update_scalar('value', 1.0)
        s = classes[RLR](optimizer(1.0), patience=0, cooldown=numpy.int64(2))
        _call(s)
        _call(s)
        assert observed.same(observed.observe(s.in_cooldown),
                             observed.observe(s.cooldown_counter > 0))
        assert type(s.in_cooldown) is numpy.bool_

    def test_boolean_last_step_stays_until_an_active_call(self, adapter):
        """Keeps last_step=True as given until the first active call adds 1 to it."""
        if not driver.exposes_state(adapter):
            pytest.skip('not applicable: the adapter exposes no state')
        trace = driver.run(single(RLR, kwargs=dict(begin=2, last_step=True), steps=3,
                                  lrs=(1.0,), initial_lrs=(1.0,), metrics=(1.0,) * 3), adapter)
        assert trace.error is None, trace.error
        last_steps = [row[0]['last_step'] for row in trace.state]
        assert last_steps[:2] == [True, True] and type(last_steps[0]) is bool
        assert last_steps[2:] == [2, 3] and type(last_steps[2]) is int


# -- is_better called directly ------------------------------------------------------------------


def _outcome(call):
    try:
        return 'value', call()
    except Exception as exc:  # the exception type is what is compared
        return 'raises', type(exc)


_OPERANDS = [
    (1, 2), (1.0, 2.0), (0.99, 2.0), (float('nan'), 2.0), (1.0, float('nan')),
    (numpy.float64(0.5), 2.0), (numpy.int64(1), 2), (1.0, numpy.float32(2.0)),
    (torch.tensor(0.5), 2.0), (1.0, torch.tensor(2.0)),
    (numpy.array([0.5, 3.0]), 2.0), (torch.tensor([0.5, 3.0]), 2.0),
    (1.0, None), (None, 1.0), ('a', 1.0), ([1.0], 2.0), (1.0, 'b'),
]


@pytest.mark.subject('RLR-IS-BETTER-DIRECT')
@pytest.mark.touches('RLR-IS-BETTER')
@pytest.mark.scheduler(RLR)
class TestIsBetterDirect:
    @pytest.mark.parametrize(('mode', 'threshold_mode'), [('min', 'rel'), ('min', 'abs'),
                                                      ('max', 'rel'), ('max', 'abs')])
    @pytest.mark.parametrize(('a', 'best'), _OPERANDS, ids=repr)
    def test_returns_the_comparisons_own_result(self, classes, mode, threshold_mode, a, best):
        """Returns what the comparison returns, of its type, or raises what it raises."""
        s = classes[RLR](optimizer(1.0), mode=mode, threshold_mode=threshold_mode,
                         threshold=0.5)
        want = _outcome(lambda: oracle.is_better(a, best, mode, threshold_mode, 0.5))
        got = _outcome(lambda: s.is_better(a, best))
        if want[0] == 'raises':
            assert got == want
            return
        assert got[0] == 'value', got
        if isinstance(want[1], (numpy.ndarray, torch.Tensor)) and want[1].ndim > 0:
            assert type(got[1]) is type(want[1]) and got[1].tolist() == want[1].tolist()
        else:
            assert observed.same(observed.observe(got[1]), observed.observe(want[1]))

    def test_changes_no_attribute(self, classes):
        """Leaves best, num_bad_epochs, cooldown_counter, last_step and the lrs as they were."""
        hub = MessageHub.get_instance(REDUCE_LR_HUB)
        opt = optimizer(1.0)
        s = classes[RLR](opt, patience=3, threshold=0.5)
        hub.update_scalar('value', 2.0)
        _call(s)
        names = ('best', 'num_bad_epochs', 'cooldown_counter', 'last_step', '_global_step',
                 'mode', 'threshold', 'threshold_mode', 'mode_worse')
        before = [observed.observe(getattr(s, name)) for name in names]
        for a in (0.1, 5.0, float('nan')):
            s.is_better(a, s.best)
            s.is_better(a, 0.0)
        after = [observed.observe(getattr(s, name)) for name in names]
        assert all(observed.same(x, y) for x, y in zip(before, after)), (before, after)
        assert opt.param_groups[0]['lr'] == 1.0
