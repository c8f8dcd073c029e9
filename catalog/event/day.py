"""Which day "today" is, and how its times are shown: in the site's time zone
(DATASTORE_TIME_ZONE) when one is set, else in UTC. Times are stored in UTC, without a
zone (catalog/db/models.py: utcnow), so a day is a window of stored times."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class EventDay:
    """One calendar day in the site's zone: its date, and its start and end as stored
    (naive UTC), so that `start <= created < end` picks the day's rows."""

    date: dt.date
    zone: ZoneInfo
    start: dt.datetime
    end: dt.datetime

    @property
    def zone_name(self) -> str:
        return self.zone.key

    def local(self, stored: dt.datetime | None) -> dt.datetime | None:
        """A stored time (naive UTC) in the site's zone."""
        if stored is None:
            return None
        return stored.replace(tzinfo=dt.UTC).astimezone(self.zone)

    def clock(self, stored: dt.datetime | None) -> str:
        """A stored time as the board shows it: 11:42 (and the date, if not this day's)."""
        local = self.local(stored)
        if local is None:
            return ""
        if local.date() == self.date:
            return local.strftime("%H:%M")
        return local.strftime("%Y-%m-%d %H:%M")

    def iso(self, stored: dt.datetime | None) -> str:
        """A stored time in ISO 8601 with the site's offset: 2026-12-07T11:42:05+00:00."""
        local = self.local(stored)
        return "" if local is None else local.isoformat(timespec="seconds")


def site_zone(name: str) -> ZoneInfo:
    """The zone called `name` (DATASTORE_TIME_ZONE); UTC when empty."""
    if not name.strip():
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"DATASTORE_TIME_ZONE must be a time zone name such as Europe/London, not {name!r}"
        ) from None


def event_day(zone_name: str, now: dt.datetime | None = None) -> EventDay:
    """Today (or the day of the aware or UTC-naive `now`) in the zone called `zone_name`."""
    zone = site_zone(zone_name)
    moment = now or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    date = moment.astimezone(zone).date()
    start = dt.datetime.combine(date, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return EventDay(date, zone, _stored(start), _stored(end))


def _stored(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def display_name(display: str | None, username: str | None) -> str:
    """Who someone is on the board: their display name, else their username."""
    return (display or "").strip() or (username or "") or "someone"
