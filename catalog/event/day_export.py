"""The day's record as CSV (/admin/export.csv): one row per event, its kind in the first
column. What was published (dataset, version, title, organisation, who, when); the uploads
that need fixing or failed; the requests for help; the FOI requests drafted that day (their
title, body and state only: the letter and the requester's address are theirs alone).

A cell starting with = + - @ (or a tab or carriage return) gets a leading apostrophe, so a
spreadsheet shows it as text instead of running it as a formula (OWASP's advice on CSV
injection); the rows stream as they are read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db.models import (
    Authority,
    Dataset,
    InfoRequest,
    IngestJob,
    Organisation,
    User,
    Version,
)
from catalog.event.day import EventDay, display_name
from catalog.event.help_flags import day_flags
from catalog.jobs.runner import FAILED, FOLLOWED_BY, INVALID

COLUMNS = (
    "kind",
    "when",
    "who",
    "dataset",
    "version",
    "title",
    "organisation",
    "authority",
    "state",
    "upload",
    "mentor",
    "note",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def day_record(sessions: sessionmaker[Session], day: EventDay) -> Iterator[dict[str, Any]]:
    """The day's events, kind by kind and in time order within each, read in a session of
    their own (the request's has ended by the time a streamed answer is sent)."""
    with sessions() as session:
        yield from _published(session, day)
        yield from _unfinished_uploads(session, day)
        for flag in day_flags(session, day):
            yield {
                "kind": "help",
                "when": flag["created_at"],
                "who": flag["who"],
                "state": flag["state"],
                "upload": flag["job_id"] or "",
                "mentor": flag["mentor"] or "",
                "note": flag["note"],
            }
        yield from _foi_requests(session, day)


def csv_lines(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    """The header, then each record as one CSV line, every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for record in records:
        writer.writerow([safe_cell(record.get(column)) for column in COLUMNS])
        if out.tell() > 16_384:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def safe_cell(value: Any) -> str:
    """The value as text, with a leading ' when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _published(session: Session, day: EventDay) -> Iterator[dict[str, Any]]:
    rows = session.execute(
        select(
            Version.created,
            Version.number,
            Dataset.name,
            Dataset.title,
            Dataset.state,
            Organisation.title,
            User.username,
            User.display_name,
        )
        .join(Dataset, Dataset.id == Version.dataset_id)
        .outerjoin(Organisation, Organisation.id == Dataset.organisation_id)
        .outerjoin(User, User.id == Version.creator_id)
        .where(Version.created >= day.start, Version.created < day.end)
        .order_by(Version.created, Version.id)
    )
    for created, number, name, title, state, organisation, username, display in rows:
        yield {
            "kind": "published",
            "when": day.iso(created),
            "who": display_name(display, username) if username else "",
            "dataset": name,
            "version": number,
            "title": title,
            "organisation": organisation or "",
            "state": "published" if state == "active" else "published, since deleted",
        }


def _unfinished_uploads(session: Session, day: EventDay) -> Iterator[dict[str, Any]]:
    """The uploads of the day that need fixing (not checked again since) or failed."""
    waiting = (IngestJob.state == INVALID) & IngestJob.result_json.not_like(f"%{FOLLOWED_BY}%")
    rows = session.execute(
        select(
            IngestJob.id,
            IngestJob.state,
            IngestJob.created,
            IngestJob.original_name,
            IngestJob.dataset_name,
            IngestJob.message,
            User.username,
            User.display_name,
        )
        .outerjoin(User, User.id == IngestJob.user_id)
        .where(IngestJob.created >= day.start, IngestJob.created < day.end)
        .where(waiting | (IngestJob.state == FAILED))
        .order_by(IngestJob.created, IngestJob.id)
    )
    for job_id, state, created, original, dataset, message, username, display in rows:
        yield {
            "kind": "needs-fixing" if state == INVALID else "failed",
            "when": day.iso(created),
            "who": display_name(display, username) if username else "",
            "dataset": dataset or "",
            "title": original,
            "state": "needs fixing" if state == INVALID else "failed",
            "upload": job_id,
            "note": message,
        }


def _foi_requests(session: Session, day: EventDay) -> Iterator[dict[str, Any]]:
    rows = session.execute(
        select(InfoRequest.created, InfoRequest.title, InfoRequest.state, Authority.name)
        .join(Authority, Authority.id == InfoRequest.authority_id)
        .where(InfoRequest.created >= day.start, InfoRequest.created < day.end)
        .order_by(InfoRequest.created, InfoRequest.id)
    )
    for created, title, state, authority in rows:
        yield {
            "kind": "foi-request",
            "when": day.iso(created),
            "title": title,
            "authority": authority,
            "state": state,
        }
