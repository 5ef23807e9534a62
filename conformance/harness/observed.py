"""Observed values: what an implementation wrote, with its type, and its exact JSON form.

A trace records values as a user reads them (``group['lr']``, ``scheduler.best``), never a
conversion of them: :func:`observe` keeps Python's ``float``, ``int``, ``bool``, ``str`` and
``None`` as they are and wraps anything else (``numpy.float64``, a 0-d tensor, ...) in
:class:`Typed`, which names the type. Two observations are :func:`same` only when their types are
the same and their values are bit for bit equal.

The JSON form (docs/fixtures.md, "Values") keeps every type with any JSON parser, including one
that reads every number as a double: a bare integral number is an ``int``, a bare number with a
fraction is a ``float``; a float that is integral or not finite is tagged ``{"float": "1.0"}``,
an int beyond 2**53 ``{"int": "..."}``, any other type ``{"type": "numpy.float64", "value": ...}``.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from typing import Any, NamedTuple

#: Integers a double holds exactly; larger ones are tagged so that no parser rounds them.
EXACT_INT = 2**53
_NON_FINITE = {'NaN': math.nan, 'Infinity': math.inf, '-Infinity': -math.inf}
_PLAIN = (bool, int, float, str, type(None))


class Typed(NamedTuple):
    """A value of a type JSON cannot name: the type's name and the value as plain data."""

    type: str
    value: Any


class _Missing:
    """An attribute the implementation does not have."""

    def __repr__(self):
        return '<missing>'


MISSING = _Missing()


def type_name(value: Any) -> str:
    """Builtin types by bare name, others as ``module.Name`` (``numpy.float64``)."""
    kind = type(value)
    module = kind.__module__
    if module == 'builtins':
        return kind.__qualname__
    if module.startswith('numpy'):
        module = 'numpy'
    return f'{module}.{kind.__qualname__}'


def observe(value: Any) -> Any:
    """The value as the trace records it: plain types kept, any other type named.

    ``type(value) is float`` is what a plain float means here: ``numpy.float64`` subclasses
    ``float`` but is a different type to anyone who checks.
    """
    if value is MISSING or type(value) in _PLAIN:
        return value
    if isinstance(value, Typed):
        return value
    if isinstance(value, (list, tuple)):
        return Typed(type_name(value), [observe(item) for item in value])
    return Typed(type_name(value), _plain_content(value))


def _plain_content(value: Any) -> Any:
    """The number (or nested numbers) a non-plain value holds; its repr if it holds none."""
    for convert in ('tolist', 'item'):
        method = getattr(value, convert, None)
        if callable(method):
            try:
                content = method()
            except (TypeError, ValueError, RuntimeError):
                continue
            return _plain_leaves(content)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, int):
        return int(value)
    return repr(value)


def _plain_leaves(content: Any) -> Any:
    if isinstance(content, (list, tuple)):
        return [_plain_leaves(item) for item in content]
    if type(content) in _PLAIN:
        return content
    return repr(content)


# -- comparison ---------------------------------------------------------------------------------


def bits(value: float) -> int:
    """The 64 bits of a float."""
    return struct.unpack('<q', struct.pack('<d', value))[0]


def same(a: Any, b: Any) -> bool:
    """Same type and the same value, floats bit for bit (NaN payloads are not compared)."""
    if isinstance(a, Typed) or isinstance(b, Typed):
        return (isinstance(a, Typed) and isinstance(b, Typed) and a.type == b.type
                and same(a.value, b.value))
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or bits(a) == bits(b)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[key], b[key]) for key in a)
    return a == b


def same_number(a: Any, b: Any) -> bool:
    """The same number bit for bit, whatever its type (NaN equals NaN): for rules about values."""
    a, b = float(a), float(b)
    return (math.isnan(a) and math.isnan(b)) or bits(a) == bits(b)


@dataclass(frozen=True)
class Tolerance:
    """How far a float may be from the expected one: ``|got - expected| <= atol + rtol*|expected|``.

    The default (both 0) is exact: bit for bit. Only floats are compared within it (plain floats
    and the float values of a typed value such as ``numpy.float64``); types, ints, bools,
    strings, NaN and infinities stay exact.
    """

    rtol: float = 0.0
    atol: float = 0.0

    def __post_init__(self):
        for name in ('rtol', 'atol'):
            value = getattr(self, name)
            if (type(value) not in (int, float) or not math.isfinite(value) or value < 0):
                raise ValueError(f'{name} must be a finite number >= 0, got {value!r}')

    @property
    def exact(self) -> bool:
        return self.rtol == 0 and self.atol == 0

    def __str__(self):
        if self.exact:
            return 'exact (bit for bit)'
        return f'rtol={self.rtol!r} atol={self.atol!r}'


EXACT = Tolerance()


def close(expected: Any, got: Any, tolerance: Tolerance = EXACT) -> bool:
    """:func:`same`, except that floats may differ within ``tolerance`` (the type still counts)."""
    if tolerance.exact:
        return same(expected, got)
    if isinstance(expected, Typed) or isinstance(got, Typed):
        return (isinstance(expected, Typed) and isinstance(got, Typed)
                and expected.type == got.type and close(expected.value, got.value, tolerance))
    if type(expected) is not type(got):
        return False
    if isinstance(expected, float):
        if same(expected, got):
            return True
        if not (math.isfinite(expected) and math.isfinite(got)):
            return False
        return abs(got - expected) <= tolerance.atol + tolerance.rtol * abs(expected)
    if isinstance(expected, list):
        return len(expected) == len(got) and all(
            close(x, y, tolerance) for x, y in zip(expected, got))
    if isinstance(expected, dict):
        return expected.keys() == got.keys() and all(
            close(expected[key], got[key], tolerance) for key in expected)
    return expected == got


def show(value: Any) -> str:
    """A value for a failure message: its repr, its type, and a float's hexadecimal bits."""
    if isinstance(value, Typed):
        bits = f' {value.value.hex()}' if type(value.value) is float else ''
        return f'{value.value!r} ({value.type}{bits})'
    if type(value) is float:
        return f'{value!r} (float {value.hex()})'
    if value is MISSING:
        return 'nothing (the attribute does not exist)'
    return f'{value!r} ({type_name(value)})'


# -- JSON ---------------------------------------------------------------------------------------


def encode(value: Any) -> Any:
    """A nested structure of observed values as JSON-ready data, every type kept."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if type(value) is int:
        return value if abs(value) <= EXACT_INT else {'int': str(value)}
    if type(value) is float:
        if math.isnan(value):
            return {'float': 'NaN'}
        if math.isinf(value):
            return {'float': 'Infinity' if value > 0 else '-Infinity'}
        return {'float': repr(value)} if value.is_integer() else value
    if isinstance(value, Typed):
        return {'type': value.type, 'value': encode(value.value)}
    if value is MISSING:
        return {'missing': True}
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    raise TypeError(f'cannot encode {type_name(value)} {value!r} as golden JSON; '
                    'observe() it first')


class EncodingError(ValueError):
    """JSON data that does not follow the value encoding; the message says where and why."""


def decode(value: Any, where: str = '') -> Any:
    """Invert :func:`encode`, whatever number type the JSON parser produced."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value.is_integer():
            return int(value)  # a parser without ints: a bare integral number is an int
        return value
    if isinstance(value, dict):
        keys = set(value)
        if keys == {'float'}:
            return _decode_float(value['float'], where)
        if keys == {'int'}:
            return _decode_int(value['int'], where)
        if keys == {'type', 'value'} and isinstance(value['type'], str):
            return Typed(value['type'], decode(value['value'], where))
        if keys == {'missing'}:
            return MISSING
        return {key: decode(item, f'{where}/{key}') for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item, f'{where}/{index}') for index, item in enumerate(value)]
    raise EncodingError(f'{where or "(top level)"}: {type(value).__name__} is not JSON data')


def _decode_float(text, where):
    if text in _NON_FINITE:
        return _NON_FINITE[text]
    try:
        number = float(text)
    except (TypeError, ValueError):
        raise EncodingError(f'{where}: {{"float": {text!r}}} is not a float') from None
    if not number.is_integer() or not math.isfinite(number) or repr(number) != text:
        raise EncodingError(f'{where}: {{"float": {text!r}}} is tagged, but only an integral '
                            'float is, in its shortest form (write other floats as numbers)')
    return number


def _decode_int(text, where):
    if not isinstance(text, str) or not text.lstrip('-').isdigit():
        raise EncodingError(f'{where}: {{"int": {text!r}}} is not an integer')
    number = int(text)
    if abs(number) <= EXACT_INT:
        raise EncodingError(f'{where}: {{"int": {text!r}}} is tagged, but only an int beyond '
                            '2**53 is (write it as a number)')
    return number


def integral_float_literals(text: str) -> list:
    """Bare JSON numbers written with a fraction or exponent that are integral (``2.0``).

    The encoding never writes one: to a parser without ints it would read as the int 2.
    """
    found = []

    def check(literal):
        if float(literal).is_integer():
            found.append(literal)
        return float(literal)

    json.loads(text, parse_float=check)
    return found


#: A list or object whose one-line form is at most this long is written on one line.
INLINE = 100


def dumps(value: Any) -> str:
    """Deterministic JSON text: sorted keys, two-space indent, a final newline.

    A list or object that fits in INLINE characters stays on one line, so a long trace reads
    as one row per line.
    """
    return _dump(encode(value), 0) + '\n'


def _dump(value, depth):
    compact = json.dumps(value, sort_keys=True, allow_nan=False, separators=(', ', ': '))
    if not isinstance(value, (dict, list)) or len(compact) <= INLINE or not value:
        return compact
    inner = '  ' * (depth + 1)
    if isinstance(value, dict):
        items = [f'{inner}{json.dumps(key)}: {_dump(value[key], depth + 1)}'
                 for key in sorted(value)]
        return '{\n' + ',\n'.join(items) + '\n' + '  ' * depth + '}'
    items = [f'{inner}{_dump(item, depth + 1)}' for item in value]
    return '[\n' + ',\n'.join(items) + '\n' + '  ' * depth + ']'
