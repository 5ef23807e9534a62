"""Load upstream mmagic's own, unmodified scheduler modules, with or without its heavy imports.

``import mmagic.engine`` needs torchvision, mmcv and more. The scheduler modules themselves only
need mmengine and ``mmagic.registry``. When the full import fails, the packages ``mmagic``,
``mmagic.engine`` (and its ``schedulers`` and ``hooks``) are registered as bare packages that point
at the installed directories, so Python imports the real module files without running the
package ``__init__`` files. ``load()`` says which way it went.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import sys
import types
from dataclasses import dataclass

FULL = 'full import'
ISOLATED = 'isolated import (package __init__ files not executed)'

_SCHEDULER_MODULES = {
    'LinearLrInterval': 'mmagic.engine.schedulers.linear_lr_scheduler_with_interval',
    'ReduceLR': 'mmagic.engine.schedulers.reduce_lr_scheduler',
}
_HOOK_MODULE = 'mmagic.engine.hooks.reduce_lr_scheduler_hook'


class UpstreamUnavailable(ImportError):
    """mmagic is not installed, or its scheduler files cannot be imported."""


@dataclass(frozen=True)
class Upstream:
    classes: dict
    hook: type
    version: str
    location: str
    how: str


_loaded = None


def load() -> Upstream:
    """Import upstream once per process and return its classes and how they were loaded."""
    global _loaded
    if _loaded is None:
        _loaded = _load()
    return _loaded


def location():
    """The installed ``mmagic`` package directory, found without importing it (None: absent)."""
    loaded = sys.modules.get('mmagic')
    if loaded is not None and getattr(loaded, '__path__', None):
        return next(iter(loaded.__path__))  # the bare package of an isolated import included
    spec = importlib.util.find_spec('mmagic')
    if spec is None or not spec.submodule_search_locations:
        return None
    return next(iter(spec.submodule_search_locations))


def _load() -> Upstream:
    root = location()
    if root is None:
        raise UpstreamUnavailable(
            "mmagic is not installed; install it with 'pip install --no-deps mmagic==1.2.0'"
        )
    try:
        schedulers = importlib.import_module('mmagic.engine.schedulers')
        hooks = importlib.import_module('mmagic.engine.hooks')
        how = FULL
        classes = {name: getattr(schedulers, name) for name in _SCHEDULER_MODULES}
        hook = hooks.ReduceLRSchedulerHook
    except ImportError:
        _forget_partial_imports()
        _register_bare_packages(root)
        how = ISOLATED
        classes = {}
        for name, module_name in _SCHEDULER_MODULES.items():
            classes[name] = getattr(importlib.import_module(module_name), name)
        hook = importlib.import_module(_HOOK_MODULE).ReduceLRSchedulerHook
    return Upstream(classes, hook, _version(root), root, how)


def _forget_partial_imports():
    for name in list(sys.modules):
        if name == 'mmagic' or name.startswith('mmagic.'):
            del sys.modules[name]


def _register_bare_packages(root):
    for name, path in (
        ('mmagic', root),
        ('mmagic.engine', f'{root}/engine'),
        ('mmagic.engine.schedulers', f'{root}/engine/schedulers'),
        ('mmagic.engine.hooks', f'{root}/engine/hooks'),
    ):
        package = types.ModuleType(name)
        package.__path__ = [path]
        package.__package__ = name
        sys.modules[name] = package
        parent, _, child = name.rpartition('.')
        if parent:
            setattr(sys.modules[parent], child, package)


def _version(_root):
    try:
        return importlib.metadata.version('mmagic')
    except importlib.metadata.PackageNotFoundError:
        return 'unknown'
