"""Downloads of a version: its table in every format, streamed in constant memory, and the
files kept beside it.

    /dataset/<name>/v<n>/data.<csv|tsv|json|ndjson|parquet>   the table, or part of it
    /datastore/dump/<resource id>?format=csv|tsv|json|ndjson|parquet   CKAN's dump path
    /dataset/<name>/v<n>/original                              the file as uploaded
    /dataset/<name>/v<n>/schema.json                           the CSV download's schema
    /dataset/<name>/v<n>/report.json                           the validation report
    /dataset/<name>/v<n>/recipe.json                           the fixes it was published after
    /dataset/<name>[/v<n>]/datapackage.zip                     a Frictionless Data Package

The table downloads take datastore_search's parameters (filters, q, sort, fields, limit,
offset) to download just the rows asked for (the dataset page's links of a filtered,
searched, sorted or narrowed preview are these; the file is then named after the view:
`house-prices-v3-price-all-gt-200000.csv`, datastore/view_names.py), `bom=true` (a UTF-8
byte order mark, for Excel) and `safe=true` (cells starting with = + - @ escaped, so a
spreadsheet never runs them). The whole table as Parquet is the stored file itself,
served with Content-Length, ETag and Range; so is the original upload.
How a table is streamed, and what a failure part-way does, is catalog/web/streaming.py's.
"""

from __future__ import annotations

import itertools
import json
import logging
import mimetypes
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, request, send_file, url_for

from catalog.context import current_site, current_viewer, request_session
from catalog.datasets import reading, tables
from catalog.errors import BadParameter, NotFound
from catalog.params import parse_bool
from catalog.web.streaming import streamed_response
from datastore import FORMATS, safe_filename, stream_data_package, stream_table
from datastore.query import Query, QueryTooLarge, iter_query, output_schema
from datastore.view_names import view_name

log = logging.getLogger(__name__)
blueprint = Blueprint("downloads", __name__)
QUERY_PARAMETERS = ("filters", "q", "sort", "fields", "limit", "offset", "distinct")


@blueprint.route("/dataset/<name>/v<id:number>/data.<fmt>")
def table(name: str, number: int, fmt: str) -> Any:
    if fmt not in FORMATS:
        raise NotFound(f"There is no {fmt!r} download; try one of {', '.join(FORMATS)}.")
    return _download(f"{name}-v{number}", fmt, request.args)


@blueprint.route("/datastore/dump/<resource_id>")
def dump(resource_id: str) -> Any:
    """CKAN's /datastore/dump/<resource_id>?format=csv|tsv|json&bom=true (and ndjson and
    parquet, as the dataset page offers), with datastore_search's filters, q, sort, fields."""
    fmt = request.args.get("format", "csv").lower()
    if fmt not in FORMATS:
        raise BadParameter(
            f"format must be one of {', '.join(FORMATS)}.", {"format": f"Unknown format {fmt!r}"}
        )
    return _download(resource_id, fmt, request.args)


def _download(resource_id: str, fmt: str, args: Mapping[str, str]) -> Any:
    site = current_site()
    resource = tables.find_resource(site, request_session(), resource_id, current_viewer())
    wanted = {k: v for k, v in args.items() if k in QUERY_PARAMETERS}
    query = (
        tables.query_from_params({"limit": 0, **wanted}, max_limit=10**12)
        if wanted
        else Query(limit=0)
    )
    bom, spreadsheet_safe = parse_bool(args, "bom", False), parse_bool(args, "safe", False)
    filename = _filename(resource.id, fmt, view_name(query))
    if fmt == "parquet" and query.whole_table:
        return _send(resource.ref.parquet, FORMATS[fmt].mimetype, filename)
    if not query.plain or query.fields:  # a bad parameter is a 400 before the first byte
        tables.run_table_query(site, resource, _probe(query))
    what = f"{resource.dataset} version {resource.number} as {fmt}"
    batches = iter_query(resource.ref.parquet, query, limits=site.query_limits)
    try:  # the sort or distinct runs here, so its failure is an error page, not a cut
        first = list(itertools.islice(batches, 1))
    except QueryTooLarge:
        log.warning("download of %s refused: too large for the query limits", what)
        raise
    chunks = stream_table(
        itertools.chain(first, batches),
        output_schema(resource.ref.parquet, query.fields),
        fmt,
        bom=bom,
        spreadsheet_safe=spreadsheet_safe,
    )
    mimetype = FORMATS[fmt].mimetype
    if fmt in ("csv", "tsv"):
        mimetype += "; charset=utf-8"
    response = streamed_response(chunks, mimetype, what)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return _attachment(response, filename)


def _filename(resource_id: str, fmt: str, view: str = "") -> str:
    stem = f"{resource_id}-{view}" if view else resource_id
    return safe_filename(f"{stem}.{FORMATS[fmt].extension}", "download")


def _probe(query: Query) -> Query:
    """The same query for one row and no total: checks every parameter, costs little."""
    return Query(
        filters=query.filters,
        q=query.q,
        sort=query.sort,
        fields=query.fields,
        distinct=query.distinct,
        limit=1,
        include_total=False,
    )


@blueprint.route("/dataset/<name>/v<id:number>/original")
def original(name: str, number: int) -> Any:
    ref, version = _version_files(name, number)
    path = ref.original()
    filename = safe_filename(version.original_name, f"{name}-v{number}{path.suffix}")
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return _send(path, mimetype, filename)


@blueprint.route("/dataset/<name>/v<id:number>/schema.json")
def schema(name: str, number: int) -> Any:
    found = reading.download_schema(
        current_site(), request_session(), name, number, current_viewer()
    )
    body = json.dumps(found, indent=2, ensure_ascii=False)
    return _attachment(Response(body, mimetype="application/json"), f"{name}-v{number}.schema.json")


@blueprint.route("/dataset/<name>/v<id:number>/report.json")
def report(name: str, number: int) -> Any:
    ref, _ = _version_files(name, number)
    return Response(
        json.dumps(ref.read_json("report.json"), indent=2, ensure_ascii=False),
        mimetype="application/json",
    )


@blueprint.route("/dataset/<name>/v<id:number>/recipe.json")
def recipe(name: str, number: int) -> Any:
    """The fixes the version's table was published after (ingest/recipe.py)."""
    ref, _ = _version_files(name, number)
    steps = ref.recipe()
    if steps is None:
        raise NotFound("This version was published as it came, with no fixes.")
    body = json.dumps(steps, indent=2, ensure_ascii=False)
    return _attachment(Response(body, mimetype="application/json"), f"{name}-v{number}.recipe.json")


@blueprint.route("/dataset/<name>/datapackage.zip")
@blueprint.route("/dataset/<name>/v<id:number>/datapackage.zip")
def data_package(name: str, number: int | None = None) -> Any:
    """The version as a Frictionless Data Package: datapackage.json and its CSV, zipped."""
    homepage = url_for("pages.dataset", name=name, _external=True)
    descriptor, found = reading.data_package(
        current_site(), request_session(), name, number, homepage, current_viewer()
    )
    chunks = stream_data_package(descriptor, found)
    what = f"{name} version {descriptor['version']} as a data package"
    response = streamed_response(chunks, "application/zip", what)
    suffix = f"-v{descriptor['version']}" if number else ""
    return _attachment(response, f"{name}{suffix}-datapackage.zip")


def _version_files(name: str, number: int) -> Any:
    return reading.version_files(current_site(), request_session(), name, number, current_viewer())


def _send(path: Path, mimetype: str, filename: str) -> Any:
    """A stored file as an attachment, with Range, ETag and Last-Modified."""
    if not path.is_file():  # the data folder lost it: say so, not "something went wrong"
        raise NotFound("This file of the version is missing from the data folder.")
    return send_file(
        path, mimetype=mimetype, as_attachment=True, download_name=filename, conditional=True
    )


def _attachment(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{safe_filename(filename, "download")}"'
    )
    return response
