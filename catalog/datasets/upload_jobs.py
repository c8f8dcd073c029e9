"""An upload job as data: what publish_upload needs, as plain JSON (the spec), and the one
function that makes the work from it. The web page and the review page make specs; the
app's threads and the queue's worker processes (catalog/jobs/queue.py) run the same work
from them, so an upload is published by the same code whichever runs it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from catalog.datasets.publishing import DatasetMetadata
from catalog.datasets.uploads import OnPublished, publish_upload
from catalog.jobs.runner import Work
from catalog.site import Site


def upload_spec(
    *,
    original_name: str,
    user_id: int | None,
    form: dict[str, Any],
    answers: int | None = None,
    allow_copy: bool = False,
    show_columns: bool = False,
    review: dict[str, Any] | None = None,
    schema: dict[str, Any] | None = None,
    metadata: DatasetMetadata | None = None,
    dataset_name: str | None = None,
) -> dict[str, Any]:
    """The job's spec: publish_upload's arguments, as JSON can hold them."""
    return {
        "original_name": original_name,
        "user_id": user_id,
        "form": form,
        "answers": answers,
        "allow_copy": allow_copy,
        "show_columns": show_columns,
        "review": review,
        "schema": schema,
        "metadata": None if metadata is None else dataclasses.asdict(metadata),
        "dataset_name": dataset_name,
    }


# What links a published upload to the FOI request it answers (catalog/foi/answers.py's
# link_uploaded_answer, given by catalog/startup.py: the FOI room is above this one).
LinkAnswer = Callable[[sessionmaker[Session], int], OnPublished]


def upload_work(site: Site, spec: dict[str, Any], *, link_answer: LinkAnswer) -> Work:
    """The work of the job whose spec this is (upload_spec's)."""
    answers = spec.get("answers")
    metadata = spec.get("metadata")
    link = None if answers is None else link_answer(site.sessions, answers)
    return partial(
        publish_upload,
        site,
        original_name=spec["original_name"],
        answers=answers,
        on_published=link,
        form=spec.get("form") or {},
        allow_copy=bool(spec.get("allow_copy")),
        show_columns=bool(spec.get("show_columns")),
        review=spec.get("review"),
        schema=spec.get("schema"),
        metadata=None if metadata is None else DatasetMetadata(**metadata),
        dataset_name=spec.get("dataset_name"),
        user_id=spec.get("user_id"),
    )
