"""Exact, language-neutral JSON for floats: finite values in shortest round-trip form.

JSON has no NaN or infinities, so they are tagged: ``{"float": "NaN"}``, ``{"float": "Infinity"}``
and ``{"float": "-Infinity"}``. Every finite float is written by ``repr``, which any correctly
rounding parser reads back to the same 64 bits (``-0.0`` included).
"""

from __future__ import annotations

import json
import math
import struct
from typing import Any

_TAG = 'float'
_NAMES = {'NaN': math.nan, 'Infinity': math.inf, '-Infinity': -math.inf}


def encode(value: Any) -> Any:
    """Turn a nested structure of dicts, lists, tuples and scalars into JSON-ready data."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return {_TAG: 'NaN'}
        if math.isinf(value):
            return {_TAG: 'Infinity' if value > 0 else '-Infinity'}
        return value
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    raise TypeError(f'cannot encode {type(value).__name__} {value!r} as golden JSON')


def decode(value: Any) -> Any:
    """Invert :func:`encode`."""
    if isinstance(value, dict):
        if set(value) == {_TAG}:
            name = value[_TAG]
            if name not in _NAMES:
                raise ValueError(f'unknown tagged float {name!r}; expected one of {sorted(_NAMES)}')
            return _NAMES[name]
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def dumps(value: Any) -> str:
    """Deterministic text: sorted keys, two-space indent, a final newline."""
    return json.dumps(encode(value), indent=2, sort_keys=True, allow_nan=False) + '\n'


def bits(value: float) -> int:
    """The 64 bits of a float, so that equality means 'the same double' (NaN equals NaN)."""
    return struct.unpack('<q', struct.pack('<d', float(value)))[0]


def same(a: Any, b: Any) -> bool:
    """Bitwise equality of two numbers; anything that is not a real number never matches one."""
    if not _is_real(a) or not _is_real(b):
        return False
    if math.isnan(float(a)) and math.isnan(float(b)):
        return True  # NaN payloads are not part of the specification
    return bits(a) == bits(b)


def _is_real(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def show(value: Any) -> str:
    """``repr`` plus the hexadecimal form, for failure messages about the last bit."""
    if _is_real(value):
        number = float(value)
        return f'{number!r} ({number.hex()})'
    return repr(value)
