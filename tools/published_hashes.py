"""Derive, from the wheel on PyPI, the sha256 of upstream's files that ``--impl=mmagic`` loads.

Usage: python tools/published_hashes.py [--check] [--wheel PATH]

Downloads ``mmagic==<published.VERSION>`` with ``pip download --no-deps`` into a temporary
directory (or reads the wheel given with ``--wheel``), hashes each file of
``conformance.harness.published.FILES`` inside the wheel, and refuses unless every hash and size
equals the wheel's own RECORD entry. It prints the values as Python for
conformance/harness/published.py; ``--check`` instead compares them (and the wheel's own sha256)
with the committed ones and exits 1 on any difference. Needs network access to PyPI.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conformance.harness import published


def record_hex(entry: str) -> str:
    """A RECORD hash (``sha256=<urlsafe base64, unpadded>``) as lowercase hex."""
    algorithm, _, digest = entry.partition('=')
    if algorithm != 'sha256':
        raise ValueError(f'RECORD uses {algorithm!r}, not sha256')
    return base64.urlsafe_b64decode(digest + '=' * (-len(digest) % 4)).hex()


def download(directory: Path) -> Path:
    subprocess.run([sys.executable, '-m', 'pip', 'download', '--no-deps', '--only-binary=:all:',
                    '--disable-pip-version-check', '-q', '-d', str(directory),
                    f'mmagic=={published.VERSION}'], check=True)
    (wheel,) = directory.glob('mmagic-*.whl')
    return wheel


def hashes_from_wheel(wheel: Path) -> dict:
    """{path: sha256 hex} of the FILES in ``wheel``, each checked against the wheel's RECORD."""
    with zipfile.ZipFile(wheel) as archive:
        (record_name,) = [name for name in archive.namelist()
                          if name.endswith('.dist-info/RECORD')]
        rows = csv.reader(io.TextIOWrapper(archive.open(record_name), encoding='utf-8'))
        record = {row[0]: (row[1], row[2]) for row in rows if row and row[1]}
        found = {}
        for path in published.FILES:
            data = archive.read(path)
            digest = hashlib.sha256(data).hexdigest()
            recorded, size = record[path]
            if record_hex(recorded) != digest or int(size) != len(data):
                raise SystemExit(f'{wheel.name}: {path} does not match its own RECORD entry')
            found[path] = digest
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--check', action='store_true',
                        help='compare with conformance/harness/published.py instead of printing')
    parser.add_argument('--wheel', type=Path, help='use this wheel instead of downloading it')
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download(Path(tmp))
        wheel_sha256 = hashlib.sha256(wheel.read_bytes()).hexdigest()
        found = hashes_from_wheel(wheel)
    if args.check:
        problems = [f'{path}: published {digest}, committed {published.FILES.get(path)}'
                    for path, digest in found.items() if published.FILES.get(path) != digest]
        if (wheel.name, wheel_sha256) != (published.WHEEL, published.WHEEL_SHA256):
            problems.append(f'wheel: {wheel.name} {wheel_sha256}, committed '
                            f'{published.WHEEL} {published.WHEEL_SHA256}')
        for problem in problems:
            print(problem)
        if problems:
            return 1
        print(f'{wheel.name} (sha256 {wheel_sha256}): the {len(found)} committed hashes match '
              "the wheel's files and its RECORD")
        return 0
    print(f'WHEEL = {wheel.name!r}')
    print(f'WHEEL_SHA256 = {wheel_sha256!r}')
    print('FILES = {')
    for path, digest in found.items():
        print(f'    {path!r}:\n        {digest!r},')
    print('}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
