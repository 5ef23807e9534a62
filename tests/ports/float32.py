"""A port that computes in float32: the reference, with every lr it writes rounded to float32.

It stands for a port to another framework or number format: its values are not upstream's bit
for bit, but they are within float32's precision of them and still Python floats, so
``--rtol=1e-6`` accepts what bit-exact comparison refuses (tests/test_report.py).
"""

from __future__ import annotations

import numpy

import reference


def _float32(value):
    """A Python float rounded through numpy.float32; any other type is left as it is."""
    return float(numpy.float32(value)) if type(value) is float else value


class LinearLrInterval(reference.LinearLrInterval):
    def _get_value(self):
        return [_float32(value) for value in super()._get_value()]


class ReduceLR(reference.ReduceLR):
    def _get_value(self):
        return [_float32(value) for value in super()._get_value()]
