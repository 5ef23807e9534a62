"""The worked example of docs/adapters.md: a toy implementation without MessageHub, adapted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.harness import compare, driver, impl
from conformance.harness.adapters import ADAPTER_ATTRIBUTES, ADAPTER_METHODS
from conformance.harness.scenario import Resume, single

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = 'conformance.examples.callback_adapter:CallbackAdapter'
TRACE_MODULES = ('test_golden.py', 'test_properties.py', 'test_stateful.py')


@pytest.fixture(scope='module')
def example():
    return impl.resolve(EXAMPLE)


class TestCallbackAdapter:
    def test_has_the_whole_protocol(self, example):
        """Has every method and attribute the driver and the header use."""
        for member in ADAPTER_METHODS:
            assert callable(getattr(example, member))
        for member in ADAPTER_ATTRIBUTES:
            assert hasattr(example, member)

    @pytest.mark.parametrize('scenario', [
        single('LinearLrInterval', lrs=(0.1, 0.3), steps=12,
               kwargs={'start_factor': 0.5, 'end_factor': 0.0, 'begin': 2, 'end': 10,
                       'interval': 3, 'by_epoch': False}),
        single('ReduceLR', steps=8, kwargs={'patience': 0, 'factor': 0.5},
               metrics=(5.0, 4.0, 4.0, 3.0, 3.0, 3.0, 2.0, 2.0),
               resumes=(Resume(3, new_process=True),)),
        single('ReduceLR', steps=3, kwargs={'patience': 0}),
    ], ids=['staircase', 'stale-hub-resume', 'missing-value'])
    def test_traces_equal_the_reference(self, example, scenario):
        """Gives the reference's trace, exception included, without any MessageHub."""
        expected = driver.run(scenario, impl.resolve('reference'))
        compare.assert_same_trace(scenario, expected, driver.run(scenario, example))

    def test_trace_based_suite_passes(self):
        """Passes the golden cases, the properties and the side-by-side runs."""
        files = [f'conformance/{name}' for name in TRACE_MODULES
                 if (ROOT / 'conformance' / name).exists()]
        assert files
        env = {k: v for k, v in os.environ.items() if k != 'LR_CONFORMANCE_IMPL'}
        result = subprocess.run(
            [sys.executable, '-m', 'pytest', *files, f'--impl={EXAMPLE}', '-p', 'no:randomly',
             '-p', 'no:cacheprovider'],
            cwd=ROOT, capture_output=True, text=True, timeout=900, env=env,
        )
        output = result.stdout + result.stderr
        assert result.returncode == pytest.ExitCode.OK, output[-6000:]
        assert 'conformance: impl=callback example provides=[LinearLrInterval, ReduceLR]' in output
