"""Param groups added after the scheduler was built (WIN-LATE-GROUP), and which groups an
OptimWrapper shows (WIN-WRAPPER-BASE-GROUP).

The driver builds its optimizers with all their groups, so these tests construct the schedulers
directly and step them as a Runner does. Expected values come from the rules the added group
meets: LLI-FIRST-STEP-DIP, LLI-STAIRCASE with LLI-ABSOLUTE-VALUE, and RLR-REDUCE-ORDER.
"""

from __future__ import annotations

import pytest
import torch
from mmengine.optim import OptimWrapper

from conformance.harness import messages, observed, oracle
from conformance.harness.by_hand import group_lrs, open_hubs, publish
from conformance.harness.repro import optimizer

LLI = 'LinearLrInterval'
RLR = 'ReduceLR'
BOTH = [
    pytest.param(LLI, marks=pytest.mark.scheduler(LLI), id=LLI),
    pytest.param(RLR, marks=pytest.mark.scheduler(RLR), id=RLR),
]
LLI_KW = dict(start_factor=0.5, end_factor=0.0, begin=2, end=8, interval=2, by_epoch=False)
RLR_KW = dict(patience=0, factor=0.5, min_lr=0.01)


def new_group(lr):
    return {'params': [torch.nn.Parameter(torch.zeros(1))], 'lr': lr}


def call(scheduler, opt, iteration, value=1.0):
    """The call after iteration ``iteration``, as mmengine's Runner makes it (LOOP-ITER)."""
    publish(iter=iteration, value=value)
    opt.step()
    scheduler.step()


def reduction(lr, kw=RLR_KW):
    """One group's lr after a reducing call with ``kw`` (oracle.reduced)."""
    kw = oracle.rlr_arguments(kw)
    return oracle.reduced(lr, kw['factor'], kw['min_lr'], kw['eps'])


@pytest.mark.subject('WIN-LATE-GROUP')
@pytest.mark.touches('WIN-INITIAL-VALUE', 'WIN-WRITE', 'WIN-LAST-VALUE')
class TestLateGroups:
    @pytest.mark.scheduler(LLI)
    @pytest.mark.parametrize('added_after', [0, 1, 2, 4])
    def test_linear_interval_schedules_an_added_group(self, classes, added_after):
        """Dips the added group if the first active call is still to come, then collapses it."""
        open_hubs()
        opt = optimizer(0.1)
        s = classes[LLI](opt, **LLI_KW)
        added = 0.4
        expected = [0.1]
        for k in range(1, 9):
            if k - 1 == added_after:
                opt.add_param_group(new_group(added))
                expected.append(added)
            call(s, opt, k - 1)
            if k == LLI_KW['begin']:  # the first active call: each group's own lr, dipped
                expected = [lr * LLI_KW['start_factor'] for lr in expected]
            elif LLI_KW['begin'] < k < LLI_KW['end']:
                expected = [oracle.staircase_value(LLI_KW, k - 1)] * len(expected)
            assert group_lrs(opt) == expected, (k, group_lrs(opt), expected)
            assert s.get_last_value() == expected
        assert s.base_values == [0.1]
        assert 'initial_lr' not in opt.param_groups[1]

    @pytest.mark.scheduler(RLR)
    @pytest.mark.parametrize('added_after', [0, 2])
    def test_reduce_lr_reduces_an_added_group_from_its_own_lr(self, classes, added_after):
        """Reduces the added group with its own lr, eps test and floor on every reduction."""
        open_hubs()
        opt = optimizer(1.0)
        s = classes[RLR](opt, **RLR_KW)
        expected = [1.0]
        for k in range(1, 7):
            if k - 1 == added_after:
                opt.add_param_group(new_group(0.03))
                expected.append(0.03)
            call(s, opt, k - 1)
            if k >= 2:  # constant value, patience 0: every call after the first consuming one
                expected = [reduction(lr) for lr in expected]
            assert group_lrs(opt) == expected, (k, group_lrs(opt), expected)
        assert s.base_values == [1.0]
        assert 'initial_lr' not in opt.param_groups[1]

    @pytest.mark.parametrize('name', BOTH)
    def test_state_dict_holds_both_lengths(self, classes, name):
        """Keeps base_values at the original groups and _last_value at the current ones."""
        open_hubs()
        opt = optimizer(0.1)
        s = classes[name](opt, **(LLI_KW if name == LLI else RLR_KW))
        opt.add_param_group(new_group(0.4))
        for k in range(1, 4):
            call(s, opt, k - 1)
        state = s.state_dict()
        assert len(state['base_values']) == 1 and len(state['_last_value']) == 2
        assert state['_last_value'] == group_lrs(opt)

    @pytest.mark.parametrize('name', BOTH)
    def test_runner_style_resume_continues_the_uninterrupted_run(self, classes, name):
        """Continues exactly as without the checkpoint when resumed the way Runner.resume does."""
        open_hubs()
        kw = LLI_KW if name == LLI else RLR_KW

        def build(add_before):
            opt = optimizer(0.1)
            if add_before:
                opt.add_param_group(new_group(0.4))
            s = classes[name](opt, **kw)
            if not add_before:
                opt.add_param_group(new_group(0.4))
            return opt, s

        def run(s, opt, first, last):
            rows = []
            for k in range(first, last):
                call(s, opt, k - 1)
                rows.append(group_lrs(opt))
            return rows

        opt, s = build(False)
        whole = run(s, opt, 1, 8)
        opt, s = build(False)
        resumed = run(s, opt, 1, 4)
        saved_scheduler, saved_optimizer = s.state_dict(), opt.state_dict()
        opt, s = build(True)  # the resumed Runner's optimizer holds every group
        opt.load_state_dict(saved_optimizer)
        s.load_state_dict(saved_scheduler)
        assert s.base_values == [0.1]
        assert 'initial_lr' not in opt.param_groups[1]
        resumed += run(s, opt, 4, 8)
        assert resumed == whole

    @pytest.mark.parametrize('name', BOTH)
    def test_resume_by_last_step_names_the_added_group(self, classes, name):
        """Raises WIN-RESUME-INITIAL-VALUE's KeyError for the added group's index."""
        opt = optimizer(0.1)
        classes[name](opt, begin=1)  # records initial_lr in group 0
        opt.add_param_group(new_group(0.4))
        with pytest.raises(KeyError) as caught:
            classes[name](opt, begin=1, last_step=2)
        messages.assert_message(caught, (
            '"param \'initial_lr\' is not specified in param_groups[1] when resuming an '
            'optimizer"'))


@pytest.mark.subject('WIN-WRAPPER-BASE-GROUP')
@pytest.mark.touches('WIN-LATE-GROUP')
@pytest.mark.parametrize('name', BOTH)
class TestWrapperGroupsFixedAtWrapping:
    def test_group_added_to_a_wrapped_single_group_optimizer_adds_no_pseudo_group(
            self, classes, name):
        """Schedules exactly the optimizer's groups when it had one group at wrapping time."""
        inner = optimizer(0.1)
        wrapper = OptimWrapper(inner)
        inner.add_param_group(new_group(0.4))
        s = classes[name](wrapper)
        assert len(wrapper.param_groups) == 2
        assert [observed.observe(v) for v in s.base_values] == [0.1, 0.4]

    def test_removing_a_group_keeps_the_pseudo_group(self, classes, name):
        """Schedules the pseudo-group when the optimizer had several groups at wrapping time."""
        inner = optimizer(0.1, 0.2)
        wrapper = OptimWrapper(inner)
        del inner.param_groups[1]
        s = classes[name](wrapper)
        assert len(wrapper.param_groups) == 2
        assert s.base_values == [0.1, 0.1]  # the real group, then the defaults' lr
