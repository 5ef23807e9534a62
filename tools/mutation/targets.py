"""The three targets of a mutation run, each laid out in a temporary directory ``--impl`` loads.

- ``upstream``: mmagic 1.2.0's two scheduler modules, copied at run time from the installed
  package (checked against published.py's sha256 first) into a directory laid out as a fork: a
  package ``mmagic`` with registry.py, engine/schedulers/, engine/hooks/ and package ``__init__``
  files that need mmcv, so ``--impl=mmagic`` loads it through the isolated import (the header
  says MODIFIED). Nothing of upstream is ever written into the repository.
- ``mmengine``: the installed mmengine package copied whole; only the functions of
  param_scheduler.py and lr_scheduler.py that upstream's two classes run are mutated (MMENGINE_
  FUNCTIONS). The suite runs ``--impl=mmagic`` (the installed upstream) on top of the copy.
- ``reference``: reference/ copied as the package ``reference_mutant`` (its registry scope
  renamed to match, so it can be imported beside the real one) and run as
  ``--impl=reference_mutant``: the oracle the suite compares with stays the real reference.
  A survivor of that run gets a second one with every intent declared (``Target.second``:
  INTENTS_MODULE with ALL_INTENTS), for mutants of an intent's branch, which only run with the
  intent enabled. The copy is a fork to the suite (its classes are not the reference's), so the
  second run judges it as a fork that declares every intent (harness/verdict.py).

A :class:`Layout` is one copy of a target; a run with ``--jobs N`` builds N of them, one per
child running at a time, and writes each mutant into the copy its child uses.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path

from conformance.harness import published

from . import mutator

ROOT = Path(__file__).resolve().parents[2]

UPSTREAM_FILES = (
    'mmagic/engine/schedulers/linear_lr_scheduler_with_interval.py',
    'mmagic/engine/schedulers/reduce_lr_scheduler.py',
)
#: Package __init__ files as a fork has them: they need mmcv (absent), so the import is isolated.
FORK_INITS = {
    'mmagic/__init__.py': 'import mmcv  # noqa: F401  (a fork needs mmcv)\n',
    'mmagic/engine/__init__.py':
        'from .hooks import *  # noqa\nfrom .schedulers import *  # noqa\n',
    'mmagic/engine/hooks/__init__.py':
        'from .reduce_lr_scheduler_hook import ReduceLRSchedulerHook  # noqa: F401\n',
}
#: The functions of mmengine's scheduler base code that upstream's two classes run: the window
#: (WIN-*) and state clauses. LinearLrInterval is LinearLR(LRSchedulerMixin,
#: LinearParamScheduler) with its own _get_value; ReduceLR derives from _ParamScheduler directly
#: (so of the build_iter_from_epoch classmethods only LinearParamScheduler's is reachable).
#: print_value is left out: it only writes the verbose log line.
MMENGINE_FUNCTIONS = {
    'mmengine/optim/scheduler/param_scheduler.py': (
        '_ParamScheduler.__init__', '_ParamScheduler.state_dict',
        '_ParamScheduler.load_state_dict', '_ParamScheduler.get_last_value',
        '_ParamScheduler.step', 'LinearParamScheduler.__init__',
        'LinearParamScheduler.build_iter_from_epoch',
    ),
    'mmengine/optim/scheduler/lr_scheduler.py': ('LRSchedulerMixin.__init__',),
}
#: reference/ modules mutated. Not hook.py (the suite always drives the real reference's hook),
#: intents.py (it only assembles the intents' subclasses, for ``reference[...]`` and the second
#: run's module), registry.py and __init__.py (registration, LOOP-REGISTRY: test_registry.py
#: checks the copy's, but registry.py is rewritten for the copy's scope, so a mutant written
#: over it would undo that; not mutated so far).
REFERENCE_FILES = ('reference/linear_interval.py', 'reference/reduce_lr.py',
                   'reference/window.py')
REFERENCE_COPY = 'reference_mutant'
#: What must change in the copy so it imports beside the real reference (registry scopes are
#: unique under mmengine's root registry).
REFERENCE_RELOCATION = {
    'registry.py': (("SCOPE = 'reference'", f"SCOPE = '{REFERENCE_COPY}'"),
                    ("locations=['reference']", f"locations=['{REFERENCE_COPY}']")),
}
INTENTS_MODULE = f'{REFERENCE_COPY}_intents'
INTENTS_SOURCE = f'''"""The copied reference with every intent enabled (tools/mutation)."""
from {REFERENCE_COPY} import INTENTS, with_intents

_enabled = with_intents(sorted(INTENTS))
LinearLrInterval = _enabled.LinearLrInterval
ReduceLR = _enabled.ReduceLR
'''
ALL_INTENTS = ROOT / 'tools' / 'all-intents.toml'


@dataclass(frozen=True)
class Target:
    name: str
    #: file as mutant IDs name it -> functions mutated (None: the whole module)
    files: dict
    #: the --impl value of the plain run, and of the second pass (None: no second pass)
    impl: str
    second: tuple = None  # (impl, extra pytest options)

    def sources(self) -> dict:
        """The original text of each mutated file."""
        return {file: self.original(file).read_text(encoding='utf-8') for file in self.files}

    def original(self, file) -> Path:
        if self.name == 'upstream':
            return Path(upstream_root()).parent / file
        if self.name == 'mmengine':
            return Path(mmengine_root()).parent / file
        return ROOT / file

    def mutants(self) -> list:
        found = []
        for file, text in self.sources().items():
            found.extend(mutator.mutants(text, file, self.files[file]))
        return found

    def build(self, directory: Path) -> Layout:
        """Write one copy of the target into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        if self.name == 'upstream':
            _build_fork(directory)
        elif self.name == 'mmengine':
            shutil.copytree(mmengine_root(), directory / 'mmengine', symlinks=True)
        else:
            _build_reference(directory)
        return Layout(self, directory, self.sources())


class Layout:
    """One copy of a target on disk: write a mutant into it, restore it afterwards."""

    def __init__(self, target, directory, sources):
        self.target, self.directory, self.sources = target, directory, sources

    def path(self, file) -> Path:
        if self.target.name == 'reference':
            return self.directory / REFERENCE_COPY / Path(file).name
        return self.directory / file

    def write(self, file, text):
        path = self.path(file)
        path.write_text(text, encoding='utf-8')
        # A rewrite within the same second and of the same size would look unchanged to a
        # cached .pyc: drop it so the child compiles the file it is given.
        for cached in (path.parent / '__pycache__').glob(f'{path.stem}.*.pyc'):
            cached.unlink()

    def apply(self, mutant):
        self.write(mutant.file, mutant.apply(self.sources[mutant.file]))

    def restore(self, mutant=None):
        for file in ([mutant.file] if mutant else self.sources):
            self.write(file, self.sources[file])


def upstream_root() -> str:
    """The installed mmagic package directory (never the copy: it is not on this sys.path)."""
    from conformance.harness.upstream import location

    root = location()
    if root is None:
        raise SystemExit('mmagic 1.2.0 is not installed (pip install --no-deps mmagic==1.2.0)')
    return root


def mmengine_root() -> str:
    spec = importlib.util.find_spec('mmengine')
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit('mmengine is not installed')
    return next(iter(spec.submodule_search_locations))


def _build_fork(directory):
    base = Path(upstream_root()).parent
    for path, digest in published.FILES.items():
        data = (base / path).read_bytes()
        if hashlib.sha256(data).hexdigest() != digest:
            raise SystemExit(f'the installed {path} is not mmagic {published.VERSION} as '
                             'published: its mutants would not be upstream\'s')
        (directory / path).parent.mkdir(parents=True, exist_ok=True)
        (directory / path).write_bytes(data)
    schedulers_init = 'mmagic/engine/schedulers/__init__.py'
    shutil.copy2(base / schedulers_init, directory / schedulers_init)
    for path, text in FORK_INITS.items():
        (directory / path).write_text(text, encoding='utf-8')


def _build_reference(directory):
    package = directory / REFERENCE_COPY
    package.mkdir()
    for source in sorted((ROOT / 'reference').glob('*.py')):
        text = source.read_text(encoding='utf-8')
        for old, new in REFERENCE_RELOCATION.get(source.name, ()):
            if text.count(old) != 1:
                raise SystemExit(f'reference/{source.name}: expected {old!r} once, to rename '
                                 'the copy\'s registry scope')
            text = text.replace(old, new)
        (package / source.name).write_text(text, encoding='utf-8')
    (directory / f'{INTENTS_MODULE}.py').write_text(INTENTS_SOURCE, encoding='utf-8')


TARGETS = {
    'upstream': Target('upstream', dict.fromkeys(UPSTREAM_FILES), 'mmagic'),
    'mmengine': Target('mmengine', MMENGINE_FUNCTIONS, 'mmagic'),
    'reference': Target('reference', dict.fromkeys(REFERENCE_FILES), REFERENCE_COPY,
                        (INTENTS_MODULE, (f'--deviations={ALL_INTENTS}',))),
}
