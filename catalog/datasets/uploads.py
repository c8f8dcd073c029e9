"""The work of an upload job (catalog/jobs/runner.py): publish the saved file and say how it
went, in the shape the job's page shows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from catalog.datasets.publishing import publish_file
from catalog.jobs.runner import INVALID, PUBLISHED, JobResult, Progress
from catalog.site import Site

# Called once the file is published, with the uploader's id and the dataset's name; says
# what went wrong, if anything, with what it did (the dataset stays published whatever).
OnPublished = Callable[[int | None, str], str]


def publish_upload(
    site: Site,
    path: Path,
    progress: Progress,
    *,
    original_name: str,
    answers: int | None = None,
    on_published: OnPublished | None = None,
    form: dict[str, Any] | None = None,
    **request: Any,
) -> JobResult:
    """Publish the saved file (`request`: publish_file's schema, metadata, dataset_name,
    user_id). `answers` is the FOI request the file answers, kept in the result so that a
    corrected file still answers it; `on_published` links the two (catalog/foi). `form` is
    what the volunteer typed and chose, kept with a rejected file's result so that
    "upload a corrected file" starts from it."""
    outcome = publish_file(site, path, original_name=original_name, progress=progress, **request)
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
        },
    )
