"""Loading, copying and listing scheduler state beyond a same-class resume (WIN-STATE-FOREIGN,
WIN-DEEPCOPY, RLR-LOAD-UNVALIDATED, and WIN-STATE-DICT's key order).

A state dict is an attribute dict (WIN-STATE-DICT), so whatever it holds becomes the scheduler's
attributes and the scheduler's own rules then act on them. Expectations are cross-checks against
a scheduler built with those attributes, or the rules evaluated on them.
"""

from __future__ import annotations

import copy
import pickle
import re
import warnings

import pytest
from mmengine.logging import MessageHub

from conformance.harness import clauses, observed, oracle
from conformance.harness.adapters import REDUCE_LR_HUB
from conformance.harness.by_hand import call, group_lrs, open_hubs, publish
from conformance.harness.repro import optimizer

LLI = 'LinearLrInterval'
RLR = 'ReduceLR'
BOTH = [
    pytest.param(LLI, marks=pytest.mark.scheduler(LLI), id=LLI),
    pytest.param(RLR, marks=pytest.mark.scheduler(RLR), id=RLR),
]
LLI_KW = dict(start_factor=0.5, end_factor=0.0, end=10, by_epoch=False)
OVERRIDE_WARNING = (
    'Seems like `optimizer.step()` has been overridden after parameter value scheduler '
    'initialization. Please, make sure to call `optimizer.step()` before `scheduler.step()`. '
    'See more details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate'
)


def build(classes, name, *group_lrs, **kwargs):
    if not kwargs:
        kwargs = LLI_KW if name == LLI else dict(patience=0, factor=0.5)
    return classes[name](optimizer(*(group_lrs or (0.1,))), **kwargs)


# -- WIN-STATE-DICT: key order ---------------------------------------------------------------------


def clause_key_order():
    """The two key orders WIN-STATE-DICT lists, read from docs/spec.md itself."""
    text = ' '.join(clauses.sections()['WIN-STATE-DICT'].split())
    found = {}
    for name in (LLI, RLR):
        match = re.search(name + r' `([a-z_, ]+)`', text)
        assert match, f'WIN-STATE-DICT lists no key order for {name}'
        found[name] = [key.strip() for key in match.group(1).split(',')]
    return found


@pytest.mark.subject('WIN-STATE-DICT')
@pytest.mark.parametrize('name', BOTH)
def test_keys_come_in_attribute_creation_order(classes, name):
    """Lists the state dict's keys in the order the constructor created the attributes."""
    open_hubs()
    publish(iter=0, value=1.0)
    s = build(classes, name)
    call(s)
    assert list(s.state_dict()) == clause_key_order()[name]


# -- WIN-STATE-FOREIGN -----------------------------------------------------------------------------


@pytest.mark.subject('WIN-STATE-FOREIGN')
@pytest.mark.touches('WIN-STATE-DICT', 'WIN-ACTIVE', 'RLR-FIRST-STEP')
class TestForeignState:
    @pytest.mark.scheduler(LLI, RLR)
    def test_reduce_lr_runs_a_linear_interval_window(self, classes):
        """Loads a LinearLrInterval state and then behaves as a ReduceLR with that window."""
        open_hubs()
        donor = classes[LLI](optimizer(0.1), start_factor=0.5, begin=2, end=10, by_epoch=False)
        loaded = build(classes, RLR, 1.0)
        loaded.load_state_dict(donor.state_dict())
        assert set(loaded.state_dict()) == set(donor.state_dict()) | set(
            build(classes, RLR).state_dict())
        native = classes[RLR](optimizer(1.0), patience=0, factor=0.5, begin=2, end=10,
                              by_epoch=False)
        for k in range(1, 7):
            if k >= 3:  # calls before the first consuming one read nothing (RLR-FIRST-STEP)
                publish(value=1.0)
            call(loaded)
            call(native)
            got = [observed.observe(getattr(loaded, n)) for n in ('last_step', 'best')]
            want = [observed.observe(getattr(native, n)) for n in ('last_step', 'best')]
            assert got == want, (k, got, want)
            assert group_lrs(loaded.optimizer) == group_lrs(native.optimizer), k

    @pytest.mark.scheduler(LLI, RLR)
    def test_linear_interval_takes_reduce_lr_window_and_flags(self, classes):
        """Loads a ReduceLR state and then reads 'epoch' by its by_epoch=True, without a dip."""
        open_hubs()
        publish(value=1.0)
        donor = build(classes, RLR, 1.0)
        call(donor)
        call(donor)
        opt = optimizer(0.1)
        loaded = classes[LLI](opt, **LLI_KW)
        loaded.load_state_dict(donor.state_dict())
        assert (loaded.by_epoch, loaded.last_step, loaded.end) == (True, 2, 10**9)
        assert loaded.best == donor.best and loaded.mode == 'min'
        publish(iter=7, epoch=3)
        call(loaded)
        names = ('start_factor', 'end_factor', 'begin', 'end', 'interval')
        attributes = {name: getattr(loaded, name) for name in names}
        assert group_lrs(opt) == [oracle.staircase_value(attributes, 3)]  # 'epoch', not 'iter'


# -- WIN-DEEPCOPY ----------------------------------------------------------------------------------

_COPIES = [pytest.param(copy.deepcopy, id='deepcopy'),
           pytest.param(lambda s: pickle.loads(pickle.dumps(s)), id='pickle')]


@pytest.mark.subject('WIN-DEEPCOPY')
@pytest.mark.touches('WIN-OPTIMIZER-COUNTER', 'WIN-ORDER-WARNING', 'RLR-HUB-BINDING')
class TestCopies:
    @pytest.mark.parametrize('name', BOTH)
    @pytest.mark.parametrize('duplicate', _COPIES)
    def test_copy_loses_the_step_counter(self, classes, name, duplicate):
        """Copies the optimizer without its counted step; the original keeps it."""
        open_hubs()
        s = build(classes, name)
        c = duplicate(s)
        assert not getattr(c.optimizer.step, '_with_counter', False)
        assert not hasattr(c.optimizer, '_global_step')
        assert getattr(s.optimizer.step, '_with_counter', False)
        assert c._global_step == s._global_step == 0

    @pytest.mark.parametrize('name', BOTH)
    def test_copys_first_step_warns_and_schedules_like_the_original(self, classes, name):
        """Warns 'has been overridden' at the copy's first step; writes the original's values."""
        open_hubs()
        publish(value=1.0)  # a copied ReduceLR reads the hub as it was when copied
        s = build(classes, name)
        c = copy.deepcopy(s)
        for k in range(1, 4):
            publish(iter=k - 1, value=1.0)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter('always')
                call(s)
                call(c)
            messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
            assert messages == ([OVERRIDE_WARNING] if k == 1 else [])
            assert group_lrs(c.optimizer) == group_lrs(s.optimizer)

    @pytest.mark.scheduler(RLR)
    @pytest.mark.filterwarnings('ignore:Seems like:UserWarning')
    @pytest.mark.parametrize('duplicate', _COPIES)
    def test_copied_reduce_lr_reads_a_frozen_hub(self, classes, duplicate):
        """Reads the value the hub held at copy time, not what is published later."""
        publish(value=3.0)
        original = build(classes, RLR, 1.0)
        c = duplicate(original)
        assert c.message_hub is not MessageHub.get_instance(REDUCE_LR_HUB)
        publish(value=1.0)
        call(original)
        call(c)
        assert original.best == 1.0 and c.best == 3.0

    @pytest.mark.scheduler(RLR)
    @pytest.mark.filterwarnings('ignore:Seems like:UserWarning')
    def test_copy_without_a_value_raises_key_error(self, classes):
        """Raises KeyError at the copy's first consuming call when nothing had been published."""
        original = build(classes, RLR, 1.0)
        c = copy.deepcopy(original)
        publish(value=1.0)
        call(original)
        with pytest.raises(KeyError):
            call(c)


# -- RLR-LOAD-UNVALIDATED --------------------------------------------------------------------------

_ODD_PAIRS = [('avg', 'rel'), ('min', 'foo'), ('max', 'foo'), (None, None), ('MIN', 'rel'),
              ('max', 'abs'), ('min', 'ABS')]
_VALUES = [-3.0, -1.0, 0.0, 1.0, 2.0, 2.4, 2.5, 2.6, 3.0]


def bad_calls_only(lr, factor, patience, calls):
    """RLR-COUNT, RLR-PATIENCE and RLR-REDUCE-ORDER when no consuming call ever improves."""
    rows, bad = [], 0
    for _ in range(calls):
        bad += 1  # nothing improves on best = inf
        if oracle.patience_exceeded(bad, patience):
            bad = 0
            lr = oracle.reduced(lr, factor, 0.0, oracle.RLR_DEFAULTS['eps'])
        rows.append(lr)
    return rows


@pytest.mark.subject('RLR-LOAD-UNVALIDATED')
@pytest.mark.touches('RLR-IS-BETTER', 'RLR-VALIDATION', 'WIN-STATE-DICT')
@pytest.mark.scheduler(RLR)
class TestUnvalidatedLoad:
    @pytest.mark.parametrize('how', ['load', 'assign'])
    @pytest.mark.parametrize(('mode', 'threshold_mode'), _ODD_PAIRS, ids=repr)
    def test_other_pairs_compare_as_max_abs(self, classes, how, mode, threshold_mode):
        """Accepts the pair and compares a > best + threshold for it."""
        s = classes[RLR](optimizer(1.0), threshold=0.5)
        if how == 'load':
            s.load_state_dict({'mode': mode, 'threshold_mode': threshold_mode})
        else:
            s.mode, s.threshold_mode = mode, threshold_mode
        for a in _VALUES:
            for best in _VALUES:
                assert s.is_better(a, best) == (a > best + 0.5), (a, best)

    @pytest.mark.parametrize('state', [dict(mode='avg', threshold_mode='foo'), dict(mode='max'),
                                       dict(mode='max', threshold_mode='abs')], ids=repr)
    @pytest.mark.parametrize('patience', [0, 2])
    def test_loaded_mode_recomputes_nothing(self, classes, state, patience):
        """Keeps mode_worse and best, so every consuming call after the load is a bad one."""
        publish(value=1.0)
        opt = optimizer(1.0)
        s = classes[RLR](opt, patience=patience, factor=0.5, threshold=0.5)
        s.load_state_dict(state)
        assert (s.mode_worse, s.best) == (float('inf'), float('inf'))
        got = []
        for value in (1.0, 5.0, -5.0, 100.0, 0.0, 2.0):
            publish(value=value)
            call(s)
            got.append(group_lrs(opt)[0])
        assert got == bad_calls_only(1.0, 0.5, patience, 6)
        assert s.best == float('inf')
