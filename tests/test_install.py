"""The suite installs like a tool (issue 8, item 6).

A non-editable install of the checkout in a fresh virtualenv runs as
``python -m pytest --pyargs conformance --impl=...`` from an unrelated directory, reads its
fixtures and specification from the installed package, and leaves other pytest runs in that
environment alone. The slow tests (marked ``install``) build a virtualenv with torch: about
4 minutes, then one run of the whole suite per implementation.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conformance.harness import resources
from tests import installing
from tests.installing import ROOT

DATA = f'conformance/{resources.DATA_DIR}'


def shipped_files() -> dict:
    """Every file the wheel must carry under conformance/_data, with its checkout path."""
    found = {}
    for name in resources.SHIPPED:
        source = ROOT / name
        paths = sorted(p for p in source.rglob('*') if p.is_file()) if source.is_dir() else [source]
        for path in paths:
            relative = path.relative_to(ROOT).as_posix()
            if '__pycache__' not in relative and not Path(relative).name.startswith('tmp'):
                found[f'{DATA}/{relative}'] = path
    return found


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    """A wheel built from a copy of the checkout (pip wheel, no dependencies)."""
    base = tmp_path_factory.mktemp('wheel')
    source = installing.source_copy(base / 'src')
    result = subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--no-deps', '-q', '-w', str(base / 'dist'),
         str(source)], capture_output=True, text=True, env=installing.clean_env())
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    (built,) = (base / 'dist').glob('*.whl')
    return built


class TestWheel:
    def test_carries_fixtures_and_spec_byte_for_byte(self, wheel):
        """Carries fixtures/, docs/spec.md and the other shipped files unchanged."""
        expected = shipped_files()
        assert f'{DATA}/docs/spec.md' in expected
        assert any(name.startswith(f'{DATA}/fixtures/') for name in expected)
        with zipfile.ZipFile(wheel) as archive:
            names = {name for name in archive.namelist() if name.startswith(DATA + '/')}
            assert names == set(expected)
            for name, path in expected.items():
                assert archive.read(name) == path.read_bytes(), name

    def test_carries_the_report_schema(self, wheel):
        """Carries conformance/report.schema.json, which --conformance-report validates against."""
        with zipfile.ZipFile(wheel) as archive:
            assert archive.read('conformance/report.schema.json') == (
                ROOT / 'conformance' / 'report.schema.json').read_bytes()

    def test_registers_the_pytest_plugin(self, wheel):
        """Declares conformance.plugin as a pytest11 entry point."""
        with zipfile.ZipFile(wheel) as archive:
            (points,) = [n for n in archive.namelist() if n.endswith('.dist-info/entry_points.txt')]
            text = archive.read(points).decode()
        assert '[pytest11]' in text
        assert 'mmagic_lr_conformance = conformance.plugin' in text


def test_implementations_opt_out_of_assert_rewriting():
    """Marks PYTEST_DONT_REWRITE in every shipped implementation module with an assert statement.

    pytest rewrites the asserts of every module of a distribution that declares a pytest11
    plugin, which would append its own text to the messages upstream writes and the reference
    (and the example implementation) mirror: an installed suite would then disagree with its own
    goldens. The harness's own asserts are checks, like a test module's, and may be rewritten.
    """
    offenders = []
    checked = 0
    for package in ('reference', 'conformance/examples'):
        for path in sorted((ROOT / package).rglob('*.py')):
            tree = ast.parse(path.read_text(encoding='utf-8'))
            if any(isinstance(node, ast.Assert) for node in ast.walk(tree)):
                checked += 1
                if 'PYTEST_DONT_REWRITE' not in (ast.get_docstring(tree) or ''):
                    offenders.append(str(path.relative_to(ROOT)))
    assert checked, 'no implementation module has an assert statement: nothing was checked'
    assert not offenders, f'add PYTEST_DONT_REWRITE to the module docstring of {offenders}'


def test_generator_writes_into_a_checkout_only(monkeypatch, tmp_path):
    """Refuses to write fixtures when no checkout surrounds the package."""
    monkeypatch.setattr(resources, 'checkout', lambda: None)
    with pytest.raises(resources.ResourceError, match='checkout'):
        resources.writable_fixtures()


# -- a fresh virtualenv ---------------------------------------------------------------------------


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """A fresh virtualenv holding a non-editable install of the checkout and mmagic 1.2.0."""
    base = tmp_path_factory.mktemp('installed')
    source = installing.source_copy(base / 'src')
    venv = installing.Venv.create(base / 'venv')
    venv.pip('install', '-c', source / 'constraints.txt', source)
    venv.pip('install', '-c', source / 'constraints.txt', '--no-deps', 'mmagic')
    venv.source = source
    return venv


@pytest.mark.install
@pytest.mark.xdist_group('install')
@pytest.mark.parametrize('impl', ['reference', 'mmagic'])
def test_pyargs_run_passes_from_an_unrelated_directory(installed, tmp_path, impl):
    """Passes `python -m pytest --pyargs conformance --impl=IMPL` run outside the checkout."""
    result = installed.timed(
        f'pytest --pyargs conformance --impl={impl}',
        [installed.python, '-m', 'pytest', '--pyargs', 'conformance', f'--impl={impl}'],
        cwd=tmp_path, timeout=3000)
    output = result.stdout + result.stderr
    assert result.returncode == pytest.ExitCode.OK, output[-8000:]
    site = installed.site_packages()
    lines = installing.header(output)
    assert (f'conformance: suite loaded from {site / "conformance"}, fixtures and spec from the '
            f'installed copy {site / "conformance" / resources.DATA_DIR}') in lines, lines
    if impl == 'reference':
        assert f'conformance: loaded from {site / "reference" / "__init__.py"}' in lines, lines
    for line in lines:
        assert str(ROOT) not in line and str(installed.source) not in line, line
    assert ' passed' in output.splitlines()[-1] and 'failed' not in output.splitlines()[-1]


@pytest.mark.install
@pytest.mark.xdist_group('install')
def test_plugin_leaves_other_pytest_runs_alone(installed, tmp_path):
    """Adds no option, setting or header line to a pytest run that does not collect the suite."""
    (tmp_path / 'pytest.ini').write_text('[pytest]\naddopts = --strict-markers\n')
    (tmp_path / 'test_own.py').write_text(
        'def test_own_settings(request):\n'
        '    option = request.config.option\n'
        "    assert option.importmode == 'prepend'\n"
        "    assert option.reportchars == 'fE'\n"
        '    assert not request.config.getini("filterwarnings")\n'
        '    import sys\n'
        "    assert 'conformance.plugin' in sys.modules  # loaded, and inert:\n"
        "    assert 'conformance.conftest' not in sys.modules\n"
        "    assert 'conformance.harness' not in sys.modules and 'torch' not in sys.modules\n"
    )
    own = installed.timed('pytest (a fork\'s own tests)', [installed.python, '-m', 'pytest'],
                          cwd=tmp_path, timeout=600)
    output = own.stdout + own.stderr
    assert own.returncode == pytest.ExitCode.OK, output[-4000:]
    assert not installing.header(output)
    unknown = installed.timed('pytest --impl (a fork\'s own tests)',
                              [installed.python, '-m', 'pytest', '--impl=reference'],
                              cwd=tmp_path, timeout=600)
    assert unknown.returncode == pytest.ExitCode.USAGE_ERROR
    assert 'unrecognized arguments: --impl=reference' in unknown.stderr
