"""mmagic's own configs as scenarios, and the mmengine versions the specification was measured on.

The config cases (harness/configs.py) must copy the installed config files exactly and shorten
only where they say so; the goldens built from them live in fixtures/configs.json. The real
Runner runs of these configs are in test_runner.py.
"""

from __future__ import annotations

import re

import pytest

from conformance.harness import clauses, configs, driver, impl, oracle, resources
from conformance.harness.scenario import Scenario

MEASURED_MMENGINE = impl.MEASURED_MMENGINE
NORMATIVE_MMENGINE = impl.NORMATIVE_MMENGINE


def _config_root():
    root = configs.config_root()
    if root is None:
        pytest.skip("not applicable: mmagic's configs are not installed")
    return root


def _load(root, relative):
    from mmengine.config import Config

    return Config.fromfile(str(root / relative))


def _runs(values):
    """Run-length form of a sequence: [(value, count), ...]."""
    runs = []
    for value in values:
        if runs and runs[-1][0] == value:
            runs[-1][1] += 1
        else:
            runs.append([value, 1])
    return runs


@pytest.mark.subject('LOOP-CONFIGS')
class TestConfigCases:
    @pytest.mark.parametrize('relative', sorted(f for case in configs.CASES for f in case.files))
    def test_case_copies_the_config_file(self, relative):
        """Holds the scheduler, loop, optimizer lrs and hook the installed file sets."""
        cfg = _load(_config_root(), relative)
        case = next(case for case in configs.CASES if relative in case.files)
        assert cfg.param_scheduler == case.param_scheduler
        for key, value in case.train_cfg.items():
            assert cfg.train_cfg[key] == value
        wrappers = cfg.optim_wrapper
        if 'optimizer' in wrappers:
            assert {'optimizer': wrappers['optimizer']['lr']} == case.optimizers
        else:
            names = [name for name in wrappers if name != 'constructor']
            assert {name: wrappers[name]['optimizer']['lr'] for name in names} == case.optimizers
        assert cfg.default_hooks.get('param_scheduler') == case.hook

    def test_every_config_naming_the_schedulers_is_a_case(self):
        """Covers every config file in mmagic's configs/ that names either scheduler."""
        root = _config_root()
        naming = {
            str(path.relative_to(root))
            for path in root.rglob('*.py')
            if re.search(r'\b(LinearLrInterval|ReduceLR)\b', path.read_text(encoding='utf-8'))
        }
        assert naming == {f for case in configs.CASES for f in case.files}

    @pytest.mark.parametrize('case', configs.CASES, ids=[case.name for case in configs.CASES])
    def test_scenario_uses_the_case_parameters(self, case):
        """Divides only begin, end, interval and the run length, and only by the stated scale."""
        scenario = configs.scenario(case)
        assert scenario.id.startswith(f'config-{case.name}')
        assert scenario.subject == 'LOOP-CONFIGS'
        assert Scenario.from_json(scenario.to_json()).to_json() == scenario.to_json()
        for spec in scenario.schedulers:
            for key, value in case.param_scheduler.items():
                if key == 'type':
                    assert spec.type == value
                elif key in ('begin', 'end', 'interval'):
                    assert value % case.scale == 0
                    assert spec.kwargs[key] == value // case.scale
                else:
                    assert spec.kwargs[key] == value
        if 'max_iters' in case.train_cfg:
            assert scenario.steps * case.scale == case.train_cfg['max_iters']
            assert len(scenario.schedulers) == len(case.optimizers)
        else:
            assert scenario.steps == case.train_cfg['max_epochs']
            assert scenario.schedulers[0].kwargs['end'] == case.train_cfg['max_epochs']
            assert len(scenario.metrics) == scenario.steps

    @pytest.mark.subject('LLI-STAIRCASE')
    @pytest.mark.touches('LLI-RUNNER-LAG')
    @pytest.mark.scheduler('LinearLrInterval')
    def test_scaling_keeps_the_sequence_of_values(self, adapter, thorough):
        """Gives the scaled facades schedule the full run's values, in order, for 1/50 the time."""
        case = configs.CASES[0]
        # The full run (80,000 calls) is the thorough profile's; ci compares with 1/10 of it.
        less = 1 if thorough else 10
        full = driver.run(configs.scenario(case, scale=less), adapter)
        scaled = driver.run(configs.scenario(case, scale=50), adapter)
        assert full.error is None
        assert scaled.error is None
        full_runs = _runs([row[0] for row in full.lrs])
        scaled_runs = _runs([row[0] for row in scaled.lrs])
        assert [value for value, _ in full_runs] == [value for value, _ in scaled_runs]
        # Whole intervals shrink with the scale; the dip stays one iteration long.
        begin = case.param_scheduler['begin']
        interval = case.param_scheduler['interval']
        assert full_runs[0][1] == begin // less
        assert scaled_runs[0][1] == begin // 50
        assert full_runs[1][1] == scaled_runs[1][1] == 1
        assert full_runs[3][1] == interval // less
        assert scaled_runs[3][1] == interval // 50

    @pytest.mark.subject('RLR-PATIENCE')
    @pytest.mark.touches('RLR-COOLDOWN', 'RLR-EPS')
    @pytest.mark.scheduler('ReduceLR')
    @pytest.mark.parametrize('index', [3, 4], ids=['cain', 'flavr'])
    def test_metric_stream_exercises_the_scheduler(self, index, adapter):
        """Makes the config's ReduceLR reduce repeatedly, cooldown apart, towards its eps floor."""
        case = configs.CASES[index]
        scenario = configs.scenario(case)
        trace = driver.run(scenario, adapter)
        assert trace.error is None
        lrs = [row[0] for row in trace.lrs]
        changes = [k for k in range(1, len(lrs)) if lrs[k] != lrs[k - 1]]
        assert len(changes) >= 5
        kw = oracle.rlr_arguments({k: v for k, v in case.param_scheduler.items() if k != 'type'})
        factor, eps = kw['factor'], kw['eps']
        assert all(lrs[k] == oracle.reduced(lrs[k - 1], factor, kw['min_lr'], eps)
                   for k in changes)
        gaps = [b - a for a, b in zip(changes, changes[1:])]
        patience, cooldown = kw['patience'], kw['cooldown']
        assert min(gaps) >= cooldown + patience + 1
        if cooldown == 0:  # CAIN's stream runs into the eps floor (RLR-EPS)
            assert oracle.reduced(lrs[-1], factor, kw['min_lr'], eps) == lrs[-1]
            assert oracle.reduced(lrs[changes[-1] - 1], factor, kw['min_lr'], eps) != lrs[
                changes[-1] - 1]


@pytest.mark.subject('LOOP-MMENGINE-VERSIONS')
class TestMmengineVersions:
    def test_documents_agree_on_the_normative_version(self):
        """Names the same normative mmengine in the clause, constraints.txt and versions.md."""
        statement = clauses.defined()['LOOP-MMENGINE-VERSIONS']
        assert NORMATIVE_MMENGINE in statement
        pins = resources.path('constraints.txt').read_text(encoding='utf-8')
        assert f'mmengine=={NORMATIVE_MMENGINE}' in pins.split()
        versions = resources.path('docs/versions.md').read_text(encoding='utf-8')
        for measured in MEASURED_MMENGINE:
            assert measured in versions
