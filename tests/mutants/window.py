"""Mutants of the scheduling window both schedulers share (WIN-*), and of what they write."""

from __future__ import annotations

import torch

from reference import LinearLrInterval as _LinearLrInterval

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
