"""Exception messages as checks see them, and the switch that excuses their wording.

A fork may excuse the wording of a clause's errors without excusing their type or the call that
raises them (``aspect = "message"`` in a deviations file, docs/deviations.md). Every check that
compares a message does it through :func:`same` or :func:`assert_message`, so that one switch,
:func:`ignored`, turns all of them into type-and-call checks for the verdict's second run.
"""

from __future__ import annotations

import contextlib
import contextvars
import doctest
import re

_IGNORED = contextvars.ContextVar('conformance_messages_ignored', default=False)


@contextlib.contextmanager
def ignored():
    """Within this block, message comparisons accept any wording."""
    token = _IGNORED.set(True)
    try:
        yield
    finally:
        _IGNORED.reset(token)


def are_ignored() -> bool:
    return _IGNORED.get()


def same(expected: str, got: str) -> bool:
    """Whether a message matches the expected one (always, while messages are ignored)."""
    return are_ignored() or expected == got


def assert_message(error, expected: str) -> None:
    """Require ``str(error) == expected`` (an exception or a pytest ExceptionInfo)."""
    __tracebackhide__ = True
    error = getattr(error, 'value', error)
    got = str(error)
    assert same(expected, got), f'message {got!r}, expected {expected!r}'


_RAISED = re.compile(r"'(\w+): .*? @ call (\d+)'")


class OutputChecker(doctest.OutputChecker):
    """doctest's checker, which while messages are ignored compares exceptions by type and call.

    A spec example shows an exception as a traceback (its last line ``Type: message``) or as
    ``'Type: message @ call k'`` in a list of lrs (conformance/harness/repro.py).
    """

    def check_output(self, want, got, optionflags):
        if are_ignored():
            want, got = _RAISED.sub(r"'\1: @ call \2'", want), _RAISED.sub(r"'\1: @ call \2'", got)
            optionflags |= doctest.IGNORE_EXCEPTION_DETAIL
        return super().check_output(want, got, optionflags)
