"""Isolation from mmengine's global state, so that no check depends on another's leftovers.

mmengine keeps MessageHub instances in one class-level registry whose newest entry is "the
current instance" (LLI-CURRENT-HUB reads it). Every test and every driver run starts from an
empty registry and puts the previous one back afterwards.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict

from mmengine.logging import MessageHub


@contextlib.contextmanager
def isolated_message_hubs():
    """Run with an empty MessageHub registry and put the previous one back afterwards."""
    saved = OrderedDict(MessageHub._instance_dict)
    MessageHub._instance_dict.clear()
    try:
        yield
    finally:
        MessageHub._instance_dict.clear()
        MessageHub._instance_dict.update(saved)


@contextlib.contextmanager
def isolated():
    """Everything a test must not share with another test."""
    with isolated_message_hubs():
        yield
