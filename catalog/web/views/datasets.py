"""The pages a researcher reads, each with its JSON twin built from the same data function:

/                      home: the latest datasets and the catalogue's counts
/search[.json]         reading.search_datasets
/dataset/<name>[.json] reading.dataset_details, with the FOI requests it answers
/schemas               the library of ready schemas
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, render_template, request, session, url_for

from catalog.context import current_site, current_viewer, request_session
from catalog.datasets import reading
from catalog.datasets.citation import citation, view_of
from catalog.datasets.editing import deletion_notice
from catalog.datasets.licences import LICENCES
from catalog.datasets.same_column import datasets_with_same_columns
from catalog.errors import BadParameter
from catalog.foi.deadlines import uk_today
from catalog.foi.reading import requests_for_dataset
from catalog.foi.wanted import FEW_RESULTS, normalise_query, record_miss
from catalog.params import parse_int
from catalog.search.index import FACETS, SORTS
from catalog.web.answers import json_answer
from catalog.web.views.citation import cited_url
from schemas import library_entries

blueprint = Blueprint("pages", __name__)


@blueprint.route("/")
def home() -> Any:
    db, viewer = request_session(), current_viewer()
    recent = reading.recent_datasets(db, viewer=viewer)
    counts = reading.catalogue_counts(db, viewer=viewer)
    return render_template("home.html", recent=recent, counts=counts, library=library_entries())


@blueprint.route("/search")
def search() -> Any:
    data = _search_data()
    if data["q"].strip() and data["total"] == 0 and data["page"] == 1 and _first_miss(data["q"]):
        record_miss(request_session(), data["q"])  # for the "most wanted" list
    # Few or no results: offer to ask the body that holds the data for it (FOI).
    ask_url = None
    if data["total"] <= FEW_RESULTS and (data["q"].strip() or data["filters"]):
        ask_url = url_for("requests.new", q=data["q"], **data["filters"])
    return render_template("search.html", **data, ask_url=ask_url)


@blueprint.route("/search.json")
def search_json() -> Any:
    return json_answer(_search_data())


def _search_data() -> dict[str, Any]:
    sort = request.args.get("sort", "relevance")
    if sort not in SORTS:
        raise BadParameter("sort must be relevance, title or modified.", {"sort": sort})
    filters = {k: request.args.get(k, "") for k in FACETS}
    page = parse_int(request.args, "page", 1, minimum=1)
    q = request.args.get("q", "")[:500]
    return reading.search_datasets(
        current_site(), request_session(), q, filters, page, sort, current_viewer()
    )


def _first_miss(text: str) -> bool:
    """Whether this browser has not yet counted a miss for these words: reloading, sorting
    or coming back to a search does not count again (the session keeps short hashes)."""
    key = hashlib.sha256(normalise_query(text).encode()).hexdigest()[:10]
    seen = list(session.get("missed", []))
    if key in seen:
        return False
    session["missed"] = [*seen[-29:], key]
    return True


@blueprint.route("/dataset/<name>")
def dataset(name: str) -> Any:
    data = _dataset_data(name)
    licences = {item.id: item for item in LICENCES}
    if data["version"] is None:
        return render_template("dataset_empty.html", d=data, licences=licences)
    return render_template("dataset.html", d=data, licences=licences)


@blueprint.route("/dataset/<name>.json")
def dataset_json(name: str) -> Any:
    return json_answer(_dataset_data(name))


def _dataset_data(name: str) -> dict[str, Any]:
    version = parse_int(request.args, "version", 0) or None
    parse_int(request.args, "offset", 0)  # a malformed offset is a 400, not a quiet first page
    db = request_session()
    data = reading.dataset_details(
        current_site(), db, name, version, request.args, current_viewer()
    )
    # The FOI requests this dataset answers (catalog/foi), linked from its page.
    data["foi_requests"] = requests_for_dataset(db, data["id"], uk_today(), viewer=current_viewer())
    # A deleted one says when and by whom, and offers its restore (catalog/datasets/editing.py).
    data["deletion"] = deletion_notice(db, current_viewer(), name)
    if data["version"] is not None:
        # How to cite what is shown (views/citation.py), and the tables it may join with.
        view = view_of(request.args)
        number = data["version"]["number"]
        data["citation"] = citation(data, cited_url(name, number, view), view)
        data["same_columns"] = datasets_with_same_columns(
            current_site(), db, data["id"], data["schema"]["fields"], current_viewer()
        )
    return data


@blueprint.route("/schemas")
def schema_library() -> Any:
    return render_template("schemas.html", library=library_entries())
