"""Mutants of the LOOP-* clauses a scheduler takes part in.

A Runner builds a scheduler from its config's type name (LOOP-REGISTRY), decides from its
``by_epoch`` when to call it, builds it through ``build_iter_from_epoch`` for
``convert_to_iter_based``, and (with ReduceLRSchedulerHook) makes 'reduce_lr' the newest hub: these
mutants change what the Runner finds there.
"""

from __future__ import annotations

from mmengine.logging import MessageHub

from reference import INF, PARAM_SCHEDULERS
from reference import LinearLrInterval as _LinearLrInterval
from reference import ReduceLR as _ReduceLR
from reference.reduce_lr import HUB_NAME

from . import iter_from_epoch, mutant


@mutant('LOOP-REGISTRY', exports={'PARAM_SCHEDULERS': PARAM_SCHEDULERS})
class LliNeverRegistered(_LinearLrInterval):
    """The fork's LinearLrInterval is never registered: its registry still builds the parent's."""


@mutant('LOOP-ITER')
class RlrAlwaysByEpoch(_ReduceLR):
    """ReduceLR is always epoch-based, like torch's plateau scheduler: by_epoch=False is ignored."""

    def __init__(self, *args, by_epoch=True, **kwargs):
        super().__init__(*args, by_epoch=True, **kwargs)


@mutant('LOOP-EPOCH')
class RlrAlwaysByIteration(_ReduceLR):
    """ReduceLR always says by_epoch=False, as its hook decides when it steps: True is ignored."""

    def __init__(self, *args, by_epoch=True, **kwargs):
        super().__init__(*args, by_epoch=False, **kwargs)


@mutant('LOOP-DEFAULT-END')
class RlrDefaultsToIterations(_ReduceLR):
    """ReduceLR defaults to by_epoch=False, while the Runner's default end assumes True."""

    def __init__(self, *args, by_epoch=False, **kwargs):
        super().__init__(*args, by_epoch=by_epoch, **kwargs)


@mutant('LOOP-CONVERT-ITER')
class LliConvertedKeepsByEpoch(_LinearLrInterval):
    """build_iter_from_epoch scales begin and end but leaves by_epoch=True."""

    @classmethod
    def build_iter_from_epoch(cls, *args, begin=0, end=INF, by_epoch=True, epoch_length=None,
                              **kwargs):
        return iter_from_epoch(cls, args, kwargs, begin, end, by_epoch, epoch_length,
                               by_epoch_after=by_epoch)


@mutant('LOOP-HOOK-HUB')
class LliSkipsReduceLrHub(_LinearLrInterval):
    """Progress comes from the newest hub other than 'reduce_lr', which never holds progress."""

    def _read_progress(self):
        hubs = [hub for name, hub in MessageHub._instance_dict.items() if name != HUB_NAME]
        hub = hubs[-1] if hubs else MessageHub.get_current_instance()
        return hub.get_info('epoch' if self.by_epoch else 'iter')
