"""Mutants of state dicts, checkpoints and resume (WIN-STATE-*, *-STATE-KEYS, RLR-TORCH-LOAD,
RLR-RESUME-STALE-HUB) and of resuming by last_step (*-RESUME-LAST-STEP)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch
from mmengine.logging import HistoryBuffer, MessageHub

from reference import LinearLrInterval as _LinearLrInterval
from reference import ReduceLR as _ReduceLR

from . import mutant


@mutant('WIN-STATE-DICT')
class WinLoadIgnoresUnknownKeys:
    """load_state_dict() skips keys that are not attributes of the scheduler."""

    def load_state_dict(self, state_dict):
        known = vars(self)
        super().load_state_dict({k: v for k, v in state_dict.items() if k in known})


@mutant('WIN-STATE-INTEROP')
class LliCachedIntervalCount(_LinearLrInterval):
    """The window's number of intervals is cached in an extra attribute, so an extra state key."""

    def __init__(self, *args, **kwargs):
        self._intervals = None
        super().__init__(*args, **kwargs)

    def _staircase_fraction(self, progress):
        if self._intervals is None:
            self._intervals = (self.end - self.begin) // self.interval
        return (max(0, progress - self.begin) // self.interval) / self._intervals


@mutant('LLI-STATE-KEYS')
class LliStateWithoutTotalIters(_LinearLrInterval):
    """The state dict leaves out total_iters, which nothing reads."""

    def state_dict(self):
        state = super().state_dict()
        del state['total_iters']
        return state


@mutant('RLR-STATE-KEYS')
class RlrStateWithoutLastEpoch(_ReduceLR):
    """The state dict leaves out last_epoch."""

    def state_dict(self):
        state = super().state_dict()
        del state['last_epoch']
        return state


def _allow_message_hub():
    """Allow-list what a pickled MessageHub holds for torch's weights-only unpickler."""
    core = getattr(np, '_core', None) or np.core
    dtypes = [type(np.dtype(name)) for name in ('float64', 'float32', 'int64', 'int32', 'bool')]
    torch.serialization.add_safe_globals(
        [MessageHub, HistoryBuffer, np.ndarray, np.dtype, core.multiarray._reconstruct, getattr,
         *dtypes])


@mutant('RLR-TORCH-LOAD')
class RlrHubAllowListed(_ReduceLR):
    """Constructing allow-lists MessageHub for torch.load, so a default load accepts the state."""

    def __init__(self, *args, **kwargs):
        _allow_message_hub()
        super().__init__(*args, **kwargs)


@mutant('RLR-RESUME-STALE-HUB')
class RlrLiveHubAfterLoad(_ReduceLR):
    """Loading a state dict keeps the scheduler's own hub (the defect "fixed")."""

    def load_state_dict(self, state_dict):
        super().load_state_dict({k: v for k, v in state_dict.items() if k != 'message_hub'})


@mutant('LLI-RESUME-LAST-STEP')
class LliResumeDips(_LinearLrInterval):
    """The first active call of the instance dips, resumed (last_step >= 0) or not."""

    def _get_value(self):
        if self._global_step == max(self.begin, 0):
            return self._first_active_values()
        return super()._get_value()


@mutant('RLR-RESUME-LAST-STEP')
class RlrResumeFreeFirstStep(_ReduceLR):
    """The first active call of the instance reads nothing, resumed (last_step >= 0) or not."""

    def _get_value(self):
        if self._global_step == max(self.begin, 0):
            return self._current_values()
        return super()._get_value()



@mutant('WIN-STATE-FOREIGN')
class WinForeignStateRefused:
    """load_state_dict() raises ValueError for a state dict of the other scheduler class
    (recognised by the constructor arguments only that class has)."""

    FOREIGN: ClassVar[dict] = {'LinearLrInterval': ('mode', 'patience'),
                               'ReduceLR': ('start_factor', 'interval')}

    def load_state_dict(self, state_dict):
        for cls in type(self).__mro__:
            marks = self.FOREIGN.get(cls.__name__)
            if marks is not None:
                if any(key in state_dict for key in marks):
                    raise ValueError('a state dict of another scheduler class')
                break
        super().load_state_dict(state_dict)
