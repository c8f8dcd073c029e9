"""When an FOI request is due: the 20th working day after the day the authority received it
(Freedom of Information Act 2000, section 10(1)).

A working day is any day but a Saturday, a Sunday, Christmas Day, Good Friday or a bank
holiday in any part of the United Kingdom (section 10(6)); so Scotland's 2 January and St
Andrew's Day, and Northern Ireland's St Patrick's Day and 12 July, count as holidays
everywhere. The bank holidays come from the maintained `holidays` library, which follows
each year's proclamations (moved days, jubilees, coronations).

While the authority waits for the requester to clarify, the clock stops: working days
counted before the clarification was asked for still count, and counting goes on from the
day after the clarification arrived. A request received on a weekend or holiday is counted
from the next working day, as any other.
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
    pauses: Iterable[tuple[dt.date, dt.date | None]] = (),
    working_days: int = WORKING_DAYS,
) -> dt.date | None:
    """The day the answer is due; None while a clarification is still awaited.

    `pauses` are (day clarification was asked for, day it arrived or None), in order.
    """
    stops = sorted(pauses, key=lambda pause: pause[0])
    counted = 0
    day = received
    for asked, answered in stops:
        # Working days from the day after `day` up to and including the day it was asked.
        while day < asked:
            day += dt.timedelta(days=1)
            if is_working_day(day):
                counted += 1
                if counted == working_days:
                    return day  # due before the clarification was asked for
        if answered is None:
            return None
        day = max(day, answered)
    while counted < working_days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day
