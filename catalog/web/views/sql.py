"""SQL for those who want it: a read-only query over the tables the viewer may see, its
text in the URL so that it can be shared (catalog/datasets/sql_tables.py does the work).

/sql?q=...       the page: the query, its first DATASTORE_SQL_ROW_LIMIT rows, or what is
                 wrong with it and where (a caret under the place); the tables to query
/sql.csv?q=...   every row of the answer as CSV, streamed batch by batch
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
from flask import Blueprint, render_template, request

from catalog.context import current_site, current_viewer, request_session
from catalog.datasets.sql_tables import run_viewer_sql, sql_tables, stream_viewer_sql
from catalog.errors import BadParameter
from catalog.web.streaming import streamed_response
from datastore import stream_table
from datastore.query import QueryTooLarge
from datastore.sql import SqlError, csv_ready

log = logging.getLogger(__name__)
blueprint = Blueprint("sql", __name__)
EXAMPLE = 'SELECT * FROM "{name}" LIMIT 10'


@blueprint.route("/sql")
def page() -> Any:
    site, db, viewer = current_site(), request_session(), current_viewer()
    q = _query()
    listed = sql_tables(db, viewer)
    data: dict[str, Any] = {
        "sql": q,  # not "q": the site's search box shows that
        "listed": listed,
        "result": None,
        "error": None,
        "row_limit": site.settings.sql_row_limit,
        "seconds": site.settings.sql_time_limit,
        "example": EXAMPLE.format(name=listed["tables"][0]["name"]) if listed["tables"] else "",
    }
    status = 200
    if q.strip():
        try:
            result = run_viewer_sql(site, db, q, viewer)
            data["result"] = {
                "fields": result.fields,
                "rows": result.lists(),
                "truncated": result.truncated,
            }
        except SqlError as error:
            data["error"] = _shown_error(q, error)
            status = 400
        except QueryTooLarge as error:
            data["error"] = {"reason": str(error), "line": 0}
            status = 507
    return render_template("sql.html", **data), status


@blueprint.route("/sql.csv")
def download() -> Any:
    q = _query()
    if not q.strip():
        raise BadParameter("Give the query as q: /sql.csv?q=SELECT ...", {"q": "Missing value"})
    parts = stream_viewer_sql(current_site(), request_session(), q, current_viewer())
    schema = next(parts)  # the query is checked and started here: its errors are a 400
    if not isinstance(schema, pa.Schema):
        raise TypeError("stream_viewer_sql gives its schema first")
    batches = (csv_ready(batch) for batch in parts)
    first = list(_first(batches))  # a failure in the first rows is an error page too
    ready = csv_ready(pa.RecordBatch.from_pylist([], schema=schema)).schema
    chunks = stream_table(_chain(first, batches), ready, "csv")
    response = streamed_response(_closing(chunks, parts), "text/csv; charset=utf-8", "a query")
    response.headers["Content-Disposition"] = 'attachment; filename="query.csv"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _query() -> str:
    q = request.args.get("q", "").replace("\r\n", "\n")  # a form's line breaks are CRLF
    most = current_site().settings.sql_max_chars
    if len(q) > most:  # before any work: the page says so, with the limit
        raise BadParameter(
            f"A query may be at most {most:,} characters (DATASTORE_SQL_MAX_CHARS); this one "
            f"has {len(q):,}.",
            {"q": "Too long"},
        )
    return q


def _shown_error(q: str, error: SqlError) -> dict[str, Any]:
    """The error as the page shows it: in words, and the line of the query it is on with a
    caret under the place."""
    shown: dict[str, Any] = {"reason": error.reason, "line": 0}
    if error.position is not None:
        lines = q.split("\n")
        text = lines[error.line - 1] if 0 < error.line <= len(lines) else ""
        shown.update(
            line=error.line,
            column=error.column,
            text=text.rstrip("\r"),
            caret=" " * (error.column - 1) + "^",
        )
    return shown


def _first(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        yield batch
        return


def _chain(first: list[pa.RecordBatch], rest: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    yield from first
    yield from rest


def _closing(chunks: Iterator[bytes], parts: Iterator[Any]) -> Iterator[bytes]:
    """The CSV as it is made; the query stops whenever the download ends."""
    try:
        yield from chunks
    finally:
        close = getattr(parts, "close", None)
        if close is not None:
            close()
