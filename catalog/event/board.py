"""The live event board (/admin/board and its twin): today's uploads by what became of
them, with who sent each and when; the datasets published per person and per team; the
oldest upload still waiting for a fix; and the requests for help not yet done.

"Needs fixing" is an upload that stopped at its report or review and was not checked again
(catalog/jobs/runner.py: FOLLOWED_BY, as catalog/datasets/own_work.py counts them); found in
the database, since a result holds a whole report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.db.models import Dataset, IngestJob, Organisation, User, Version, utcnow
from catalog.event.day import EventDay, display_name
from catalog.event.help_flags import OPEN, waiting_flags
from catalog.jobs.runner import ACTIVE, FAILED, FOLLOWED_BY, INVALID, PUBLISHED

# The board's four lists, in its order, and what each is called.
STATES = {
    "published": "Published",
    "needs_fixing": "Needs fixing",
    "failed": "Failed",
    "in_progress": "In progress",
}
LIST_LIMIT = 100  # uploads shown in each list (the counts say how many there are)
NO_ACCOUNT = "(no account)"
NO_TEAM = "(no organisation)"


def event_board(
    session: Session,
    day: EventDay,
    settle: Callable[[str], object] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The board for `day`, as plain data. `settle(job_id)`, given, is asked first about
    each upload still queued or running (the job runner's `status`, which marks failed an
    upload whose process died), so that none shows in progress for ever."""
    if settle is not None:
        active = session.scalars(select(IngestJob.id).where(_on(day), IngestJob.state.in_(ACTIVE)))
        for job_id in list(active):
            settle(job_id)
    uploads = _todays_uploads(session, day)
    lists: dict[str, list[dict[str, Any]]] = {state: [] for state in STATES}
    for upload in uploads:
        if upload["board_state"] in lists:
            lists[upload["board_state"]].append(upload)
    waiting = lists["needs_fixing"]
    oldest = min(waiting, key=lambda u: (u["since_stored"], u["id"])) if waiting else None
    moment = now or utcnow()
    if oldest is not None:
        minutes = max(0, int((moment - oldest.pop("since_stored")).total_seconds() // 60))
        oldest = {**oldest, "waiting_minutes": minutes}
    for upload in uploads:
        upload.pop("since_stored", None)
    flags = waiting_flags(session, day)
    per_person, per_team = _published_by(session, day)
    return {
        "day": day.date.isoformat(),
        "time_zone": day.zone_name,
        "updated": (day.local(moment) or moment).strftime("%H:%M:%S"),
        "counts": {state: len(items) for state, items in lists.items()},
        "checked_again": sum(1 for u in uploads if u["board_state"] == "checked_again"),
        "uploads": {
            state: sorted(items, key=lambda u: u["at"], reverse=True)[:LIST_LIMIT]
            for state, items in lists.items()
        },
        "labels": STATES,
        "per_person": per_person,
        "per_team": per_team,
        "oldest_waiting": oldest,
        "help": {
            "open": [f for f in flags if f["state"] == OPEN],
            "taken": [f for f in flags if f["state"] != OPEN],
        },
    }


def _on(day: EventDay) -> Any:
    return (IngestJob.created >= day.start) & (IngestJob.created < day.end)


def _todays_uploads(session: Session, day: EventDay) -> list[dict[str, Any]]:
    followed = IngestJob.result_json.like(f"%{FOLLOWED_BY}%").label("followed")
    rows = session.execute(
        select(
            IngestJob.id,
            IngestJob.state,
            IngestJob.original_name,
            IngestJob.dataset_name,
            IngestJob.version_number,
            IngestJob.message,
            IngestJob.created,
            IngestJob.updated,
            followed,
            User.username,
            User.display_name,
        )
        .outerjoin(User, User.id == IngestJob.user_id)
        .where(_on(day))
        .order_by(IngestJob.created, IngestJob.id)
    )
    return [_upload(row, day) for row in rows]


def _upload(row: Any, day: EventDay) -> dict[str, Any]:
    if row.state == PUBLISHED:
        board_state = "published"
    elif row.state == INVALID:
        board_state = "checked_again" if row.followed else "needs_fixing"
    elif row.state == FAILED:
        board_state = "failed"
    elif row.state in ACTIVE:
        board_state = "in_progress"
    else:
        board_state = row.state
    since = row.updated if row.state not in ACTIVE else row.created
    return {
        "id": row.id,
        "state": row.state,
        "board_state": board_state,
        "file": row.original_name,
        "who": display_name(row.display_name, row.username) if row.username else NO_ACCOUNT,
        "when": day.clock(row.created),
        "at": day.iso(row.created),
        "since": day.clock(since),
        "since_at": day.iso(since),
        "since_stored": since,
        "dataset_name": row.dataset_name,
        "version_number": row.version_number,
        "message": row.message,
    }


def _published_by(
    session: Session, day: EventDay
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The datasets with a version published today (and still active), counted per person
    who published them and per organisation, most first."""
    rows = session.execute(
        select(
            Version.dataset_id,
            User.username,
            User.display_name,
            Organisation.name,
            Organisation.title,
        )
        .join(Dataset, Dataset.id == Version.dataset_id)
        .outerjoin(User, User.id == Version.creator_id)
        .outerjoin(Organisation, Organisation.id == Dataset.organisation_id)
        .where(Version.created >= day.start, Version.created < day.end, Dataset.state == "active")
    )
    people: dict[str, dict[str, Any]] = {}
    teams: dict[str, dict[str, Any]] = {}
    for dataset_id, username, display, org_name, org_title in rows:
        who = display_name(display, username) if username else NO_ACCOUNT
        person = people.setdefault(who, {"who": who, "datasets": set(), "versions": 0})
        team = teams.setdefault(
            org_name or "",
            {"name": org_name, "title": org_title or NO_TEAM, "datasets": set(), "versions": 0},
        )
        for tally in (person, team):
            tally["datasets"].add(dataset_id)
            tally["versions"] += 1
    return _ranked(people.values(), "who"), _ranked(teams.values(), "title")


def _ranked(tallies: Any, by: str) -> list[dict[str, Any]]:
    counted = [{**t, "datasets": len(t["datasets"])} for t in tallies]
    return sorted(counted, key=lambda t: (-t["datasets"], -t["versions"], t[by].lower()))
