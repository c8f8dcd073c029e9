"""The upload page: a file, a schema (from the library, uploaded, or inferred), metadata.

The file is saved and published in the background (catalog.jobs.runner); the form answers at once
with a redirect to the job's page, which follows its progress and then shows the result.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from flask import (
    Blueprint,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import Length, Optional

from catalog.context import current_site, current_viewer, request_session
from catalog.datasets.licences import DEFAULT_LICENCE, LICENCES
from catalog.datasets.publishing import DatasetMetadata, check_publish_request
from catalog.datasets.upload_jobs import upload_spec
from catalog.datasets.uploads import refused_at_once
from catalog.errors import InvalidInput, NotAuthorised, NotFound
from catalog.foi.answers import answer_metadata, check_answerable
from catalog.foi.reading import get_request
from catalog.jobs.runner import INVALID, QUEUED
from catalog.params import parse_int
from catalog.web.metadata_form import MetadataForm
from catalog.web.views.sign_in import login_required
from ingest import group_errors
from ingest.column_review import LEAVE_OUT, OWN
from schemas import SchemaError, library_entries, library_schema
from schemas.kinds import KINDS
from schemas.schema import parse_descriptor, parse_schema

blueprint = Blueprint("uploads", __name__)
# Problems named by CKAN's word, shown beside our form's field.
UPLOAD_FIELDS = {"owner_org": "organisation"}

_JOB_ID = re.compile(r"^[0-9a-f]{32}$")
# What each stage of an ingest is called on the job page; "unpacking" and "reading" count
# bytes, the others rows.
STAGES = {
    "queued": "Waiting for its turn",
    "starting": "Starting",
    "unpacking": "Unpacking the compressed file",
    "reading": "Reading the file",
    "validating": "Checking the file against the schema",
    "converting": "Writing the table",
    "profiling": "Describing each column for the preview",
}
BYTE_STAGES = {"unpacking", "reading"}


class UploadForm(MetadataForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to upload.")])
    schema_source = RadioField(
        "Schema",
        choices=[
            SelectChoice("library", "A ready schema from the library"),
            SelectChoice("upload", "My own Table Schema (a JSON file)"),
            SelectChoice("infer", "Work it out from the file"),
        ],
        default="infer",
    )
    library_name = SelectField("Ready schema", validators=[Optional()])
    schema_file = FileField("Table Schema file")
    dataset = StringField(
        "Add as a new version of (URL name)", validators=[Optional(), Length(max=100)]
    )
    organisation = StringField("Organisation", validators=[Length(max=300)])
    request_id = HiddenField()  # the FOI request this is the answer to, if any
    allow_copy = BooleanField("Publish it even if this exact file is already published")
    # On by default in the browser; a form sent without it (a script) publishes at once.
    show_columns = BooleanField(
        "Let me check the columns before anything is published", default=True
    )


class FixForm(FlaskForm):
    """The fixes a volunteer accepts on the review page (its fields are read by name:
    fix, q-<question>, drop, personal_ok); this form carries the CSRF token."""


def metadata_from(values: dict[str, Any]) -> DatasetMetadata | None:
    """The dataset's details from the form's fields (None when adding a version)."""
    if values.get("dataset"):
        return None
    return DatasetMetadata(
        title=values.get("title") or "",
        description=values.get("description") or "",
        organisation=values.get("organisation") or "",
        licence_id=values.get("licence") or DEFAULT_LICENCE,
        tags=[values.get("tags") or ""],
        source_url=values.get("source_url") or "",
        version=values.get("version") or "",
        author=values.get("author") or "",
        author_email=values.get("author_email") or "",
        maintainer=values.get("maintainer") or "",
        maintainer_email=values.get("maintainer_email") or "",
        private=bool(values.get("private")),
    )


def _form() -> UploadForm:
    form = UploadForm()
    # No ready schema is chosen until the volunteer chooses one ("work it out" is the default).
    form.library_name.choices = [SelectChoice("", "Choose a ready schema…")] + [
        SelectChoice(e.name, e.title) for e in library_entries()
    ]
    form.licence.choices = [SelectChoice(item.id, item.title) for item in LICENCES]
    if request.method == "GET" and request.args.get("dataset"):
        form.dataset.data = request.args["dataset"]
    if request.method == "GET" and request.args.get("request"):
        _prefill_answer(form, parse_int(request.args, "request", 0, minimum=1))
    if request.method == "GET" and request.args.get("again"):
        _prefill_again(form, request.args["again"])
    return form


# What "upload a corrected file" brings back: everything but the file itself.
KEPT_FIELDS = (
    "schema_source",
    "library_name",
    "dataset",
    "title",
    "description",
    "organisation",
    "licence",
    "tags",
    "source_url",
    "version",
    "author",
    "author_email",
    "maintainer",
    "maintainer_email",
    "private",
    "request_id",
    "show_columns",
)


def _prefill_again(form: UploadForm, job_id: str) -> None:
    """The form as it was sent with a rejected upload (its uploader's own, upload_status)."""
    kept = (upload_status(job_id).get("result") or {}).get("form") or {}
    for name in KEPT_FIELDS:
        if name in kept:
            form[name].data = kept[name]


def _prefill_answer(form: UploadForm, request_id: int) -> None:
    """ "Add the answer as a dataset" on an FOI request's page lands here."""
    db = request_session()
    found = get_request(db, request_id, viewer=current_viewer())
    check_answerable(current_viewer(), found)
    defaults = answer_metadata(found)
    try:  # the body as publisher, unless its organisation here is run by others
        check_publish_request(
            db,
            DatasetMetadata(title=defaults["title"], organisation=defaults["organisation"]),
            None,
            current_viewer(),
        )
    except NotAuthorised:
        defaults["organisation"] = ""  # the author field still names the body
    for name, value in defaults.items():
        getattr(form, name).data = value
    form.source_url.data = url_for("requests.show", request_id=request_id, _external=True)
    form.request_id.data = str(request_id)


def _answered_request(form: UploadForm) -> int | None:
    """The FOI request an upload answers, checked before anything is read."""
    raw = form.request_id.data or ""
    if not raw:
        return None
    request_id = parse_int({"request": raw}, "request", 0, minimum=1)
    db = request_session()
    found = get_request(db, request_id, viewer=current_viewer())
    check_answerable(current_viewer(), found)
    return request_id


@blueprint.route("/upload", methods=["GET", "POST"])
@login_required
def upload() -> Any:

    form = _form()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("upload.html", form=form), status
    try:
        schema = _chosen_schema(form)
    except SchemaError as error:
        target = form.schema_file if form.schema_source.data == "upload" else form.library_name
        target.errors = [str(p) for p in error.problems]
        return render_template("upload.html", form=form), 400
    metadata = metadata_from({name: form[name].data for name in KEPT_FIELDS})
    dataset_name = form.dataset.data or None
    site = current_site()
    try:
        check_publish_request(request_session(), metadata, dataset_name, current_viewer())
    except (InvalidInput, NotAuthorised) as error:
        for field_name, problem in error.fields.items():
            field = getattr(form, UPLOAD_FIELDS.get(field_name, field_name), None)
            if field is not None:
                field.errors = [problem]
        flash(error.message, "error")
        return render_template("upload.html", form=form), error.status
    answers = _answered_request(form)
    upload_file = form.file.data
    original_name = upload_file.filename or "upload.csv"
    typed = {name: form[name].data for name in KEPT_FIELDS}
    spec = upload_spec(
        original_name=original_name,
        answers=answers,
        form=typed,
        allow_copy=bool(form.allow_copy.data),
        show_columns=bool(form.show_columns.data),
        schema=schema,
        metadata=metadata,
        dataset_name=dataset_name,
        user_id=current_viewer().id,
    )
    job_id = site.jobs.enqueue(
        user_id=current_viewer().id,
        original_name=original_name,
        save=upload_file.save,
        spec=spec,
        keep={"form": typed, "request": answers},  # "upload it again" after any failure
        at_once=partial(refused_at_once, site),
    )
    return redirect(url_for("uploads.job", job_id=job_id), code=303)


@blueprint.route("/uploads/<job_id>")
def job(job_id: str) -> Any:
    status = upload_status(job_id)
    if status["state"] == INVALID and "review" in (status["result"] or {}):
        page = render_template(
            "upload_review.html",
            job=status,
            review=status["result"]["review"],
            form=FixForm(),
            kinds=KINDS,
            own=OWN,
            leave_out=LEAVE_OUT,
        )
        return _no_store(page)
    if status["state"] == INVALID and "duplicate" in (status["result"] or {}):
        result = status["result"]
        again = url_for("uploads.upload", again=job_id, request=result.get("request"))
        page = render_template(
            "upload_duplicate.html", job=status, found=result["duplicate"], again=again
        )
        return _no_store(page)
    if status["state"] == INVALID:
        result = status["result"]
        page = render_template(
            "report.html",
            report=result["report"],
            groups=group_errors(result["report"]),
            sniffed=result["sniffed"],
            original_name=status["original_name"],
            kept=result["kept"],
            answers=result.get("request"),
            job_id=job_id,
            cells=editable_cells(result["report"]) if result.get("kept") else [],
            form=FixForm(),
        )
        return _no_store(page)
    return _no_store(render_template("upload_job.html", job=status))


EDITABLE = ("type-error", "constraint-error")
MAX_EDITS = 50  # cells offered for editing on one report
MAX_COLUMNS = 1000  # columns whose review controls are read from one form


def editable_cells(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The cells of a report a person can put right in the page: a value of the wrong type,
    or one that breaks a rule (an empty required cell)."""
    cells = []
    for task in report.get("tasks") or []:
        for error in task.get("errors") or []:
            if error.get("type") in EDITABLE and error.get("rowNumber") and error.get("fieldName"):
                cells.append(
                    {
                        "row": error["rowNumber"],
                        "column": error["fieldName"],
                        "value": error.get("cell", ""),
                        "message": error.get("message", ""),
                    }
                )
    return cells[:MAX_EDITS]


@blueprint.route("/uploads/<job_id>.json")
def job_json(job_id: str) -> Any:
    return _no_store(jsonify(upload_status(job_id)))


def upload_status(job_id: str) -> dict[str, Any]:
    """What the job page and its JSON twin show: only to the uploader (or an admin)."""
    status = current_site().jobs.status(job_id) if _JOB_ID.fullmatch(job_id) else None
    viewer = current_viewer()
    owner = status.pop("user_id") if status else None
    if status is None or not viewer.signed_in or (owner != viewer.id and not viewer.is_admin):
        raise NotFound("There is no upload with that reference.")
    stage = "queued" if status["state"] == QUEUED else status["stage"]
    done, total = status["done"], status["total"]
    status["stage_label"] = STAGES.get(stage, stage.replace("-", " ").capitalize())
    status["percent"] = round(min(100, 100 * done / total), 1) if total > 0 else None
    if total <= 0:
        status["progress_text"] = ""
    elif stage in BYTE_STAGES:
        status["progress_text"] = f"{_megabytes(done)} of {_megabytes(total)}"
    else:
        status["progress_text"] = f"{done:,} of {total:,} rows"
    status["status_url"] = url_for("uploads.job_json", job_id=job_id)
    status["dataset_url"] = (
        url_for("pages.dataset", name=status["dataset_name"]) if status["dataset_name"] else None
    )
    return status


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


def _no_store(response: Any) -> Any:
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


def _chosen_schema(form: UploadForm) -> dict[str, Any] | None:
    if form.schema_source.data == "infer":
        return None
    if form.schema_source.data == "upload":
        storage = form.schema_file.data
        if storage is None or not getattr(storage, "filename", ""):
            raise SchemaError([_problem("Choose a Table Schema file, or pick another option.")])
        settings = current_site().settings
        raw = storage.read(settings.max_schema_bytes + 1)  # one more byte: the limit is said
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            if len(raw) <= settings.max_schema_bytes:
                raise SchemaError([_problem("The schema file is not UTF-8 text.")]) from None
            text = raw.decode("utf-8-sig", "replace")  # cut inside a character: too long anyway
        descriptor = parse_descriptor(text, storage.filename, max_bytes=settings.max_schema_bytes)
        return parse_schema(descriptor, storage.filename, max_fields=settings.max_schema_fields)
    if not form.library_name.data:
        raise SchemaError(
            [_problem("Choose a ready schema from the list, or pick another option.")]
        )
    return library_schema(form.library_name.data)


def _problem(message: str) -> Any:
    from schemas import SchemaProblem

    return SchemaProblem("", message)
