"""A registry of this project's own, so configs can say ``dict(type='LinearLrInterval', ...)``.

LOOP-REGISTRY: upstream registers its classes in mmagic's registry, scope ``mmagic``; the reference
registers its own (reference/__init__.py) under its own scope, as any implementation may.

It is a child of mmengine's PARAM_SCHEDULERS under the scope ``reference`` (the package name, so
mmengine's scope switch imports this module), so it collides neither with mmagic's registry
(scope ``mmagic``) nor with mmengine's root.
"""

from __future__ import annotations

from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import Registry

SCOPE = 'reference'

PARAM_SCHEDULERS = Registry(
    'parameter scheduler',
    parent=MMENGINE_PARAM_SCHEDULERS,
    scope=SCOPE,
    locations=['reference'],
)
