"""--impl=mmagic gates a fork, and its header says whether the files it ran are upstream's.

The published hashes (conformance/harness/published.py) are checked against the installed
mmagic 1.2.0 and its RECORD. Then a fake fork (tests/fake_fork.py: a package ``mmagic`` whose
``__init__`` needs mmcv, which is not installed) is installed with ``pip install --no-deps -e``
into a fresh virtualenv, and the guide's command runs on it from the checkout. The runs are
limited to the checks of SUBJECTS (``--subject``), the eps clause the modified fork breaks and
two neighbours of each scheduler, to keep them under a minute: a full run takes about 8 minutes
on 2 cores; the guide's own recipe runs in tests/test_guide_recipes.py.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.harness import published, upstream
from tests import fake_fork as forks

SUBJECTS = ('RLR-EPS', 'RLR-REDUCE-ORDER', 'RLR-PATIENCE', 'LLI-FIRST-STEP-DIP',
            'LLI-ABSOLUTE-VALUE')
ISOLATED = re.escape(upstream.ISOLATED)


def _record_hex(entry):
    algorithm, _, digest = entry.partition('=')
    assert algorithm == 'sha256', entry
    return base64.urlsafe_b64decode(digest + '=' * (-len(digest) % 4)).hex()


class TestPublishedHashes:
    def test_equal_the_installed_files_and_their_record(self):
        """Holds for every committed hash: the installed 1.2.0 file and its RECORD entry agree."""
        dist = forks.installed_upstream()
        record = {str(file): file.hash for file in dist.files}
        for path, digest in published.FILES.items():
            data = dist.locate_file(path).read_bytes()
            assert hashlib.sha256(data).hexdigest() == digest, path
            assert record[path].mode == 'sha256', path
            assert _record_hex(f'sha256={record[path].value}') == digest, path

    def test_cover_every_mmagic_file_the_isolated_import_executes(self):
        """Names exactly the mmagic modules upstream.load() imports besides the bare packages."""
        upstream.load()
        executed = {Path(module.__file__) for name, module in list(sys.modules.items())
                    if name.split('.')[0] == 'mmagic' and getattr(module, '__file__', None)}
        root = Path(upstream.location()).parent
        assert {path.relative_to(root).as_posix() for path in executed} == set(published.FILES)


class TestCheckPublished:
    @pytest.fixture
    def fork(self, tmp_path):
        return forks.build(tmp_path / 'fork', modified=False) / 'mmagic'

    def test_says_as_published_for_unmodified_copies(self, fork):
        """Finds every file as published in an unmodified copy."""
        check = upstream.check_published(fork)
        assert check.as_published
        assert check.matching == tuple(published.FILES)
        assert check.verdict() == "upstream's scheduler files as published: sha256 match"

    def test_names_a_changed_and_a_missing_file(self, fork):
        """Names the file with one changed byte as differing and the deleted one as missing."""
        hook = fork.parent / 'mmagic/engine/hooks/reduce_lr_scheduler_hook.py'
        hook.unlink()
        changed = fork.parent / forks.MODIFIED_FILE
        changed.write_text(changed.read_text().replace(*forks.EPS_TEST))
        check = upstream.check_published(fork)
        assert not check.as_published
        assert check.differs == (forks.MODIFIED_FILE,)
        assert check.missing == ('mmagic/engine/hooks/reduce_lr_scheduler_hook.py',)
        assert check.verdict() == (
            f'MODIFIED: {forks.MODIFIED_FILE} differs; mmagic/engine/hooks/'
            'reduce_lr_scheduler_hook.py missing from mmagic 1.2.0 as published')

    def test_names_a_class_loaded_from_another_file(self, fork, tmp_path):
        """Reports a scheduler a fork's package re-exports from a file other than upstream's."""
        check = upstream.check_published(fork, {'ReduceLR': str(tmp_path / 'mine.py')})
        assert not check.as_published
        assert check.elsewhere == (('ReduceLR', str(tmp_path / 'mine.py')),)


def _gate(python, *args):
    """The guide's command, from the checkout, limited to SUBJECTS; header shown (no -q)."""
    subjects = [f'--subject={subject}' for subject in SUBJECTS]
    return subprocess.run([str(python), '-m', 'pytest', 'conformance', '--impl=mmagic',
                           '-p', 'no:randomly', '-p', 'no:cacheprovider', *subjects, *args],
                          cwd=forks.ROOT, capture_output=True, text=True, env=forks.quiet_env(),
                          timeout=600)


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """{modified: (fork directory, interpreter)}: each fork in its own fresh virtualenv."""
    made = {}
    for modified in (True, False):
        base = tmp_path_factory.mktemp('modified' if modified else 'unmodified')
        fork = forks.build(base / 'fork', modified=modified)
        python = forks.shared_venv(base / 'venv')
        forks.pip_install_editable(python, fork)
        made[modified] = (fork, python)
    yield made
    for _fork, python in made.values():
        shutil.rmtree(python.parents[1], ignore_errors=True)


@pytest.mark.venv
class TestInstalledFork:
    def test_importing_the_fork_needs_mmcv(self, installed):
        """Fails `import mmagic` with the fork's missing mmcv, as a real fork does without it."""
        fork, python = installed[False]
        result = subprocess.run([str(python), '-c', 'import mmagic'], capture_output=True,
                                text=True, env=forks.quiet_env(), cwd=fork.parent)
        assert result.returncode == 1
        assert "No module named 'mmcv'" in result.stderr

    def test_modified_fork_is_named_modified_and_fails_its_clause(self, installed):
        """Names the changed file in the header and fails only checks of the eps test's clauses."""
        fork, python = installed[True]
        result = _gate(python)
        out = result.stdout
        assert result.returncode == pytest.ExitCode.TESTS_FAILED, out[-3000:]
        assert re.search(
            r'^conformance: impl=mmagic 1\.2\.0\+fork \(MODIFIED: '
            + re.escape(f'{forks.MODIFIED_FILE} differs from mmagic 1.2.0 as published)')
            + r' provides=\[LinearLrInterval, ReduceLR\]$', out, re.M), out[:3000]
        assert re.search(rf'^conformance: loaded from {re.escape(str(fork / "mmagic"))} '
                         rf'\[{ISOLATED}\]$', out, re.M), out[:3000]
        assert f'{forks.MODIFIED_FILE} DIFFERS' in out
        failed = re.findall(r'^FAILED (\S+)', out, re.M)
        assert failed, out[-3000:]
        subjects = set(re.findall(r'^subject: (\S+);', out, re.M))
        # the strict `> eps` is stated by RLR-EPS and, with the floor, by RLR-REDUCE-ORDER
        assert 'RLR-EPS' in subjects, (subjects, failed)
        assert subjects <= {'RLR-EPS', 'RLR-REDUCE-ORDER'}, (subjects, failed)
        assert re.search(r'^=+ \d+ failed, \d+ passed, (\d+ skipped, )?\d+ deselected', out,
                         re.M), out[-500:]

    def test_unmodified_fork_is_named_as_published_and_passes(self, installed):
        """Says the fork's files are upstream's as published, and passes."""
        fork, python = installed[False]
        result = _gate(python)
        out = result.stdout
        assert result.returncode == pytest.ExitCode.OK, out[-3000:]
        assert re.search(
            r"^conformance: impl=mmagic 1\.2\.0\+fork \(upstream's scheduler files as published: "
            r'sha256 match\) provides=\[LinearLrInterval, ReduceLR\]$', out, re.M), out[:3000]
        assert re.search(rf'^conformance: loaded from {re.escape(str(fork / "mmagic"))} '
                         rf'\[{ISOLATED}\]$', out, re.M), out[:3000]
        assert re.search(r' passed, (\d+ skipped, )?\d+ deselected', out), out[-500:]
