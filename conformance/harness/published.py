"""The sha256 of upstream mmagic's files that ``--impl=mmagic`` executes, as published on PyPI.

The specification is normative for mmagic 1.2.0 as published. ``upstream.load()`` hashes the
files it loaded and compares them with these, so the header can say whether the code under test
is upstream's as published or a modified copy (a fork), naming each file that differs.

FILES are the two scheduler modules, the hook module and ``mmagic/registry.py``, which all three
import (it defines the PARAM_SCHEDULERS and HOOKS registries the Runner builds them through). The
isolated import executes exactly these four files; no other mmagic file runs.

Derived from the published wheel by ``python tools/published_hashes.py`` (which also checks each
hash against the wheel's own RECORD; ``--check`` compares with this file);
tests/test_fork_gate.py checks them against the installed 1.2.0 and its dist-info RECORD.
"""

VERSION = '1.2.0'
WHEEL = 'mmagic-1.2.0-py2.py3-none-any.whl'
WHEEL_SHA256 = 'efa91041097c40e452dd2037b596a5633a6a512447c28a71c970c24aca04039c'
FILES = {
    'mmagic/engine/schedulers/linear_lr_scheduler_with_interval.py':
        '148ab6078a203da6b0d6478dd2302d183e77b8cd33a23b45d4ca18ae8be56bcf',
    'mmagic/engine/schedulers/reduce_lr_scheduler.py':
        '3cc9bb3a5fa4c5036574a4c1048d0a56aa4022a67dddaba8a46e78ff17e37cf1',
    'mmagic/engine/hooks/reduce_lr_scheduler_hook.py':
        '67235b7bde2b8f890b9e431c58acc3eb5a5167dc4c51d86dd2bbd95f810ac6fb',
    'mmagic/registry.py':
        '79f13432eee1a730873618008914f249cb44a9da266af166331d4c441df18003',
}
