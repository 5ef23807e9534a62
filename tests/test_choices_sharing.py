"""Equal choice descriptions share one object, and only equal ones (harness/choices.py).

Sharing is what keeps the properties fast; a key that confused 1 with 1.0 or 0.0 with -0.0
would silently draw values of the wrong type or sign, which the suite's verdicts depend on.
"""

from __future__ import annotations

import math

import pytest

from conformance.harness import choices as ch


def test_equal_descriptions_share_one_object():
    """Returns the same object, hence one hypothesis strategy, for the same description."""
    assert ch.integers(0, 5) is ch.integers(0, 5)
    assert ch.sample([0.1, 1.0]) is ch.sample((0.1, 1.0))
    assert ch.lists(ch.floats(0.0, 1.0), 1, 3) is ch.lists(ch.floats(0.0, 1.0), 1, 3)
    assert ch.sample([0.1]).strategy() is ch.sample([0.1]).strategy()


@pytest.mark.parametrize(('left', 'right'), [
    ((1, 2), (1.0, 2.0)),
    ((1,), (True,)),
    ((0.0,), (-0.0,)),
    ((math.nan,), (1.0,)),
    (('1',), (1,)),
], ids=['int-float', 'int-bool', 'zero-sign', 'nan', 'str-int'])
def test_values_equal_under_eq_are_kept_apart(left, right):
    """Keeps options that == confuses in separate choices, each drawing its own values."""
    first, second = ch.sample(left), ch.sample(right)
    assert first is not second
    assert [repr(v) for v in first.options] == [repr(v) for v in left]
    assert [repr(v) for v in second.options] == [repr(v) for v in right]


def test_objects_count_by_identity():
    """Shares a choice over an unhashable or custom object only for that very object."""
    class Spec:
        def __eq__(self, other):
            return True

        __hash__ = object.__hash__

    one, two = Spec(), Spec()
    assert ch.just(one) is ch.just(one)
    assert ch.just(one) is not ch.just(two)
    assert ch.sample([{'a': 1.0}]) is not ch.sample([{'a': 1}])
