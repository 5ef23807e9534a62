"""Every shell recipe of docs/guide.md runs, as written, in a temporary copy of this checkout.

A recipe is a fenced ``sh`` block whose first line is ``# recipe: NAME``; the guide has no other
shell blocks (checked), so a recipe cannot escape this test. The recipes run in the guide's order,
each as one ``bash -euo pipefail`` script, in one copy of the checkout's files (tracked and
untracked, not ignored), so a later recipe uses the .venv/ an earlier one made. SUBSTITUTIONS
lists, per recipe, the only changes made to its text:

- gate-a-fork: ``FORK`` is a fake, unmodified fork (tests/fake_fork.py: its ``__init__`` needs mmcv,
  which is not installed), and the final pytest command gets ``--subject`` options for
  tests/test_fork_gate.SUBJECTS and ``-p no:randomly``: the full suite takes about 8 minutes on 2
  cores, on top of about 4 for ``tools/setup-venv.sh``. tests/test_fork_gate.py checks a modified
  fork.
- published-hashes: none. It downloads the mmagic 1.2.0 wheel from PyPI (network needed).
- gate-with-deviations: the pytest command gets ``--subject=RLR-VALIDATION -p no:randomly`` (the
  whole suite on the reference with an intent is tests/test_deviations.py's); the test then reads
  the report it wrote.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import fake_fork as forks
from tests.test_fork_gate import SUBJECTS

GUIDE = forks.ROOT / 'docs' / 'guide.md'
FENCE = re.compile(r'^```(\S*)\n(.*?)^```$', re.S | re.M)
MARKER = re.compile(r'# recipe: (\S+)$')
SHELLS = {'sh', 'bash', 'shell', 'console', 'zsh'}
PYTEST_LINE = '.venv/bin/python -m pytest conformance --impl=mmagic'


def recipes(text=None) -> dict:
    """{name: script} of the guide's recipes, in the guide's order."""
    found = {}
    for language, body in FENCE.findall(GUIDE.read_text() if text is None else text):
        if language == 'sh':
            first, _, rest = body.partition('\n')
            match = MARKER.fullmatch(first.strip())
            assert match, f'an sh block of docs/guide.md lacks "# recipe: NAME": {first!r}'
            assert match.group(1) not in found, f'two recipes are named {match.group(1)}'
            found[match.group(1)] = rest
    return found


def _gate_a_fork(script, fork):
    assert script.count('FORK=/path/to/your/mmagic-fork') == 1, script
    assert script.count(PYTEST_LINE) == 1, script
    subjects = ' '.join(f'--subject={subject}' for subject in SUBJECTS)
    return (script.replace('FORK=/path/to/your/mmagic-fork', f'FORK={fork}')
            .replace(PYTEST_LINE, f'{PYTEST_LINE} -p no:randomly {subjects}'))


DEVIATIONS_LINE = '--deviations=conformance-deviations.toml'


def _gate_with_deviations(script, fork):
    assert script.count(DEVIATIONS_LINE) == 1, script
    return script.replace(DEVIATIONS_LINE,
                          f'{DEVIATIONS_LINE} --subject=RLR-VALIDATION -p no:randomly')


#: recipe name -> function(script, fork) returning the script that runs (see the docstring).
SUBSTITUTIONS = {
    'gate-a-fork': _gate_a_fork,
    'published-hashes': lambda script, fork: script,
    'gate-with-deviations': _gate_with_deviations,
}


class TestRecipesAreFindable:
    def test_every_shell_block_is_a_named_recipe(self):
        """Finds no shell block in the guide other than the ``# recipe: NAME`` sh blocks."""
        languages = [language for language, _ in FENCE.findall(GUIDE.read_text())]
        assert 'sh' in languages
        assert not [language for language in languages if language in SHELLS - {'sh'}]

    def test_every_recipe_has_its_substitutions(self):
        """Knows each recipe of the guide, so a new recipe fails until it is run here."""
        assert list(recipes()) == list(SUBSTITUTIONS)

    def test_a_block_without_marker_is_refused(self):
        """Raises on an sh block whose first line does not name the recipe."""
        with pytest.raises(AssertionError, match='lacks'):
            recipes('```sh\necho hi\n```\n')


def _copy_checkout(destination: Path) -> Path:
    listed = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
                            cwd=forks.ROOT, check=True, capture_output=True).stdout
    for name in filter(None, listed.decode().split('\0')):
        source = forks.ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


@pytest.mark.venv
def test_recipes_run_in_a_copy_of_the_checkout(tmp_path):
    """Runs every recipe to success; the fork recipe's header names the fork as published."""
    checkout = _copy_checkout(tmp_path / 'checkout')
    fork = forks.build(tmp_path / 'fork', modified=False)
    outputs = {}
    try:
        for name, script in recipes().items():
            runs = SUBSTITUTIONS[name](script, fork)
            result = subprocess.run(['bash', '-euo', 'pipefail', '-c', runs], cwd=checkout,
                                    capture_output=True, text=True, env=forks.quiet_env(),
                                    timeout=1800)
            assert result.returncode == 0, (name, result.stdout[-3000:], result.stderr[-3000:])
            outputs[name] = result.stdout
    finally:
        shutil.rmtree(checkout / '.venv', ignore_errors=True)  # 1.4 GB; pytest keeps 3 tmp dirs
    gated = outputs['gate-a-fork']
    assert re.search(r"^conformance: impl=mmagic 1\.2\.0\+fork \(upstream's scheduler files as "
                     r'published: sha256 match\) provides=\[LinearLrInterval, ReduceLR\]$',
                     gated, re.M), gated[:3000]
    assert re.search(rf'^conformance: loaded from {re.escape(str(fork / "mmagic"))} \[isolated',
                     gated, re.M), gated[:3000]
    assert re.search(r' passed, (\d+ skipped, )?\d+ deselected', gated), gated[-500:]
    assert 'the 4 committed hashes match' in outputs['published-hashes']
    report = json.loads((checkout / 'conformance-report' / 'report.json').read_text())
    statuses = {clause: entry['status'] for clause, entry in report['clauses'].items()}
    assert statuses['RLR-VALIDATION'] == 'deviated', report['clauses']['RLR-VALIDATION']
    assert (checkout / 'conformance-report' / 'report.md').is_file()
