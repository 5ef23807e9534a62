"""The golden loader's cache gives what a full load gives, and never hides a damaged fixture.

harness/goldens.py keeps the checked cases in pytest's cache under a key made of the manifest,
the loader's code and the Python version; these tests pin that a hit equals a fresh load and
that anything else (a re-sealed edit, an unreadable entry, no cache at all) is checked in full.
"""

from __future__ import annotations

import json
import shutil

import pytest

from conformance.harness import goldens
from tests.test_fixtures_integrity import _clean, _rewrite


@pytest.fixture
def fixtures(tmp_path):
    target = tmp_path / 'fixtures'
    shutil.copytree(goldens.FIXTURES, target, ignore=shutil.ignore_patterns('tmp*'))
    return target


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    where = tmp_path / 'cache'
    monkeypatch.setattr(goldens, 'CACHE_DIR', where)
    return where


def _same(left, right):
    """Equal cases, NaN values included (NaN != NaN under ==; repr keeps every type and bit)."""
    return repr(left) == repr(right)


def _entries(where):
    return sorted(where.glob('goldens-*.pickle'))


def test_a_hit_equals_a_full_load(fixtures, cache_dir, monkeypatch):
    """Writes one entry on the first load; the second load reads it and gives equal cases."""
    first = goldens.load(fixtures)
    assert len(_entries(cache_dir)) == 1
    monkeypatch.setattr(goldens, '_load_checked', lambda *a: pytest.fail('cache not used'))
    assert _same(goldens.load(fixtures), first)
    monkeypatch.undo()
    monkeypatch.setattr(goldens, 'CACHE_DIR', None)
    assert _same(goldens.load(fixtures), first)


def test_a_resealed_edit_misses_the_cache_and_is_refused(fixtures, cache_dir):
    """Checks a hand-edited, re-sealed fixture in full although the original is cached."""
    goldens.load(fixtures)

    def edit(data):
        _clean(data)['inputs']['warmup'] = 3

    _rewrite(fixtures, 'window.json', edit, reseal=True)
    with pytest.raises(goldens.GoldenError, match="'warmup' was unexpected"):
        goldens.load(fixtures)
    assert len(_entries(cache_dir)) == 1  # nothing cached for the damaged fixtures


def test_an_unsealed_edit_is_refused_before_the_cache(fixtures, cache_dir):
    """Refuses an edit that the manifest does not cover, with the cache warm."""
    goldens.load(fixtures)
    path = fixtures / 'window.json'
    data = json.loads(path.read_text(encoding='utf-8'))
    data['cases'].pop()
    path.write_text(json.dumps(data), encoding='utf-8')
    with pytest.raises(goldens.GoldenError, match='checksum mismatch'):
        goldens.load(fixtures)


def test_an_unreadable_entry_is_a_miss(fixtures, cache_dir):
    """Loads in full and rewrites an entry that does not unpickle."""
    first = goldens.load(fixtures)
    (entry,) = _entries(cache_dir)
    entry.write_bytes(b'not a pickle')
    assert _same(goldens.load(fixtures), first)
    assert entry.read_bytes() != b'not a pickle'


def test_the_key_covers_the_directory_and_the_mode(fixtures, cache_dir, tmp_path):
    """Keeps separate entries for another directory with the same files, and for thorough."""
    goldens.load(fixtures)
    other = tmp_path / 'other'
    shutil.copytree(fixtures, other)
    cases = goldens.load(other)
    assert {case.file for case in cases} != {case.file for case in goldens.load(fixtures)}
    goldens.load(fixtures, thorough=True)
    assert len(_entries(cache_dir)) == 3


def test_a_read_only_cache_is_no_cache(fixtures, tmp_path, monkeypatch):
    """Loads as usual when the cache directory cannot be written."""
    blocked = tmp_path / 'file'
    blocked.write_text('')
    monkeypatch.setattr(goldens, 'CACHE_DIR', blocked / 'cache')  # under a file: not creatable
    assert goldens.load(fixtures)
