"""Driving a scheduler by hand, for the checks of clauses a scenario cannot express.

The Runner-like hubs, publishing progress and the monitored value the way a Runner and
ReduceLRSchedulerHook do, one call in mmengine's order, and the lrs the optimizer holds. The
driver does the same for scenarios (driver.py, adapters.py); these are its pieces for a test
that must touch the scheduler between calls.
"""

from __future__ import annotations

from mmengine.logging import MessageHub

from .adapters import REDUCE_LR_HUB, RUNNER_HUB, VALUE_KEY


def open_hubs():
    """Create 'reduce_lr', then the runner's hub, which is then the current instance
    (LLI-CURRENT-HUB: the one LinearLrInterval reads); return the runner's hub."""
    MessageHub.get_instance(REDUCE_LR_HUB)
    return MessageHub.get_instance(RUNNER_HUB)


def publish(iter=None, epoch=None, value=None):
    """Publish progress to the runner hub and/or a monitored value to 'reduce_lr'."""
    hub = MessageHub.get_instance(RUNNER_HUB)
    if iter is not None:
        hub.update_info('iter', iter)
    if epoch is not None:
        hub.update_info('epoch', epoch)
    if value is not None:
        MessageHub.get_instance(REDUCE_LR_HUB).update_scalar(VALUE_KEY, value)


def call(scheduler):
    """One call as a Runner makes it: the optimizer's step, then the scheduler's."""
    scheduler.optimizer.step()
    scheduler.step()


def group_lrs(optimizer):
    """The lr of every param group, as the optimizer holds it."""
    return [group['lr'] for group in optimizer.param_groups]
