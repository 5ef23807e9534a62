"""The JavaScript port (ports/js): its replay of the goldens passes and its README tells the truth.

ports/js/README.md quotes the replay command's output (cases replayed, matched and left out per
fixture file, and the Python machinery the port models); these tests run the command and compare,
so the documented counts cannot go stale. Without node they fail: the port is part of the gate.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PORT = ROOT / 'ports' / 'js'
README = PORT / 'README.md'
COMMAND = ['ports/js/replay.mjs', '--census']
_BLOCK = re.compile(
    r'<!-- replay-output: begin -->\n```text\n(.*?)```\n<!-- replay-output: end -->', re.S
)


def _node():
    node = shutil.which('node')
    if node is None:
        pytest.fail('node (>= 20) is not on PATH: the JavaScript port (ports/js/README.md) '
                    'cannot be replayed; install Node.js 20 or later')
    return node


def _replay(*extra):
    return subprocess.run([_node(), *COMMAND, *extra], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, check=False)


def test_replay_matches_every_case():
    """Exits 0 and reports every replayed case matched."""
    done = _replay()
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'OK: every replayed case matched bit for bit' in done.stdout
    totals = re.findall(r'^total, .*: (\d+) cases, (\d+) replayed, (\d+) matched', done.stdout,
                        re.M)
    assert len(totals) == 2, done.stdout
    for _cases, replayed, matched in totals:
        assert int(replayed) == int(matched) > 0


def test_readme_quotes_the_printed_counts():
    """Quotes in ports/js/README.md exactly the lines the replay command prints."""
    found = _BLOCK.search(README.read_text(encoding='utf-8'))
    assert found is not None, f'{README}: no replay-output block'
    printed = _replay().stdout
    assert found.group(1) == printed, (
        'ports/js/README.md is stale: replace its replay-output block with the output of '
        f'`node {" ".join(COMMAND)}`:\n{printed}'
    )


def test_replay_fails_on_a_changed_bit(tmp_path):
    """Exits 1 and names the case when one expected lr of a fixture copy differs by one bit."""
    copy = tmp_path / 'fixtures'
    shutil.copytree(ROOT / 'fixtures', copy)
    path = copy / 'reduce_lr.json'
    data = json.loads(path.read_text(encoding='utf-8'))
    case = next(c for c in data['cases'] if c['expected']['error'] is None
                and isinstance(c['expected']['lrs'][-1][0][0], float))
    (bits,) = struct.unpack('<Q', struct.pack('<d', case['expected']['lrs'][-1][0][0]))
    (case['expected']['lrs'][-1][0][0],) = struct.unpack('<d', struct.pack('<Q', bits ^ 1))
    path.write_text(json.dumps(data), encoding='utf-8')
    done = _replay('--fixtures', str(copy))
    assert done.returncode == 1, done.stdout + done.stderr
    assert f'MISMATCH reduce_lr.json {case["id"]}' in done.stdout
