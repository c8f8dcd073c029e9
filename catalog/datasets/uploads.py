"""The work of an upload job (catalog/jobs/runner.py): publish the saved file and say how it
went, in the shape the job's page shows."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from catalog.datasets.indexing import latest_schema
from catalog.datasets.permissions import can_see
from catalog.datasets.publishing import publish_file
from catalog.datasets.review import describe_columns, needs_review, review_upload
from catalog.db.models import Dataset, User, Version
from catalog.jobs.progress import JobProgress, TimeLimitReached
from catalog.jobs.runner import FAILED, INVALID, PUBLISHED, JobResult
from catalog.site import Site
from catalog.viewer import Viewer
from ingest.compressed import CompressedError, compression
from ingest.errors import WorkbookError
from ingest.limits import shape_problem, unpack_within
from ingest.recipe import RecipeError
from ingest.workbook import is_workbook

# Called once the file is published, with the uploader's id and the dataset's name; says
# what went wrong, if anything, with what it did (the dataset stays published whatever).
OnPublished = Callable[[int | None, str], str]


def publish_upload(
    site: Site,
    path: Path,
    progress: JobProgress,
    *,
    original_name: str,
    answers: int | None = None,
    on_published: OnPublished | None = None,
    form: dict[str, Any] | None = None,
    allow_copy: bool = False,
    review: dict[str, Any] | None = None,
    show_columns: bool = False,
    **request: Any,
) -> JobResult:
    """Publish the saved file (`request`: publish_file's schema, metadata, dataset_name,
    user_id). `answers` is the FOI request the file answers, kept in the result so that a
    corrected file still answers it; `on_published` links the two (catalog/foi). `form` is
    what the volunteer typed and chose, kept with a rejected file's result so that
    "upload a corrected file" starts from it. A new dataset whose file is already published,
    byte for byte, in a dataset the uploader can see is named instead of made, unless
    `allow_copy` (a new version of a dataset may repeat a file: the same month sent twice).
    `show_columns` stops a new dataset's upload at the review page even when nothing needs
    fixing, so that its columns are seen before they are published."""

    if refused_at_once(site, path):
        # Over a limit (a line with no end, thousands of columns): nothing to review; the
        # ingest says which limit, and keeps the file.
        return _published_or_report(
            site, path, progress, original_name, answers, form, {}, [], **request
        )
    if not allow_copy and not request.get("dataset_name"):
        found = published_copy(site, path, request.get("user_id"))
        if found is not None:
            return JobResult(
                INVALID,
                result={"duplicate": found, "form": form or {}, "request": answers},
                message=f"This file is already published as {found['title']}, version "
                f"{found['number']}.",
            )
    # A compressed upload is reviewed through the table it holds, unpacked into a staging
    # folder of ours for the review (ingest unpacks it again to publish it, from the
    # original as it came, which is what is kept).
    with site.store.staging() as scratch:
        held = _review(
            site,
            path,
            scratch.folder,
            progress,
            original_name=original_name,
            answers=answers,
            form=form,
            review=review,
            show_columns=show_columns,
            request=request,
        )
    if isinstance(held, JobResult):
        return held
    taken, steps = held
    return _published_or_report(
        site, path, progress, original_name, answers, form, taken, steps, on_published, **request
    )


def _review(
    site: Site,
    path: Path,
    scratch: Path,
    progress: JobProgress,
    *,
    original_name: str,
    answers: int | None,
    form: dict[str, Any] | None,
    review: dict[str, Any] | None,
    show_columns: bool,
    request: dict[str, Any],
) -> JobResult | tuple[dict[str, Any], list[dict[str, Any]]]:
    """The review page's result when the upload stops there; else the answers given and
    the recipe to publish with. `request` is publish_file's, completed here (a new
    version's schema)."""
    limits = site.table_limits
    try:
        unpacked = unpack_within(path, scratch, limits, progress)
    except CompressedError:
        return {}, []  # nothing to review: the ingest says why in a report, and keeps the file
    table = unpacked.path
    if not is_workbook(table) and shape_problem(table, limits) is not None:
        # Over a limit (a line with no end, thousands of columns): nothing to review; the
        # ingest says which limit, and keeps the file.
        return {}, []
    # Before publishing: the fixes offered, the questions, personal data (datasets/review.py).
    # `review` holds the volunteer's answers once they have seen them.
    answered = review is not None
    review = review or {}
    hold = bool(review.get("hold"))  # "check again": show the review, publish nothing yet
    mapping = dict(review.get("mapping") or {})
    if request.get("dataset_name"):
        show_columns = False  # a new version keeps its dataset's columns
        if request.get("schema") is None:
            # A new version, "worked out from the file": matched to the dataset's own
            # schema, so that its columns keep their names and types (its own extra
            # columns asked about), with the corrections made to its last version's match.
            request["schema"] = _latest_schema(site, request["dataset_name"])
        mapping = _last_renames(site, request["dataset_name"]) | mapping
    try:
        steps, shown = review_upload(
            table,
            schema=request.get("schema"),
            legacy_encodings=site.settings.legacy_encoding_list,
            answers={
                **({"extra-default": "drop"} if request.get("dataset_name") else {}),
                **(review.get("answers") or {}),
            },
            declined=frozenset(review.get("declined") or ()),
            drop_columns=tuple(review.get("drop_columns") or ()),
            edits=list(review.get("edits") or ()),
            mapping=mapping,
            columns=list(review.get("columns") or ()),
        )
    except (WorkbookError, RecipeError) as error:  # a file or recipe we cannot read: say why
        kept = site.store.keep_original(path, original_name)
        fix = (
            " Open it in your spreadsheet program, save it again (or as CSV) and upload that."
            if isinstance(error, WorkbookError)
            else ""
        )
        return JobResult(
            FAILED,
            message=f"{error}{fix} Nothing was published; your file is kept (reference {kept}).",
        )
    personal_unchecked = shown["personal"] and not review.get("personal_ok")
    if not answered and _same_as_last_time(site, request.get("dataset_name"), steps):
        answered = True  # the next file of the same kind: the saved recipe, no questions
        personal_unchecked = False  # checked when the first version was published
    if unpacked.compressed:  # said first: what was read from what was sent
        shown["notes"].insert(0, unpacked.note())
    full = hold or (not answered and (needs_review(shown) or show_columns))
    if full or personal_unchecked:
        if full:  # the whole review, with the columns as they would be published
            shown["columns"] = describe_columns(
                table,
                steps,
                request.get("schema"),
                shown["mapping"],
                site.settings.legacy_encoding_list,
                dropped=tuple(review.get("drop_columns") or ()),
                check=hold,
            )
            shown["fields"] = [f["name"] for f in (request.get("schema") or {}).get("fields", [])]
            shown["dropped"] = list(review.get("drop_columns") or ())
        else:
            shown = {**shown, "fixes": [], "questions": []}  # only what is still open
        kept = site.store.keep_original(path, original_name)
        return JobResult(
            INVALID,
            result={
                "review": shown,
                "kept": kept,
                "form": form or {},
                "request": answers,
                "schema": request.get("schema"),
                "answered": review,
            },
            message="Check the file before it is published.",
        )
    return review, steps


def _published_or_report(
    site: Site,
    path: Path,
    progress: JobProgress,
    original_name: str,
    answers: int | None,
    form: dict[str, Any] | None,
    review: dict[str, Any],
    steps: list[dict[str, Any]],
    on_published: OnPublished | None = None,
    **request: Any,
) -> JobResult:
    """Publish with the recipe, or say why not with the report (its original kept). A job
    stopped at its time limit (only the ingest reports progress, so only it is stopped)
    keeps its file and says why."""
    try:
        outcome = publish_file(
            site,
            path,
            original_name=original_name,
            progress=progress,
            recipe=steps or None,
            job_id=progress.job_id,
            **request,
        )
    except TimeLimitReached as error:
        kept = site.store.keep_original(path, original_name)
        return JobResult(
            FAILED,
            result={"form": form or {}, "request": answers},
            message=f"{error.message} Nothing was published; your file is kept (reference {kept}).",
        )
    if outcome.published:
        assert outcome.dataset_name is not None
        name, number = outcome.dataset_name, outcome.version_number
        if on_published is None:
            return JobResult(PUBLISHED, name, number)
        problem = on_published(request.get("user_id"), name)
        return JobResult(PUBLISHED, name, number, {"request": answers}, problem)
    result = outcome.result
    return JobResult(
        INVALID,
        result={
            "report": result.report,
            "sniffed": {
                "encoding_label": result.sniffed.encoding_label,
                "delimiter_label": result.sniffed.delimiter_label,
            },
            "kept": result.kept_at.name if result.kept_at else "",
            "request": answers,
            "form": form or {},
            "schema": request.get("schema"),
            "answered": review,  # so that cells edited next keep the answers given
        },
    )


def refused_at_once(site: Site, path: Path) -> bool:
    """Whether the saved file is over a table limit (ingest/limits.py), and so refused from
    its first lines, in a moment, whatever its size: such an upload is refused at once
    instead of waiting its turn (catalog.jobs.runner.JobRunner.enqueue's `at_once`)."""
    if compression(path) is not None:  # held to the limits once unpacked, in the job
        return False
    return not is_workbook(path) and shape_problem(path, site.table_limits) is not None


def published_copy(site: Site, path: Path, user_id: int | None) -> dict[str, Any] | None:
    """The version whose original has the same bytes as `path`, in a dataset the uploader
    may see: {name, title, number}; None if there is none."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    with site.session() as session:
        user = session.get(User, user_id) if user_id is not None else None
        viewer = Viewer.user(user.id, user.username, user.is_admin) if user else Viewer()
        for version in session.scalars(
            select(Version).where(Version.sha256 == digest.hexdigest()).order_by(Version.id)
        ):
            dataset = version.dataset
            if dataset.state == "active" and can_see(session, viewer, dataset):
                return {"name": dataset.name, "title": dataset.title, "number": version.number}
    return None


def _latest_schema(site: Site, dataset_name: str) -> dict[str, Any] | None:
    with site.session() as session:
        dataset = session.scalar(select(Dataset).where(Dataset.name == dataset_name))
        return latest_schema(dataset) if dataset is not None else None


def _last_renames(site: Site, dataset_name: str) -> dict[str, str]:
    """The renames of the columns the dataset's latest version was published after (its
    match of the file's columns to its fields, corrections included), for the next file."""
    with site.session() as session:
        dataset = session.scalar(select(Dataset).where(Dataset.name == dataset_name))
        if dataset is None or not dataset.versions:
            return {}
        key, number = dataset.key, dataset.versions[-1].number
    renames: dict[str, str] = {}
    for step in site.store.version(key, number).recipe() or []:
        if step.get("step") == "rename-columns" and isinstance(step.get("names"), dict):
            renames |= {str(k): str(v) for k, v in step["names"].items()}
    return renames


def _same_as_last_time(site: Site, dataset_name: str | None, steps: list[dict[str, Any]]) -> bool:
    """Whether a new version's fixes are the ones its dataset's latest version was
    published after (what each changed aside): then nothing needs asking again."""
    if not dataset_name or not steps:
        return False
    with site.session() as session:
        dataset = session.scalar(select(Dataset).where(Dataset.name == dataset_name))
        if dataset is None or not dataset.versions:
            return False
        latest = dataset.versions[-1]
        key, number = dataset.key, latest.number
    saved = site.store.version(key, number).recipe()
    return saved is not None and _plain(saved) == _plain(steps)


def _plain(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The steps but what each changed, and but the columns' review (which the dataset's
    schema holds since: the next version is matched to it)."""
    return [
        {k: v for k, v in step.items() if k != "changed"}
        for step in steps
        if not step.get("reviewed")
    ]
