"""The pytest plugin of the matrix's child runs (``-p conformance.migration.child``).

- A check that never asks for the implementation under test (no ``adapter`` among its fixtures:
  it checks a document, a config file or upstream itself) says nothing about a replacement, so
  it is skipped as not applicable instead of counting as "same".
- The report's plots are not drawn: the matrix reads the JSON only and draws its own curves,
  and a plot per failing trace (up to 200 per run) is most of a report's cost.
"""

import pytest

from conformance.harness import reporting

reporting.MAX_PLOTS = 0


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if 'adapter' not in getattr(item, 'fixturenames', ()):
        pytest.skip('not applicable: this check does not run the implementation under test')
