"""LLI-INTERVAL-UNVALIDATED broken: an interval outside 1..end-begin is refused at construction."""

from reference import INF, ReduceLR
from reference import LinearLrInterval as _LinearLrInterval


class LinearLrInterval(_LinearLrInterval):
    def __init__(self, optimizer, *args, interval=1, begin=0, end=INF, **kwargs):
        if not 0 < interval <= end - begin:
            raise ValueError(f'interval must be in 1..{end - begin}, got {interval}')
        super().__init__(optimizer, *args, interval=interval, begin=begin, end=end, **kwargs)


__all__ = ['LinearLrInterval', 'ReduceLR']
