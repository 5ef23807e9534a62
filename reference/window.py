"""The scheduling window both schedulers share (clauses ``WIN-*``).

mmagic's schedulers inherit this machinery from mmengine's ``_ParamScheduler``; the reference
writes it out rule by rule so that a comparison with upstream compares two implementations.

PYTEST_DONT_REWRITE: its ``assert`` statements raise upstream's own messages; pytest rewrites
the asserts of an installed plugin's modules, which would change them (conformance/plugin.py).
"""

from __future__ import annotations

import warnings
import weakref
from functools import wraps

from mmengine.logging import print_log
from mmengine.optim import BaseOptimWrapper
from torch.optim import Optimizer

#: WIN-DEFAULTS: the default ``end`` is mmengine's "infinity", the integer 10**9.
INF = int(1e9)

_OVERRIDDEN_WARNING = (
    'Seems like `optimizer.step()` has been overridden after parameter value scheduler '
    'initialization. Please, make sure to call `optimizer.step()` before `scheduler.step()`. '
    'See more details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate'
)
_ORDER_WARNING = (
    'Detected call of `scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and later, '
    'you should call them in the opposite order: `optimizer.step()` before `scheduler.step()`. '
    'Failure to do this will result in PyTorch skipping the first value of the parameter value '
    'schedule. See more details at '
    'https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate'
)


def count_calls(method):
    """Wrap a bound ``optimizer.step`` so that each call adds one to ``optimizer._global_step``.

    WIN-OPTIMIZER-COUNTER: the marker attribute ``_with_counter`` is the one upstream uses, so a
    reference scheduler and an upstream scheduler on the same optimizer wrap it only once.
    """
    if getattr(method, '_with_counter', False):
        return method
    owner = weakref.ref(method.__self__)  # a weak reference avoids a cycle optimizer <-> wrapper
    func = method.__func__
    owner_class = type(method.__self__)

    @wraps(func)
    def counted(*args, **kwargs):
        instance = owner()
        instance._global_step += 1
        return func.__get__(instance, owner_class)(*args, **kwargs)

    counted._with_counter = True
    return counted


class WindowedScheduler:
    """Step counting, the [begin, end) window, resume and state for one scheduled parameter.

    Subclasses implement ``_get_value``; everything else a scheduler does between two calls of
    ``step()`` is here.
    """

    #: The intents enabled (clause IDs, reference/intents.py); none: upstream's behaviour.
    _intents = frozenset()

    def _init_window(self, optimizer, param_name, begin, end, last_step, by_epoch, verbose):
        """Run the constructor rules in upstream's order: the order decides which error wins."""
        # WIN-OPTIMIZER-TYPE: a torch Optimizer or an mmengine optimizer wrapper, nothing else.
        if not isinstance(optimizer, (Optimizer, BaseOptimWrapper)):
            raise TypeError(
                f'``optimizer`` should be an Optimizer,but got {type(optimizer).__name__}'
            )
        self.optimizer = optimizer
        self.param_name = param_name

        # WIN-END-AFTER-BEGIN: an empty or reversed window is refused.
        if end <= begin:
            raise ValueError(
                f'end should be larger than begin, but got begin={begin}, end={end}'
            )
        self.begin = begin
        self.end = end
        self.by_epoch = by_epoch

        # WIN-LAST-STEP: -1 means "never stepped"; anything else must be an int >= 0.
        assert isinstance(last_step, int) and last_step >= -1
        self._record_initial_values(last_step)
        self.base_values = [group[f'initial_{param_name}'] for group in optimizer.param_groups]
        self.last_step = last_step

        # WIN-OPTIMIZER-COUNTER: count optimizer steps to detect a misordered first call.
        self.optimizer.step = count_calls(self.optimizer.step)
        self.optimizer._global_step = -1

        self._global_step = -1
        self.verbose = verbose

        # WIN-CONSTRUCTOR-STEP: the constructor itself performs call number 0.
        self.step()

    def _record_initial_values(self, last_step):
        key = f'initial_{self.param_name}'
        if last_step == -1:
            # WIN-INITIAL-VALUE: a fresh scheduler records the current value unless one is there.
            for group in self.optimizer.param_groups:
                group.setdefault(key, group[self.param_name])
            return
        # WIN-RESUME-INITIAL-VALUE: resuming without state needs the recorded initial value.
        for index, group in enumerate(self.optimizer.param_groups):
            if key not in group:
                raise KeyError(
                    f"param '{key}' is not specified in param_groups[{index}] "
                    'when resuming an optimizer'
                )

    def _warn_if_misordered(self):
        """WIN-ORDER-WARNING: the first explicit ``step()`` checks that the optimizer stepped."""
        if self._global_step != 0:
            return
        if not hasattr(self.optimizer.step, '_with_counter'):
            warnings.warn(_OVERRIDDEN_WARNING, UserWarning, stacklevel=1)
        elif self.optimizer._global_step < 0:
            warnings.warn(_ORDER_WARNING, UserWarning, stacklevel=1)

    def is_active(self):
        """WIN-ACTIVE: a call is active iff ``begin <= _global_step < end``."""
        return self.begin <= self._global_step < self.end

    def step(self):
        """Count the call; inside the window, advance ``last_step`` and write the new values."""
        self._warn_if_misordered()
        self._global_step += 1
        if self.is_active():
            self.last_step += 1
            self._write(self._get_value())
        else:
            values = self._inactive_values()
            if values is not None:
                self._write(values)
        # WIN-LAST-VALUE: every call, active or not, records the groups' current values.
        self._last_value = [group[self.param_name] for group in self.optimizer.param_groups]

    def _write(self, values):
        """WIN-WRITE: values are written group by group, in param_groups order."""
        for index, (group, value) in enumerate(zip(self.optimizer.param_groups, values)):
            group[self.param_name] = value
            self.print_value(self.verbose, index, value)

    def _inactive_values(self):
        """WIN-ACTIVE: an inactive call writes nothing (None); an intent may write values."""
        return None

    def print_value(self, is_verbose, group, value):
        """WIN-VERBOSE: with ``verbose`` every written value is logged to the current logger."""
        if is_verbose:
            message = f'Adjusting parameter value of group {group} to {value:.4e}.'
            print_log(message, logger='current')

    def get_last_value(self):
        """WIN-LAST-VALUE: the values recorded by the latest call."""
        return self._last_value

    def state_dict(self):
        """WIN-STATE-DICT: every instance attribute except the optimizer, by reference."""
        return {key: value for key, value in self.__dict__.items() if key != 'optimizer'}

    def load_state_dict(self, state_dict):
        """WIN-STATE-DICT: loading overwrites attributes by name, with no check of the keys."""
        self.__dict__.update(state_dict)
