"""The review page's answer: the fixes accepted, the questions answered, the columns of
personal data left out or confirmed, then the upload is checked again, from its kept
original, with that recipe (catalog/datasets/review.py). POST /uploads/<job id>/fix."""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path
from typing import Any

from flask import redirect, request, url_for

from catalog.context import current_site, current_viewer
from catalog.datasets.uploads import publish_upload
from catalog.errors import InvalidInput
from catalog.foi.answers import link_uploaded_answer
from catalog.web.views.sign_in import login_required
from catalog.web.views.uploads import (
    MAX_EDITS,
    FixForm,
    blueprint,
    metadata_from,
    upload_status,
)


@blueprint.route("/uploads/<job_id>/edit", methods=["POST"])
@login_required
def edit(job_id: str) -> Any:
    """Cells put right on the report page: recorded as edit-cell steps, then checked again."""
    status = upload_status(job_id)
    result = status.get("result") or {}
    if "report" not in result or not result.get("kept"):
        raise InvalidInput("This upload has no cells waiting to be put right.")
    if not FixForm().validate_on_submit():
        raise InvalidInput("The form had expired. Reload the page and try again.")
    rows, columns = request.form.getlist("row"), request.form.getlist("column")
    values = request.form.getlist("value")
    if not len(rows) == len(columns) == len(values) or len(rows) > MAX_EDITS:
        raise InvalidInput("The cells sent do not match the report's.")
    earlier = dict(result.get("answered") or {})
    edits = list(earlier.get("edits") or [])
    for row, column, value in zip(rows, columns, values, strict=True):
        if not row.isascii() or not row.isdigit() or len(row) > 9:
            raise InvalidInput("A row number sent is not one of the report's.")
        edits.append({"row": int(row), "column": column[:300], "value": value[:1000]})
    earlier["edits"] = edits
    return _check_again(status, result, earlier)


@blueprint.route("/uploads/<job_id>/fix", methods=["POST"])
@login_required
def fix(job_id: str) -> Any:
    status = upload_status(job_id)  # the uploader's own (or an admin's), else 404
    result = status.get("result") or {}
    if "review" not in result:
        raise InvalidInput("This upload has no fixes waiting to be accepted.")
    if not FixForm().validate_on_submit():
        raise InvalidInput("The form had expired. Reload the page and try again.")
    shown = result["review"]
    taken = set(request.form.getlist("fix"))
    earlier = result.get("answered") or {}
    review = {
        "answers": {
            q["key"]: request.form.get(f"q-{q['key']}", q["chosen"])[:200]
            for q in shown["questions"]
        }
        | (earlier.get("answers") or {}),
        "declined": sorted({f["step"] for f in shown["fixes"]} - taken)
        + list(earlier.get("declined") or []),
        "drop_columns": [c[:300] for c in request.form.getlist("drop")][:100]
        + list(earlier.get("drop_columns") or []),
        "personal_ok": request.form.get("personal_ok") == "y" or bool(earlier.get("personal_ok")),
    }
    return _check_again(status, result, review)


def _check_again(status: dict[str, Any], result: dict[str, Any], review: dict[str, Any]) -> Any:
    """A new upload job for the kept original, with the volunteer's answers."""
    site = current_site()
    kept = site.store.kept_original(str(result.get("kept") or ""))
    form = result.get("form") or {}
    answers = result.get("request")
    link = None if answers is None else partial(link_uploaded_answer, site.sessions, answers)
    work = partial(
        publish_upload,
        site,
        original_name=status["original_name"],
        answers=answers,
        on_published=link,
        form=form,
        allow_copy=True,  # a copy was named, if there was one, before the review
        review=review,
        schema=result.get("schema"),
        metadata=metadata_from(form),
        dataset_name=form.get("dataset") or None,
        user_id=current_viewer().id,
    )

    def save(path: Path) -> None:
        shutil.copyfile(kept, path)

    new_job = site.jobs.enqueue(
        user_id=current_viewer().id, original_name=status["original_name"], save=save, work=work
    )
    return redirect(url_for("uploads.job", job_id=new_job), code=303)
