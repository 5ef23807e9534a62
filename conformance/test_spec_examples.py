"""Every reproduction written in docs/spec.md runs, as a doctest, on the implementation under test.

The examples are what was run on upstream mmagic to establish each clause, so with
``--impl=mmagic`` this re-establishes the spec and with any other value it checks conformance.
An example illustrates its clause; it is never the clause's subject test (tests/ checks that
every clause has another), so these carry the ``example`` marker.

A clause's intent example (``Intent example (run on the reference with intent:ID)``) holds on the
reference with that intent; it runs on a candidate only when the candidate declares the intent
(``--deviations``), and is otherwise not applicable.
"""

from __future__ import annotations

import doctest
import warnings

import pytest

from conformance.harness import clauses, repro
from conformance.harness.adapters import classes_of

_EXAMPLES = clauses.examples()
_INTENT_EXAMPLES = clauses.intent_examples()
_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _needs(text):
    return [name for name in ('LinearLrInterval', 'ReduceLR') if name in text]


def _skip_without_registry(text, adapter):
    """An example that builds from the implementation's registry needs one (LOOP-REGISTRY)."""
    if 'scheduler_registry()' in text and getattr(adapter, 'registry', None) is None:
        pytest.skip(f'not applicable: the adapter {adapter.name} exposes no registry')


@pytest.mark.example
@pytest.mark.parametrize(
    'clause_id',
    [pytest.param(cid, marks=[pytest.mark.subject(cid), pytest.mark.scheduler(*_needs(text))])
     for cid, text in sorted(_EXAMPLES.items())],
)
def test_spec_example_holds(clause_id, adapter):
    """Reproduces the clause's example output exactly."""
    __tracebackhide__ = True
    classes_of(adapter)  # the examples construct schedulers: not applicable without classes
    _skip_without_registry(_EXAMPLES[clause_id], adapter)
    _run_example(clause_id, _EXAMPLES[clause_id], adapter, 'its example')


@pytest.mark.example
@pytest.mark.parametrize(
    'clause_id',
    [pytest.param(cid, marks=[pytest.mark.subject(cid), pytest.mark.scheduler(*_needs(text))])
     for cid, text in sorted(_INTENT_EXAMPLES.items())],
)
def test_intent_example_holds(clause_id, adapter, declared):
    """Reproduces the intent example's output exactly on a candidate that declares the intent."""
    if clause_id not in declared.intents:
        pytest.skip(f'not applicable: {adapter.name} does not declare intent:{clause_id}')
    __tracebackhide__ = True
    classes_of(adapter)  # the examples construct schedulers: not applicable without classes
    _skip_without_registry(_INTENT_EXAMPLES[clause_id], adapter)
    _run_example(clause_id, _INTENT_EXAMPLES[clause_id], adapter,
                 f'its intent example (intent:{clause_id})')


def _run_example(clause_id, text, adapter, what):
    __tracebackhide__ = True
    namespace = {name: getattr(repro, name) for name in repro.__all__}
    test = doctest.DocTestParser().get_doctest(text, namespace, clause_id, 'docs/spec.md', 0)
    output = []
    runner = doctest.DocTestRunner(optionflags=_FLAGS)
    # The selection is module state of repro: undo it, so no later test finds it made or not.
    previous = repro.use(adapter)
    try:
        with warnings.catch_warnings():
            # Several examples step without an optimizer step; the order warning is
            # WIN-ORDER-WARNING's subject only, and that example records warnings itself.
            warnings.simplefilter('ignore', UserWarning)
            runner.run(test, out=output.append)
    finally:
        repro.use(previous)
    if runner.failures:
        raise AssertionError(f'clause {clause_id}: {what} in docs/spec.md does not hold\n'
                             + ''.join(output))
