"""The web pages: views (one module per page family), templates, static files, linked data."""

from __future__ import annotations

from flask import Flask

from catalog.web.charts_svg import chart_svg, number
from catalog.web.markdown import render_notes
from catalog.web.views import (
    account,
    admin,
    admin_accounts,
    authorities,
    citation,
    dataset_edit,
    datasets,
    downloads,
    help_requests,
    metadata,
    organisations,
    request_page,
    review,
    schema_hints,
    sign_in,
    sign_up,
    sql,
    uploads,
)

# Imported for the routes they add to uploads' blueprint.
ROUTES_ON_OTHER_BLUEPRINTS = (review, schema_hints)

BLUEPRINTS = (
    datasets.blueprint,
    sign_in.blueprint,
    sign_up.blueprint,
    admin_accounts.blueprint,
    uploads.blueprint,  # with the review's answer (views/review.py) and views/schema_hints.py
    downloads.blueprint,
    citation.blueprint,  # a version's citation as BibTeX and RIS
    organisations.blueprint,
    metadata.blueprint,
    authorities.blueprint,
    account.blueprint,
    dataset_edit.blueprint,  # a dataset's edit, delete and restore; the deleted lists
    request_page.blueprint,  # "requests": the routes of views/requests.py and request_page.py
    admin.blueprint,  # the organisers' room: the event board, organisations, the day's export
    help_requests.blueprint,  # "I need a hand" on the report and job pages
    sql.blueprint,  # the SQL page and its CSV download
)


def register(app: Flask) -> None:
    """The pages' blueprints and the filters their templates use."""
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.add_template_filter(render_notes, "markdown")
    app.add_template_global(chart_svg, "chart_svg")  # the dataset page's charts
    app.add_template_filter(number, "chart_number")
    app.add_template_filter(lambda d, key: {k: v for k, v in d.items() if k != key}, "dict_without")
    app.add_template_filter(lambda d, key, value: {**d, key: value}, "dict_with")
