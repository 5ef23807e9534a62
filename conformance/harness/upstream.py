"""Load the installed mmagic's scheduler modules (upstream's or a fork's), heavy imports or not.

``import mmagic.engine`` needs torchvision, mmcv and more. The scheduler modules themselves only
need mmengine and ``mmagic.registry``. When the full import fails, the packages ``mmagic``,
``mmagic.engine`` (and its ``schedulers`` and ``hooks``) are registered as bare packages that point
at the installed directories, so Python imports the real module files without running the
package ``__init__`` files. ``load()`` says which way it went, and whether the files it loaded are
upstream's as published (``Upstream.check``, against the sha256 of published.py).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import sys
import types
from dataclasses import dataclass
from pathlib import Path

from . import published

FULL = 'full import'
ISOLATED = 'isolated import (package __init__ files not executed)'

_SCHEDULER_MODULES = {
    'LinearLrInterval': 'mmagic.engine.schedulers.linear_lr_scheduler_with_interval',
    'ReduceLR': 'mmagic.engine.schedulers.reduce_lr_scheduler',
}
_HOOK_MODULE = 'mmagic.engine.hooks.reduce_lr_scheduler_hook'
#: Where upstream's scheduler registry lives (LOOP-REGISTRY): its PARAM_SCHEDULERS, scope 'mmagic'.
_REGISTRY_MODULE = 'mmagic.registry'
_EXPECTED_FILE = {
    'LinearLrInterval': 'mmagic/engine/schedulers/linear_lr_scheduler_with_interval.py',
    'ReduceLR': 'mmagic/engine/schedulers/reduce_lr_scheduler.py',
    'ReduceLRSchedulerHook': 'mmagic/engine/hooks/reduce_lr_scheduler_hook.py',
}


class UpstreamUnavailable(ImportError):
    """mmagic is not installed, or its scheduler files cannot be imported."""


@dataclass(frozen=True)
class PublishedCheck:
    """How the files ``load()`` executed compare with upstream's as published.

    Paths are as in the wheel (``mmagic/...``). ``differs``: present with another sha256;
    ``missing``: absent from the installed package; ``elsewhere``: a scheduler or the hook that
    was loaded from a file other than the published one (possible only with a full import).
    """

    version: str
    matching: tuple
    differs: tuple
    missing: tuple
    elsewhere: tuple = ()
    full_import: bool = False

    @property
    def as_published(self) -> bool:
        return not (self.differs or self.missing or self.elsewhere)

    def verdict(self) -> str:
        """One phrase for the implementation's name in the header."""
        if self.as_published:
            return "upstream's scheduler files as published: sha256 match"
        return f'MODIFIED: {"; ".join(self.problems())} from mmagic {self.version} as published'

    def problems(self) -> list:
        return ([f'{path} differs' for path in self.differs]
                + [f'{path} missing' for path in self.missing]
                + [f'{what} loaded from {where}' for what, where in self.elsewhere])

    def details(self) -> str:
        """The header line: what was compared with what."""
        state = {**dict.fromkeys(self.matching, 'ok'), **dict.fromkeys(self.differs, 'DIFFERS'),
                 **dict.fromkeys(self.missing, 'MISSING')}
        files = ', '.join(f'{path} {state[path]}' for path in published.FILES)
        line = f'sha256 of the loaded files vs {published.WHEEL} (published.py): {files}'
        if self.full_import:
            line += ("; a full import also ran mmagic's package __init__ files, which are not "
                     'checked')
        return line



def check_published(root, loaded_from=None, full_import=False) -> PublishedCheck:
    """Hash the files of published.FILES under the package directory ``root``.

    ``loaded_from`` maps a class name to the file it was actually loaded from, so a class that
    a fork's package re-exports from another file is reported too.
    """
    base = Path(root).parent
    matching, differs, missing = [], [], []
    for path, digest in published.FILES.items():
        file = base / path
        if not file.is_file():
            missing.append(path)
        elif hashlib.sha256(file.read_bytes()).hexdigest() == digest:
            matching.append(path)
        else:
            differs.append(path)
    elsewhere = []
    for name, where in sorted((loaded_from or {}).items()):
        expected = base / _EXPECTED_FILE[name]
        if where is None or Path(where).resolve() != expected.resolve():
            elsewhere.append((name, where))
    return PublishedCheck(published.VERSION, tuple(matching), tuple(differs), tuple(missing),
                          tuple(elsewhere), full_import)


@dataclass(frozen=True)
class Upstream:
    classes: dict
    hook: type
    version: str
    location: str
    how: str
    check: PublishedCheck = None
    #: The package's PARAM_SCHEDULERS registry (LOOP-REGISTRY); None if it cannot be imported.
    registry: object = None


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
            if _present(root, module_name):  # a fork may drop one scheduler
                classes[name] = getattr(importlib.import_module(module_name), name)
        hook = (importlib.import_module(_HOOK_MODULE).ReduceLRSchedulerHook
                if _present(root, _HOOK_MODULE) else None)
        if not classes:
            raise UpstreamUnavailable(f"{root} has neither scheduler module of mmagic "
                                      f'{published.VERSION}') from None
    loaded_from = {name: _file_of(cls) for name, cls in classes.items()}
    if hook is not None:
        loaded_from['ReduceLRSchedulerHook'] = _file_of(hook)
    check = check_published(root, loaded_from, full_import=how == FULL)
    return Upstream(classes, hook, _version(root), root, how, check, _registry())


def _registry():
    """The loaded package's ``mmagic.registry.PARAM_SCHEDULERS`` (the scheduler modules import it).

    None when the package has no importable registry module; the header then says that the
    LOOP-REGISTRY checks are not applicable.
    """
    try:
        module = importlib.import_module(_REGISTRY_MODULE)
    except ImportError:
        return None
    return getattr(module, 'PARAM_SCHEDULERS', None)


def _present(root, module_name):
    relative = module_name.split('.', 1)[1].replace('.', '/')
    return (Path(root) / f'{relative}.py').is_file()


def _file_of(cls):
    return getattr(sys.modules.get(cls.__module__), '__file__', None)


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
