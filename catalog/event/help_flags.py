""" "I need a hand": a volunteer raises a flag on a report or job page (with an optional
note), it shows on the event board, and a mentor (a site admin) takes it ("Priya is on the
way") and marks it done. State: open, taken, done (catalog/db/models.py: HelpFlag)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from catalog.db.models import HelpFlag, IngestJob, User, utcnow
from catalog.errors import Conflict, InvalidInput, NotAuthorised, NotFound
from catalog.event.day import EventDay, display_name
from catalog.viewer import Viewer

OPEN, TAKEN, DONE = "open", "taken", "done"
WAITING = (OPEN, TAKEN)
MAX_NOTE = 500  # characters of the note, checked before anything else is done
MAX_PAGE = 500  # characters of the page's address (the column's size)
MAX_WAITING = 3  # requests one volunteer may have waiting at once
JOB_ID = re.compile(r"^[0-9a-f]{32}$")
NOT_A_MENTOR = (
    "Only the event's organisers and mentors (the site's admins) can answer requests for help."
)

Volunteer = aliased(User)
Mentor = aliased(User)


def raise_flag(
    session: Session, viewer: Viewer, page: str, note: str = "", job_id: str | None = None
) -> dict[str, Any]:
    """The viewer asks for a hand on `page` (this site's path of the page they are on),
    about the upload `job_id` if any. A second ask from the same page, while the first
    waits, is the first (its note added); "already" says so."""
    if viewer.id is None:
        raise NotAuthorised("Sign in first: a mentor needs to know who is asking.")
    if len(note) > MAX_NOTE:
        message = f"The note is {len(note):,} characters long; keep it under {MAX_NOTE}."
        raise InvalidInput(message, {"note": message})
    page = _local_page(page)
    if job_id:
        _check_job(session, viewer, job_id)
    note = note.strip()
    waiting = session.scalars(
        select(HelpFlag).where(HelpFlag.user_id == viewer.id, HelpFlag.state.in_(WAITING))
    ).all()
    same = [flag for flag in waiting if flag.page == page]
    if same:
        flag = same[0]
        if note and note not in flag.note:
            flag.note = (f"{flag.note}\n{note}" if flag.note else note)[: 2 * MAX_NOTE]
        session.flush()
        return {**_plain_one(session, flag.id), "already": True}
    if len(waiting) >= MAX_WAITING:
        raise Conflict(
            f"You have {len(waiting)} requests for help waiting already: a mentor will come "
            "to you. Stay where you are, or wave."
        )
    flag = HelpFlag(user_id=viewer.id, job_id=job_id or None, page=page, note=note, state=OPEN)
    session.add(flag)
    session.flush()
    return {**_plain_one(session, flag.id), "already": False}


def take_flag(session: Session, viewer: Viewer, flag_id: int) -> dict[str, Any]:
    """A mentor takes the request: the volunteer's page says they are on the way."""
    flag = _mentors_flag(session, viewer, flag_id)
    if flag.state == DONE:
        raise Conflict("That request for help is already done.")
    if flag.state == TAKEN and flag.mentor_id != viewer.id:
        mentor = _plain_one(session, flag.id)["mentor"]
        raise Conflict(f"{mentor} has already taken that request for help.")
    if flag.state == OPEN:
        flag.state, flag.mentor_id, flag.taken = TAKEN, viewer.id, utcnow()
        session.flush()
    return _plain_one(session, flag.id)


def finish_flag(session: Session, viewer: Viewer, flag_id: int) -> dict[str, Any]:
    """A mentor marks the request done (taken first or not)."""
    flag = _mentors_flag(session, viewer, flag_id)
    if flag.state != DONE:
        if flag.mentor_id is None:
            flag.mentor_id, flag.taken = viewer.id, utcnow()
        flag.state, flag.done = DONE, utcnow()
        session.flush()
    return _plain_one(session, flag.id)


def flag_status(session: Session, viewer: Viewer, page: str) -> dict[str, Any] | None:
    """What the viewer's page says about their asking: their request still waiting (from
    any page: a fix checked again moves them to a new one), else the last one they raised
    from this page, done; None when they have not asked."""
    if viewer.id is None:
        return None
    mine = HelpFlag.user_id == viewer.id
    found = session.execute(
        _flags().where(mine, HelpFlag.state.in_(WAITING)).order_by(HelpFlag.id.desc())
    ).first()
    if found is None:
        found = session.execute(
            _flags().where(mine, HelpFlag.page == page[:MAX_PAGE]).order_by(HelpFlag.id.desc())
        ).first()
    return None if found is None else _plain(found)


def waiting_flags(session: Session, day: EventDay) -> list[dict[str, Any]]:
    """The requests for help not yet done, from any day, oldest first (for the board)."""
    found = session.execute(
        _flags().where(HelpFlag.state.in_(WAITING)).order_by(HelpFlag.created, HelpFlag.id)
    )
    return [_plain(row, day) for row in found]


def day_flags(session: Session, day: EventDay) -> Iterable[dict[str, Any]]:
    """The requests for help raised on `day`, in the order they came (for the export)."""
    found = session.execute(
        _flags()
        .where(HelpFlag.created >= day.start, HelpFlag.created < day.end)
        .order_by(HelpFlag.created, HelpFlag.id)
    )
    return (_plain(row, day) for row in found)


def _flags() -> Select[HelpFlag, str, str, str, str]:
    return (
        select(
            HelpFlag,
            Volunteer.username,
            Volunteer.display_name,
            Mentor.username,
            Mentor.display_name,
        )
        .join(Volunteer, Volunteer.id == HelpFlag.user_id)
        .outerjoin(Mentor, Mentor.id == HelpFlag.mentor_id)
    )


def _plain_one(session: Session, flag_id: int) -> dict[str, Any]:
    return _plain(session.execute(_flags().where(HelpFlag.id == flag_id)).one())


def _plain(row: Any, day: EventDay | None = None) -> dict[str, Any]:
    flag, username, display, mentor_username, mentor_display = row
    return {
        "id": flag.id,
        "state": flag.state,
        "who": display_name(display, username),
        "note": flag.note,
        "page": flag.page,
        "job_id": flag.job_id,
        "mentor": display_name(mentor_display, mentor_username) if flag.mentor_id else None,
        "created": _when(flag.created, day),
        "taken": _when(flag.taken, day),
        "done": _when(flag.done, day),
        "created_at": day.iso(flag.created) if day else flag.created.isoformat() + "Z",
    }


def _when(stored: Any, day: EventDay | None) -> str | None:
    if stored is None:
        return None
    return day.clock(stored) if day else stored.strftime("%H:%M")


def _mentors_flag(session: Session, viewer: Viewer, flag_id: int) -> HelpFlag:
    if viewer.id is None or not viewer.is_admin:
        raise NotAuthorised(NOT_A_MENTOR)
    flag = session.get(HelpFlag, flag_id)
    if flag is None:
        raise NotFound("There is no request for help with that number.")
    return flag


def _local_page(page: str) -> str:
    """A path of this site (never another site's address), within the column's size."""
    parsed = urlparse(page)
    local = not parsed.scheme and not parsed.netloc and page.startswith("/")
    # A browser drops tabs and line breaks from an address and reads \ as /: "/\t/x.org"
    # and "/\\x.org" would lead to another site.
    odd = any(c.isspace() or not c.isprintable() or c == "\\" for c in page)
    if not local or odd or page.startswith("//") or len(page) > MAX_PAGE:
        raise InvalidInput(
            "The page asking for help is not one of this site's.", {"page": page[:100]}
        )
    return page


def _check_job(session: Session, viewer: Viewer, job_id: str) -> None:
    """The upload named must be the viewer's own (or, for an admin, anyone's)."""
    owner = (
        session.scalar(select(IngestJob.user_id).where(IngestJob.id == job_id))
        if JOB_ID.fullmatch(job_id)
        else None
    )
    if owner is None or (owner != viewer.id and not viewer.is_admin):
        raise NotFound("There is no upload with that reference.")
