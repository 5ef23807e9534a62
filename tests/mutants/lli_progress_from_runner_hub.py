"""LLI-CURRENT-HUB broken: progress comes from the newest hub that holds it, not the newest hub."""

from mmengine.logging import MessageHub

from reference import LinearLrInterval as _LinearLrInterval
from reference import ReduceLR


class LinearLrInterval(_LinearLrInterval):
    def _read_progress(self):
        key = 'epoch' if self.by_epoch else 'iter'
        for hub in reversed(list(MessageHub._instance_dict.values())):
            if hub.get_info(key) is not None:
                return hub.get_info(key)
        return None


__all__ = ['LinearLrInterval', 'ReduceLR']
