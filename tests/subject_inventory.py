"""A pytest plugin that writes every collected check's subject and touched clauses to a file.

``python -m pytest conformance --collect-only -p tests.subject_inventory`` with
``SUBJECT_INVENTORY=<path>`` set; tests/test_traceability.py reads the file.
"""

from __future__ import annotations

import json
import os


def pytest_collection_finish(session):
    path = os.environ.get('SUBJECT_INVENTORY')
    if not path:
        return
    records = []
    for item in session.items:
        subjects = [marker.args for marker in item.iter_markers('subject')]
        records.append({
            'id': item.nodeid,
            'subject': subjects[0][0] if subjects and len(subjects[0]) == 1 else None,
            'subject_args': [list(args) for args in subjects[:1]],
            'touches': sorted({cid for m in item.iter_markers('touches') for cid in m.args}),
            'example': item.get_closest_marker('example') is not None,
        })
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(records, handle, indent=1)
