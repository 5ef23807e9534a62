"""What the constructors check, in which order, and what they leave behind when they fail
(LLI-CONSTRUCTOR-ORDER, LLI-EXTRA-KWARGS, WIN-OPTIM-WRAPPER-DICT, WIN-STEP-PATCH-CONFLICT,
LLI-ITER-FROM-EPOCH-ARGS).

Orders are pinned by inputs for which two orders would raise exceptions of different types, so
that no check depends on an exception's wording. Where upstream's own code writes the message
(mmengine's scheduler base files), it is compared as well.
"""

from __future__ import annotations

import math
import types

import pytest
import torch
from mmengine.optim import OptimWrapperDict

from conformance.harness import driver, messages, oracle
from conformance.harness.repro import optimizer
from conformance.harness.scenario import single

LLI = 'LinearLrInterval'
RLR = 'ReduceLR'
BOTH = [
    pytest.param(LLI, marks=pytest.mark.scheduler(LLI), id=LLI),
    pytest.param(RLR, marks=pytest.mark.scheduler(RLR), id=RLR),
]
START_MESSAGE = oracle.START_FACTOR_MESSAGE
END_MESSAGE = oracle.END_FACTOR_MESSAGE
MULTI = torch.tensor([0.5, 0.2])


def untouched(opt):
    """Nothing of a scheduler is on the optimizer: no initial_lr, step not counted."""
    return (all('initial_lr' not in group for group in opt.param_groups)
            and not getattr(opt.step, '_with_counter', False))


# -- LLI-CONSTRUCTOR-ORDER -----------------------------------------------------------------------


@pytest.mark.subject('LLI-CONSTRUCTOR-ORDER')
@pytest.mark.touches('LLI-FACTOR-RANGE', 'LLI-TOTAL-ITERS', 'WIN-CHECK-ORDER')
@pytest.mark.scheduler(LLI)
class TestLinearIntervalOrder:
    @pytest.mark.parametrize(('kwargs', 'kind', 'message'), [
        (dict(start_factor=MULTI), RuntimeError, None),
        (dict(end_factor=MULTI), RuntimeError, None),
        (dict(start_factor=2, end=None), ValueError, START_MESSAGE),
        (dict(end_factor=2, end=None), ValueError, END_MESSAGE),
        (dict(start_factor=-1, end_factor=MULTI), ValueError, START_MESSAGE),
        (dict(start_factor=MULTI, end_factor=2), RuntimeError, None),
        (dict(end_factor=MULTI, begin='b', end='a'), RuntimeError, None),
    ], ids=['start-tensor', 'end-tensor', 'start-before-bounds', 'end-before-bounds',
            'start-before-end', 'start-tensor-before-end', 'factor-before-bounds'])
    def test_factors_are_tested_before_anything_else(self, classes, kwargs, kind, message):
        """Raises the factor test's exception first, even with a non-optimizer."""
        for first in (object(), optimizer(0.1)):
            with pytest.raises(kind) as caught:
                classes[LLI](first, **kwargs)
            if message is not None:
                messages.assert_message(caught, message)
            if hasattr(first, 'param_groups'):
                assert untouched(first)

    @pytest.mark.parametrize('kwargs', [dict(begin='b', end='a'),
                                        dict(begin='3', end='5', last_step=-2),
                                        dict(begin=(2,), end=(1,))], ids=repr)
    def test_total_iters_is_computed_before_the_window_checks(self, adapter, kwargs):
        """Raises TypeError from end - begin - 1 where the window checks would raise otherwise."""
        trace = driver.run(single(LLI, kwargs=dict(start_factor=0.5, **kwargs), steps=1),
                           adapter)
        assert trace.error is not None, trace.lrs
        assert (trace.error.type, trace.error.step, trace.error.phase) == (
            'TypeError', 0, 'construct')

    @pytest.mark.scheduler(RLR)
    def test_reduce_lr_has_no_such_step(self, classes):
        """Raises WIN-END-AFTER-BEGIN's ValueError for bounds LinearLrInterval cannot subtract."""
        with pytest.raises(ValueError) as caught:
            classes[RLR](optimizer(), begin='b', end='a')
        messages.assert_message(caught, oracle.window_message('b', 'a'))
        with pytest.raises(AssertionError):
            classes[RLR](optimizer(), begin='3', end='5', last_step=-2)

    def test_optimizer_is_untouched_when_the_subtraction_fails(self, classes):
        """Leaves the optimizer without initial_lr and with its own step."""
        opt = optimizer(0.1, 0.2)
        with pytest.raises(TypeError):
            classes[LLI](opt, begin='b', end='a')
        assert untouched(opt)


# -- LLI-EXTRA-KWARGS ----------------------------------------------------------------------------


@pytest.mark.subject('LLI-EXTRA-KWARGS')
@pytest.mark.touches('LLI-DEFAULTS')
@pytest.mark.scheduler(LLI)
class TestLinearIntervalArguments:
    @pytest.mark.parametrize('kwargs', [dict(patience=3), dict(mode='min'),
                                        dict(param_name='momentum'), dict(param_name='lr'),
                                        dict(intervall=2)], ids=repr)
    def test_unknown_keyword_raises_type_error_at_construction(self, adapter, kwargs):
        """Raises TypeError from the constructor call for a keyword it does not take."""
        trace = driver.run(single(LLI, kwargs=kwargs, steps=1), adapter)
        assert trace.error is not None, trace.lrs
        assert (trace.error.type, trace.error.step, trace.error.phase) == (
            'TypeError', 0, 'construct')

    @pytest.mark.parametrize('kwargs', [dict(patience=3), dict(param_name='momentum')],
                             ids=repr)
    def test_optimizer_is_untouched(self, classes, kwargs):
        """Leaves the optimizer without initial_lr and with its own step."""
        opt = optimizer(0.1)
        with pytest.raises(TypeError):
            classes[LLI](opt, **kwargs)
        assert untouched(opt)

    def test_the_optimizer_is_required(self, classes):
        """Raises TypeError when called without any argument."""
        with pytest.raises(TypeError):
            classes[LLI]()
        with pytest.raises(TypeError):
            classes[LLI](start_factor=0.5)

    def test_optimizer_may_be_a_keyword(self, classes):
        """Builds as usual with optimizer= given by keyword."""
        opt = optimizer(0.1)
        s = classes[LLI](optimizer=opt, start_factor=0.5)
        assert s.optimizer is opt and opt.param_groups[0]['lr'] == 0.05


# -- WIN-OPTIM-WRAPPER-DICT ----------------------------------------------------------------------


@pytest.mark.subject('WIN-OPTIM-WRAPPER-DICT')
@pytest.mark.touches('WIN-OPTIMIZER-TYPE', 'WIN-INITIAL-VALUE')
@pytest.mark.parametrize('name', BOTH)
class TestOptimWrapperDict:
    def test_constructor_raises_attribute_error(self, classes, name):
        """Passes the type check and raises AttributeError, the wrapped groups untouched."""
        wrappers = OptimWrapperDict(generator=optimizer(0.1, wrapper=True),
                                    discriminator=optimizer(0.2, 0.3, wrapper=True))
        with pytest.raises(AttributeError):
            classes[name](wrappers)
        for wrapper in wrappers.values():
            assert all('initial_lr' not in group for group in wrapper.optimizer.param_groups)
            assert not getattr(wrapper.step, '_with_counter', False)
        assert [group['lr'] for wrapper in wrappers.values()
                for group in wrapper.optimizer.param_groups] == [0.1, 0.2, 0.3]

    def test_each_wrapper_of_the_dict_is_accepted(self, classes, name):
        """Builds normally on each OptimWrapper the dict holds (what a Runner does)."""
        wrappers = OptimWrapperDict(generator=optimizer(0.1, wrapper=True))
        s = classes[name](wrappers['generator'])
        assert s.optimizer is wrappers['generator']


# -- WIN-STEP-PATCH-CONFLICT ---------------------------------------------------------------------


def _plain_function_step(opt):
    calls = []
    opt.step = lambda *args, **kwargs: calls.append(1)
    return calls


@pytest.mark.subject('WIN-STEP-PATCH-CONFLICT')
@pytest.mark.touches('WIN-OPTIMIZER-COUNTER', 'WIN-INITIAL-VALUE', 'WIN-CONSTRUCTOR-STEP')
@pytest.mark.parametrize('name', BOTH)
class TestStepPatchConflict:
    def test_torch_scheduler_first(self, classes, name):
        """Raises AttributeError after a torch LRScheduler replaced step, writing no lr."""
        opt = optimizer(0.1, 0.2)
        torch.optim.lr_scheduler.StepLR(opt, step_size=2)
        patched = opt.step
        kwargs = dict(start_factor=0.5) if name == LLI else {}
        with pytest.raises(AttributeError):
            classes[name](opt, **kwargs)
        assert [group['lr'] for group in opt.param_groups] == [0.1, 0.2]  # no call 0
        assert opt.step is patched

    def test_plain_function_step_after_initial_lr(self, classes, name):
        """Raises AttributeError for a plain-function step, with initial_lr already recorded."""
        opt = optimizer(0.1)
        _plain_function_step(opt)
        kwargs = dict(start_factor=0.5) if name == LLI else {}
        with pytest.raises(AttributeError):
            classes[name](opt, **kwargs)
        assert opt.param_groups[0]['initial_lr'] == 0.1
        assert opt.param_groups[0]['lr'] == 0.1

    def test_torch_scheduler_after(self, classes, name):
        """Makes a later torch LRScheduler raise AttributeError on the counted step."""
        opt = optimizer(0.1)
        classes[name](opt)
        counted = opt.step
        with pytest.raises(AttributeError):
            torch.optim.lr_scheduler.StepLR(opt, step_size=2)
        assert getattr(counted, '_with_counter', False)

    def test_bound_method_step_is_counted(self, classes, name):
        """Wraps a step bound with types.MethodType like any method, counting its calls."""
        opt = optimizer(0.1)
        opt.step = types.MethodType(lambda self: 'stepped', opt)
        classes[name](opt)
        assert getattr(opt.step, '_with_counter', False)
        assert opt.step() == 'stepped' and opt._global_step == 0


# -- LLI-ITER-FROM-EPOCH-ARGS --------------------------------------------------------------------


@pytest.mark.subject('LLI-ITER-FROM-EPOCH-ARGS')
@pytest.mark.touches('LLI-ITER-FROM-EPOCH', 'WIN-END-AFTER-BEGIN')
@pytest.mark.scheduler(LLI)
class TestBuildIterFromEpochArguments:
    @pytest.mark.parametrize(('epoch_length', 'begin', 'end'), [
        (2.5, 1, 3), (3, 0.5, 2.5), (True, 1, 3), (0.75, 2, 9), (7, 1, 10**9 - 1), (1.5, 3, 10),
    ], ids=repr)
    def test_bounds_are_truncated_products(self, classes, epoch_length, begin, end):
        """Builds with int(begin * epoch_length) and int(end * epoch_length)."""
        s = classes[LLI].build_iter_from_epoch(optimizer(), begin=begin, end=end,
                                               epoch_length=epoch_length)
        want = (int(begin * epoch_length), int(end * epoch_length))
        assert (s.begin, s.end) == want
        assert type(s.begin) is int and type(s.end) is int and s.by_epoch is False

    @pytest.mark.parametrize('end', [10**9, 1e9], ids=repr)
    def test_end_equal_to_inf_is_not_scaled(self, classes, end):
        """Leaves an end that equals INF (10**9, or the float 1e9) as it is."""
        s = classes[LLI].build_iter_from_epoch(optimizer(), end=end, epoch_length=3)
        assert s.end == end and type(s.end) is type(end)

    @pytest.mark.parametrize(('end', 'kind'), [(math.inf, OverflowError), (None, TypeError)],
                             ids=repr)
    def test_other_ends_are_scaled(self, classes, end, kind):
        """Scales any end other than INF, so math.inf and None raise."""
        with pytest.raises(kind):
            classes[LLI].build_iter_from_epoch(optimizer(), end=end, epoch_length=3)

    @pytest.mark.parametrize('epoch_length', [0, -1, None, -0.5], ids=repr)
    def test_non_positive_epoch_length_is_refused_before_the_optimizer(self, classes,
                                                                       epoch_length):
        """Raises mmengine's AssertionError, even for a non-optimizer."""
        with pytest.raises(AssertionError) as caught:
            classes[LLI].build_iter_from_epoch(object(), epoch_length=epoch_length)
        messages.assert_message(caught, (
            f'`epoch_length` must be a positive integer, but got {epoch_length}.'))

    def test_epoch_length_defaults_to_none(self, classes):
        """Refuses a call that leaves epoch_length out with the assertion for None."""
        with pytest.raises(AssertionError) as caught:
            classes[LLI].build_iter_from_epoch(object())
        messages.assert_message(caught, '`epoch_length` must be a positive integer, but got None.')

    def test_string_epoch_length_fails_in_the_comparison(self, classes):
        """Raises TypeError for a string epoch_length, even for a non-optimizer."""
        with pytest.raises(TypeError):
            classes[LLI].build_iter_from_epoch(object(), epoch_length='3')

    def test_small_epoch_length_can_empty_the_window(self, classes):
        """Raises WIN-END-AFTER-BEGIN's ValueError with the scaled bounds."""
        with pytest.raises(ValueError) as caught:
            classes[LLI].build_iter_from_epoch(optimizer(), begin=1, end=3, epoch_length=0.2)
        messages.assert_message(caught, oracle.window_message(0, 0))

    def test_only_three_arguments_may_be_positional(self, classes):
        """Takes optimizer, start_factor and end_factor positionally, and refuses a fourth."""
        s = classes[LLI].build_iter_from_epoch(optimizer(), 0.5, 0.25, begin=1, end=3,
                                               epoch_length=2)
        assert (s.start_factor, s.end_factor, s.begin, s.end) == (0.5, 0.25, 2, 6)
        with pytest.raises(TypeError):
            classes[LLI].build_iter_from_epoch(optimizer(), 0.5, 0.0, 1, 3, epoch_length=2)
