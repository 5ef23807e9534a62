"""Sphinx extension: an anchor per clause of docs/spec.md, and every clause ID a link to it.

docs/spec.md stays plain Markdown that ``conformance/harness/clauses.py`` parses; nothing is
rewritten there. Instead this extension

- reads the clause IDs and statements from ``clauses.defined()`` (the suite's own parser, so the
  site and the suite can never disagree on which clauses exist);
- shows each ``### ID: statement`` heading of the spec as plain text, exactly the statement
  the suite parses, and gives its section the ID itself as its first HTML id
  (``spec.html#LLI-FIRST-STEP-DIP``) and registers it as a ``std:clause`` object, so
  ``{clause}`ID``` works in MyST too and the clauses are in objects.inv;
- turns every clause ID written in the docs outside code blocks and headings, as plain text, as
  an inline literal that is exactly the ID, or as ``intent:ID``, into a cross-reference to its
  clause, with the statement as the link's title. The references are ordinary pending_xrefs, so
  a nitpicky build fails on any that does not resolve.

A token shaped like a clause ID (a prefix the spec's IDs use, ``WIN``, ``LLI``, ``RLR`` or
``LOOP``, and upper-case words joined by hyphens) that the spec does not define is reported as
a warning, so a renamed or mistyped clause fails ``-W``.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx import addnodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: A clause-shaped token, optionally with the ``intent:`` prefix the spec uses for intents;
#: PREFIXES are the first words of the IDs the spec defines (WIN, LLI, RLR, LOOP).
_TOKEN = (r'(?<![A-Za-z0-9_.-])(intent:)?((?:{prefixes})(?:-[A-Z0-9]+)+)'
          r'(?![A-Za-z0-9_-])')
#: Nodes whose text is never linked: code, existing links, headings, raw output.
_SKIP = (
    nodes.FixedTextElement,  # literal blocks, doctest blocks, line blocks
    nodes.literal,
    nodes.reference,
    nodes.target,
    nodes.title,
    nodes.raw,
    nodes.comment,
    nodes.substitution_definition,
    addnodes.pending_xref,
    addnodes.toctree,
    addnodes.desc_signature,
)
_SPEC_TITLE = re.compile(r'^([A-Z0-9-]+): ')


def _statements(app):
    """Clause ID -> statement, from the suite's own parser of docs/spec.md."""
    statements = getattr(app, '_clause_statements', None)
    if statements is None:
        from conformance.harness import clauses

        statements = app._clause_statements = clauses.defined()
    return statements


def _token(app):
    """The pattern of a clause-shaped token, for the prefixes the spec's IDs use."""
    token = getattr(app, '_clause_token', None)
    if token is None:
        prefixes = sorted({clause_id.split('-')[0] for clause_id in _statements(app)})
        token = app._clause_token = re.compile(
            _TOKEN.format(prefixes='|'.join(map(re.escape, prefixes))))
    return token


def _xref(clause_id, content):
    """A pending reference to a clause, whose visible part is ``content``."""
    ref = addnodes.pending_xref('', refdomain='std', reftype='clause', reftarget=clause_id,
                                refexplicit=True, refwarn=True)
    ref += nodes.inline('', '', content, classes=['clause-id'])
    return ref


def _skipped(node):
    parent = node.parent
    while parent is not None:
        if isinstance(parent, _SKIP):
            return True
        parent = parent.parent
    return False


def _anchor_spec(app, doctree):
    """Give every clause section of the spec its ID as anchor and register it."""
    statements = _statements(app)
    std = app.env.domains.standard_domain
    seen = set()
    for section in doctree.findall(nodes.section):
        title = section.next_node(nodes.title)
        match = _SPEC_TITLE.match(title.astext()) if title is not None else None
        if not match or match.group(1) not in statements:
            continue
        clause_id = match.group(1)
        seen.add(clause_id)
        # The statement as the suite reads it: Markdown would take the '*' of 'lr*factor' in
        # a heading for emphasis (the headings hold no markup of their own).
        title.children = []
        title += nodes.Text(f'{clause_id}: {statements[clause_id]}')
        if clause_id not in section['ids']:
            section['ids'].insert(0, clause_id)
        doctree.ids[clause_id] = section
        std.note_object('clause', clause_id, clause_id, location=section)
    for clause_id in sorted(set(statements) - seen):
        logger.warning('clause %s has no section in the spec page', clause_id,
                       location=app.config.clause_spec_doc)


def _link_text(app, doctree):
    statements, token = _statements(app), _token(app)
    for literal in list(doctree.findall(nodes.literal)):
        if _skipped(literal) or isinstance(literal.parent, nodes.FixedTextElement):
            continue
        match = token.fullmatch(literal.astext())
        if match and match.group(2) in statements:
            ref = _xref(match.group(2), literal.deepcopy())
            literal.parent.replace(literal, ref)
    for text in list(doctree.findall(nodes.Text)):
        if _skipped(text):
            continue
        source = str(text)
        pieces, last = [], 0
        for match in token.finditer(source):
            clause_id = match.group(2)
            if clause_id not in statements:
                logger.warning('%s is not a clause of the specification', match.group(0),
                               location=text.parent)
                continue
            pieces.append(nodes.Text(source[last:match.start()]))
            pieces.append(_xref(clause_id, nodes.Text(match.group(0))))
            last = match.end()
        if pieces:
            pieces.append(nodes.Text(source[last:]))
            text.parent.replace(text, [piece for piece in pieces if piece.astext() != ''
                                       or not isinstance(piece, nodes.Text)])


def on_doctree_read(app, doctree):
    if app.env.docname == app.config.clause_spec_doc:
        _anchor_spec(app, doctree)
    _link_text(app, doctree)


def on_doctree_resolved(app, doctree, docname):
    """Show each clause's statement when the pointer rests on a link to it."""
    statements = _statements(app)
    for inline in doctree.findall(nodes.inline):
        if 'clause-id' not in inline['classes'] or not isinstance(inline.parent, nodes.reference):
            continue
        match = _token(app).fullmatch(inline.astext())
        if match:
            inline.parent['reftitle'] = f'{match.group(2)}: {statements[match.group(2)]}'


def setup(app):
    app.add_config_value('clause_spec_doc', 'spec', 'env')
    app.add_object_type('clause', 'clause', objname='specification clause')
    # Before Sphinx's own collectors (priority 500), so the table of contents gets the titles
    # as rewritten here.
    app.connect('doctree-read', on_doctree_read, priority=400)
    app.connect('doctree-resolved', on_doctree_resolved)
    return {'version': '1.0', 'parallel_read_safe': True, 'parallel_write_safe': True}
