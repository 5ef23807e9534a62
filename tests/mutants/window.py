"""Mutants of the scheduling window both schedulers share (WIN-*), and of what they write.

Most are mixins (no reference base class): the registry applies each to both schedulers, in
front of the reference class, so ``super()`` reaches the reference's rule.
"""

from __future__ import annotations

import copy
import math
import types
import warnings

import torch
from mmengine.logging import print_log
from mmengine.optim import BaseOptimWrapper, OptimWrapperDict
from torch.optim import Optimizer

from reference import INF
from reference import LinearLrInterval as _LinearLrInterval
from reference.window import _ORDER_WARNING, count_calls

from . import mutant


@mutant('LLI-VALUE-TYPES')
class LliWritesTensors(_LinearLrInterval):
    """Every value written is a 0-d float64 tensor holding the right number."""

    def _first_active_values(self):
        return [torch.tensor(value, dtype=torch.float64)
                for value in super()._first_active_values()]

    def _absolute_values(self, factor):
        return [torch.tensor(value, dtype=torch.float64)
                for value in super()._absolute_values(factor)]


@mutant('WIN-DEFAULTS')
class WinEndDefaultsToInfinity:
    """A window without end (end=10**9) ends at the float math.inf instead."""

    def _init_window(self, optimizer, param_name, begin, end, *args):
        if end == INF:
            end = math.inf
        super()._init_window(optimizer, param_name, begin, end, *args)


@mutant('WIN-OPTIMIZER-TYPE')
class WinOptimizerMessageSpaced:
    """The non-optimizer TypeError's message gets the space after the comma upstream lacks."""

    def _init_window(self, optimizer, *args):
        if not isinstance(optimizer, (Optimizer, BaseOptimWrapper)):
            raise TypeError('``optimizer`` should be an Optimizer, but got '
                            f'{type(optimizer).__name__}')
        super()._init_window(optimizer, *args)


@mutant('WIN-END-AFTER-BEGIN')
class WinNegativeBeginRefused:
    """A negative begin is refused with ValueError (after the type and end > begin checks)."""

    def _init_window(self, optimizer, param_name, begin, end, *args):
        if isinstance(optimizer, (Optimizer, BaseOptimWrapper)) and end > begin and begin < 0:
            raise ValueError(f'begin should not be negative, but got begin={begin}')
        super()._init_window(optimizer, param_name, begin, end, *args)


@mutant('WIN-LAST-STEP')
class WinLastStepAssertionExplained:
    """An invalid last_step raises an AssertionError that says why, not a bare one."""

    def _init_window(self, optimizer, param_name, begin, end, last_step, *args):
        try:
            super()._init_window(optimizer, param_name, begin, end, last_step, *args)
        except AssertionError as exc:
            if str(exc) or (isinstance(last_step, int) and last_step >= -1):
                raise
            raise AssertionError(f'last_step must be an int >= -1, got {last_step!r}') from None


@mutant('WIN-CHECK-ORDER')
class WinWindowCheckedFirst:
    """end > begin is checked before the optimizer's type."""

    def _init_window(self, optimizer, param_name, begin, end, *args):
        if end <= begin:
            raise ValueError(f'end should be larger than begin, but got begin={begin}, end={end}')
        super()._init_window(optimizer, param_name, begin, end, *args)


@mutant('WIN-INITIAL-VALUE')
class WinInitialValueOverwritten:
    """A fresh scheduler overwrites an initial_lr a group already has with its current lr."""

    def _record_initial_values(self, last_step):
        if last_step != -1:
            return super()._record_initial_values(last_step)
        for group in self.optimizer.param_groups:
            group[f'initial_{self.param_name}'] = group[self.param_name]
        return None


@mutant('WIN-RESUME-INITIAL-VALUE')
class WinResumeFillsInitialValue:
    """Resuming without initial_lr records the current lr as a fresh scheduler does, no KeyError."""

    def _record_initial_values(self, last_step):
        super()._record_initial_values(-1)


@mutant('WIN-CONSTRUCTOR-STEP')
class WinNoConstructorStep:
    """The constructor only records the lrs; the first explicit step() is call 0."""

    def step(self):
        if self._global_step == -1 and not hasattr(self, '_last_value'):
            self._last_value = [group[self.param_name] for group in self.optimizer.param_groups]
            return
        super().step()


@mutant('WIN-ACTIVE')
class WinEndInclusive:
    """A call is active up to and including end: begin <= _global_step <= end."""

    def is_active(self):
        return self.begin <= self._global_step <= self.end


@mutant('WIN-BY-EPOCH')
class WinIterationsCountedFromOne:
    """A by_epoch=False scheduler counts its window from call 1, as if iterations were 1-based."""

    def is_active(self):
        step = self._global_step if self.by_epoch else self._global_step - 1
        return self.begin <= step < self.end


@mutant('WIN-WRITE')
class WinWritesLastGroupFirst:
    """An active call assigns (and logs) the values from the last group to the first."""

    def step(self):
        self._warn_if_misordered()
        self._global_step += 1
        if self.is_active():
            self.last_step += 1
            values = self._get_value()
            pairs = list(enumerate(zip(self.optimizer.param_groups, values)))
            for index, (group, value) in reversed(pairs):
                group[self.param_name] = value
                self.print_value(self.verbose, index, value)
        self._last_value = [group[self.param_name] for group in self.optimizer.param_groups]


@mutant('WIN-LAST-VALUE')
class WinLastValueOnlyWhenActive:
    """Only active calls record the groups' lrs; an inactive call keeps the previous record."""

    def step(self):
        previous = getattr(self, '_last_value', None)
        super().step()
        if previous is not None and not self.is_active():
            self._last_value = previous


@mutant('WIN-OPTIMIZER-COUNTER')
class WinCounterKeptBySecondScheduler:
    """A scheduler on an already counted optimizer keeps its step count instead of resetting it."""

    def _init_window(self, optimizer, *args):
        counted = getattr(getattr(optimizer, 'step', None), '_with_counter', False)
        count = getattr(optimizer, '_global_step', None)
        super()._init_window(optimizer, *args)
        if counted and count is not None:
            optimizer._global_step = count


@mutant('WIN-ORDER-WARNING')
class WinNoOverrideWarning:
    """A replaced optimizer.step gets the order warning, not the overridden-step warning."""

    def _warn_if_misordered(self):
        if self._global_step == 0 and getattr(self.optimizer, '_global_step', -1) < 0:
            warnings.warn(_ORDER_WARNING, UserWarning, stacklevel=1)


@mutant('WIN-VERBOSE')
class WinVerboseFullPrecision:
    """verbose logs each value in full precision instead of the .4e format."""

    def print_value(self, is_verbose, group, value):
        if is_verbose:
            print_log(f'Adjusting parameter value of group {group} to {value}.', logger='current')


@mutant('WIN-WRAPPER-BASE-GROUP')
class WinUnwrapsOptimizer:
    """An OptimWrapper is scheduled through the optimizer it wraps, without the pseudo-group."""

    def _init_window(self, optimizer, *args):
        if isinstance(optimizer, BaseOptimWrapper) and hasattr(optimizer, 'optimizer'):
            optimizer = optimizer.optimizer
        super()._init_window(optimizer, *args)


@mutant('WIN-BOUNDS-UNCHECKED')
class WinBoundsTruncated:
    """The window test compares the step with int(begin) and int(end), not the bounds given."""

    def is_active(self):
        return int(self.begin) <= self._global_step < int(self.end)


@mutant('WIN-DEEPCOPY')
class WinDeepcopyRewrapsStep:
    """A deep copy wraps its optimizer copy's step again and restarts its counter at 0."""

    def __deepcopy__(self, memo):
        cls = type(self)
        new = cls.__new__(cls)
        memo[id(self)] = new
        for key, value in self.__dict__.items():
            setattr(new, key, copy.deepcopy(value, memo))
        new.optimizer.step = count_calls(new.optimizer.step)
        new.optimizer._global_step = 0
        return new


@mutant('WIN-FAILED-CALL')
class WinFailedCallRollsBack:
    """A call that raises puts _global_step and last_step back as they were before it."""

    def step(self):
        saved = self._global_step, self.last_step
        try:
            super().step()
        except Exception:
            self._global_step, self.last_step = saved
            raise


@mutant('WIN-FLAGS-TRUTHY')
class WinByEpochMadeBool:
    """The constructor stores bool(by_epoch) instead of the object given."""

    def _init_window(self, *args):
        super()._init_window(*args)
        self.by_epoch = bool(self.by_epoch)


@mutant('WIN-LATE-GROUP')
class WinValuesForConstructionGroups(_LinearLrInterval):
    """LinearLrInterval computes one value per group seen at construction (base_values), so a
    group added later is never written."""

    def _absolute_values(self, factor):
        value = self.start_factor + (self.end_factor - self.start_factor) * factor
        return [value for _base in self.base_values]


@mutant('WIN-LIVE-ATTRIBUTES')
class WinEndFactorCached(_LinearLrInterval):
    """LinearLrInterval keeps the end_factor it was built with; assigning it later changes
    nothing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._built_end_factor = self.end_factor

    def _absolute_values(self, factor):
        value = self.start_factor + (self._built_end_factor - self.start_factor) * factor
        return [value for _group in self.optimizer.param_groups]


@mutant('WIN-OPTIM-WRAPPER-DICT')
class WinOptimWrapperDictRefused:
    """An OptimWrapperDict is refused by the optimizer type check (TypeError) instead of failing
    later with AttributeError."""

    def _init_window(self, optimizer, *args):
        if isinstance(optimizer, OptimWrapperDict):
            raise TypeError('``optimizer`` should be an Optimizer,but got '
                            f'{type(optimizer).__name__}')
        super()._init_window(optimizer, *args)


@mutant('WIN-STEP-PATCH-CONFLICT')
class WinPlainStepAccepted:
    """A plain function in optimizer.step is bound to the optimizer first, so the counter
    wrapper accepts it instead of raising AttributeError."""

    def _init_window(self, optimizer, *args):
        step = getattr(optimizer, 'step', None)
        if (step is not None and not hasattr(step, '__self__')
                and not getattr(step, '_with_counter', False)):
            optimizer.step = types.MethodType(lambda _self, *a, **k: step(*a, **k), optimizer)
        super()._init_window(optimizer, *args)


@mutant('WIN-VERBOSE-FORMAT')
class WinVerboseFormatsFirst:
    """With verbose, every value is formatted before any is written, so a value that cannot be
    formatted fails the call before the first group changes."""

    def _get_value(self):
        values = super()._get_value()
        if self.verbose:
            for value in values:
                format(value, '.4e')
        return values
