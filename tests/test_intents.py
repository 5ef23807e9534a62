"""The reference's executable intents (reference/intents.py, docs/intents.md).

Each intent example of docs/spec.md holds on the reference with that intent, under every set of
intents that contains it, and fails on the plain reference (so it shows the intent at all). The
branches of reference/ that only an intent takes are covered here, not by the conformance suite
run on the plain reference.
"""

from __future__ import annotations

import doctest
import itertools
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch
from mmengine.logging import MessageHub

import reference
from conformance.harness import clauses, impl, isolation, repro
from conformance.harness.adapters import MessageHubAdapter
from reference import intents as intents_module

ROOT = Path(__file__).resolve().parents[1]
INTENT_EXAMPLES = clauses.intent_examples()
IDS = sorted(reference.INTENTS)


def complete(ids):
    """``ids`` plus every intent they require (reference.INTENT_REQUIRES)."""
    found = set(ids)
    for cid in ids:
        found |= reference.INTENT_REQUIRES.get(cid, frozenset())
    return frozenset(found)


def valid_sets():
    """Every set of intents that with_intents accepts."""
    for size in range(1, len(IDS) + 1):
        for ids in itertools.combinations(IDS, size):
            if complete(ids) == frozenset(ids):
                yield frozenset(ids)


def run_example(text, classes):
    """Run a doctest from docs/spec.md on ``classes``; return the failure report ('' if none)."""
    namespace = {name: getattr(repro, name) for name in repro.__all__}
    test = doctest.DocTestParser().get_doctest(text, namespace, 'intent', 'docs/spec.md', 0)
    output = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    previous = repro.use(MessageHubAdapter(classes, name='reference-with-intents', origin=''))
    try:
        with isolation.isolated(), warnings.catch_warnings():
            warnings.simplefilter('ignore', UserWarning)
            runner.run(test, out=output.append)
    finally:
        repro.use(previous)
    return ''.join(output) if runner.failures else ''


class TestTheSpec:
    def test_intents_are_the_spec_intents(self):
        """Has one INTENTS entry per Intent paragraph of docs/spec.md, and no other."""
        assert sorted(clauses.intents()) == IDS

    def test_every_intent_has_an_intent_example(self):
        """Gives every intent an intent example in its own clause."""
        assert sorted(INTENT_EXAMPLES) == IDS

    def test_upstream_examples_exclude_intent_examples(self):
        """Keeps intent examples out of the upstream examples every implementation runs."""
        upstream = clauses.examples()
        for cid, text in INTENT_EXAMPLES.items():
            assert text not in upstream.get(cid, ''), cid

    def test_requirements_name_intents(self):
        """Names only intents in INTENT_REQUIRES, never an intent requiring itself."""
        for cid, needed in reference.INTENT_REQUIRES.items():
            assert cid in reference.INTENTS and needed <= set(reference.INTENTS) - {cid}

    def test_intent_statements_are_one_line(self):
        """States every intent in one non-empty line."""
        for cid, statement in reference.INTENTS.items():
            assert statement.strip() and '\n' not in statement, cid


class TestIntentExamples:
    @pytest.mark.parametrize('cid', IDS)
    def test_holds_with_the_intent(self, cid):
        """Holds on the reference with the intent and every set of intents containing it."""
        for ids in valid_sets():
            if cid in ids:
                failure = run_example(INTENT_EXAMPLES[cid], reference.with_intents(ids).classes)
                assert not failure, f'with intents {sorted(ids)}:\n{failure}'

    @pytest.mark.parametrize('cid', IDS)
    def test_fails_on_plain_reference(self, cid):
        """Fails on the plain reference: the example shows the intent's difference."""
        classes = {'LinearLrInterval': reference.LinearLrInterval, 'ReduceLR': reference.ReduceLR}
        assert run_example(INTENT_EXAMPLES[cid], classes)


class TestWithIntents:
    def test_no_intents_is_upstream(self):
        """Returns the plain reference classes for an empty set."""
        enabled = reference.with_intents(())
        assert enabled.LinearLrInterval is reference.LinearLrInterval
        assert enabled.ReduceLR is reference.ReduceLR
        assert enabled.intents == frozenset()

    def test_classes_are_subclasses_and_cached(self):
        """Builds subclasses once per set, whatever the order of the IDs."""
        first = reference.with_intents(['RLR-MIN-LR', 'LLI-BEFORE-BEGIN'])
        again = reference.with_intents(('LLI-BEFORE-BEGIN', 'RLR-MIN-LR'))
        assert first == again
        assert issubclass(first.ReduceLR, reference.ReduceLR)
        assert first.LinearLrInterval.__name__ == 'LinearLrInterval[LLI-BEFORE-BEGIN,RLR-MIN-LR]'
        assert first.intents == frozenset({'LLI-BEFORE-BEGIN', 'RLR-MIN-LR'})
        assert first.classes == {'LinearLrInterval': first.LinearLrInterval,
                                 'ReduceLR': first.ReduceLR}

    def test_unknown_id(self):
        """Raises ValueError naming the unknown ID and listing the known ones."""
        with pytest.raises(ValueError, match=r'unknown intent ID.*NO-SUCH.*LLI-BEFORE-BEGIN'):
            reference.with_intents({'NO-SUCH', 'RLR-MIN-LR'})

    def test_a_string_is_refused(self):
        """Raises ValueError for a bare string, which is not a collection of IDs."""
        with pytest.raises(ValueError, match='not the string'):
            reference.with_intents('RLR-MIN-LR')

    def test_reduce_order_needs_min_lr(self):
        """Raises ValueError saying that RLR-REDUCE-ORDER is declared with RLR-MIN-LR, and why."""
        with pytest.raises(ValueError, match=r'intent:RLR-REDUCE-ORDER must be declared together '
                                             r'with intent:RLR-MIN-LR: .*eps'):
            reference.with_intents({'RLR-REDUCE-ORDER'})

    def test_min_lr_alone_is_allowed(self):
        """Accepts intent:RLR-MIN-LR alone (upstream's order, no raise)."""
        assert reference.with_intents({'RLR-MIN-LR'}).intents == {'RLR-MIN-LR'}

    @pytest.mark.filterwarnings('ignore::UserWarning')
    def test_reduce_order_alone_would_break_min_lr(self):
        """Shows the reason: torch's order alone changes RLR-MIN-LR's upstream behaviour."""
        opt = repro.optimizer(0.01)
        alone = type('ReduceOrderAlone', (reference.ReduceLR,),
                     {'_intents': frozenset({'RLR-REDUCE-ORDER'})})
        with isolation.isolated():
            s = alone(opt, patience=0, factor=0.5, min_lr=0.1)
            MessageHub.get_instance('reduce_lr').update_scalar('value', 1.0)
            s.step()
            s.step()
        assert opt.param_groups[0]['lr'] == 0.01  # upstream raises it to 0.1

    @pytest.mark.parametrize('name', ['LinearLrInterval', 'ReduceLR'])
    def test_pickle_round_trip(self, name):
        """Pickles a scheduler with intents like the plain reference, class included."""
        enabled = reference.with_intents(IDS)
        with isolation.isolated():
            scheduler = enabled.classes[name](repro.optimizer(0.1))
            copy = pickle.loads(pickle.dumps(scheduler))
        assert type(copy) is enabled.classes[name]

    def test_unpickles_in_a_new_process(self):
        """Builds the intent class on first use when another process unpickles it."""
        with isolation.isolated():
            data = pickle.dumps(reference.with_intents({'LLI-BEFORE-BEGIN'}).LinearLrInterval(
                repro.optimizer(0.1), begin=2))
        code = ('import pickle, sys; s = pickle.loads(sys.stdin.buffer.read()); '
                'print(type(s).__name__, sorted(s._intents))')
        result = subprocess.run([sys.executable, '-c', code], input=data, cwd=ROOT,
                                capture_output=True, timeout=120)
        assert result.stdout.decode().split() == [
            'LinearLrInterval[LLI-BEFORE-BEGIN]', "['LLI-BEFORE-BEGIN']"], result.stderr

    @pytest.mark.parametrize('name', ['LinearLrInterval[NO-SUCH]', 'ReduceLR[RLR-REDUCE-ORDER]',
                                      'Other[RLR-MIN-LR]', 'ReduceLR[RLR-MIN-LR'])
    def test_module_has_no_other_attribute(self, name):
        """Raises AttributeError for a name that is no valid intent class."""
        with pytest.raises(AttributeError):
            getattr(intents_module, name)


def make(cls_name, ids, *args, **kwargs):
    return reference.with_intents(ids).classes[cls_name](*args, **kwargs)


@pytest.mark.filterwarnings('ignore::UserWarning')
class TestIntentRules:
    """Edge cases of each intent beyond its spec example."""

    def test_before_begin_verbose_logs(self, capsys):
        """Logs the start_factor written before begin when verbose."""
        with isolation.isolated():
            make('LinearLrInterval', {'LLI-BEFORE-BEGIN'}, repro.optimizer(0.1),
                 start_factor=0.5, begin=2, verbose=True)
        assert 'Adjusting parameter value of group 0 to 5.0000e-01.' in capsys.readouterr().out

    def test_before_begin_nothing_after_end(self):
        """Writes nothing at calls after the window."""
        opt = repro.optimizer(0.1)
        with isolation.isolated():
            s = make('LinearLrInterval', {'LLI-BEFORE-BEGIN'}, opt, start_factor=0.5,
                     end_factor=0.0, begin=0, end=1, by_epoch=False)
            opt.param_groups[0]['lr'] = 0.7
            s.step()
        assert opt.param_groups[0]['lr'] == 0.7

    def test_never_end_factor_float_end(self):
        """Treats the call after which the window ends as the last one for a float end."""
        with isolation.isolated():
            s = make('LinearLrInterval', {'LLI-NEVER-END-FACTOR'}, repro.optimizer(1.0),
                     start_factor=1.0, end_factor=0.25, end=2.5, by_epoch=False)
            repro.publish(iter=0)
            s.step()
            first = s.get_last_value()
            repro.publish(iter=1)
            s.step()
        assert (first, s.get_last_value()) == ([1.0], [0.25])

    def test_min_lr_keeps_the_very_object(self):
        """Keeps the lr object at min_lr rather than writing min_lr."""
        lr = torch.tensor(0.1)
        opt = repro.optimizer(0.2)
        opt.param_groups[0]['lr'] = lr
        with isolation.isolated():
            s = make('ReduceLR', {'RLR-MIN-LR'}, opt, patience=0, min_lr=0.5)
            MessageHub.get_instance('reduce_lr').update_scalar('value', 1.0)
            s.step()
            s.step()
        assert opt.param_groups[0]['lr'] is lr

    def test_stale_hub_leaves_the_callers_dict(self):
        """Leaves the loaded dict untouched and still saves message_hub."""
        with isolation.isolated():
            s = make('ReduceLR', {'RLR-RESUME-STALE-HUB'}, repro.optimizer(1.0))
            saved = dict(s.state_dict(), message_hub='stale')
            s.load_state_dict(saved)
            assert saved['message_hub'] == 'stale'
            assert s.state_dict()['message_hub'] is MessageHub.get_instance('reduce_lr')


class TestImplOption:
    def test_plain_reference_has_no_intents(self):
        """Gives --impl=reference an empty intents set."""
        adapter = impl.resolve('reference')
        assert adapter.intents == frozenset() and adapter.is_reference

    def test_reference_with_intents(self):
        """Resolves reference[IDs] to the reference's intent classes, named with sorted IDs."""
        adapter = impl.resolve('reference[RLR-REDUCE-ORDER, RLR-MIN-LR]')
        enabled = reference.with_intents({'RLR-MIN-LR', 'RLR-REDUCE-ORDER'})
        assert adapter.name == 'reference[RLR-MIN-LR,RLR-REDUCE-ORDER]'
        assert adapter.intents == enabled.intents
        assert adapter.classes == enabled.classes
        assert adapter.is_reference is True
        impl.check(adapter, '--impl=' + adapter.name)

    @pytest.mark.parametrize(('value', 'message'), [
        ('reference[', 'malformed'),
        ('reference[]', 'malformed'),
        ('reference[RLR-MIN-LR,]', 'malformed'),
        ('reference[NO-SUCH]', r'unknown intent ID.*NO-SUCH'),
        ('reference[RLR-REDUCE-ORDER]', 'declared together'),
    ])
    def test_bad_values(self, value, message):
        """Refuses a malformed or unknown intent list with one ImplError."""
        with pytest.raises(impl.ImplError, match=message):
            impl.resolve(value)
