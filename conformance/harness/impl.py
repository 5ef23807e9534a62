"""Resolve ``--impl`` (or ``LR_CONFORMANCE_IMPL``) once into an adapter, or one clear usage error.

Accepted values: ``reference``; ``mmagic`` (upstream, see upstream.py); a dotted module that
exposes ``LinearLrInterval`` and/or ``ReduceLR`` with upstream's interface; ``module:object``
naming an adapter (an instance, or a class or factory called with no arguments).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import os

from . import upstream
from .adapters import ADAPTER_ATTRIBUTES, ADAPTER_METHODS, MessageHubAdapter
from .scenario import SCHEDULERS

ENV_VAR = 'LR_CONFORMANCE_IMPL'
DEFAULT = 'reference'
#: LOOP-MMENGINE-VERSIONS: the mmengine releases upstream was measured on (docs/versions.md).
MEASURED_MMENGINE = ('0.8.5', '0.9.1', '0.10.0', '0.10.7')
NORMATIVE_MMENGINE = '0.10.7'


class ImplError(Exception):
    """A value of --impl that cannot be used; the message says why."""


def resolve(value: str):
    """Return the adapter that ``value`` names."""
    value = (value or '').strip()
    if not value:
        raise ImplError('--impl is empty; give reference, mmagic, a module path or module:object')
    if value == 'reference':
        return _module_adapter('reference', 'reference')
    if value == 'mmagic':
        return _upstream_adapter()
    if ':' in value:
        return _custom_adapter(value)
    return _module_adapter(value, value)


def _import(module_name, value):
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        raise ImplError(
            f'--impl={value}: module {module_name!r} is not importable ({exc}); '
            'is it installed or on PYTHONPATH?'
        ) from exc


def _module_adapter(module_name, value):
    module = _import(module_name, value)
    classes = {name: getattr(module, name, None) for name in SCHEDULERS}
    if not any(classes.values()):
        raise ImplError(
            f'--impl={value}: module {module_name!r} ({_where(module)}) defines neither '
            f'{" nor ".join(SCHEDULERS)}'
        )
    for name, cls in classes.items():
        if cls is not None and not callable(cls):
            raise ImplError(f'--impl={value}: {module_name}.{name} is not a class')
    return MessageHubAdapter(classes, name=value, origin=_where(module))


def _upstream_adapter():
    try:
        loaded = upstream.load()
    except ImportError as exc:
        raise ImplError(f'--impl=mmagic: upstream mmagic cannot be loaded ({exc})') from exc
    return MessageHubAdapter(loaded.classes, name=f'mmagic {loaded.version}',
                             origin=f'{loaded.location} [{loaded.how}]')


def _custom_adapter(value):
    module_name, _, attribute = value.partition(':')
    module = _import(module_name, value)
    if not attribute or not hasattr(module, attribute):
        raise ImplError(f'--impl={value}: module {module_name!r} has no attribute {attribute!r}')
    target = getattr(module, attribute)
    adapter = target() if inspect.isclass(target) or inspect.isfunction(target) else target
    missing = [m for m in ADAPTER_METHODS if not callable(getattr(adapter, m, None))]
    missing += [a for a in ADAPTER_ATTRIBUTES if not hasattr(adapter, a)]
    if missing:
        raise ImplError(
            f'--impl={value}: adapter is incomplete, missing {", ".join(missing)} '
            '(see docs/adapters.md)'
        )
    provides = frozenset(adapter.provides)
    unknown = provides - set(SCHEDULERS)
    if unknown or not provides:
        raise ImplError(
            f'--impl={value}: adapter.provides must name some of {", ".join(SCHEDULERS)}, '
            f'got {sorted(provides)}'
        )
    return adapter


def _where(module):
    return getattr(module, '__file__', None) or repr(module)


def choose(option_value):
    """The --impl option wins over the environment variable, which wins over the default."""
    return option_value or os.environ.get(ENV_VAR) or DEFAULT


def versions() -> dict:
    """Installed versions of the packages the header reports."""
    found = {}
    for package in ('mmagic', 'mmengine', 'torch'):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = 'not installed'
    return found
