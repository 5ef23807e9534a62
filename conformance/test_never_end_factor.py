"""LLI-NEVER-END-FACTOR's sentence, not only its example: where a Runner-driven schedule ends.

The clause states the final lr in closed form: writing ``end - begin = q * interval + r``, the
numerator of the last staircase fraction is ``q`` when ``r >= 2``, ``q - 1`` when ``interval >= 2``
and ``r <= 1``, and ``q - 2`` when ``interval == 1``. Each test computes that value from the
clause's case split, for many windows and intervals, and holds it against the lr the
implementation reaches in the driver's Runner loop (LOOP-ITER, LOOP-EPOCH).
"""

from __future__ import annotations

import pytest

from conformance.harness import driver, observed, oracle
from conformance.harness.scenario import single

LLI = 'LinearLrInterval'
SF, EF = 0.5, 0.0
pytestmark = [pytest.mark.scheduler(LLI), pytest.mark.subject('LLI-NEVER-END-FACTOR'),
              pytest.mark.touches('LLI-RUNNER-LAG', 'LLI-STAIRCASE', 'LLI-ABSOLUTE-VALUE')]


def clause_final_lr(width, interval, sf=SF, ef=EF):
    """The final lr the clause states (oracle.final_value, its case split)."""
    return oracle.final_value(width, interval, sf, ef)


def _windows():
    """(begin, width, interval) with interval <= width (a larger one divides by zero)."""
    for begin in (0, 1, 3):
        for width in range(2, 15):
            for interval in range(1, width + 1):
                yield begin, width, interval


def _final_rows(adapter, begin, width, interval, loop='iter', epoch_length=1, after=2):
    end = begin + width
    kwargs = dict(start_factor=SF, end_factor=EF, begin=begin, end=end, interval=interval,
                  by_epoch=loop == 'epoch')
    scenario = single(LLI, kwargs=kwargs, steps=end + after, loop=loop,
                      epoch_length=epoch_length)
    trace = driver.run(scenario, adapter)
    assert trace.error is None, f'{kwargs}: unexpected {trace.error}'
    return [row[0] for row in trace.lrs[end - 1:]]


class TestFinalValue:
    def test_final_lr_is_the_closed_form_for_every_window(self, adapter):
        """Ends, from call end - 1 on, at the clause's closed form for 300 windows."""
        wrong = []
        for begin, width, interval in _windows():
            want = clause_final_lr(width, interval)
            rows = _final_rows(adapter, begin, width, interval)
            if not all(observed.same(want, got) for got in rows):
                wrong.append(((begin, begin + width, interval), want, rows))
        assert not wrong, (f'{len(wrong)} windows end elsewhere than the clause says, e.g. '
                           '(begin, end, interval), expected, rows from call end - 1:\n'
                           + '\n'.join(f'  {case}' for case in wrong[:10]))

    def test_end_factor_is_reached_only_with_a_remainder_of_two_or_more(self, adapter):
        """Reaches end_factor exactly when (end - begin) % interval >= 2."""
        for begin, width, interval in _windows():
            final = _final_rows(adapter, begin, width, interval, after=0)[-1]
            reached = width % interval >= 2
            assert (final == EF) is reached, (begin, begin + width, interval, final)

    @pytest.mark.parametrize('width', [4, 5, 9])
    def test_interval_one_stops_two_steps_short(self, adapter, width):
        """Ends at sf + (ef - sf) * (q - 2) / q for interval 1, not (q - 1) / q."""
        final = _final_rows(adapter, 0, width, 1)[-1]
        assert observed.same(SF + (EF - SF) * ((width - 2) / width), final)
        assert not observed.same(SF + (EF - SF) * ((width - 1) / width), final)

    @pytest.mark.parametrize(('begin', 'width', 'interval'), [(0, 4, 1), (1, 7, 2), (0, 9, 4)])
    def test_epoch_loop_ends_the_same_way(self, adapter, begin, width, interval):
        """Holds per epoch for by_epoch=True in an epoch loop."""
        rows = _final_rows(adapter, begin, width, interval, loop='epoch', epoch_length=3)
        assert all(observed.same(clause_final_lr(width, interval), got) for got in rows), rows
