"""Where the suite's repository files are: in a checkout, or inside an installed package.

The golden fixtures stay in ``fixtures/`` and the specification in ``docs/spec.md`` at the top of
the repository, where users and ports look for them. A built wheel carries a copy of each file
that :data:`SHIPPED` lists under ``conformance/_data/``, with the same relative paths (setup.py
copies them at build time; nothing is committed twice). Every module that reads one of these
files asks this one for its path, so the suite runs the same from a checkout, from an editable
install, and from a wheel installed in a fresh virtualenv (``pytest --pyargs conformance``).

This module imports nothing from the package: setup.py loads it by path to read :data:`SHIPPED`.
"""

from __future__ import annotations

from pathlib import Path

#: Files and directories (relative to the repository root) that a wheel carries, and that the
#: suite reads at run time: the goldens, the specification (clauses, examples), the mmengine
#: matrix and the pins that LOOP-MMENGINE-VERSIONS checks against each other.
SHIPPED = ('fixtures', 'docs/spec.md', 'docs/versions.md', 'constraints.txt')
#: Where a wheel keeps them, relative to the ``conformance`` package directory.
DATA_DIR = '_data'
#: Names under a shipped directory that never ship (scratch files of the suite's own tests).
EXCLUDED = ('tmp*', '__pycache__', '*.pyc')

_PACKAGE = Path(__file__).resolve().parents[1]


class ResourceError(Exception):
    """The suite's files are missing: neither a checkout nor an installed copy holds them."""


def checkout() -> Path | None:
    """The repository root when the suite runs from a checkout (editable or not), else None."""
    root = _PACKAGE.parent
    if (root / 'pyproject.toml').is_file() and all((root / name).exists() for name in SHIPPED):
        return root
    return None


def installed() -> Path | None:
    """The directory holding the shipped copies when the suite runs from a wheel, else None."""
    data = _PACKAGE / DATA_DIR
    if all((data / name).exists() for name in SHIPPED):
        return data
    return None


def root() -> Path:
    """The directory the suite reads its files from: the installed copies first, else the
    checkout (a checkout never holds ``conformance/_data``; a wheel never holds the checkout)."""
    found = installed() or checkout()
    if found is None:
        raise ResourceError(
            f'the conformance suite at {_PACKAGE} finds neither its installed data '
            f'({_PACKAGE / DATA_DIR}) nor a checkout around it holding {", ".join(SHIPPED)}; '
            'reinstall the package (pip install) or run from a complete checkout')
    return found


def path(relative: str) -> Path:
    """The path of one shipped file, e.g. ``path('docs/spec.md')``."""
    if not any(relative == name or relative.startswith(name + '/') for name in SHIPPED):
        raise ValueError(f'{relative} is not one of the shipped files {SHIPPED}')
    return root() / relative


def fixtures() -> Path:
    """The golden fixture directory (``fixtures/``) the suite reads."""
    return path('fixtures')


def spec() -> Path:
    """The specification, ``docs/spec.md``."""
    return path('docs/spec.md')


def describe() -> str:
    """Where the suite and its files were loaded from, for the pytest header."""
    data = installed()
    where = (f'installed copy {data}' if data is not None
             else f'checkout {checkout() or "(none found)"}')
    return f'loaded from {_PACKAGE}, fixtures and spec from the {where}'


def writable_fixtures() -> Path:
    """The checkout's ``fixtures/``: the only place the generator writes by default.

    An installed copy is a build output; regenerating it in place would make it disagree with
    the repository it came from.
    """
    root_dir = checkout()
    if root_dir is None:
        raise ResourceError(
            f'no checkout around {_PACKAGE}: python -m conformance.generate_fixtures writes into '
            "a repository checkout's fixtures/ only (or into a directory given with --fixtures)")
    return root_dir / 'fixtures'
