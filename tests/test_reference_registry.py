"""The reference is usable where users are: config dicts, its own registry scope, a real Runner.

These are tests of the reference package itself (not of an implementation under --impl), so they
live with the project's own tests.
"""

from __future__ import annotations

import tempfile

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.runner import Runner
from torch.utils.data import Dataset

import reference
from conformance.harness import driver, impl
from conformance.harness.isolation import isolated
from conformance.harness.scenario import single

#: The clauses these checks rely on (not subjects: this is not a test of an implementation).
pytestmark = pytest.mark.touches('LOOP-ITER', 'LLI-STAIRCASE', 'RLR-DEFAULTS')


@pytest.fixture(autouse=True)
def _isolated_global_state():
    with isolated():
        yield


def _optimizer(lr=0.1):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


class TestRegistry:
    @pytest.mark.parametrize('name', ['LinearLrInterval', 'ReduceLR'])
    def test_builds_each_scheduler_from_a_config_dict(self, name):
        """Builds the reference class from ``dict(type=name)``."""
        built = reference.PARAM_SCHEDULERS.build(dict(type=name, optimizer=_optimizer()))
        assert type(built) is getattr(reference, name)

    def test_builds_through_mmengine_root_with_the_reference_scope(self):
        """Resolves a type name in mmengine's root registry under ``_scope_='reference'``."""
        cfg = dict(type='LinearLrInterval', _scope_=reference.SCOPE, optimizer=_optimizer())
        assert type(MMENGINE_PARAM_SCHEDULERS.build(cfg)) is reference.LinearLrInterval

    def test_does_not_collide_with_mmagic(self):
        """Leaves mmagic's own registry entries pointing at upstream's classes."""
        upstream_classes = impl.resolve('mmagic').classes
        from mmagic.registry import PARAM_SCHEDULERS as MMAGIC_PARAM_SCHEDULERS

        for name, cls in upstream_classes.items():
            assert MMAGIC_PARAM_SCHEDULERS.get(name) is cls
            assert reference.PARAM_SCHEDULERS.get(name) is getattr(reference, name)
            assert cls is not getattr(reference, name)

    def test_converts_an_epoch_config_to_iterations(self):
        """Builds LinearLrInterval through build_iter_from_epoch for convert_to_iter_based."""
        cfg = dict(type='LinearLrInterval', optimizer=_optimizer(), begin=1, end=3,
                   convert_to_iter_based=True, epoch_length=4)
        built = reference.PARAM_SCHEDULERS.build(cfg)
        assert (built.begin, built.end, built.by_epoch) == (4, 12, False)


class _Data(Dataset):
    def __init__(self, size):
        self.size = size

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        return {'x': torch.ones(1)}


class _Model(BaseModel):
    def __init__(self, seen):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(1))
        self.seen = seen

    def forward(self, x=None, mode='tensor'):
        return self.weight.sum()

    def train_step(self, data, optim_wrapper):
        self.seen.append(optim_wrapper.param_groups[0]['lr'])
        loss = (self.weight * 1.0).sum()
        optim_wrapper.update_params(loss)
        return {'loss': loss.detach()}


class TestRunner:
    def test_trains_with_type_names_under_the_reference_scope(self):
        """Trains a real Runner whose config names the scheduler by string, as the driver says."""
        iterations = 12
        kwargs = dict(start_factor=0.5, end_factor=0.0, begin=2, end=10, interval=2,
                      by_epoch=False)
        seen = []
        with tempfile.TemporaryDirectory() as work_dir:
            runner = Runner(
                model=_Model(seen),
                work_dir=work_dir,
                experiment_name='reference-registry-run',
                train_dataloader=dict(dataset=_Data(iterations), batch_size=1,
                                      sampler=dict(type='DefaultSampler', shuffle=False),
                                      collate_fn=dict(type='default_collate')),
                train_cfg=dict(by_epoch=False, max_iters=iterations),
                optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
                param_scheduler=dict(type='LinearLrInterval', **kwargs),
                default_hooks=dict(timer=None, logger=None, checkpoint=None),
                default_scope=reference.SCOPE,
                log_level='ERROR',
            )
            runner.train()
            assert type(runner.param_schedulers[0]) is reference.LinearLrInterval
            for handler in list(runner.logger.handlers):
                handler.close()
        scenario = single('LinearLrInterval', 'registry-run', lrs=(0.1,), steps=iterations,
                          kwargs=kwargs)
        expected = driver.lrs_used(driver.run(scenario, impl.resolve('reference')), scenario)
        assert seen == [row[0] for row in expected]
