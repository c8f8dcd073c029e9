"""The upload page: a file, a schema (from the library, uploaded, or inferred), metadata."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from catalog.auth import login_required
from catalog.errors import InvalidInput
from catalog.licences import DEFAULT_LICENCE, LICENCES
from catalog.publishing import DatasetMetadata, publish_file
from schemas import SchemaError, library_entries, library_schema
from schemas.schema import parse_descriptor, parse_schema

blueprint = Blueprint("uploads", __name__)


class UploadForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to upload.")])
    schema_source = RadioField(
        "Schema",
        choices=[
            SelectChoice("library", "A ready schema from the library"),
            SelectChoice("upload", "My own Table Schema (a JSON file)"),
            SelectChoice("infer", "Work it out from the file"),
        ],
        default="library",
    )
    library_name = SelectField("Ready schema", validators=[Optional()])
    schema_file = FileField("Table Schema file")
    dataset = StringField(
        "Add as a new version of (URL name)", validators=[Optional(), Length(max=100)]
    )
    title = StringField("Title", validators=[Length(max=300)])
    description = TextAreaField("Description", validators=[Length(max=20000)])
    organisation = StringField("Organisation", validators=[Length(max=300)])
    licence = SelectField("Licence", default=DEFAULT_LICENCE)
    tags = StringField("Tags (separated by commas)", validators=[Length(max=1000)])
    source_url = StringField("Source (web address)", validators=[Length(max=1000)])


def _form() -> UploadForm:
    form = UploadForm()
    form.library_name.choices = [SelectChoice(e.name, e.title) for e in library_entries()]
    form.licence.choices = [SelectChoice(item.id, item.title) for item in LICENCES]
    if request.method == "GET" and request.args.get("dataset"):
        form.dataset.data = request.args["dataset"]
    return form


@blueprint.route("/upload", methods=["GET", "POST"])
@login_required
def upload() -> Any:
    from catalog.app import current_site

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
    metadata = None
    if not form.dataset.data:
        metadata = DatasetMetadata(
            title=form.title.data or "",
            description=form.description.data or "",
            organisation=form.organisation.data or "",
            licence_id=form.licence.data or DEFAULT_LICENCE,
            tags=[form.tags.data or ""],
            source_url=form.source_url.data or "",
        )
    upload_file = form.file.data
    try:
        outcome = publish_file(
            current_site(),
            upload_file.stream,
            original_name=upload_file.filename or "upload.csv",
            schema=schema,
            metadata=metadata,
            dataset_name=form.dataset.data or None,
            user_id=g.user["id"],
        )
    except InvalidInput as error:
        for field_name, problem in error.fields.items():
            field = getattr(form, field_name, None)
            if field is not None:
                field.errors = [problem]
        flash(error.message, "error")
        return render_template("upload.html", form=form), 400
    if not outcome.published:
        result = outcome.result
        kept = result.kept_at.name if result.kept_at else ""
        return (
            render_template(
                "report.html",
                report=result.report,
                sniffed=result.sniffed,
                original_name=upload_file.filename,
                kept=kept,
            ),
            422,
        )
    flash(f"Published version {outcome.version_number}.", "success")
    return redirect(url_for("pages.dataset", name=outcome.dataset_name))


def _chosen_schema(form: UploadForm) -> dict[str, Any] | None:
    if form.schema_source.data == "infer":
        return None
    if form.schema_source.data == "upload":
        storage = form.schema_file.data
        if storage is None or not getattr(storage, "filename", ""):
            raise SchemaError([_problem("Choose a Table Schema file, or pick another option.")])
        raw = storage.read(2_000_000)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SchemaError([_problem("The schema file is not UTF-8 text.")]) from None
        return parse_schema(parse_descriptor(text, storage.filename), storage.filename)
    return library_schema(form.library_name.data or "")


def _problem(message: str) -> Any:
    from schemas import SchemaProblem

    return SchemaProblem("", message)
