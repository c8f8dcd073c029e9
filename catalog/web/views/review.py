"""The review page's answer: the fixes accepted, the questions answered, the columns of
personal data left out or confirmed, then the upload is checked again, from its kept
original, with that recipe (catalog/datasets/review.py). POST /uploads/<job id>/fix."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from flask import redirect, request, url_for

from catalog.context import current_site, current_viewer
from catalog.datasets.upload_jobs import upload_spec
from catalog.errors import InvalidInput
from catalog.web.views.sign_in import login_required
from catalog.web.views.uploads import (
    MAX_COLUMNS,
    MAX_EDITS,
    FixForm,
    blueprint,
    metadata_from,
    upload_status,
)
from ingest.column_review import column_steps, mapping_changes


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
    earlier["hold"] = False
    return _check_again(status, result, earlier)


@blueprint.route("/uploads/<job_id>/fix", methods=["POST"])
@login_required
def fix(job_id: str) -> Any:
    """The review page's form: the fixes ticked, the questions answered, the columns of
    personal data left out or confirmed, the columns reviewed; "check" (action=check) shows
    the page again with the effect, anything else publishes."""
    status = upload_status(job_id)  # the uploader's own (or an admin's), else 404
    result = status.get("result") or {}
    if "review" not in result:
        raise InvalidInput("This upload has no fixes waiting to be accepted.")
    if not FixForm().validate_on_submit():
        raise InvalidInput("The form had expired. Reload the page and try again.")
    shown = result["review"]
    earlier = result.get("answered") or {}
    taken = set(request.form.getlist("fix"))
    offered = {f["step"] for f in shown["fixes"]}
    personal = {p["column"] for p in shown["personal"]}
    columns = shown.get("columns") or []
    mapping, leave_out = mapping_changes(
        columns,
        shown.get("mapping") or {},
        {
            c["source"]: request.form[f"map-{i}"][:300]
            for i, c in enumerate(columns[:MAX_COLUMNS])
            if f"map-{i}" in request.form  # a control not sent changes nothing
        }
        if shown.get("fields")
        else {},
    )
    drops = [c[:300] for c in request.form.getlist("drop")][:100]
    review = {
        "answers": (earlier.get("answers") or {})
        | {
            q["key"]: request.form.get(f"q-{q['key']}", q["chosen"])[:200]
            for q in shown["questions"]
        },
        "declined": sorted((set(earlier.get("declined") or ()) - offered) | (offered - taken)),
        "drop_columns": sorted(
            (set(earlier.get("drop_columns") or ()) - personal - {c["source"] for c in columns})
            | set(drops)
            | set(leave_out)
        ),
        "personal_ok": request.form.get("personal_ok") == "y" or bool(earlier.get("personal_ok")),
        "mapping": (earlier.get("mapping") or {}) | mapping,
        "columns": list(earlier.get("columns") or ())
        + ([] if shown.get("fields") else column_steps(columns, _columns_sent(columns))),
        "edits": list(earlier.get("edits") or ()),
        "hold": request.form.get("action") == "check",
    }
    return _check_again(status, result, review)


def _columns_sent(columns: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """What the page's column controls say, by column name (col-<i> names column i)."""
    sent = {}
    for index, column in enumerate(columns[:MAX_COLUMNS]):
        if request.form.get(f"col-{index}") != column["name"]:
            continue  # not this page's column: its controls are not read
        sent[column["name"]] = {
            "kind": request.form.get(f"kind-{index}", column.get("kind", ""))[:100],
            "required": request.form.get(f"empty-{index}") != "y",  # "may be empty"
            "unique": request.form.get(f"unique-{index}") == "y",
            "description": request.form.get(f"description-{index}", "")[:2000],
        }
    return sent


def _check_again(status: dict[str, Any], result: dict[str, Any], review: dict[str, Any]) -> Any:
    """A new upload job for the kept original, with the volunteer's answers."""
    site = current_site()
    kept = site.store.kept_original(str(result.get("kept") or ""))
    form = result.get("form") or {}
    answers = result.get("request")
    spec = upload_spec(
        original_name=status["original_name"],
        answers=answers,
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
        user_id=current_viewer().id,
        original_name=status["original_name"],
        save=save,
        spec=spec,
        keep={"form": form, "request": answers},
    )
    site.jobs.followed(status["id"], new_job)  # "My uploads" then points on to it
    return redirect(url_for("uploads.job", job_id=new_job), code=303)
