"""When an FOI request is due: the 20th working day after the day the authority received it
(Freedom of Information Act 2000, section 10(1)).

A working day is any day but a Saturday, a Sunday, Christmas Day, Good Friday or a bank
holiday in any part of the United Kingdom (section 10(6)); so Scotland's 2 January and St
Andrew's Day, and Northern Ireland's St Patrick's Day and 12 July, count as holidays
everywhere. The bank holidays come from the maintained `holidays` library, which follows
each year's proclamations (moved days, jubilees, coronations).

When the authority asks the requester to clarify the request, it need not answer until the
clarification arrives (section 1(3)), and the day it arrives becomes the date of receipt
(section 10(6)(b)): the 20 working days start again from then, as the ICO tells requesters
("the 20 working days don't start until you have provided clarification"). A clarification
asked for after the deadline has passed does not move it: the authority was already late.
A request received on a weekend or holiday is counted from the next working day, as any
other.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import holidays

WORKING_DAYS = 20
UK_NATIONS = ("ENG", "WLS", "SCT", "NIR")


@functools.lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[dt.date]:
    days: set[dt.date] = set()
    for nation in UK_NATIONS:
        days.update(holidays.country_holidays("GB", subdiv=nation, years=year))
    return frozenset(days)


def uk_today() -> dt.date:
    """Today in the United Kingdom, whatever the server's clock zone."""
    return dt.datetime.now(ZoneInfo("Europe/London")).date()


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def due_date(
    received: dt.date,
    clarifications: Iterable[tuple[dt.date, dt.date | None]] = (),
    working_days: int = WORKING_DAYS,
) -> dt.date | None:
    """The day the answer is due; None while a clarification is still awaited.

    `clarifications` are (day the authority asked for one, day it arrived or None).
    """
    due = _add_working_days(received, working_days)
    for asked, answered in sorted(clarifications, key=lambda pair: pair[0]):
        if asked > due:
            break  # asked for too late to move the deadline
        if answered is None:
            return None
        due = _add_working_days(max(answered, asked), working_days)
    return due


def _add_working_days(start: dt.date, count: int) -> dt.date:
    """The `count`th working day after `start`."""
    day, counted = start, 0
    while counted < count:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day
