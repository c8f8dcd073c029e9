"""Fixing your own work: a dataset's edit, delete and restore pages, and the lists of deleted
datasets to restore from. Each calls the function the API calls (catalog/datasets/editing.py).

/dataset/<name>/edit                 the details, as the upload form takes them, and extras
/dataset/<name>/delete               GET asks to confirm, POST deletes
/dataset/<name>/restore              POST restores
/organisation/<name>/deleted[.json]  its deleted datasets (its editors and admins)
/admin/deleted[.json]                every deleted dataset (site admins)
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import Length

from catalog.context import current_site, current_viewer, request_session
from catalog.datasets.editing import (
    RESTORED_BY,
    change_dataset,
    current_metadata,
    delete_dataset,
    deleted_datasets,
    editable_dataset,
    organisation_choices,
    owner_organisation,
    restore_dataset,
)
from catalog.datasets.licences import LICENCES
from catalog.datasets.publishing import MAX_EXTRAS, DatasetMetadata
from catalog.errors import InvalidInput, NotAuthorised
from catalog.web.answers import json_answer
from catalog.web.metadata_form import MetadataForm
from catalog.web.views.sign_in import login_required

blueprint = Blueprint("dataset_edit", __name__)
# Empty extra-field rows offered below the dataset's own: three more after each save (a
# button adding rows without saving would be the one Enter presses in any field).
BLANK_EXTRAS = 3
# Problems named by the data function's (CKAN's) words, shown beside our form's field.
FORM_FIELDS = {"owner_org": "organisation", "notes": "description", "licence": "licence"}


EXTRA_PARTS = {"key": "An extra field's name", "value": "An extra field's value"}


class ExtraForm(Form):
    key = StringField("Name", validators=[Length(max=100)])
    value = StringField("Value", validators=[Length(max=1000)])


class EditForm(MetadataForm):
    organisation = SelectField("Organisation")
    # One more row than may be kept, so that too many is said, not silently dropped.
    extras = FieldList(FormField(ExtraForm), max_entries=MAX_EXTRAS + 1)


class ConfirmForm(FlaskForm):
    """Carries the CSRF token of a delete or restore button."""


@blueprint.route("/dataset/<name>/edit", methods=["GET", "POST"])
@login_required
def edit(name: str) -> Any:
    db, viewer = request_session(), current_viewer()
    dataset = editable_dataset(db, viewer, name)  # refused before any field is read
    if dataset.state != "active":
        flash(f"{dataset.title} was deleted: restore it first, then change it.", "error")
        return redirect(url_for("pages.dataset", name=dataset.name), code=303)
    choices = organisation_choices(db, viewer, dataset)
    form = EditForm()
    form.licence.choices = [SelectChoice(item.id, item.title) for item in LICENCES]
    form.organisation.choices = [SelectChoice(n, t) for n, t in choices or []]
    if choices is None:
        del form.organisation  # an editor, not an admin, of its organisation
    if request.method == "GET":
        _fill(form, current_metadata(dataset))
    elif form.validate_on_submit():
        metadata = _metadata(form)
        try:
            organisation = (
                owner_organisation(db, form.organisation.data or "")
                if "organisation" in form
                else dataset.organisation
            )
            change_dataset(current_site(), db, viewer, dataset, metadata, organisation)
        except (InvalidInput, NotAuthorised) as error:
            problems = dict(error.fields)
            extras_problem = problems.pop("extras", None)
            for field_name, problem in problems.items():
                target = FORM_FIELDS.get(field_name, field_name)
                if target in form:
                    form[target].errors = [*form[target].errors, problem]
            flash(error.message, "error")
            return _page(form, dataset, extras_problem), error.status
        flash(f"Saved the changes to {dataset.title}.", "success")
        return redirect(url_for("pages.dataset", name=dataset.name), code=303)
    elif request.method == "POST":
        flash("Some details of the dataset need fixing: see below.", "error")
        return _page(form, dataset), 400
    return _page(form, dataset)


def _fill(form: EditForm, metadata: DatasetMetadata) -> None:
    for name in ("title", "description", "version", "author", "author_email"):
        form[name].data = getattr(metadata, name)
    form.maintainer.data = metadata.maintainer
    form.maintainer_email.data = metadata.maintainer_email
    form.source_url.data = metadata.source_url
    form.licence.data = metadata.licence_id
    form.tags.data = ", ".join(metadata.tags)
    form.private.data = metadata.private
    if "organisation" in form:
        form.organisation.data = metadata.organisation
    while form.extras.entries:
        form.extras.pop_entry()
    rows = [*metadata.extras.items()][:MAX_EXTRAS]
    for key, value in rows:
        form.extras.append_entry({"key": key, "value": value})
    for _ in range(min(BLANK_EXTRAS, MAX_EXTRAS - len(rows))):
        form.extras.append_entry()


def _metadata(form: EditForm) -> DatasetMetadata:
    extras: dict[str, str] = {}
    for entry in form.extras.entries:
        key, value = (entry.form.key.data or "").strip(), (entry.form.value.data or "").strip()
        if key or value:
            extras[key] = value
    return DatasetMetadata(
        title=form.title.data or "",
        description=form.description.data or "",
        licence_id=form.licence.data or "",
        tags=[form.tags.data or ""],
        source_url=form.source_url.data or "",
        version=form.version.data or "",
        author=form.author.data or "",
        author_email=form.author_email.data or "",
        maintainer=form.maintainer.data or "",
        maintainer_email=form.maintainer_email.data or "",
        private=bool(form.private.data),
        extras=extras,
    )


def _page(form: EditForm, dataset: Any, extras_problem: str | None = None) -> str:
    extras_errors = [e for entry in form.extras.entries for e in _flat(entry.form.errors)]
    return render_template(
        "dataset_edit.html",
        form=form,
        d={"name": dataset.name, "title": dataset.title},
        max_extras=MAX_EXTRAS,
        extras_problems=[*([extras_problem] if extras_problem else []), *extras_errors],
    )


def _flat(errors: dict[str, Any]) -> list[str]:
    """An extra row's field errors, as sentences naming the part ("Name: at most…")."""
    return [f"{EXTRA_PARTS.get(k, k)}: {m}" for k, ms in errors.items() for m in ms]


@blueprint.route("/dataset/<name>/delete", methods=["GET", "POST"])
@login_required
def delete(name: str) -> Any:
    db, viewer = request_session(), current_viewer()
    dataset = editable_dataset(db, viewer, name)
    form = ConfirmForm()
    if form.validate_on_submit():
        title = dataset.title
        delete_dataset(current_site(), db, viewer, name)
        flash(f"Deleted {title}. It can be restored by {RESTORED_BY}.", "success")
        return redirect(url_for("pages.dataset", name=name), code=303)
    status = 400 if request.method == "POST" else 200
    if status == 400:
        flash("The form had expired; press Delete again.", "error")
    page = render_template(
        "dataset_delete.html",
        d={"name": dataset.name, "title": dataset.title, "state": dataset.state},
        form=form,
        restored_by=RESTORED_BY,
    )
    return page, status


@blueprint.route("/dataset/<name>/restore", methods=["POST"])
@login_required
def restore(name: str) -> Any:
    db, viewer = request_session(), current_viewer()
    dataset = editable_dataset(db, viewer, name)
    if not ConfirmForm().validate_on_submit():
        flash("The form had expired; press Restore again.", "error")
        return redirect(url_for("pages.dataset", name=name), code=303)
    restore_dataset(current_site(), db, viewer, name)
    flash(f"Restored {dataset.title}: it is back in search and lists.", "success")
    return redirect(url_for("pages.dataset", name=name), code=303)


@blueprint.route("/organisation/<name>/deleted")
@login_required
def organisation_deleted(name: str) -> Any:
    listed = deleted_datasets(request_session(), current_viewer(), name)
    return render_template("datasets_deleted.html", listed=listed, form=ConfirmForm())


@blueprint.route("/organisation/<name>/deleted.json")
@login_required
def organisation_deleted_json(name: str) -> Any:
    return json_answer(deleted_datasets(request_session(), current_viewer(), name))


@blueprint.route("/admin/deleted")
@login_required
def admin_deleted() -> Any:
    listed = deleted_datasets(request_session(), current_viewer())
    return render_template("datasets_deleted.html", listed=listed, form=ConfirmForm())


@blueprint.route("/admin/deleted.json")
@login_required
def admin_deleted_json() -> Any:
    return json_answer(deleted_datasets(request_session(), current_viewer()))
