"""Ports in other number formats, for the tolerance options (``--rtol``/``--atol``)."""
