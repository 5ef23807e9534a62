"""Sphinx configuration of the documentation site (``tox -e docs``; output in docs/_build/html).

The pages are the repository's own Markdown (MyST). The build runs with ``-W --keep-going`` and
``nitpicky``: every internal link, anchor and cross-reference must resolve. The references that
point outside this project (torch, mmengine, numpy and the standard library in docstrings'
annotations) cannot resolve without internet (no intersphinx) and are the only ones ignored.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / '_ext'))

project = 'mmagic lr-scheduler conformance'
author = 'the mmagic lr-scheduler conformance developers'
copyright = '2026, ' + author
release = '0.1.0'

extensions = [
    'myst_parser',
    'sphinx.ext.autodoc',
    'sphinx_copybutton',
    'clause_links',
]

source_suffix = {'.md': 'markdown'}
root_doc = 'index'
exclude_patterns = ['_build', '_templates', 'img', 'fork-gate.yml']
templates_path = ['_templates']
nitpicky = True
# Annotations and docstrings name classes of torch, mmengine, numpy and the standard library;
# without internet there is no inventory to resolve them against. The project's own modules
# (reference, conformance) are NOT ignored: a reference to them must resolve.
nitpick_ignore_regex = [
    (r'py:.*', r'(?!(reference|conformance)\b).*'),
]

# -- MyST: the Markdown in docs/ and README.md as they are on GitHub -------------------------
myst_enable_extensions = ['colon_fence']
# Anchors for headings, so a Markdown link to page.md#a-heading resolves (and is checked).
myst_heading_anchors = 3
# fixtures.md and mutation.md show JSON and shell with elisions (`...`, `<target's impl>`) that
# Pygments cannot lex strictly; Sphinx then highlights them leniently, which is what they need.
suppress_warnings = ['misc.highlighting_failure']

# -- API pages -----------------------------------------------------------------------------
autodoc_member_order = 'bysource'
# A method without a docstring of its own gets none: inheriting would put mmengine's and torch's
# docstrings (upstream text) on this project's pages.
autodoc_inherit_docstrings = False
autodoc_typehints = 'description'
autodoc_default_options = {'members': True, 'show-inheritance': True}

# -- HTML ------------------------------------------------------------------------------------
# OpenMMLab's docs use their fork of pytorch_sphinx_theme, which is installed from a git URL.
# PyPI's pytorch-sphinx-theme (0.0.19, 2018) does not run on Sphinx >= 7 and hard-codes
# PyTorch's header, links and logo; pytorch-sphinx-theme2 is PyTorch-branded throughout. The
# PyData theme gives the same frame: a header bar with the project name and search, the whole
# table of contents with its captions on the left (docs/_templates/globaltoc.html), the page's
# sections on the right, with PyTorch's orange as accent (docs/_static/custom.css).
html_theme = 'pydata_sphinx_theme'
html_title = 'mmagic lr-scheduler conformance'
html_static_path = ['_static']
html_css_files = ['custom.css']
html_sidebars = {'**': ['globaltoc.html']}
html_theme_options = {
    'navbar_start': ['navbar-logo'],
    'navbar_center': [],
    'navbar_end': ['search-button', 'theme-switcher'],
    'navbar_persistent': [],
    'secondary_sidebar_items': ['page-toc'],
    'show_toc_level': 2,
    'footer_start': ['copyright'],
    'footer_end': ['sphinx-version'],
    'collapse_navigation': False,
}
html_context = {'default_mode': 'light'}
html_show_sourcelink = False
html_copy_source = False

# Copy a command without its prompt.
copybutton_prompt_text = r'>>> |\.\.\. |\$ '
copybutton_prompt_is_regexp = True

# docs/migration.md is being written elsewhere: its toctree entry is dropped until the file
# exists, so the build does not fail on a reference to a missing document.
_MIGRATION = DOCS / 'migration.md'


def _drop_missing_migration(app, docname, source):
    if docname == 'index' and not _MIGRATION.exists():
        source[0] = re.sub(r'^migration\n', '', source[0], flags=re.MULTILINE)


def setup(app):
    app.connect('source-read', _drop_missing_migration)
