"""The JSON Schema of the golden files, built here and written to fixtures/schema.json.

Besides the shape of a case and the value encoding (docs/fixtures.md), the schema enforces the
constraints between fields that a port would otherwise have to re-implement: each scheduler's
optimizer index exists, every lr row has one list per optimizer with exactly that optimizer's
number of param groups (WIN-WRAPPER-BASE-GROUP's extra group included), and every state row has
one entry per scheduler. JSON Schema cannot compare two lengths, so these are written out for
every shape a scenario may have (scenario.MAX_OPTIMIZERS, MAX_GROUPS, MAX_SCHEDULERS); a
scenario's number of calls is the length of its ``calls``, so nothing else needs to match it.
"""

from __future__ import annotations

from .driver import STATE_ATTRIBUTES
from .scenario import (
    BUILDS,
    LOOPS,
    MAX_GROUPS,
    MAX_OPTIMIZERS,
    MAX_SCHEDULERS,
    PROGRESS,
    SCHEDULERS,
    TRANSPORTS,
)

ID = 'https://mmagic-lr-conformance.invalid/fixtures/schema.json'
#: A float that is tagged: an integral one in Python's shortest form, or a non-finite one.
FLOAT_TAG = r'^(NaN|-?Infinity|-?[0-9]+\.0|-?[0-9](\.[0-9]+)?e\+[0-9]+)$'


def _ref(name):
    return {'$ref': f'#/$defs/{name}'}


def _array(items, low=0, high=None):
    result = {'type': 'array', 'items': items, 'minItems': low}
    if high is not None:
        result['maxItems'] = high
    return result


def _nested(path, leaf):
    """``{"properties": {path[0]: {"properties": ... leaf}}}``."""
    for name in reversed(path):
        leaf = {'properties': {name: leaf}}
    return leaf


def _at(position, schema):
    """An array whose item ``position`` satisfies ``schema`` (and which has that item)."""
    return {'prefixItems': [True] * position + [schema], 'minItems': position + 1}


def _definitions():
    tagged = [_ref('floatTag'), _ref('intTag'), _ref('typedTag')]
    return {
        'floatTag': {
            'description': 'a float that is integral or not finite, e.g. {"float": "1.0"}',
            'type': 'object', 'required': ['float'], 'additionalProperties': False,
            'properties': {'float': {'type': 'string', 'pattern': FLOAT_TAG}},
        },
        'intTag': {
            'description': 'an int beyond 2**53, as its decimal digits',
            'type': 'object', 'required': ['int'], 'additionalProperties': False,
            'properties': {'int': {'type': 'string', 'pattern': r'^-?[0-9]+$'}},
        },
        'typedTag': {
            'description': 'a value of a type JSON cannot name, e.g. numpy.float64',
            'type': 'object', 'required': ['type', 'value'], 'additionalProperties': False,
            'properties': {'type': {'type': 'string', 'minLength': 1}, 'value': _ref('value')},
        },
        'number': {'anyOf': [{'type': 'number'}, *tagged[:2]]},
        'value': {'anyOf': [{'type': ['number', 'string', 'boolean', 'null']}, *tagged,
                            {'type': 'array', 'items': _ref('value')}]},
        'lrValue': {'anyOf': [{'type': 'number'}, *tagged]},
        'clause': {'type': 'string', 'pattern': r'^[A-Z]{3,4}(-[A-Z0-9]+)+$'},
        'optimizer': {
            'type': 'object', 'required': ['lrs', 'initial_lrs', 'wrapper'],
            'additionalProperties': False,
            'properties': {
                'lrs': _array(_ref('value'), 1, MAX_GROUPS),
                'initial_lrs': {'anyOf': [{'type': 'null'}, _array(_ref('value'), 1, MAX_GROUPS)]},
                'wrapper': {'type': 'boolean'},
            },
        },
        'scheduler': {
            'type': 'object', 'required': ['type', 'kwargs', 'optimizer', 'build'],
            'additionalProperties': False,
            'properties': {
                'type': {'enum': list(SCHEDULERS)},
                'kwargs': {'type': 'object', 'additionalProperties': _ref('value')},
                'optimizer': {'type': 'integer', 'minimum': 0, 'maximum': MAX_OPTIMIZERS - 1},
                'build': {'enum': list(BUILDS)},
            },
        },
        'call': {
            'type': 'object', 'additionalProperties': False,
            'properties': {
                'publish': _array(_ref('value'), 1),
                'resume': {
                    'type': 'object', 'required': ['transport', 'new_process', 'drop_keys'],
                    'additionalProperties': False,
                    'properties': {
                        'transport': {'enum': list(TRANSPORTS)},
                        'new_process': {'type': 'boolean'},
                        'drop_keys': _array({'type': 'string'}),
                    },
                },
            },
        },
        'inputs': {
            'type': 'object', 'additionalProperties': False,
            'required': ['optimizers', 'schedulers', 'loop', 'epoch_length', 'progress',
                         'progress_offset', 'metric_before_build', 'reduce_lr_hub_first',
                         'calls'],
            'properties': {
                'optimizers': _array(_ref('optimizer'), 1, MAX_OPTIMIZERS),
                'schedulers': _array(_ref('scheduler'), 1, MAX_SCHEDULERS),
                'loop': {'enum': list(LOOPS)},
                'epoch_length': {'type': 'integer', 'minimum': 1},
                'progress': {'enum': list(PROGRESS)},
                'progress_offset': {'type': 'integer'},
                'metric_before_build': _ref('value'),
                'reduce_lr_hub_first': {'type': 'boolean'},
                'calls': {'anyOf': [{'type': 'integer', 'minimum': 0},
                                    _array(_ref('call'))]},
            },
        },
        'state': {
            'type': 'object', 'additionalProperties': False,
            'required': list(STATE_ATTRIBUTES['LinearLrInterval']),
            'properties': {name: _ref('value') for name in STATE_ATTRIBUTES['ReduceLR']},
        },
        'error': {
            'type': 'object', 'additionalProperties': False,
            'required': ['type', 'message', 'step', 'phase', 'normative'],
            'properties': {
                'type': {'type': 'string', 'minLength': 1},
                'message': {'type': 'string'},
                'step': {'type': 'integer', 'minimum': 0},
                'phase': {'enum': ['construct', 'step', 'resume']},
                'normative': {'type': 'boolean'},
            },
        },
        'expected': {
            'type': 'object', 'additionalProperties': False,
            'required': ['lrs', 'state', 'error'],
            'properties': {
                'lrs': _array(_array(_array(_ref('lrValue'), 1, MAX_GROUPS + 1), 1,
                                     MAX_OPTIMIZERS)),
                'state': _array(_array(_ref('state'), 1, MAX_SCHEDULERS)),
                'error': {'anyOf': [{'type': 'null'}, _ref('error')]},
            },
        },
        'case': {
            'type': 'object', 'additionalProperties': False,
            'required': ['id', 'subject', 'touches', 'description', 'inputs', 'expected'],
            'properties': {
                'id': {'type': 'string', 'pattern': r'^[a-z0-9][a-z0-9-]*$'},
                'subject': _ref('clause'),
                'touches': {'type': 'array', 'items': _ref('clause'), 'uniqueItems': True},
                'description': {'type': 'string', 'minLength': 1},
                'inputs': _ref('inputs'),
                'expected': _ref('expected'),
            },
            'allOf': _shape_rules(),
        },
    }


def _shape_rules():
    """The cross-field rules, one if/then per shape (see the module docstring)."""
    rules = []
    for count in range(1, MAX_OPTIMIZERS + 1):
        rules.append({
            'if': _nested(('inputs', 'optimizers'), {'minItems': count, 'maxItems': count}),
            'then': {'properties': {
                'inputs': {'properties': {'schedulers': {'items': {'properties': {
                    'optimizer': {'maximum': count - 1}}}}}},
                'expected': {'properties': {'lrs': {'items': {'minItems': count,
                                                              'maxItems': count}}}},
            }},
        })
    for position in range(MAX_OPTIMIZERS):
        for groups in range(1, MAX_GROUPS + 1):
            for wrapper in (False, True):
                width = groups + (1 if wrapper and groups > 1 else 0)
                shape = {'properties': {'lrs': {'minItems': groups, 'maxItems': groups},
                                        'wrapper': {'const': wrapper}}}
                rules.append({
                    'if': _nested(('inputs', 'optimizers'), _at(position, shape)),
                    'then': _nested(('expected', 'lrs'), {'items': _at(
                        position, {'minItems': width, 'maxItems': width})}),
                })
    for count in range(1, MAX_SCHEDULERS + 1):
        rules.append({
            'if': _nested(('inputs', 'schedulers'), {'minItems': count, 'maxItems': count}),
            'then': _nested(('expected', 'state'), {'items': {'minItems': count,
                                                               'maxItems': count}}),
        })
    return rules


def document() -> dict:
    """The whole schema: a fixture file is a header and a list of cases."""
    return {
        '$schema': 'https://json-schema.org/draft/2020-12/schema',
        '$id': ID,
        'title': 'mmagic lr-scheduler golden cases (mmagic-lr-golden/2)',
        'description': 'Written by python -m conformance.generate_fixtures from '
                       'conformance/harness/schema.py; docs/fixtures.md explains every field.',
        'type': 'object',
        'additionalProperties': False,
        'required': ['format', 'family', 'title', 'provenance', 'cases'],
        'properties': {
            'format': {'const': 'mmagic-lr-golden/2'},
            'family': {'type': 'string', 'pattern': r'^[a-z_]+$'},
            'title': {'type': 'string'},
            'provenance': {
                'type': 'object', 'required': ['generated', 'generator', 'verified_against'],
                'properties': {'generated': {'const': True},
                               'generator': {'const': 'conformance/generate_fixtures.py'}},
            },
            'cases': _array(_ref('case'), 1),
            'intents': {
                'description': 'only in fixtures/intents/: the intents (clause IDs, sorted) '
                               'whose reference produced the expected traces',
                'type': 'array', 'items': _ref('clause'), 'minItems': 1, 'uniqueItems': True,
            },
        },
        '$defs': _definitions(),
    }
