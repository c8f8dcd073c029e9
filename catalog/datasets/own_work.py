"""A volunteer's own work: the datasets they published and the uploads they sent, with the
rejected ones still waiting for a fix (the pages /account/datasets and /account/uploads)."""

from __future__ import annotations

import json
import math
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from catalog.datasets.reading import dataset_summary
from catalog.db.models import Dataset, IngestJob, Version
from catalog.errors import NotAuthorised
from catalog.jobs.runner import FOLLOWED_BY
from catalog.viewer import Viewer

PAGE_SIZE = 50
# What each state of an upload means to its uploader, in the words of the list.
UPLOAD_LABELS = {
    "queued": "Waiting its turn",
    "running": "Being checked",
    "published": "Published",
    "invalid": "Needs fixing",
    "failed": "Failed",
}


def own_datasets(session: Session, viewer: Viewer, page: int = 1) -> dict[str, Any]:
    """The datasets the viewer made or published a version of, newest change first (their
    private and deleted ones included: they are theirs)."""
    user_id = _signed_in(viewer)
    versions = select(Version.dataset_id).where(Version.creator_id == user_id)
    mine = or_(Dataset.creator_id == user_id, Dataset.id.in_(versions))
    total = session.scalar(select(func.count()).select_from(Dataset).where(mine)) or 0
    query = (
        select(Dataset)
        .where(mine)
        .order_by(Dataset.modified.desc(), Dataset.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .options(
            selectinload(Dataset.versions),
            selectinload(Dataset.tags),
            selectinload(Dataset.organisation),
        )
    )
    datasets = [dataset_summary(d) for d in session.scalars(query)]
    return {"datasets": datasets, **_paging(total, page)}


def own_uploads(session: Session, viewer: Viewer, page: int = 1) -> dict[str, Any]:
    """The uploads the viewer sent, newest first, each with what became of it."""
    user_id = _signed_in(viewer)
    mine = IngestJob.user_id == user_id
    total = session.scalar(select(func.count()).select_from(IngestJob).where(mine)) or 0
    jobs = session.scalars(
        select(IngestJob)
        .where(mine)
        .order_by(IngestJob.created.desc(), IngestJob.id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    uploads = [_upload(job) for job in jobs]
    # Every one waiting, not only this page's: counted in the database (a result holds a
    # whole report), by the key the runner writes when one is checked again.
    waiting = session.scalar(
        select(func.count())
        .select_from(IngestJob)
        .where(
            mine,
            IngestJob.state == "invalid",
            IngestJob.result_json.not_like(f"%{FOLLOWED_BY}%"),
        )
    )
    return {"uploads": uploads, "waiting_for_fix": waiting or 0, **_paging(total, page)}


def _upload(job: IngestJob) -> dict[str, Any]:
    """One upload as the list shows it: one checked again (its review answered, its cells
    edited) points on to the upload that followed, and waits for no fix."""
    result = json.loads(job.result_json) if job.result_json else {}
    followed_by = result.get("followed_by") if isinstance(result, dict) else None
    return {
        "id": job.id,
        "original_name": job.original_name,
        "state": job.state,
        "label": "Checked again" if followed_by else UPLOAD_LABELS.get(job.state, job.state),
        "waiting_for_fix": job.state == "invalid" and not followed_by,
        "followed_by": followed_by,
        "dataset_name": job.dataset_name,
        "version_number": job.version_number,
        "message": job.message,
        "created": job.created.isoformat(timespec="seconds") + "Z",
    }


def _signed_in(viewer: Viewer) -> int:
    if viewer.id is None:
        raise NotAuthorised("Sign in first: these are the pages of your own work.")
    return viewer.id


def _paging(total: int, page: int) -> dict[str, int]:
    return {"total": total, "page": page, "pages": max(1, math.ceil(total / PAGE_SIZE))}
