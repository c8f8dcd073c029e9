"""The fields of a dataset's details, the same on the upload form and the edit form, with
the same caps (the data functions check again: catalog/datasets/publishing.py)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from catalog.datasets.licences import DEFAULT_LICENCE
from catalog.datasets.publishing import MAX_DESCRIPTION, MAX_TAGS


class MetadataForm(FlaskForm):
    """A dataset's details; each form adds its own organisation field (typed on the upload
    form, where a new one may be made; chosen from a list on the edit form)."""

    title = StringField("Title", validators=[Length(max=300)])
    description = TextAreaField(
        "Description (Markdown: **bold**, [links](https://…), lists)",
        validators=[Length(max=MAX_DESCRIPTION)],
    )
    licence = SelectField("Licence", default=DEFAULT_LICENCE)
    tags = StringField("Tags (separated by commas)", validators=[Length(max=MAX_TAGS * 100)])
    source_url = StringField("Source (web address)", validators=[Length(max=1000)])
    version = StringField("Version of the data (e.g. 2024 Q1)", validators=[Length(max=100)])
    author = StringField("Author", validators=[Length(max=300)])
    author_email = StringField("Author's email", validators=[Length(max=300)])
    maintainer = StringField("Maintainer", validators=[Length(max=300)])
    maintainer_email = StringField("Maintainer's email", validators=[Length(max=300)])
    private = BooleanField("Private: only the organisation's members see it")
