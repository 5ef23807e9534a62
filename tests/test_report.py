"""The conformance report, the JUnit clause properties, and the tolerance options.

The suite runs as a child ``python -m pytest`` in the repository root, as a user types it, on a
mutant that breaks LLI-STAIRCASE (tests/mutants), on the reference, and on a port that rounds
every lr through float32 (tests/ports/float32.py).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from conformance.harness import (
    compare,
    deviations,
    driver,
    goldens,
    observed,
    replay,
    report,
    reporting,
)
from conformance.harness.scenario import single

ROOT = Path(__file__).resolve().parents[1]
COMMON = ('-q', '-p', 'no:randomly', '-p', 'no:cacheprovider')
BROKEN = 'LLI-STAIRCASE'
INTACT = 'LLI-DEFAULTS'
SELECTION = (f'--subject={BROKEN}', f'--subject={INTACT}',
             '-k', 'test_trace_matches_golden or TestStaircase or TestDefaults')
MUTANT = 'tests.mutants.lli_unfloored_denominator'
PORT = 'tests.ports.float32'
#: The port's lrs are within float32's precision of upstream's; the subnormal and tiny lrs of
#: some goldens round to 0 in float32, which the absolute tolerance covers.
PORT_TOLERANCE = ('--rtol=1e-6', '--atol=1e-30')
PORT_SELECTION = ('-k', 'test_trace_matches_golden and lli-stair')


def run_suite(impl, *options, timeout=900):
    command = [sys.executable, '-m', 'pytest', 'conformance', f'--impl={impl}', *COMMON,
               *options]
    env = {key: value for key, value in os.environ.items() if key != 'LR_CONFORMANCE_IMPL'}
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                            env=env)
    return result.returncode, result.stdout + result.stderr


def _validate(data):
    schema = json.loads(reporting.SCHEMA.read_text(encoding='utf-8'))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).validate(data)


@pytest.fixture(scope='module')
def mutant_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp('mutant')
    code, output = run_suite(MUTANT, *SELECTION, f'--conformance-report={directory}/report.json',
                             f'--junitxml={directory}/junit.xml')
    assert code == pytest.ExitCode.TESTS_FAILED, output[-3000:]
    data = json.loads((directory / 'report.json').read_text(encoding='utf-8'))
    return directory, data, output


@pytest.fixture(scope='module')
def reference_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp('reference')
    code, output = run_suite('reference', *SELECTION,
                             f'--conformance-report={directory}/report.json')
    assert code == pytest.ExitCode.OK, output[-3000:]
    return directory, json.loads((directory / 'report.json').read_text(encoding='utf-8'))


class TestReportOnAMutant:
    def test_report_is_valid_against_its_schema(self, mutant_run):
        """Writes a report that the shipped JSON Schema accepts."""
        _, data, _ = mutant_run
        _validate(data)

    def test_report_names_the_implementation_and_the_run(self, mutant_run):
        """Names the implementation, its origin, versions, tolerance and the command line."""
        _, data, _ = mutant_run
        assert data['implementation']['name'] == MUTANT
        assert data['implementation']['origin'].endswith('linear_interval.py')
        assert set(data['versions']) >= {'mmagic', 'mmengine', 'torch'}
        assert data['tolerance'] == {'rtol': 0.0, 'atol': 0.0, 'bit_exact': True,
                                     'note': data['tolerance']['note']}
        assert f'--impl={MUTANT}' in data['command']['args']
        assert data['deviations'] == {'file': None, 'entries': []}

    def test_broken_clause_fails_with_its_first_divergence(self, mutant_run):
        """Lists the broken clause as failed, with the call, group, expected and got."""
        _, data, _ = mutant_run
        entry = data['clauses'][BROKEN]
        assert entry['status'] == 'failed'
        assert entry['checks']['failed'] == len(entry['failures']) > 0
        first = entry['first_divergence']
        assert first['nodeid'] in {failure['nodeid'] for failure in entry['failures']}
        assert first['aspect'] == 'lr' and first['group'] == 0 and first['call'] >= 1
        want, got = (observed.decode(first[key]) for key in ('expected', 'got'))
        assert type(want) is float and type(got) is float and want != got
        assert first['message'] == (f'call {first["call"]}, param group 0: expected lr '
                                    f'{observed.show(want)}, got {observed.show(got)}')

    def test_other_clauses_pass_or_did_not_run(self, mutant_run):
        """Passes the intact clause and marks every unselected clause 'not run'."""
        _, data, _ = mutant_run
        assert data['clauses'][INTACT]['status'] == 'passed'
        others = {cid: entry['status'] for cid, entry in data['clauses'].items()
                  if cid not in (BROKEN, INTACT)}
        assert others and set(others.values()) == {'not run'}
        assert data['totals']['clauses']['failed'] == 1

    def test_one_plot_per_failing_trace(self, mutant_run):
        """Draws one PNG per failing check that compared traces, named after the test."""
        directory, data, _ = mutant_run
        failures = data['clauses'][BROKEN]['failures']
        plotted = [failure['plot'] for failure in failures if failure['plot']]
        assert set(plotted) == set(data['plots']['written'])
        assert sorted(p.name for p in (directory / 'plots').iterdir()) == sorted(
            Path(name).name for name in plotted)
        assert len(plotted) >= 2  # goldens and TestStaircase traces
        for name in plotted:
            assert (directory / name).read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
        golden = [f for f in failures if 'test_trace_matches_golden' in f['nodeid']]
        assert golden and all(f['plot'] for f in golden)

    def test_markdown_summary_links_the_failure(self, mutant_run):
        """Writes report.md with the header facts, the failing clause and links to its plots."""
        directory, data, _ = mutant_run
        text = (directory / 'report.md').read_text(encoding='utf-8')
        assert text.startswith(f'# Conformance report: {MUTANT} FAILED')
        assert 'bit-exact conformance' in text
        row = next(line for line in text.splitlines() if line.startswith(f'| {BROKEN} |'))
        assert data['clauses'][BROKEN]['first_divergence']['nodeid'] in row
        for name in data['plots']['written']:
            assert f']({name})' in text

    def test_junit_xml_carries_each_tests_clause(self, mutant_run):
        """Gives every testcase of --junitxml its subject and touches as properties."""
        directory, _, _ = mutant_run
        cases = ET.parse(directory / 'junit.xml').getroot().iter('testcase')
        subjects = []
        for case in cases:
            properties = {p.get('name'): p.get('value') for p in case.iter('property')}
            assert 'touches' in properties
            subjects.append(properties.get('subject'))
        assert subjects and set(subjects) == {BROKEN, INTACT}

    def test_failure_message_names_the_golden_to_replay(self, mutant_run):
        """Prints a short replay command for a failing golden instead of its scenario."""
        _, _, output = mutant_run
        lines = [line.strip() for line in output.splitlines()
                 if line.strip().startswith(compare.REPLAY)]
        assert lines and all(f'--impl={MUTANT}' in line and len(line) < 200 for line in lines)


class TestReportOnTheReference:
    def test_every_selected_clause_passes(self, reference_run):
        """Reports every selected clause passed, the rest not run, and no plot."""
        directory, data = reference_run
        _validate(data)
        statuses = {cid: entry['status'] for cid, entry in data['clauses'].items()}
        assert statuses.pop(BROKEN) == statuses.pop(INTACT) == 'passed'
        assert set(statuses.values()) == {'not run'}
        assert data['plots']['written'] == [] and not (directory / 'plots').exists()
        text = (directory / 'report.md').read_text(encoding='utf-8')
        assert 'No clause failed, deviated or was excused.' in text


class TestTolerance:
    def test_float32_port_fails_bit_exact(self):
        """Fails the golden traces bit for bit on a port that rounds lrs to float32."""
        code, output = run_suite(PORT, *PORT_SELECTION)
        assert code == pytest.ExitCode.TESTS_FAILED, output[-2000:]

    def test_float32_port_passes_within_tolerance(self, tmp_path):
        """Passes them within rtol 1e-6, and the header and report say it is not bit-exact."""
        code, output = run_suite(PORT, *PORT_SELECTION, *PORT_TOLERANCE, '-v',
                                 f'--conformance-report={tmp_path}/report.json')
        assert code == pytest.ExitCode.OK, output[-2000:]
        assert 'NOT bit-exact conformance' in output
        data = json.loads((tmp_path / 'report.json').read_text(encoding='utf-8'))
        _validate(data)
        assert data['tolerance']['bit_exact'] is False
        assert (data['tolerance']['rtol'], data['tolerance']['atol']) == (1e-6, 1e-30)
        assert 'NOT bit-exact' in data['tolerance']['note']
        assert 'NOT bit-exact' in (tmp_path / 'report.md').read_text(encoding='utf-8')

    def test_bad_tolerance_is_a_usage_error(self):
        """Refuses a negative tolerance before running anything."""
        code, output = run_suite('reference', '--rtol=-1', '--co')
        assert code == pytest.ExitCode.USAGE_ERROR, output[-2000:]
        assert "argument --rtol: '-1' is not a finite number >= 0" in output

    @pytest.mark.parametrize('value', ['-1', '-0.5', 'abc', 'nan', 'inf', '-inf'])
    def test_tolerance_option_refuses_what_is_not_a_finite_number_at_least_0(self, value):
        """Refuses, as an argument error, text that is not a finite number >= 0."""
        with pytest.raises(argparse.ArgumentTypeError):
            reporting._non_negative(value)

    def test_tolerance_option_reads_numbers(self):
        """Reads 0, integers and exponents as floats."""
        assert [reporting._non_negative(v) for v in ('0', '2', '1e-6')] == [0.0, 2.0, 1e-6]

    def test_close_keeps_types_and_exact_non_floats(self):
        """Compares floats within the tolerance, but never types, ints, NaN or infinities."""
        tol = observed.Tolerance(rtol=1e-6)
        assert observed.close(0.1, 0.1 * (1 + 1e-7), tol)
        assert not observed.close(0.1, 0.1 * (1 + 1e-5), tol)
        assert not observed.close(0.1, observed.Typed('numpy.float64', 0.1), tol)
        assert observed.close(observed.Typed('numpy.float64', 0.1),
                              observed.Typed('numpy.float64', 0.1000000001), tol)
        assert not observed.close(1, 2, observed.Tolerance(atol=5.0))
        assert observed.close(math.nan, math.nan, tol)
        assert not observed.close(math.inf, 1e308, observed.Tolerance(atol=1.0))
        assert not observed.close(0.1, 0.1 * (1 + 1e-7))  # exact by default
        with pytest.raises(ValueError, match='rtol'):
            observed.Tolerance(rtol=-1.0)

    def test_same_lr_honours_the_runs_tolerance(self):
        """Compares lrs read directly (scalars or rows) within the run's tolerance, type kept."""
        near = 0.1 * (1 + 1e-7)
        assert not compare.same_lr([0.1, 0.2], [near, 0.2])
        with compare.tolerated(observed.Tolerance(rtol=1e-6)):
            assert compare.same_lr([0.1, 0.2], [near, 0.2])
            assert compare.same_lr([[0.1]], [[near]])
            assert not compare.same_lr(0.1, [near])
            assert not compare.same_lr(1, 1.0)


class TestDivergence:
    def test_divergence_is_data_and_keeps_the_message(self):
        """Gives call, group, aspect, expected and got, and the message users read as str()."""
        expected = driver.Trace(lrs=[[0.1], [0.05]])
        got = driver.Trace(lrs=[[0.1], [0.06]])
        found = compare.first_divergence(expected, got, compare.TRACE)
        assert (found.aspect, found.call, found.group, found.expected, found.got) == (
            'lr', 1, 0, 0.05, 0.06)
        assert str(found) == (f'call 1, param group 0: expected lr {observed.show(0.05)}, '
                              f'got {observed.show(0.06)}')
        shorter = compare.first_divergence(expected, driver.Trace(lrs=[[0.1]]))
        assert (shorter.aspect, shorter.call, shorter.expected, shorter.got) == ('calls', 1, 2, 1)

    def test_assertions_record_for_the_report_unless_suspended(self):
        """Records the first divergence of the current test, nothing while suspended."""
        scenario = single('LinearLrInterval', 'recorded')
        expected, got = driver.Trace(lrs=[[0.1]]), driver.Trace(lrs=[[0.2]])
        report.start('test-node')
        try:
            with report.suspended(), pytest.raises(AssertionError):
                compare.assert_same_trace(scenario, expected, got)
            assert report.take('test-node') is None
            with pytest.raises(AssertionError):
                compare.assert_same_trace(scenario, expected, got)
        finally:
            report.stop()
        found = report.take('test-node').to_json()
        assert (found['aspect'], found['call'], found['scenario']) == ('lr', 0, 'recorded')
        assert (found['expected_lrs'], found['got_lrs']) == ([[0.1]], [[0.2]])
        with pytest.raises(AssertionError):  # not recording: nothing is kept
            compare.assert_same_trace(scenario, expected, got)
        assert report.take('test-node') is None


class TestStatusRules:
    @pytest.mark.parametrize(('counts', 'intent', 'unneeded', 'applicable', 'status'), [
        (dict(passed=3, failed=1), False, False, True, 'failed'),
        (dict(passed=3), False, True, True, 'failed'),
        (dict(passed=3), True, False, True, 'deviated'),
        (dict(deviated=3, failed=1), True, False, True, 'failed'),
        (dict(passed=2, excused=1), False, False, True, 'excused'),
        (dict(skipped=2), False, False, True, 'not applicable'),
        (dict(skipped=2), False, False, False, 'not run'),
        (dict(passed=1, skipped=2), False, False, True, 'passed'),
        ({}, False, False, True, 'not run'),
    ])
    def test_status_of_a_clause(self, counts, intent, unneeded, applicable, status):
        """Derives a clause's status from its checks as docs/reports.md states."""
        full = {name: counts.get(name, 0) for name in reporting.COUNTS}
        assert reporting.clause_status(full, intent, unneeded, applicable) == status


class TestReproduction:
    def test_long_golden_gets_a_short_replay_line(self):
        """Names a long golden case by file and id, in a line that stays short."""
        case = max(goldens.load(goldens.directory()), key=lambda c: len(c.scenario.to_python()))
        assert len(case.scenario.to_python()) > 10_000
        line = compare.reproduction(case.scenario)
        assert line.startswith(compare.REPLAY) and len(line) < 200
        assert f'{case.file}:{case.id}' in line

    def test_replay_command_runs_the_case(self, capsys):
        """Replays the named case: agrees on the reference, names the divergence on a mutant."""
        spec = 'fixtures/linear_lr_interval.json:lli-stair-b0-e5-i2'
        assert replay.main(['--case', spec]) == 0
        assert 'reference agrees with the golden trace' in capsys.readouterr().out
        assert replay.main(['--case', spec, f'--impl={MUTANT}']) == 1
        assert f'{MUTANT} diverges: call 3, param group 0' in capsys.readouterr().out


class _Config:
    """What Reporter reads of a pytest config."""

    def __init__(self, path, declared, unneeded):
        self.facts_key, self.deviations_key = object(), object()
        facts = {'name': 'fake', 'origin': 'here', 'provides': ['ReduceLR'],
                 'is_reference': False}
        self.stash = {self.facts_key: facts, self.deviations_key: declared}
        key = getattr(deviations, 'UNNEEDED_KEY', None)
        if key is not None:
            self.stash[key] = unneeded
        self.invocation_params = pytest.Config.InvocationParams(
            args=('conformance',), plugins=None, dir=Path.cwd())
        self.options = {'conformance_report': str(path)}

    def getoption(self, name):
        return self.options[name]


def _test_report(nodeid, subject, outcome, when='call', **extra):
    longrepr = ('file', 1, 'Skipped: not applicable: no state') if outcome == 'skipped' else None
    return pytest.TestReport(nodeid, ('file', 1, nodeid), {}, outcome, longrepr, when,
                             user_properties=[('subject', subject), ('touches', '')], **extra)


class TestAggregation:
    def test_outcomes_of_checks_make_the_clause_statuses(self, tmp_path):
        """Counts deviated, excused and not-applicable checks and derives each status."""
        declared = deviations.Deviations('devs.toml', (
            deviations.Deviation('RLR-EPS', 'intent', 'ours'),
            deviations.Deviation('RLR-VALIDATION', 'excused', 'ours')))
        config = _Config(tmp_path / 'r.json', declared, [])
        reporter = reporting.Reporter(config, config.facts_key, config.deviations_key,
                                      lambda item: None)
        verdict = {'record': None, 'verdict': 'deviated'}
        excused = {'record': None, 'verdict': 'excused'}
        for rep in [
            _test_report('a', 'RLR-EPS', 'passed', conformance_record=verdict),
            _test_report('b', 'RLR-VALIDATION', 'skipped', wasxfail='excused',
                         conformance_record=excused),
            _test_report('c', 'RLR-STATE-KEYS', 'skipped', when='setup'),
            _test_report('d', 'RLR-COUNT', 'passed'),
        ]:
            reporter.pytest_runtest_logreport(rep)
        data = reporter.build(0)
        _validate({**data, 'plots': {'written': [], 'left_out': 0, 'problem': None}})
        clauses_ = data['clauses']
        assert clauses_['RLR-EPS']['status'] == 'deviated'
        assert clauses_['RLR-EPS']['checks']['deviated'] == 1
        assert clauses_['RLR-VALIDATION']['status'] == 'excused'
        assert clauses_['RLR-VALIDATION']['checks']['excused'] == 1
        assert clauses_['RLR-STATE-KEYS']['status'] == 'not applicable'
        assert clauses_['RLR-COUNT']['status'] == 'passed'
        assert data['deviations']['file'] == 'devs.toml'
        assert [e['follows'] for e in data['deviations']['entries']] == ['intent', 'excused']
