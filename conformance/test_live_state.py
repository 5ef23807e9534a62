"""What a call finds and what it leaves: failed calls, attributes changed between calls, the
verbose log line formatted after the write, and ReduceLR's two helper methods called directly
(WIN-FAILED-CALL, WIN-LIVE-ATTRIBUTES, WIN-VERBOSE-FORMAT, RLR-INIT-IS-BETTER-RESET).

These are sequences of single calls with something changed in between, which a driver scenario
cannot express, so the schedulers are built directly and stepped as a Runner steps them. Expected
values come from the clauses' formulas applied to the attributes as they are at each call.
"""

from __future__ import annotations

import contextlib
from unittest import mock

import pytest
import torch
from mmengine.logging import MessageHub, MMLogger

from conformance.harness import observed, oracle
from conformance.harness.adapters import REDUCE_LR_HUB
from conformance.harness.by_hand import call, group_lrs, open_hubs, publish
from conformance.harness.repro import optimizer

LLI = 'LinearLrInterval'
RLR = 'ReduceLR'
BOTH = [
    pytest.param(LLI, marks=pytest.mark.scheduler(LLI), id=LLI),
    pytest.param(RLR, marks=pytest.mark.scheduler(RLR), id=RLR),
]


def staircase(s, progress):
    """The staircase value (oracle.staircase_value) for the scheduler's attributes as they are."""
    names = ('start_factor', 'end_factor', 'begin', 'end', 'interval')
    return oracle.staircase_value({name: getattr(s, name) for name in names}, progress)


@contextlib.contextmanager
def log_calls():
    with mock.patch.object(MMLogger.get_current_instance(), 'log') as log:
        yield log


# -- WIN-FAILED-CALL -----------------------------------------------------------------------------


@pytest.mark.subject('WIN-FAILED-CALL')
@pytest.mark.touches('WIN-ACTIVE', 'WIN-LAST-VALUE')
class TestFailedCall:
    @pytest.mark.scheduler(LLI)
    def test_linear_interval_failure_is_counted_and_writes_nothing(self, classes):
        """Advances both counters, writes no group, keeps _last_value; the next call goes on."""
        opt = optimizer(0.1, 0.4)
        s = classes[LLI](opt, start_factor=0.5, end_factor=0.0, end=10, by_epoch=False)
        dipped = group_lrs(opt)
        with pytest.raises(TypeError):  # no hub holds 'iter' yet (LLI-PROGRESS-MISSING)
            call(s)
        assert (s._global_step, s.last_step) == (1, 1)
        assert group_lrs(opt) == dipped and s.get_last_value() == dipped
        open_hubs()
        publish(iter=1)
        call(s)
        assert (s._global_step, s.last_step) == (2, 2)
        assert group_lrs(opt) == [staircase(s, 1)] * 2  # no second dip

    @pytest.mark.scheduler(RLR)
    def test_reduce_lr_missing_metric_changes_only_the_counters(self, classes):
        """Advances both counters and leaves best, the bad count and the lrs as they were."""
        MessageHub.get_instance(REDUCE_LR_HUB)
        opt = optimizer(1.0)
        s = classes[RLR](opt, patience=0, factor=0.5)
        with pytest.raises(KeyError):
            call(s)
        assert (s._global_step, s.last_step, s.best, s.num_bad_epochs) == (1, 1, float('inf'), 0)
        assert group_lrs(opt) == [1.0] and s.get_last_value() == [1.0]
        publish(value=2.0)
        call(s)
        assert (s._global_step, s.last_step, s.best) == (2, 2, 2.0)

    @pytest.mark.scheduler(RLR)
    def test_reduce_lr_failure_inside_the_reduction_keeps_the_reset_counters(self, classes):
        """Keeps cooldown_counter = cooldown and num_bad_epochs = 0 from a reduction that raised."""
        publish(value=1.0)
        opt = optimizer(1.0)
        s = classes[RLR](opt, patience=0, factor=0.5, cooldown=3, min_lr=[0.1])
        call(s)  # call 1: the value becomes best
        snapshot = s.get_last_value()
        with pytest.raises(TypeError):
            call(s)  # call 2: a reduction, which fails at max(lr * factor, [0.1])
        assert (s.last_step, s.num_bad_epochs, s.cooldown_counter) == (2, 0, 3)
        assert group_lrs(opt) == [1.0] and s.get_last_value() == snapshot
        s.min_lr = 0.1
        call(s)  # call 3: a cooldown call (RLR-COOLDOWN), although nothing was reduced
        assert (s.cooldown_counter, s.num_bad_epochs, group_lrs(opt)) == (2, 0, [1.0])

    @pytest.mark.scheduler(RLR)
    def test_reduce_lr_failure_at_the_patience_test_keeps_the_new_best(self, classes):
        """Keeps the best updated by a call that then failed at the patience test."""
        publish(value=2.0)
        s = classes[RLR](optimizer(1.0), patience=None)
        with pytest.raises(TypeError):
            call(s)
        assert s.best == 2.0 and s.last_step == 1

    @pytest.mark.parametrize('name', BOTH)
    def test_no_group_is_written(self, classes, name):
        """Writes none of several groups when the value computation raises."""
        MessageHub.get_instance(REDUCE_LR_HUB)
        opt = optimizer(0.1, 0.2, 0.3)
        kwargs = dict(start_factor=0.5, by_epoch=False) if name == LLI else {}
        s = classes[name](opt, **kwargs)
        before = group_lrs(opt)
        opt.param_groups[1]['lr'] = 0.25  # set from outside; stays as it is
        with pytest.raises((TypeError, KeyError)):
            call(s)
        assert group_lrs(opt) == [before[0], 0.25, before[2]]
        assert s.get_last_value() == before


# -- WIN-LIVE-ATTRIBUTES -------------------------------------------------------------------------


@pytest.mark.subject('WIN-LIVE-ATTRIBUTES')
@pytest.mark.touches('LLI-STAIRCASE', 'RLR-REDUCE-ORDER', 'WIN-STATE-DICT')
class TestLiveAttributes:
    @pytest.mark.scheduler(LLI)
    @pytest.mark.parametrize('changes', [
        dict(interval=1), dict(interval=3), dict(end_factor=0.25), dict(start_factor=1.0),
        dict(begin=2), dict(end=20), dict(interval=1, end_factor=0.25),
    ], ids=repr)
    def test_linear_interval_uses_changed_attributes_at_the_next_call(self, classes, changes):
        """Computes the next value with the attributes assigned since the last call."""
        open_hubs()
        opt = optimizer(0.1)
        s = classes[LLI](opt, start_factor=0.5, end_factor=0.0, end=12, interval=2,
                         by_epoch=False)
        for k in range(1, 4):
            publish(iter=k - 1)
            call(s)
        for name, value in changes.items():
            setattr(s, name, value)
        publish(iter=5)
        call(s)
        assert observed.same(staircase(s, 5), group_lrs(opt)[0])

    @pytest.mark.scheduler(LLI)
    def test_by_epoch_switches_the_key_at_the_next_call(self, classes):
        """Reads 'epoch' from the call after by_epoch was set to True."""
        open_hubs()
        s = classes[LLI](optimizer(0.1), start_factor=0.5, end_factor=0.0, end=10,
                         by_epoch=False)
        publish(iter=6, epoch=2)
        call(s)
        assert s.get_last_value() == [staircase(s, 6)]
        s.by_epoch = True
        call(s)
        assert s.get_last_value() == [staircase(s, 2)]

    @pytest.mark.parametrize('name', BOTH)
    def test_last_step_minus_one_makes_a_new_first_active_call(self, classes, name):
        """Treats the next active call as the first one after last_step is set to -1."""
        open_hubs()
        publish(iter=3, value=1.0)
        opt = optimizer(1.0)
        kwargs = dict(start_factor=0.5, end_factor=0.0, end=10, by_epoch=False)
        s = classes[name](opt, **(kwargs if name == LLI else dict(patience=0)))
        call(s)
        call(s)
        current = group_lrs(opt)[0]
        s.last_step = -1
        call(s)
        assert s.last_step == 0
        want = current * 0.5 if name == LLI else current  # the dip; ReduceLR reads nothing
        assert group_lrs(opt) == [want]

    @pytest.mark.scheduler(RLR)
    @pytest.mark.parametrize('changes', [dict(factor=0.1), dict(min_lr=0.7), dict(eps=0.6),
                                         dict(patience=5), dict(threshold=-0.5)], ids=repr)
    def test_reduce_lr_uses_changed_attributes_at_the_next_call(self, classes, changes):
        """Applies a changed factor, min_lr, eps, patience or threshold at the next call."""
        publish(value=1.0)
        opt = optimizer(1.0)
        s = classes[RLR](opt, patience=0, factor=0.5)
        call(s)  # the value becomes best
        for name, value in changes.items():
            setattr(s, name, value)
        call(s)
        kw = oracle.rlr_arguments({'patience': 0, 'factor': 0.5, **changes})
        # The second 1.0 against best 1.0 (RLR-COUNT), then RLR-PATIENCE and RLR-REDUCE-ORDER.
        _, bad = oracle.counted(1.0, 1.0, 0, kw)
        lr = 1.0
        if oracle.patience_exceeded(bad, kw['patience']):
            lr = oracle.reduced(lr, kw['factor'], kw['min_lr'], kw['eps'])
        assert group_lrs(opt) == [lr]

    @pytest.mark.scheduler(RLR)
    def test_reduce_lr_reads_an_assigned_hub(self, classes):
        """Reads the value from a message_hub assigned after construction."""
        publish(value=5.0)
        s = classes[RLR](optimizer(1.0))
        other = MessageHub.get_instance('another-hub')
        other.update_scalar('value', 3.0)
        s.message_hub = other
        call(s)
        assert s.best == 3.0

    @pytest.mark.parametrize('name', BOTH)
    def test_loaded_optimizer_is_written_from_then_on(self, classes, name):
        """Writes to the optimizer a state dict's 'optimizer' key names, not the original."""
        open_hubs()
        publish(iter=3, value=1.0)
        first, other = optimizer(0.1), optimizer(0.7)
        kwargs = dict(start_factor=0.5, end_factor=0.0, end=10, by_epoch=False)
        s = classes[name](first, **(kwargs if name == LLI else dict(patience=0)))
        call(s)
        before = group_lrs(first)
        s.load_state_dict({'optimizer': other, 'last_step': -1})
        assert s.optimizer is other and 'optimizer' not in s.state_dict()
        other.step()
        s.step()
        assert group_lrs(first) == before
        assert group_lrs(other) == ([0.7 * 0.5] if name == LLI else [0.7])
        assert 'initial_lr' not in other.param_groups[0]
        assert not getattr(other.step, '_with_counter', False)


# -- WIN-VERBOSE-FORMAT --------------------------------------------------------------------------


@pytest.mark.subject('WIN-VERBOSE-FORMAT')
@pytest.mark.touches('WIN-VERBOSE', 'WIN-WRITE', 'WIN-FAILED-CALL')
class TestVerboseFormat:
    @pytest.mark.scheduler(LLI)
    def test_unformattable_value_raises_after_writing_it(self, classes):
        """Writes the groups up to the unformattable one, then raises TypeError from call 0."""
        opt = optimizer(0.1, 0.2, 0.3)
        opt.param_groups[1]['lr'] = torch.tensor([0.2])
        with log_calls() as log, pytest.raises(TypeError):
            classes[LLI](opt, start_factor=0.5, verbose=True)
        values = group_lrs(opt)
        assert values[0] == 0.1 * 0.5
        assert isinstance(values[1], torch.Tensor)
        assert values[1].tolist() == (torch.tensor([0.2]) * 0.5).tolist()
        assert values[2] == 0.3
        assert len(log.call_args_list) == 1  # group 0's line only

    @pytest.mark.scheduler(LLI)
    def test_same_values_without_verbose_raise_nothing(self, classes):
        """Writes every group without error when verbose is off."""
        opt = optimizer(0.1, 0.2)
        s = classes[LLI](opt, start_factor=torch.tensor([0.5]))
        assert [observed.observe(v) for v in s.get_last_value()] == [
            observed.observe(0.1 * torch.tensor([0.5])), observed.observe(0.2 * torch.tensor(
                [0.5]))]

    @pytest.mark.scheduler(RLR)
    def test_reduce_lr_call_raises_after_writing_back_the_lr(self, classes):
        """Raises from an explicit call that writes a one-element tensor lr, _last_value kept."""
        publish(value=1.0)
        opt = optimizer(0.1, 0.2)
        with log_calls():
            s = classes[RLR](opt, patience=3, verbose=True)
        snapshot = s.get_last_value()
        odd = torch.tensor([0.1])
        opt.param_groups[0]['lr'] = odd
        with log_calls() as log, pytest.raises(TypeError):
            call(s)
        assert opt.param_groups[0]['lr'] is odd
        assert s.get_last_value() == snapshot and s._global_step == 1
        assert log.call_args_list == []

    @pytest.mark.scheduler(RLR)
    def test_reduce_lr_logs_every_group_on_every_active_call(self, classes):
        """Logs one line per group on each active call, reducing or not."""
        publish(value=1.0)
        with log_calls() as log:
            s = classes[RLR](optimizer(0.1, 0.2), patience=5, verbose=True)
            call(s)
            call(s)
        assert [c.args[1] for c in log.call_args_list] == [
            f'Adjusting parameter value of group {i} to {lr:.4e}.'
            for _ in range(3) for i, lr in enumerate((0.1, 0.2))]


# -- RLR-INIT-IS-BETTER-RESET --------------------------------------------------------------------

_WATCHED = ('mode', 'mode_worse', 'best', 'num_bad_epochs', 'cooldown_counter', 'last_step',
            '_global_step', 'threshold', 'threshold_mode', 'factor', 'patience', 'cooldown')


def _attributes(s):
    return {name: observed.observe(getattr(s, name)) for name in _WATCHED}


@pytest.mark.subject('RLR-INIT-IS-BETTER-RESET')
@pytest.mark.touches('RLR-MODE-WORSE', 'RLR-INITIAL-STATE')
@pytest.mark.scheduler(RLR)
class TestInitIsBetterAndReset:
    @pytest.mark.parametrize('mode', ['min', 'max', 'foo', None, 'MIN'], ids=repr)
    @pytest.mark.parametrize('built', ['min', 'max'])
    def test_init_is_better_sets_only_mode_worse(self, classes, mode, built):
        """Sets mode_worse to inf for 'min' and -inf for anything else, nothing more."""
        publish(value=1.0)
        s = classes[RLR](optimizer(1.0), mode=built, patience=0, cooldown=2)
        call(s)
        call(s)
        before = _attributes(s)
        s._init_is_better(mode)
        after = _attributes(s)
        assert after.pop('mode_worse') == (float('inf') if mode == 'min' else float('-inf'))
        before.pop('mode_worse')
        assert after == before

    def test_reset_sets_only_best_and_the_counters(self, classes):
        """Sets best = mode_worse, cooldown_counter = 0, num_bad_epochs = 0, nothing more."""
        publish(value=1.0)
        opt = optimizer(1.0)
        s = classes[RLR](opt, patience=0, cooldown=2)
        for _ in range(4):
            call(s)
        s._init_is_better('max')
        lrs_before = group_lrs(opt)
        before = _attributes(s)
        s._reset()
        after = _attributes(s)
        assert (after.pop('best'), after.pop('cooldown_counter'), after.pop('num_bad_epochs')) \
            == (float('-inf'), 0, 0)
        for name in ('best', 'cooldown_counter', 'num_bad_epochs'):
            before.pop(name)
        assert after == before and group_lrs(opt) == lrs_before
