"""Small forks of the reference for tests/test_deviations.py: each deviates on purpose, as a fork
of mmagic that declares a deviation would (the reference class where it changes nothing)."""

import reference


def reworded_mode_error(make_error):
    """A ReduceLR whose bad-mode error is ``make_error(mode)`` instead of upstream's ValueError.

    The check stays where upstream makes it (after the window's constructor call), so only
    RLR-VALIDATION sees a difference.
    """

    class ReduceLR(reference.ReduceLR):
        def __init__(self, optimizer, mode='min', *args, **kwargs):
            try:
                super().__init__(optimizer, mode, *args, **kwargs)
            except ValueError as exc:
                if str(exc).startswith('mode must be'):
                    raise make_error(mode) from None
                raise

    return ReduceLR
