"""Downloads of a version's table in every format, streamed in constant memory.

    /dataset/<name>/v<n>/data.<csv|tsv|json|ndjson|parquet>   the table, or part of it
    /datastore/dump/<resource id>?format=csv|tsv|json|ndjson   CKAN's dump path

Both take datastore_search's parameters (filters, q, sort, fields, limit, offset) to
download just the rows asked for, `bom=true` (a UTF-8 byte order mark, for Excel) and
`safe=true` (cells starting with = + - @ escaped, so a spreadsheet never runs them). The
whole table as Parquet is the stored file itself, served with Content-Length, ETag and
Range; so is the original upload (catalog/pages.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, request, send_file, stream_with_context

from catalog import tables
from catalog.errors import Conflict, NotFound
from datastore import FORMATS, safe_filename, stream_table
from datastore.query import Query, iter_query, output_schema

blueprint = Blueprint("downloads", __name__)
QUERY_PARAMETERS = ("filters", "q", "sort", "fields", "limit", "offset", "distinct")


@blueprint.route("/dataset/<name>/v<int:number>/data.<fmt>")
def table(name: str, number: int, fmt: str) -> Any:
    if fmt not in FORMATS:
        raise NotFound(f"There is no {fmt!r} download; try one of {', '.join(FORMATS)}.")
    return _download(f"{name}-v{number}", fmt, request.args)


@blueprint.route("/datastore/dump/<resource_id>")
def dump(resource_id: str) -> Any:
    """CKAN's /datastore/dump/<resource_id>?format=csv|tsv|json&bom=true."""
    fmt = request.args.get("format", "csv").lower()
    if fmt not in FORMATS or fmt == "parquet":
        raise Conflict(
            "format must be csv, tsv, json or ndjson.", {"format": f"Unknown format {fmt!r}"}
        )
    return _download(resource_id, fmt, request.args)


def _download(resource_id: str, fmt: str, args: Mapping[str, str]) -> Any:
    from catalog.app import current_site

    site = current_site()
    with site.session() as db:
        resource = tables.find_resource(site, db, resource_id)
    wanted = {k: v for k, v in args.items() if k in QUERY_PARAMETERS}
    query = (
        tables.query_from_params({"limit": 0, **wanted}, max_limit=10**12)
        if wanted
        else Query(limit=0)
    )
    filename = safe_filename(f"{resource.id}.{FORMATS[fmt].extension}", "download")
    if fmt == "parquet" and query.whole_table:
        return send_file(
            resource.ref.parquet,
            mimetype=FORMATS[fmt].mimetype,
            as_attachment=True,
            download_name=filename,
            conditional=True,
        )
    if not query.plain or query.fields:  # a bad parameter is a 409 before the first byte
        tables.run_table_query(resource, _probe(query))
    chunks = stream_table(
        iter_query(resource.ref.parquet, query),
        output_schema(resource.ref.parquet, query.fields),
        fmt,
        bom=tables.bool_param(args, "bom", False),
        spreadsheet_safe=tables.bool_param(args, "safe", False),
    )
    mimetype = FORMATS[fmt].mimetype
    if fmt in ("csv", "tsv"):
        mimetype += "; charset=utf-8"
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


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
