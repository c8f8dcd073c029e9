"""Public pages: home, search, dataset, and the downloads of each version."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    render_template,
    request,
    send_file,
    session,
    stream_with_context,
    url_for,
)

from catalog import browse
from catalog.errors import InvalidInput
from catalog.licences import LICENCES
from catalog.search import FACETS, SORTS
from catalog.wanted import FEW_RESULTS, normalise_query, record_miss
from datastore import safe_filename, stream_data_package
from schemas import library_entries

blueprint = Blueprint("pages", __name__)


def _site() -> Any:
    from catalog.app import current_site

    return current_site()


def int_arg(name: str, default: int, minimum: int = 0) -> int:
    """A whole-number query parameter; anything else is a 400 that names it."""
    raw = request.args.get(name, "")
    if not raw:
        return default
    if not raw.isdigit():
        raise InvalidInput(f"{name!r} must be a whole number, not {raw!r}.", {name: "not a number"})
    return max(minimum, int(raw))


@blueprint.route("/")
def home() -> Any:
    site = _site()
    with site.session() as db:
        recent = browse.recent_datasets(db)
        counts = browse.catalogue_counts(db)
    return render_template("home.html", recent=recent, counts=counts, library=library_entries())


@blueprint.route("/search")
def search() -> Any:
    site = _site()
    sort = request.args.get("sort", "relevance")
    if sort not in SORTS:
        raise InvalidInput("sort must be relevance, title or modified.", {"sort": sort})
    filters = {k: request.args.get(k, "") for k in FACETS}
    page = int_arg("page", 1, 1)
    with site.session() as db:
        data = browse.search_datasets(
            site, db, request.args.get("q", "")[:500], filters, page, sort
        )
        if data["q"].strip() and data["total"] == 0 and page == 1 and _first_miss(data["q"]):
            record_miss(db, data["q"])  # for the "most wanted" list
    # Few or no results: offer to ask the body that holds the data for it (FOI).
    ask_url = None
    if data["total"] <= FEW_RESULTS and (data["q"].strip() or data["filters"]):
        ask_url = url_for("requests.new", q=data["q"], **data["filters"])
    return render_template("search.html", **data, ask_url=ask_url)


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
    site = _site()
    version = int_arg("version", 0) or None
    with site.session() as db:
        int_arg("offset", 0)  # a malformed offset is a 400, not a quiet first page
        data = browse.dataset_details(site, db, name, version, request.args)
    licences = {item.id: item for item in LICENCES}
    if data["version"] is None:
        return render_template("dataset_empty.html", d=data, licences=licences)
    return render_template("dataset.html", d=data, licences=licences)


@blueprint.route("/dataset/<name>/v<int:number>/original")
def download_original(name: str, number: int) -> Any:
    ref, version = _version_files(name, number)
    filename = safe_filename(version.original_name, f"{name}-v{number}.csv")
    return _send(ref.original(), "text/csv", filename)


def _version_files(name: str, number: int) -> Any:
    site = _site()
    with site.session() as db:
        return browse.version_files(site, db, name, number)


def _send(path: Any, mimetype: str, filename: str) -> Any:
    """A stored file as an attachment, with Range, ETag and Last-Modified."""
    return send_file(
        path, mimetype=mimetype, as_attachment=True, download_name=filename, conditional=True
    )


@blueprint.route("/dataset/<name>/v<int:number>/schema.json")
def download_schema(name: str, number: int) -> Any:
    site = _site()
    with site.session() as db:
        schema = browse.download_schema(site, db, name, number)
    body = json.dumps(schema, indent=2, ensure_ascii=False)
    response = Response(body, mimetype="application/json")
    return _attachment(response, f"{name}-v{number}.schema.json")


@blueprint.route("/dataset/<name>/v<int:number>/report.json")
def download_report(name: str, number: int) -> Any:
    site = _site()
    with site.session() as db:
        ref, _ = browse.version_files(site, db, name, number)
    return Response(
        json.dumps(ref.read_json("report.json"), indent=2, ensure_ascii=False),
        mimetype="application/json",
    )


@blueprint.route("/dataset/<name>/datapackage.zip")
@blueprint.route("/dataset/<name>/v<int:number>/datapackage.zip")
def download_data_package(name: str, number: int | None = None) -> Any:
    """The version as a Frictionless Data Package: datapackage.json and its CSV, zipped."""
    site = _site()
    homepage = url_for("pages.dataset", name=name, _external=True)
    with site.session() as db:
        descriptor, tables = browse.data_package(site, db, name, number, homepage)
    chunks = stream_data_package(descriptor, tables)
    response = Response(stream_with_context(chunks), mimetype="application/zip")
    suffix = f"-v{descriptor['version']}" if number else ""
    return _attachment(response, f"{name}{suffix}-datapackage.zip")


@blueprint.route("/schemas")
def schema_library() -> Any:
    return render_template("schemas.html", library=library_entries())


def _attachment(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{safe_filename(filename, "download")}"'
    )
    return response
