"""The scheduling window both schedulers inherit from mmengine (clauses WIN-*).

Every rule here holds for LinearLrInterval and ReduceLR alike, so most tests run on both. A
LinearLrInterval call may read progress and a ReduceLR call may consume a metric; ``_feed``
publishes both before every explicit call so that only the window rule under test decides.
"""

from __future__ import annotations

import contextlib
import warnings
from unittest import mock

import pytest
import torch
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from mmengine.logging import MessageHub, MMLogger

from conformance.harness import by_hand, driver, messages, observed, oracle
from conformance.harness.adapters import REDUCE_LR_HUB, RUNNER_HUB, classes_of
from conformance.harness.isolation import isolated_message_hubs
from conformance.harness.repro import optimizer
from conformance.harness.runner import train
from conformance.harness.scenario import INF, single

#: WIN-ORDER-WARNING: the two warning texts, verbatim.
ORDER_WARNING = (
    'Detected call of `scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and later, '
    'you should call them in the opposite order: `optimizer.step()` before `scheduler.step()`. '
    'Failure to do this will result in PyTorch skipping the first value of the parameter value '
    'schedule. See more details at '
    'https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate'
)
OVERRIDE_WARNING = (
    'Seems like `optimizer.step()` has been overridden after parameter value scheduler '
    'initialization. Please, make sure to call `optimizer.step()` before `scheduler.step()`. '
    'See more details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate'
)

LLI = 'LinearLrInterval'
RLR = 'ReduceLR'
BOTH = [
    pytest.param(LLI, marks=pytest.mark.scheduler(LLI), id=LLI),
    pytest.param(RLR, marks=pytest.mark.scheduler(RLR), id=RLR),
]
PAIRS = [
    pytest.param(first, second, marks=pytest.mark.scheduler(first, second), id=f'{first}-{second}')
    for first in (LLI, RLR)
    for second in (LLI, RLR)
]
_HYPOTHESIS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


# -- helpers -------------------------------------------------------------------------------------


@pytest.fixture
def hubs():
    """The Runner-like hubs: 'reduce_lr' first, so that the runner's hub is the current one."""
    return by_hand.open_hubs()


def _feed(progress=0, metric=1.0):
    """Publish what the next call of either scheduler may read (progress and a metric)."""
    runner_hub = MessageHub.get_instance(RUNNER_HUB)
    runner_hub.update_info('iter', progress)
    runner_hub.update_info('epoch', progress)
    MessageHub.get_instance(REDUCE_LR_HUB).update_scalar('value', metric)


def _scenario(name, kwargs, steps=8, **fields):
    """A driver scenario both schedulers can run: a metric every call, 'reduce_lr' hub first."""
    return single(name, kwargs=kwargs, steps=steps, metrics=(1.0,) * steps,
                  reduce_lr_hub_first=True, **fields)


def _build(adapter, name, opt, **kwargs):
    return classes_of(adapter)[name](opt, **kwargs)


def _lrs(opt):
    return [group['lr'] for group in opt.param_groups]


@contextlib.contextmanager
def _log_calls():
    """Record what is logged to the current MMLogger (WIN-VERBOSE) without printing it."""
    with mock.patch.object(MMLogger.get_current_instance(), 'log') as log:
        yield log


def _messages(log):
    return [call.args[1] for call in log.call_args_list]


def _verbose_lines(values):
    """WIN-VERBOSE: the line logged for each written value, in group order."""
    return [oracle.verbose_line(group, value) for group, value in enumerate(values)]


def _scheduler_warnings(caught):
    texts = (ORDER_WARNING, OVERRIDE_WARNING)
    return [w for w in caught if issubclass(w.category, UserWarning) and str(w.message) in texts]


def _same_rows(expected, got):
    return len(expected) == len(got) and all(
        len(a) == len(b) and all(observed.same(x, y) for x, y in zip(a, b))
        for a, b in zip(expected, got)
    )


# -- construction --------------------------------------------------------------------------------


@pytest.mark.subject('WIN-DEFAULTS')
@pytest.mark.parametrize('name', BOTH)
class TestDefaults:
    def test_window_defaults(self, adapter, name):
        """Defaults begin to 0, end to the integer 10**9, by_epoch to True and verbose to False."""
        scheduler = _build(adapter, name, optimizer())
        assert (scheduler.begin, scheduler.end, scheduler.by_epoch, scheduler.verbose) == tuple(
            oracle.WINDOW_DEFAULTS[key] for key in ('begin', 'end', 'by_epoch', 'verbose'))
        assert type(scheduler.end) is int

    def test_last_step_defaults_to_never_stepped(self, adapter, name):
        """Defaults last_step to -1, which the constructor's active call 0 raises to 0."""
        assert _build(adapter, name, optimizer(), begin=1).last_step == -1
        assert _build(adapter, name, optimizer()).last_step == 0

    def test_window_arguments_are_stored(self, adapter, name):
        """Stores begin, end, by_epoch and verbose as given."""
        scheduler = _build(adapter, name, optimizer(), begin=3, end=7, by_epoch=False,
                           verbose=True)
        assert (scheduler.begin, scheduler.end, scheduler.by_epoch, scheduler.verbose) == (
            3, 7, False, True)


@pytest.mark.subject('WIN-OPTIMIZER-TYPE')
@pytest.mark.parametrize('name', BOTH)
class TestOptimizerType:
    @pytest.mark.parametrize(
        'bad',
        [object(), None, 'sgd', 0.1, torch.nn.Linear(1, 1), [torch.nn.Parameter(torch.zeros(1))]],
        ids=['object', 'None', 'str', 'float', 'module', 'params-list'],
    )
    def test_rejects_non_optimizers(self, adapter, name, bad):
        """Raises TypeError naming the bare type of anything but an optimizer or wrapper."""
        with pytest.raises(TypeError) as caught:
            _build(adapter, name, bad)
        messages.assert_message(caught, oracle.optimizer_type_message(bad))

    def test_accepts_optimizer_and_wrapper_alike(self, adapter, name):
        """Schedules a one-group OptimWrapper exactly like the bare optimizer."""
        kwargs = {'begin': 1, 'end': 6, 'by_epoch': False}
        if name == LLI:
            kwargs.update(start_factor=0.5, end_factor=0.0)
        else:
            kwargs.update(patience=0, factor=0.5)
        traces = [
            driver.run(_scenario(name, kwargs, lrs=(0.3,), wrapper=wrapper), adapter)
            for wrapper in (False, True)
        ]
        assert traces[0].error is None
        assert _same_rows(traces[0].lrs, traces[1].lrs)


@pytest.mark.subject('WIN-WRAPPER-BASE-GROUP')
@pytest.mark.parametrize('name', BOTH)
class TestWrapperBaseGroup:
    def test_schedules_the_pseudo_group(self, adapter, name):
        """Treats base_param_settings as one more group: initial value, base value, last value."""
        opt = optimizer(0.1, 0.2, 0.4, wrapper=True)
        default_lr = opt.optimizer.defaults['lr']
        scheduler = _build(adapter, name, opt, begin=1)
        assert len(opt.param_groups) == 4
        assert opt.param_groups[-1] is opt.base_param_settings
        assert scheduler.base_values == [0.1, 0.2, 0.4, default_lr]
        assert opt.base_param_settings['initial_lr'] == default_lr
        assert scheduler.get_last_value() == [0.1, 0.2, 0.4, default_lr]

    def test_single_group_wrapper_has_no_pseudo_group(self, adapter, name):
        """Schedules only the real group when the wrapped optimizer has one group."""
        opt = optimizer(0.3, wrapper=True)
        scheduler = _build(adapter, name, opt, begin=1)
        assert opt.param_groups is opt.optimizer.param_groups
        assert scheduler.base_values == [0.3]

    def test_resume_needs_initial_lr_in_the_pseudo_group(self, adapter, name):
        """Raises KeyError naming index n when only the n real groups carry initial_lr."""
        opt = optimizer(0.1, 0.2, initial=(0.1, 0.2), wrapper=True)
        with pytest.raises(KeyError) as caught:
            _build(adapter, name, opt, begin=1, last_step=3)
        assert caught.value.args[0] == oracle.initial_lr_message(2)

    def test_real_groups_match_the_bare_optimizer(self, adapter, name):
        """Gives the real groups of a wrapper the lrs a bare optimizer gets."""
        kwargs = {'begin': 1, 'end': 6, 'by_epoch': False}
        if name == LLI:
            kwargs.update(start_factor=0.5, end_factor=0.0)
        else:
            kwargs.update(patience=0, factor=0.5)
        bare, wrapped = (
            driver.run(_scenario(name, kwargs, lrs=(0.1, 0.2), wrapper=wrapper), adapter)
            for wrapper in (False, True)
        )
        assert bare.error is None
        assert wrapped.error is None
        assert _same_rows(bare.lrs, [row[:2] for row in wrapped.lrs])


@pytest.mark.subject('WIN-END-AFTER-BEGIN')
@pytest.mark.parametrize('name', BOTH)
class TestEndAfterBegin:
    @pytest.mark.parametrize(('begin', 'end'), [(5, 5), (5, 3), (0, 0), (0, -1), (-2, -2)])
    def test_rejects_empty_window(self, adapter, name, begin, end):
        """Raises ValueError with begin and end in the message when end <= begin."""
        with pytest.raises(ValueError) as caught:
            _build(adapter, name, optimizer(), begin=begin, end=end)
        messages.assert_message(caught, oracle.window_message(begin, end))

    def test_default_end_bounds_begin(self, adapter, name):
        """Raises ValueError for begin=10**9 with the default end."""
        with pytest.raises(ValueError) as caught:
            _build(adapter, name, optimizer(), begin=INF)
        messages.assert_message(caught, oracle.window_message(INF, INF))

    @pytest.mark.parametrize(('begin', 'end'), [(4, 5), (-3, 2), (-3, -2)])
    def test_accepts_one_call_and_negative_windows(self, adapter, name, begin, end):
        """Accepts end = begin + 1 and negative begins."""
        scheduler = _build(adapter, name, optimizer(), begin=begin, end=end)
        assert (scheduler.begin, scheduler.end) == (begin, end)
        assert scheduler.last_step == oracle.last_step_after(0, begin, end)


@pytest.mark.subject('WIN-LAST-STEP')
@pytest.mark.parametrize('name', BOTH)
class TestLastStep:
    @pytest.mark.parametrize('bad', [-2, -100, 1.0, 0.5, '0', None],
                             ids=['-2', '-100', '1.0', '0.5', 'str', 'None'])
    def test_rejects_bad_last_step(self, adapter, name, bad):
        """Raises an AssertionError without message for a last_step that is not an int >= -1."""
        with pytest.raises(AssertionError) as caught:
            _build(adapter, name, optimizer(initial=(0.1,)), begin=1, last_step=bad)
        messages.assert_message(caught, '')

    def test_bool_passes_as_int(self, adapter, name):
        """Accepts True as last_step 1, which then needs initial_lr like any resume."""
        with pytest.raises(KeyError):
            _build(adapter, name, optimizer(), begin=1, last_step=True)
        assert _build(adapter, name, optimizer(initial=(0.1,)), begin=1, last_step=True
                      ).last_step == 1


@pytest.mark.subject('WIN-CHECK-ORDER')
@pytest.mark.parametrize('name', BOTH)
class TestCheckOrder:
    def test_optimizer_type_first(self, adapter, name):
        """Raises the TypeError for a non-optimizer even when the window is empty too."""
        bad = object()
        with pytest.raises(TypeError) as caught:
            _build(adapter, name, bad, begin=3, end=3, last_step=-5)
        messages.assert_message(caught, oracle.optimizer_type_message(bad))

    def test_window_before_last_step(self, adapter, name):
        """Raises the ValueError for an empty window before checking last_step."""
        with pytest.raises(ValueError) as caught:
            _build(adapter, name, optimizer(), begin=3, end=3, last_step=-5)
        messages.assert_message(caught, oracle.window_message(3, 3))

    def test_last_step_before_initial_lr(self, adapter, name):
        """Raises the AssertionError for a bad last_step before looking for initial_lr."""
        with pytest.raises(AssertionError) as caught:
            _build(adapter, name, optimizer(), begin=1, last_step=1.5)
        messages.assert_message(caught, '')  # the bare assert of WIN-LAST-STEP
        with pytest.raises(KeyError):  # a good last_step gets as far as initial_lr
            _build(adapter, name, optimizer(), begin=1, last_step=1)

    @pytest.mark.parametrize(
        'kwargs',
        [{'begin': 3, 'end': 3}, {'last_step': -4}, {'last_step': 2}],
        ids=['window', 'last-step', 'initial-lr'],
    )
    def test_failed_check_leaves_optimizer_alone(self, adapter, name, kwargs):
        """Leaves the optimizer's step, counter and groups untouched when a check fails."""
        opt = optimizer(0.1, 0.2)
        before = [dict(group) for group in opt.param_groups]
        with pytest.raises((ValueError, AssertionError, KeyError)):
            _build(adapter, name, opt, **kwargs)
        assert not hasattr(opt.step, '_with_counter')
        assert not hasattr(opt, '_global_step')
        assert [dict(group) for group in opt.param_groups] == before


@pytest.mark.subject('WIN-INITIAL-VALUE')
@pytest.mark.parametrize('name', BOTH)
class TestInitialValue:
    def test_records_current_lrs(self, adapter, name):
        """Sets initial_lr to each group's current lr and lists them in base_values."""
        lrs = (0.1, 0.02, 3.0)
        opt = optimizer(*lrs)
        scheduler = _build(adapter, name, opt, begin=1)
        assert [group['initial_lr'] for group in opt.param_groups] == list(lrs)
        assert scheduler.base_values == list(lrs)

    def test_keeps_existing_initial_lr(self, adapter, name):
        """Keeps an initial_lr a group already has (setdefault), and uses it as base value."""
        opt = optimizer(0.1, 0.2)
        opt.param_groups[1]['initial_lr'] = 0.7
        scheduler = _build(adapter, name, opt, begin=1)
        assert [group['initial_lr'] for group in opt.param_groups] == [0.1, 0.7]
        assert scheduler.base_values == [0.1, 0.7]

    def test_records_before_call_zero(self, adapter, name, hubs):
        """Records the lr from before the constructor's own call, and a later scheduler keeps it."""
        opt = optimizer(0.1)
        first = _build(adapter, name, opt)
        opt.param_groups[0]['lr'] = 0.3
        second = _build(adapter, name, opt, begin=1)
        assert first.base_values == [0.1]
        assert second.base_values == [0.1]
        assert opt.param_groups[0]['initial_lr'] == 0.1


@pytest.mark.subject('WIN-RESUME-INITIAL-VALUE')
@pytest.mark.parametrize('name', BOTH)
class TestResumeInitialValue:
    @pytest.mark.parametrize(('present', 'missing'), [((), 0), ((0,), 1), ((0, 1), 2), ((1,), 0)])
    def test_names_first_group_without_initial_lr(self, adapter, name, present, missing):
        """Raises KeyError naming the first group that lacks initial_lr."""
        opt = optimizer(0.1, 0.2, 0.3)
        for index in present:
            opt.param_groups[index]['initial_lr'] = 1.0
        with pytest.raises(KeyError) as caught:
            _build(adapter, name, opt, begin=2, last_step=4)
        assert caught.value.args[0] == oracle.initial_lr_message(missing)
        assert [('initial_lr' in group) for group in opt.param_groups] == [
            index in present for index in range(3)]

    def test_uses_existing_initial_lrs(self, adapter, name):
        """Takes base_values from the groups' initial_lr, not their lr, and keeps last_step."""
        opt = optimizer(0.1, 0.2, initial=(0.5, None))
        scheduler = _build(adapter, name, opt, begin=2, last_step=4)
        assert scheduler.base_values == [0.5, None]
        assert scheduler.last_step == 4
        assert _lrs(opt) == [0.1, 0.2]


@pytest.mark.subject('WIN-CONSTRUCTOR-STEP')
@pytest.mark.parametrize('name', BOTH)
class TestConstructorStep:
    @pytest.mark.parametrize('begin', [0, 1, 5])
    def test_constructor_is_call_zero(self, adapter, name, begin):
        """Leaves _global_step at 0; call 0 is active (last_step 0) only when begin is 0."""
        scheduler = _build(adapter, name, optimizer(), begin=begin)
        assert scheduler._global_step == 0
        assert scheduler.last_step == oracle.last_step_after(0, begin, INF)

    @pytest.mark.parametrize('begin', [0, 1])
    def test_writes_only_when_active(self, adapter, name, begin):
        """Writes (and logs) every group during construction only when begin is 0."""
        with _log_calls() as log:
            scheduler = _build(adapter, name, optimizer(0.1, 0.2), begin=begin, verbose=True)
        written = _verbose_lines(scheduler.get_last_value()) if begin == 0 else []
        assert _messages(log) == written

    def test_constructor_never_warns(self, adapter, name):
        """Emits no step-order warning during construction."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            _build(adapter, name, optimizer())
        assert _scheduler_warnings(caught) == []


# -- calls ---------------------------------------------------------------------------------------


@pytest.mark.subject('WIN-ACTIVE')
@pytest.mark.parametrize('name', BOTH)
class TestActive:
    @_HYPOTHESIS
    @given(
        begin=st.integers(0, 6),
        length=st.integers(1, 6),
        calls=st.integers(0, 14),
        groups=st.integers(1, 3),
    )
    def test_only_calls_in_window_count_and_write(self, adapter, name, begin, length, calls,
                                                  groups):
        """Counts every call but advances last_step and writes only when begin <= call < end."""
        end = begin + length
        with isolated_message_hubs():
            MessageHub.get_instance(REDUCE_LR_HUB)
            opt = optimizer(*[0.1 * (g + 1) for g in range(groups)])
            with _log_calls() as log:
                scheduler = _build(adapter, name, opt, begin=begin, end=end, verbose=True,
                                   by_epoch=False)
                active_so_far = int(begin == 0)
                for call in range(1, calls + 1):
                    note(f'call {call}')
                    sentinel = [0.25 + call / 64 + g / 8 for g in range(groups)]
                    for group, value in zip(opt.param_groups, sentinel):
                        group['lr'] = value
                    log.reset_mock()
                    _feed(progress=call - 1)
                    opt.step()
                    scheduler.step()
                    active = oracle.is_active(call, begin, end)
                    active_so_far += active
                    assert scheduler._global_step == call
                    assert scheduler.last_step == -1 + active_so_far
                    assert len(_messages(log)) == (groups if active else 0)
                    if not active:
                        assert _lrs(opt) == sentinel

    def test_calls_after_end_keep_counting(self, adapter, name, hubs):
        """Keeps incrementing _global_step after end while last_step stays put."""
        opt = optimizer()
        scheduler = _build(adapter, name, opt, end=2, by_epoch=False)
        for call in range(1, 8):
            _feed(progress=call - 1)
            opt.step()
            scheduler.step()
        assert (scheduler._global_step, scheduler.last_step) == (7, 1)

    def test_progress_does_not_move_the_window(self, adapter, name, hubs):
        """Counts the window in calls, whatever progress is published."""
        opt = optimizer()
        scheduler = _build(adapter, name, opt, begin=2, end=4, by_epoch=False)
        for call, progress in enumerate([50, 0, 3, 1000, 2], start=1):
            _feed(progress=progress)
            opt.step()
            scheduler.step()
            assert scheduler.last_step == -1 + sum(2 <= c < 4 for c in range(call + 1))


@pytest.mark.subject('WIN-WRITE')
class TestWrite:
    @pytest.mark.scheduler(LLI)
    @pytest.mark.parametrize('wrapper', [False, True], ids=['optimizer', 'wrapper'])
    def test_assigns_each_group_its_value(self, adapter, wrapper):
        """Assigns value i to group i, in order, on the optimizer the groups belong to."""
        lrs = (0.1, 0.02, 3.0)
        opt = optimizer(*lrs, wrapper=wrapper)
        inner = opt.optimizer if wrapper else opt
        with _log_calls() as log:
            _build(adapter, LLI, opt, start_factor=0.5, verbose=True)
        expected = [lr * 0.5 for lr in lrs]
        assert [group['lr'] for group in inner.param_groups] == expected
        assert _messages(log)[: len(lrs)] == _verbose_lines(expected)

    @pytest.mark.parametrize('name', BOTH)
    def test_writes_in_group_order(self, adapter, name, hubs):
        """Logs the writes of every active call in ascending group order."""
        opt = optimizer(0.4, 0.3, 0.2, 0.1)
        with _log_calls() as log:
            scheduler = _build(adapter, name, opt, verbose=True, by_epoch=False)
            _feed(progress=0)
            opt.step()
            scheduler.step()
        indices = [int(line.split()[5]) for line in _messages(log)]
        assert indices == [0, 1, 2, 3, 0, 1, 2, 3]


@pytest.mark.subject('WIN-LAST-VALUE')
@pytest.mark.parametrize('name', BOTH)
class TestLastValue:
    def test_records_every_call(self, adapter, name, hubs):
        """Records the groups' lrs after every call, including outside changes on inactive ones."""
        opt = optimizer(0.1, 0.2)
        scheduler = _build(adapter, name, opt, begin=2, end=4, by_epoch=False)
        assert scheduler.get_last_value() == _lrs(opt)
        for call in range(1, 7):
            opt.param_groups[0]['lr'] = 1.0 / (call + 3)
            _feed(progress=call - 1)
            opt.step()
            scheduler.step()
            assert scheduler.get_last_value() == _lrs(opt)

    def test_is_a_snapshot(self, adapter, name):
        """Keeps the recorded values when lr changes after the call."""
        opt = optimizer(0.1)
        scheduler = _build(adapter, name, opt, begin=1)
        opt.param_groups[0]['lr'] = 0.3
        assert scheduler.get_last_value() == [0.1]
        opt.step()
        scheduler.step()  # call 1 is active for ReduceLR but returns the current lr
        assert scheduler.get_last_value() == _lrs(opt)

    def test_returns_the_stored_list(self, adapter, name):
        """Returns the list it stores, the one state_dict() holds, not a copy."""
        scheduler = _build(adapter, name, optimizer())
        assert scheduler.get_last_value() is scheduler.get_last_value()
        assert scheduler.get_last_value() is scheduler.state_dict()['_last_value']


@pytest.mark.subject('WIN-OPTIMIZER-COUNTER')
class TestOptimizerCounter:
    @pytest.mark.parametrize('name', BOTH)
    def test_wraps_and_counts(self, adapter, name):
        """Wraps optimizer.step with a counter that starts at -1 and counts each call."""
        opt = optimizer()
        _build(adapter, name, opt, begin=1)
        assert opt.step._with_counter is True
        assert opt._global_step == -1
        for count in range(3):
            opt.step()
            assert opt._global_step == count

    @pytest.mark.parametrize(('first', 'second'), PAIRS)
    def test_second_scheduler_keeps_wrapper_and_resets_count(self, adapter, first, second):
        """Keeps the first wrapper for a second scheduler and resets the count to -1."""
        opt = optimizer()
        _build(adapter, first, opt, begin=1)
        counted = opt.step
        opt.step()
        opt.step()
        _build(adapter, second, opt, begin=1)
        assert opt.step is counted
        assert opt._global_step == -1
        opt.step()
        assert opt._global_step == 0

    @pytest.mark.parametrize('name', BOTH)
    def test_wrapper_counts_on_the_wrapper(self, adapter, name):
        """Wraps and counts on an OptimWrapper, leaving its torch optimizer untouched."""
        opt = optimizer(wrapper=True)
        _build(adapter, name, opt, begin=1)
        assert opt.step._with_counter is True
        assert opt._global_step == -1
        assert not hasattr(opt.optimizer, '_global_step')
        assert not hasattr(opt.optimizer.step, '_with_counter')

    @pytest.mark.parametrize('name', BOTH)
    def test_wrapped_step_still_steps(self, adapter, name):
        """Runs the original optimizer step through the wrapper."""
        opt = optimizer(0.25)
        _build(adapter, name, opt, begin=1)
        param = opt.param_groups[0]['params'][0]
        param.grad = torch.ones_like(param)
        opt.step()
        assert param.item() == -0.25


@pytest.mark.subject('WIN-ORDER-WARNING')
@pytest.mark.parametrize('name', BOTH)
class TestOrderWarning:
    def _calls(self, scheduler, count, opt=None):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            for _ in range(count):
                if opt is not None:
                    opt.step()
                scheduler.step()
        return [str(w.message) for w in _scheduler_warnings(caught)]

    def test_warns_when_optimizer_did_not_step(self, adapter, name):
        """Warns once, on the first explicit call, when optimizer.step() was not called."""
        scheduler = _build(adapter, name, optimizer(), begin=5)
        assert self._calls(scheduler, 3) == [ORDER_WARNING]

    def test_silent_after_optimizer_step(self, adapter, name):
        """Does not warn when optimizer.step() came first."""
        opt = optimizer()
        scheduler = _build(adapter, name, opt, begin=5)
        assert self._calls(scheduler, 3, opt) == []

    def test_warns_when_step_was_replaced(self, adapter, name):
        """Warns about an overridden optimizer.step when the counter wrapper is gone."""
        opt = optimizer()
        scheduler = _build(adapter, name, opt, begin=5)
        opt.step = lambda *args, **kwargs: None
        assert self._calls(scheduler, 2, opt) == [OVERRIDE_WARNING]

    def test_a_later_scheduler_forgets_earlier_steps(self, adapter, name):
        """Warns when the optimizer stepped only before a later scheduler reset its counter."""
        opt = optimizer()
        scheduler = _build(adapter, name, opt, begin=5)
        opt.step()
        _build(adapter, name, opt, begin=5)
        assert self._calls(scheduler, 1) == [ORDER_WARNING]

    def test_warning_changes_nothing(self, adapter, name):
        """Leaves counting and lrs as they would be without the warning."""
        warned, silent = optimizer(0.1), optimizer(0.1)
        a = _build(adapter, name, warned, begin=5)
        b = _build(adapter, name, silent, begin=5)
        self._calls(a, 3)
        self._calls(b, 3, silent)
        assert (a._global_step, a.last_step, _lrs(warned)) == (
            b._global_step, b.last_step, _lrs(silent))


@pytest.mark.subject('WIN-VERBOSE')
@pytest.mark.parametrize('name', BOTH)
class TestVerbose:
    def test_logs_every_written_value(self, adapter, name, hubs):
        """Logs one INFO line per group and active call, with the value in .4e format."""
        opt = optimizer(0.1, 2e-4, 3.0)
        with _log_calls() as log:
            scheduler = _build(adapter, name, opt, verbose=True, end=3, by_epoch=False)
            expected = _verbose_lines(_lrs(opt))
            for call in range(1, 5):
                _feed(progress=call - 1)
                opt.step()
                scheduler.step()
                if call < 3:
                    expected += _verbose_lines(_lrs(opt))
        assert [call.args[0] for call in log.call_args_list] == [20] * len(expected)
        assert _messages(log) == expected

    def test_silent_without_verbose(self, adapter, name, hubs):
        """Logs nothing when verbose is False."""
        opt = optimizer(0.1, 0.2)
        with _log_calls() as log:
            scheduler = _build(adapter, name, opt, by_epoch=False)
            _feed(progress=0)
            opt.step()
            scheduler.step()
        assert log.call_args_list == []


@pytest.mark.subject('WIN-BY-EPOCH')
class TestByEpoch:
    @pytest.mark.parametrize('name', BOTH)
    def test_counts_alike_for_both_values(self, adapter, name, hubs):
        """Advances _global_step and last_step identically for by_epoch True and False."""
        counts = {}
        for flag in (True, False):
            opt = optimizer()
            scheduler = _build(adapter, name, opt, begin=2, end=5, by_epoch=flag)
            seen = []
            for call in range(1, 8):
                _feed(progress=call - 1)
                opt.step()
                scheduler.step()
                seen.append((scheduler._global_step, scheduler.last_step))
            counts[flag] = seen
        assert counts[True] == counts[False]

    @pytest.mark.scheduler(RLR)
    def test_reduce_lr_ignores_by_epoch(self, adapter):
        """Gives ReduceLR the same trace for by_epoch True and False."""
        metrics = (5.0, 4.0, 4.0, 4.0, 3.0, 3.0, 3.0, 3.0)
        traces = [
            driver.run(single(RLR, kwargs={'patience': 1, 'factor': 0.5, 'by_epoch': flag},
                              steps=8, metrics=metrics), adapter)
            for flag in (True, False)
        ]
        assert traces[0].error is None
        assert _same_rows(traces[0].lrs, traces[1].lrs)

    @pytest.mark.runner
    @pytest.mark.scheduler(LLI)
    @pytest.mark.parametrize('by_epoch', [True, False])
    def test_runner_calls_per_epoch_or_per_iteration(self, adapter, by_epoch):
        """Is called after every epoch or every iteration by mmengine's hook, counting calls."""
        epoch_length, epochs = 4, 3
        record = train(
            schedulers={'type': classes_of(adapter)[LLI], 'start_factor': 0.5, 'end_factor': 0.0,
                        'begin': 1, 'end': 100, 'by_epoch': by_epoch},
            loop='epoch', epochs=epochs, epoch_length=epoch_length, classes=classes_of(adapter),
        )
        assert record.error is None
        iterations = epoch_length * epochs
        step = epoch_length if by_epoch else 1
        assert record.rounds == list(range(step, iterations + 1, step))
        # call 1 (begin) comes after the first round: the rounds' first iteration trains dipped
        assert record.lr()[: step + 1] == [0.1] * step + [0.05]
