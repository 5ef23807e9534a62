"""A fork that behaves exactly as the reference, under classes with names of its own.

A fork may call its classes anything and export them as ``LinearLrInterval`` and ``ReduceLR``;
no check may depend on a class's ``__name__``. The real-Runner checks once printed it.
"""

import reference

__all__ = ['LinearLrInterval', 'ReduceLR']


class ForkLinearLr(reference.LinearLrInterval):
    """The reference's LinearLrInterval under another name."""


class ForkPlateau(reference.ReduceLR):
    """The reference's ReduceLR under another name."""


LinearLrInterval = ForkLinearLr
ReduceLR = ForkPlateau
