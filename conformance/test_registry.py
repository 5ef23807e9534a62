"""Configs name the schedulers by type; the implementation's registry builds them (LOOP-REGISTRY).

Users never hand a Runner classes: mmagic's configs say ``dict(type='LinearLrInterval', ...)``, and
a Runner with ``default_scope='mmagic'`` builds that dict through mmengine's root PARAM_SCHEDULERS,
which switches to the child registry of its scope. These checks build the dicts exactly that way
(mmengine's builder, with the default arguments a Runner gives: the optimizer wrapper and
``epoch_length``) rather than in a whole Runner, because a Runner with ``default_scope='mmagic'``
also looks up mmagic's model and hook registries, which import mmcv.

The registry is the one the adapter exposes (``adapter.registry``, docs/adapters.md): upstream's
``mmagic.registry.PARAM_SCHEDULERS`` (scope 'mmagic'), the reference's (scope 'reference',
reference/registry.py), a module's ``PARAM_SCHEDULERS``. A fork may have a scope of its own; what it
must not lose is that the two type names resolve to its own classes under that scope. An adapter
without a registry gets these checks reported as not applicable.
"""

from __future__ import annotations

import pytest
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import DefaultScope, Registry

from conformance.harness.repro import optimizer

pytestmark = pytest.mark.subject('LOOP-REGISTRY')

LLI = 'LinearLrInterval'
RLR = 'ReduceLR'
BOTH = [
    pytest.param(LLI, marks=pytest.mark.scheduler(LLI), id=LLI),
    pytest.param(RLR, marks=pytest.mark.scheduler(RLR), id=RLR),
]
#: A config's keyword arguments besides ``type``; begin=0, so the constructor's call writes
#: (WIN-CONSTRUCTOR-STEP) and the lrs show which optimizer the built scheduler got.
KWARGS = {
    LLI: dict(start_factor=0.5, end_factor=0.0, begin=0, end=6, interval=2, by_epoch=False),
    RLR: dict(mode='max', factor=0.5, patience=0, begin=0, end=6, by_epoch=False),
}
#: What a Runner adds to every param_scheduler dict (Runner._build_param_scheduler).
EPOCH_LENGTH = 3


def _registry(adapter):
    registry = getattr(adapter, 'registry', None)
    if registry is None:
        pytest.skip(f'not applicable: the adapter {adapter.name} exposes no registry, so no '
                    'config can name its schedulers (docs/adapters.md, registry)')
    return registry


def _runner_build(config, opt, scope):
    """Build ``config`` as a Runner with ``default_scope=scope`` builds a param_scheduler dict."""
    with DefaultScope.overwrite_default_scope(scope):
        return MMENGINE_PARAM_SCHEDULERS.build(
            config, default_args=dict(optimizer=opt, epoch_length=EPOCH_LENGTH))


def _as_built(scheduler, name):
    """What a user reads of a built scheduler: its arguments and the lrs it wrote."""
    return ({key: getattr(scheduler, key) for key in KWARGS[name]},
            scheduler.get_last_value())


@pytest.mark.parametrize('name', BOTH)
class TestTypeNames:
    def test_registry_resolves_the_type_name_to_the_class(self, adapter, classes, name):
        """Returns the implementation's own class for the type name."""
        registry = _registry(adapter)
        assert isinstance(registry, Registry), f'adapter.registry is {registry!r}'
        found = registry.get(name)
        assert found is classes[name], (f'the {registry.scope!r} registry resolves {name!r} to '
                                        f'{found!r}, not to the implementation\'s class')

    def test_registry_builds_the_class_from_a_config_dict(self, adapter, classes, name):
        """Builds from dict(type=name, ...) what the class builds from the same arguments."""
        registry = _registry(adapter)
        built = registry.build(dict(type=name, optimizer=optimizer(0.1, 0.2), **KWARGS[name]))
        direct = classes[name](optimizer(0.1, 0.2), **KWARGS[name])
        assert type(built) is classes[name]
        assert _as_built(built, name) == _as_built(direct, name)

    def test_runner_default_scope_builds_the_class(self, adapter, classes, name):
        """Builds the class from dict(type=name) through mmengine's root under the scope."""
        registry = _registry(adapter)
        opt = optimizer(0.1, 0.2, wrapper=True)
        built = _runner_build(dict(type=name, **KWARGS[name]), opt, registry.scope)
        direct = classes[name](optimizer(0.1, 0.2, wrapper=True), **KWARGS[name])
        assert type(built) is classes[name]
        assert built.optimizer is opt
        assert _as_built(built, name) == _as_built(direct, name)

    def test_scope_key_builds_the_class(self, adapter, classes, name):
        """Builds the class from dict(type=name, _scope_=scope) with no default scope."""
        registry = _registry(adapter)
        config = dict(type=name, _scope_=registry.scope, **KWARGS[name])
        built = _runner_build(config, optimizer(0.1, 0.2, wrapper=True), None)
        assert type(built) is classes[name]

    @pytest.mark.touches('LOOP-CONVERT-ITER', 'RLR-NO-ITER-FROM-EPOCH')
    def test_convert_to_iter_based_by_name_is_the_class_own(self, adapter, classes, name):
        """Converts by name exactly as the class's build_iter_from_epoch does, or raises alike."""
        registry = _registry(adapter)
        kwargs = dict(KWARGS[name], begin=1, end=4, by_epoch=True)
        config = dict(type=name, convert_to_iter_based=True, **kwargs)
        by_name = _outcome(lambda opt: _runner_build(config, opt, registry.scope), name)
        own = _outcome(lambda opt: classes[name].build_iter_from_epoch(
            opt, epoch_length=EPOCH_LENGTH, **kwargs), name)
        assert by_name == own


@pytest.mark.parametrize('name', BOTH)
def test_mmengine_scope_does_not_know_the_type_name(adapter, name):
    """Raises KeyError for dict(type=name) under no scope and under mmengine's own scope."""
    _registry(adapter)
    for scope in (None, 'mmengine'):
        with pytest.raises(KeyError):
            _runner_build(dict(type=name, **KWARGS[name]), optimizer(wrapper=True), scope)


def _outcome(build, name):
    """The built scheduler as a user reads it, or the exception's type (its text is mmengine's
    or CPython's, never normative)."""
    try:
        scheduler = build(optimizer(0.1, 0.2, wrapper=True))
    except Exception as exc:  # the outcome compared
        return type(exc)
    return type(scheduler), _as_built(scheduler, name)
