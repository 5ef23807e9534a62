"""Build step only (the metadata is in pyproject.toml): a wheel carries the suite's data files.

The golden fixtures and docs/spec.md stay where they are in the repository (``fixtures/``,
``docs/``); building copies the files that conformance/harness/resources.py lists in ``SHIPPED``
into the built package as ``conformance/_data/<same relative path>``, where the resolver finds
them after a non-editable install. An editable install reads the checkout and copies nothing.
"""

import importlib.util
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _resources():
    spec = importlib.util.spec_from_file_location(
        '_conformance_resources', HERE / 'conformance' / 'harness' / 'resources.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildWithData(build_py):
    """build_py, plus a copy of the shipped repository files under conformance/_data/."""

    def run(self):
        super().run()
        if getattr(self, 'editable_mode', False):
            return
        resources = _resources()
        target = Path(self.build_lib) / 'conformance' / resources.DATA_DIR
        if target.exists():
            shutil.rmtree(target)
        for name in resources.SHIPPED:
            source = HERE / name
            if not source.exists():
                raise SystemExit(f'setup.py: {name} is missing; build from a complete checkout')
            if source.is_dir():
                shutil.copytree(source, target / name,
                                ignore=shutil.ignore_patterns(*resources.EXCLUDED))
            else:
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / name)


setup(cmdclass={'build_py': BuildWithData})
