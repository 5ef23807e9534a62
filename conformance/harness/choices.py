"""Random choices written once, drawn either by hypothesis or by a seeded ``random.Random``.

harness/strategies.py builds every random scenario out of these. A property or the side-by-side
machine draws them through hypothesis (``.strategy()``: shrinking, labelled draws, the example
database); ``python -m conformance.differential`` draws thousands of them through
:class:`RandomDraw`, which is fast and exactly reproducible from its seed. The scenarios are the
same kind either way, because they come from the same builders.
"""

from __future__ import annotations

import random
from typing import Any, Callable

from hypothesis import strategies as st


class Choice:
    """A description of a random value; ``strategy()`` and ``sample(rng)`` draw one.

    Builders describe their choices afresh on every draw, and a new hypothesis strategy costs
    more to set up than to draw from (most of a property's time went there). So equal
    descriptions give one shared object (:func:`_shared`), which builds its strategy once.
    """

    _strategy = None

    def strategy(self):
        if self._strategy is None:
            self._strategy = self._build()
        return self._strategy

    def _build(self):
        raise NotImplementedError

    def sample(self, rng: random.Random) -> Any:
        raise NotImplementedError

    def map(self, function: Callable) -> Choice:
        return _shared(_Mapped, self, function)


class _Sample(Choice):
    def __init__(self, options):
        self.options = tuple(options)

    def _build(self):
        return st.sampled_from(self.options)

    def sample(self, rng):
        return rng.choice(self.options)


class _Integers(Choice):
    def __init__(self, low, high):
        self.low, self.high = low, high

    def _build(self):
        return st.integers(self.low, self.high)

    def sample(self, rng):
        return rng.randint(self.low, self.high)


class _Floats(Choice):
    def __init__(self, low, high):
        self.low, self.high = low, high

    def _build(self):
        return st.floats(self.low, self.high, allow_nan=False, allow_infinity=False)

    def sample(self, rng):
        return rng.uniform(self.low, self.high)


class _OneOf(Choice):
    def __init__(self, members):
        self.members = tuple(members)

    def _build(self):
        return st.one_of([member.strategy() for member in self.members])

    def sample(self, rng):
        return rng.choice(self.members).sample(rng)


class _Tuples(Choice):
    def __init__(self, members):
        self.members = tuple(members)

    def _build(self):
        return st.tuples(*(member.strategy() for member in self.members))

    def sample(self, rng):
        return tuple(member.sample(rng) for member in self.members)


class _Lists(Choice):
    def __init__(self, element, min_size, max_size, unique):
        self.element, self.min_size, self.max_size, self.unique = (element, min_size, max_size,
                                                                    unique)

    def _build(self):
        return st.lists(self.element.strategy(), min_size=self.min_size,
                        max_size=self.max_size, unique=self.unique)

    def sample(self, rng):
        size = rng.randint(self.min_size, self.max_size)
        items = []
        for _attempt in range(size * 10):
            if len(items) == size:
                break
            item = self.element.sample(rng)
            if not (self.unique and item in items):
                items.append(item)
        return items


class _Mapped(Choice):
    def __init__(self, base, function):
        self.base, self.function = base, function

    def _build(self):
        return self.base.strategy().map(self.function)

    def sample(self, rng):
        return self.function(self.base.sample(rng))


#: Every shared choice, by :func:`_key`; bounded by the distinct descriptions the builders make.
_SHARED: dict = {}
_SHARED_LIMIT = 50_000


def _key(value):
    """A key that tells apart what ``==`` confuses: ``1``, ``1.0``, ``True``; ``0.0``, ``-0.0``.

    Anything but numbers, strings, None and containers of them counts by identity (the shared
    choice keeps it alive, so its id is not reused).
    """
    if isinstance(value, float):
        return (float, value.hex())
    if value is None or isinstance(value, (bool, int, str)):
        return (type(value), value)
    if isinstance(value, (tuple, list)):
        return (type(value), tuple(_key(item) for item in value))
    if isinstance(value, dict):
        return (dict, tuple((_key(key), _key(item)) for key, item in value.items()))
    return (type(value), id(value))


def _shared(cls, *args):
    """``cls(*args)``, the same object for the same (typed) arguments."""
    key = (cls, _key(args))
    choice = _SHARED.get(key)
    if choice is None:
        if len(_SHARED) >= _SHARED_LIMIT:
            _SHARED.clear()
        choice = _SHARED[key] = cls(*args)
    return choice


@st.composite
def _composite(draw, function, args, kwargs):
    """One hypothesis composite for every builder (defining one per call is slow)."""
    return function(lambda choice, _label=None: draw(strategy_of(choice)), *args, **kwargs)


class _Built(Choice):
    def __init__(self, function, args, kwargs):
        self.function, self.args, self.kwargs = function, args, kwargs

    def _build(self):
        return _composite(self.function, self.args, self.kwargs)

    def sample(self, rng):
        return self.function(RandomDraw(rng), *self.args, **self.kwargs)


def composite(function: Callable) -> Callable:
    """Turn ``function(draw, *args)`` into a factory of choices, like ``st.composite``."""

    def factory(*args, **kwargs):
        return _shared(_Built, function, args, kwargs)

    factory.__name__ = function.__name__
    factory.__qualname__ = function.__qualname__
    factory.__doc__ = function.__doc__
    return factory


def sample(options) -> Choice:
    """One of ``options``; hypothesis prefers the first, so list the interesting case first."""
    return _shared(_Sample, tuple(options))


def integers(low: int, high: int) -> Choice:
    return _shared(_Integers, low, high)


def floats(low: float, high: float) -> Choice:
    """A finite float in ``[low, high]``."""
    return _shared(_Floats, low, high)


def booleans() -> Choice:
    return _shared(_Sample, (False, True))


def just(value) -> Choice:
    return _shared(_Sample, (value,))


def none() -> Choice:
    return just(None)


def one_of(*members: Choice) -> Choice:
    return _shared(_OneOf, members)


def tuples(*members: Choice) -> Choice:
    return _shared(_Tuples, members)


def lists(element: Choice, min_size=0, max_size=5, unique=False) -> Choice:
    return _shared(_Lists, element, min_size, max_size, unique)


def strategy_of(choice):
    """A hypothesis strategy for a Choice (a strategy passes through unchanged)."""
    return choice.strategy() if isinstance(choice, Choice) else choice


class RandomDraw:
    """``draw(choice, label)`` over a seeded ``random.Random``: no hypothesis engine at all."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def __call__(self, choice, _label=None):
        return choice.sample(self.rng)
