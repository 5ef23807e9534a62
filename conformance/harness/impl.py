"""Resolve ``--impl`` (or ``LR_CONFORMANCE_IMPL``) once into an adapter, or one clear usage error.

Accepted values: ``reference``; ``reference[ID,...]`` (the reference with those intents of
docs/spec.md enabled, docs/intents.md); ``mmagic`` (the installed mmagic, upstream's or a fork's,
see upstream.py: its name says whether its files are upstream's as published); a dotted module that
exposes ``LinearLrInterval`` and/or ``ReduceLR`` with upstream's interface (and, optionally,
``PARAM_SCHEDULERS``, the registry a config names them in: LOOP-REGISTRY); ``module:object``
naming an adapter (an instance, or a class or factory called with no arguments).

The adapters module (mmengine, torch) is imported by the functions that build an adapter: the
controller of a distributed run only parses the value (:func:`choose`) and must not pay for
importing them (harness/workers.py).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import os
from dataclasses import dataclass

from . import driver, upstream
from .scenario import SCHEDULERS, single

ENV_VAR = 'LR_CONFORMANCE_IMPL'
DEFAULT = 'reference'
#: LOOP-MMENGINE-VERSIONS: the mmengine releases upstream was measured on (docs/versions.md).
MEASURED_MMENGINE = ('0.8.5', '0.9.1', '0.10.0', '0.10.7')
NORMATIVE_MMENGINE = '0.10.7'


class ImplError(Exception):
    """A value of --impl that cannot be used; the message says why."""


@dataclass(frozen=True)
class Choice:
    """The implementation asked for, and where it was asked for (for error messages)."""

    value: str
    source: str  # '--impl', the environment variable's name, or 'default'

    @property
    def label(self):
        source = '--impl' if self.source == 'default' else self.source
        return f'{source}={self.value}'


def choose(option_value) -> Choice:
    """The --impl option wins over the environment variable, which wins over the default.

    An explicitly empty ``--impl=`` or environment variable is refused: it would silently mean
    the default, so a CI job whose ``--impl=$FORK`` or ``LR_CONFORMANCE_IMPL=$FORK`` lost its
    value would test the reference and pass.
    """
    if option_value is not None:
        if not option_value.strip():
            raise ImplError('--impl is empty; give reference, mmagic, a module path or '
                            'module:object')
        return Choice(option_value.strip(), '--impl')
    if ENV_VAR in os.environ:
        from_environment = os.environ[ENV_VAR].strip()
        if not from_environment:
            raise ImplError(f'{ENV_VAR} is set but empty; give reference, mmagic, a module path '
                            f'or module:object, or unset it to test the default ({DEFAULT})')
        return Choice(from_environment, ENV_VAR)
    return Choice(DEFAULT, 'default')


def resolve(value, source='--impl'):
    """Return the adapter that ``value`` names (a string, or a :class:`Choice`)."""
    choice = value if isinstance(value, Choice) else Choice((value or '').strip(), source)
    value = choice.value
    if not value:
        raise ImplError(f'{choice.source} is empty; give reference, mmagic, a module path or '
                        'module:object')
    try:
        if value == 'reference':
            adapter = _module_adapter('reference', 'reference')
            adapter.intents = frozenset()
            return adapter
        if value.startswith('reference['):
            return _intents_adapter(value)
        if value == 'mmagic':
            return _upstream_adapter()
        if ':' in value:
            return _custom_adapter(value)
        return _module_adapter(value, value)
    except ImplError as exc:
        raise ImplError(str(exc).replace('--impl=' + value, choice.label, 1)) from None


def _import(module_name, value):
    """Import the module ``--impl`` names; tell a missing module from one whose import fails."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        parts = module_name.split('.')
        own = {'.'.join(parts[:n]) for n in range(1, len(parts) + 1)}
        if exc.name in own:
            raise ImplError(
                f'--impl={value}: module {module_name!r} is not importable ({exc}); '
                'is it installed or on PYTHONPATH?'
            ) from exc
        raise ImplError(
            f'--impl={value}: importing {module_name!r} failed: a module it imports is missing '
            f'({exc}); install its dependencies, or point --impl at a module that imports only '
            'what the schedulers need'
        ) from exc
    except Exception as exc:  # whatever the module's own code raises while it is imported
        raise ImplError(f'--impl={value}: importing {module_name!r} raised '
                        f'{type(exc).__name__}: {exc}') from exc


def _module_adapter(module_name, value):
    from .adapters import MessageHubAdapter

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
    # LOOP-REGISTRY: a module offers its registry under upstream's name for it.
    adapter = MessageHubAdapter(classes, name=value, origin=_where(module),
                                registry=getattr(module, 'PARAM_SCHEDULERS', None))
    adapter.is_reference = _is_reference(adapter.classes)
    return adapter


def _is_reference(classes):
    """True when every class provided is the reference's own (not a subclass of it)."""
    import reference

    return all(cls is getattr(reference, name) for name, cls in classes.items())


def _intents_adapter(value):
    """``reference[ID,...]``: the reference's classes with those intents enabled."""
    import reference

    from .adapters import MessageHubAdapter

    inside = value[len('reference['):-1] if value.endswith(']') else None
    ids = [part.strip() for part in inside.split(',')] if inside else []
    if not inside or not all(ids):
        raise ImplError(f'--impl={value}: malformed; write reference[ID,ID,...] with at least one '
                        f'intent ID of docs/spec.md ({", ".join(sorted(reference.INTENTS))})')
    try:
        enabled = reference.with_intents(ids)
    except ValueError as exc:
        raise ImplError(f'--impl={value}: {exc}') from None
    name = f'reference[{",".join(sorted(enabled.intents))}]'
    # No registry: the intents' subclasses are the suite's own variants, which no config names.
    adapter = MessageHubAdapter(enabled.classes, name=name,
                                origin=f'{_where(reference)} with intent(s) '
                                       f'{", ".join(sorted(enabled.intents))}')
    adapter.intents = enabled.intents
    adapter.is_reference = True
    return adapter


def _upstream_adapter():
    from .adapters import MessageHubAdapter

    try:
        loaded = upstream.load()
    except ImportError as exc:
        raise ImplError(f'--impl=mmagic: upstream mmagic cannot be loaded ({exc})') from exc
    adapter = MessageHubAdapter(loaded.classes,
                                name=f'mmagic {loaded.version} ({loaded.check.verdict()})',
                                origin=f'{loaded.location} [{loaded.how}]',
                                registry=loaded.registry)
    adapter.published_check = loaded.check  # the header's line on the files' sha256
    return adapter


def _custom_adapter(value):
    from .adapters import ADAPTER_ATTRIBUTES, ADAPTER_METHODS

    module_name, _, attribute = value.partition(':')
    module = _import(module_name, value)
    if not attribute or not hasattr(module, attribute):
        raise ImplError(f'--impl={value}: module {module_name!r} has no attribute {attribute!r}')
    target = getattr(module, attribute)
    if inspect.isclass(target) or inspect.isfunction(target):
        try:
            adapter = target()
        except Exception as exc:  # the adapter's own constructor or factory failed
            raise ImplError(f'--impl={value}: calling {module_name}.{attribute}() to get the '
                            f'adapter raised {type(exc).__name__}: {exc} (see docs/adapters.md)'
                            ) from exc
    else:
        adapter = target
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


#: What :func:`check` runs once per scheduler: upstream's signature, one call after the first.
SMOKE = {
    'LinearLrInterval': single('LinearLrInterval', 'smoke-linear-lr-interval', steps=2,
                               kwargs=dict(start_factor=0.5, end_factor=0.0, begin=0, end=4,
                                           interval=1, by_epoch=False)),
    'ReduceLR': single('ReduceLR', 'smoke-reduce-lr', steps=2, metrics=(1.0, 1.0),
                       kwargs=dict(mode='min', factor=0.5, patience=0, begin=0, end=4,
                                   by_epoch=False)),
}


def check(adapter, label):
    """Refuse, in one message, an implementation whose schedulers cannot even be judged.

    Each scheduler it provides must construct with upstream's signature and step without an
    exception; otherwise every test would fail the same way and bury the cause.
    """
    for name in sorted(adapter.provides):
        scenario = SMOKE[name]
        try:
            trace = driver.run(scenario, adapter)
        except Exception as exc:
            raise ImplError(f'{label}: the adapter failed while running {name}: '
                            f'{type(exc).__name__}: {exc}') from exc
        if trace.error is not None:
            error = trace.error
            what = 'constructing' if error.phase == 'construct' else f'call {error.step} of'
            raise ImplError(
                f'{label}: {name} cannot be judged: {what} '
                f'{name}(optimizer, {_arguments(scenario)}) raised {error.type}: '
                f'{error.message}. The suite stops here instead of failing every test of '
                f'{name} the same way.'
            )


def _arguments(scenario):
    return ', '.join(f'{key}={value!r}' for key, value in scenario.schedulers[0].kwargs.items())


def facts(adapter) -> dict:
    """What the header and the report say of an adapter: plain data, which a worker can send."""
    check = getattr(adapter, 'published_check', None)
    registry = getattr(adapter, 'registry', None)
    return {
        'name': str(adapter.name),
        'origin': str(adapter.origin),
        'provides': sorted(adapter.provides),
        'published': check.details() if check is not None else None,
        'exposes_state': bool(getattr(adapter, 'exposes_state', False)),
        'registry': ('none exposed by the adapter: registry checks are not applicable'
                     if registry is None else
                     f'scope {getattr(registry, "scope", "?")!r}: configs name the schedulers '
                     'by type'),
        'is_reference': bool(getattr(adapter, 'is_reference', False)),
        'intents': sorted(getattr(adapter, 'intents', ())),
    }


def versions() -> dict:
    """Installed versions of the packages the header reports."""
    found = {}
    for package in ('mmagic', 'mmengine', 'torch'):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = 'not installed'
    return found
