"""FOI due dates: the 20th working day after receipt, worked out by hand for each case."""

from __future__ import annotations

import datetime as dt

import pytest

from catalog.foi.deadlines import due_date, is_working_day

D = dt.date


@pytest.mark.parametrize(
    ("received", "due", "why"),
    [
        # Christmas Day, Boxing Day, New Year's Day and Scotland's 2 January are skipped.
        (D(2024, 12, 13), D(2025, 1, 16), "across Christmas and New Year"),
        # Good Friday 18 April and Easter Monday 21 April 2025.
        (D(2025, 4, 1), D(2025, 5, 1), "across Easter"),
        # St Andrew's Day, Monday 30 November 2026: a holiday in Scotland only.
        (D(2026, 11, 2), D(2026, 12, 1), "across a Scotland-only bank holiday"),
        # St Patrick's Day, Monday 17 March 2025: a holiday in Northern Ireland only.
        (D(2025, 2, 17), D(2025, 3, 18), "across a Northern-Ireland-only bank holiday"),
        # Received on a Saturday or a Sunday: counted from Monday, like a Friday receipt.
        (D(2025, 6, 7), D(2025, 7, 4), "received on a Saturday"),
        (D(2025, 6, 8), D(2025, 7, 4), "received on a Sunday"),
        (D(2025, 6, 6), D(2025, 7, 4), "received on the Friday before"),
    ],
)
def test_worked_examples(received: dt.date, due: dt.date, why: str) -> None:
    assert due_date(received) == due, why


def test_a_clarification_restarts_the_clock_when_it_arrives() -> None:
    # Received Monday 3 March 2025; on Friday 7 March the body asks what is meant. The
    # clarification arrives on Monday 17 March (St Patrick's Day, a holiday in Northern
    # Ireland), which becomes the date of receipt (FOIA s.10(6)(b)); the 20 working days
    # run from Tuesday 18 March: 18-21 (4), 24-28 (9), 31 March-4 April (14), 7-11 April
    # (19), Monday 14 April (20).
    assert due_date(D(2025, 3, 3), [(D(2025, 3, 7), D(2025, 3, 17))]) == D(2025, 4, 14)
    assert due_date(D(2025, 3, 3), [(D(2025, 3, 7), None)]) is None  # still waiting
    # Asked for after the deadline had already passed: the deadline stands.
    assert due_date(D(2025, 6, 6), [(D(2025, 7, 10), D(2025, 7, 20))]) == D(2025, 7, 4)
    # Two rounds: only the last clarification's arrival counts. Second arrives Friday
    # 11 April 2025; Good Friday (18 April) and Easter Monday (21 April) are skipped, and
    # 5 and 26 May are bank holidays: 14-17 (4), 22-25 (8), 28 April-2 May (13), 6-9 May
    # (17), 12-14 May (20).
    two = [(D(2025, 3, 7), D(2025, 3, 17)), (D(2025, 3, 20), D(2025, 4, 11))]
    assert due_date(D(2025, 3, 3), two) == D(2025, 5, 14)


def test_working_days() -> None:
    assert not is_working_day(D(2025, 12, 25))
    assert not is_working_day(D(2025, 7, 12))  # a Saturday anyway
    assert not is_working_day(D(2025, 7, 14))  # the 12 July holiday, moved to Monday (NI)
    assert not is_working_day(D(2025, 8, 4))  # Scotland's summer bank holiday
    assert not is_working_day(D(2025, 8, 25))  # England's
    assert is_working_day(D(2025, 8, 26))
