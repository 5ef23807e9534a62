"""LinearLrInterval as upstream mmagic 1.2.0 really behaves (clauses ``LLI-*``).

The value is a staircase of ABSOLUTE learning rates read off the MessageHub's progress, with a
one-step ``lr * start_factor`` dip on the first active call; docs/spec.md says where this
departs from upstream's own docstring.

PYTEST_DONT_REWRITE: its ``assert`` statements raise upstream's own messages; pytest rewrites
the asserts of an installed plugin's modules, which would change them (conformance/plugin.py).
"""

from __future__ import annotations

from mmengine.logging import MessageHub
from mmengine.optim import LinearLR

from .window import INF, WindowedScheduler


class LinearLrInterval(WindowedScheduler, LinearLR):
    """Linear learning-rate staircase that updates every ``interval`` epochs or iterations.

    Subclasses mmengine's ``LinearLR`` only so that code checking the type accepts it; every
    method a scheduler runs is defined here or in :class:`WindowedScheduler`.
    """

    def __init__(
        self,
        optimizer,
        start_factor=1.0 / 3,
        end_factor=1.0,
        begin=0,
        end=INF,
        last_step=-1,
        by_epoch=True,
        verbose=False,
        *,
        interval=1,
    ):
        # LLI-INTERVAL-UNVALIDATED: stored first and never checked.
        self.interval = interval
        # LLI-FACTOR-RANGE: both factors must lie in [0, 1]; start_factor is checked first.
        if start_factor > 1.0 or start_factor < 0:
            raise ValueError('Starting multiplicative factor should between 0 and 1.')
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError('Ending multiplicative factor should between 0 and 1.')
        self.start_factor = start_factor
        self.end_factor = end_factor
        # LLI-TOTAL-ITERS: kept as state, used by nothing.
        self.total_iters = end - begin - 1
        self._init_window(optimizer, 'lr', begin, end, last_step, by_epoch, verbose)

    @classmethod
    def build_iter_from_epoch(cls, *args, begin=0, end=INF, by_epoch=True, epoch_length=None,
                              **kwargs):
        """LLI-ITER-FROM-EPOCH: scale begin and end by the epoch length; ``interval`` is not."""
        assert by_epoch, (
            'Only epoch-based kwargs whose `by_epoch=True` can be converted to iter-based.'
        )
        assert epoch_length is not None and epoch_length > 0, (
            f'`epoch_length` must be a positive integer, but got {epoch_length}.'
        )
        begin = int(begin * epoch_length)
        if end != INF:
            end = int(end * epoch_length)
        return cls(*args, begin=begin, end=end, by_epoch=False, **kwargs)

    def _get_value(self):
        if 'LLI-NEVER-END-FACTOR' in self._intents and self._global_step + 1 >= self.end:
            # intent:LLI-NEVER-END-FACTOR: the last active call (the next one is past the
            # window) writes end_factor itself, reading no progress; it wins over the first call.
            return [self.end_factor for _group in self.optimizer.param_groups]
        if self.last_step == 0:
            return self._first_active_values()
        progress = self._read_progress()
        factor = self._staircase_fraction(progress)
        return self._absolute_values(factor)

    def _first_active_values(self):
        """LLI-FIRST-STEP-DIP: the first active call multiplies each group's lr by start_factor."""
        if 'LLI-FIRST-STEP-DIP' in self._intents:
            # intent:LLI-FIRST-STEP-DIP: the staircase value for k = 0.0, with no progress read.
            return self._absolute_values(0.0)
        return [group[self.param_name] * self.start_factor for group in self.optimizer.param_groups]

    def _inactive_values(self):
        """LLI-BEFORE-BEGIN: an inactive call leaves every lr as it is."""
        if 'LLI-BEFORE-BEGIN' in self._intents and self._global_step < self.begin:
            # intent:LLI-BEFORE-BEGIN: every call before begin, call 0 included, writes
            # start_factor itself to every group.
            return [self.start_factor for _group in self.optimizer.param_groups]
        return None

    def _read_progress(self):
        """LLI-PROGRESS-SOURCE: epoch or iteration from the most recently created MessageHub."""
        hub = MessageHub.get_current_instance()  # LLI-CURRENT-HUB
        if self.by_epoch:
            return hub.get_info('epoch')
        return hub.get_info('iter')

    def _staircase_fraction(self, progress):
        """LLI-STAIRCASE: completed intervals since begin over the intervals in the window.

        No clamp above (LLI-PROGRESS-INCONSISTENT); a window shorter than one interval divides
        by zero (LLI-INTERVAL-TOO-LARGE, LLI-INTERVAL-ZERO); a missing progress fails on the
        subtraction (LLI-PROGRESS-MISSING).
        """
        steps_done = max(0, progress - self.begin) // self.interval
        steps_total = (self.end - self.begin) // self.interval
        return steps_done / steps_total

    def _absolute_values(self, factor):
        """LLI-ABSOLUTE-VALUE and LLI-GROUPS-COLLAPSE: one absolute value for every group."""
        value = self.start_factor + (self.end_factor - self.start_factor) * factor
        return [value for _group in self.optimizer.param_groups]
