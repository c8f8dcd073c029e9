"""Reading a table: CKAN's datastore_search parameters turned into a datastore Query, and
its answer in CKAN's shape. The dataset page's preview and the downloads use the same query.

A CKAN resource is one version's table here; its id is "<dataset name>-v<number>", and a
bare dataset name means its latest version.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy.orm import Session

from catalog.datasets import reading
from catalog.errors import BadParameter, NotFound
from catalog.params import parse_bool, parse_int, parse_json, parse_words
from catalog.site import Site
from catalog.viewer import ANONYMOUS, Viewer
from datastore import FORMATS, VersionRef
from datastore.query import OPERATORS, Filter, Query, Result, run_query

MAX_LIMIT = 32_000  # CKAN's ckan.datastore.search.rows_max default
RECORDS_FORMATS = ("objects", "lists", "csv", "tsv")
# What a search's download links keep: the rows it matches, whatever its page.
DOWNLOAD_PARAMETERS = ("filters", "q", "sort", "fields", "distinct")
_CKAN_TYPES = (
    ("int", "int"),
    ("uint", "int"),
    ("double", "numeric"),
    ("float", "numeric"),
    ("decimal", "numeric"),
    ("bool", "bool"),
    ("date32", "date"),
    ("timestamp", "timestamp"),
    ("time", "time"),
    ("string", "text"),
)


@dataclass(frozen=True)
class Resource:
    """One version's table, found from a CKAN resource id."""

    id: str
    dataset: str
    number: int
    ref: VersionRef


def find_resource(
    site: Site, session: Session, resource_id: str, viewer: Viewer = ANONYMOUS
) -> Resource:
    name, number = resource_id, None
    if "-v" in resource_id:
        head, _, tail = resource_id.rpartition("-v")
        if tail.isascii() and tail.isdigit() and len(tail) <= 9:
            name, number = head, int(tail)
    try:
        ref, version = reading.version_files(site, session, name, number, viewer)
    except NotFound:
        raise NotFound(f"There is no resource {resource_id!r}.") from None
    return Resource(f"{name}-v{version.number}", name, version.number, ref)


def datastore_search(
    site: Site, session: Session, params: dict[str, Any], viewer: Viewer = ANONYMOUS
) -> dict[str, Any]:
    """CKAN's datastore_search: https://docs.ckan.org/en/latest/maintaining/datastore.html"""
    resource_id = str(params.get("resource_id") or params.get("id") or "")
    if not resource_id:
        raise BadParameter("Give the resource_id.", {"resource_id": "Missing value"})
    resource = find_resource(site, session, resource_id, viewer)
    query = query_from_params(params)
    records_format = str(params.get("records_format") or "objects")
    if records_format not in RECORDS_FORMATS:
        raise BadParameter(
            f"records_format must be one of {', '.join(RECORDS_FORMATS)}.",
            {"records_format": "Invalid value"},
        )
    result = run_table_query(site, resource, query)
    answer: dict[str, Any] = {
        "resource_id": resource.id,
        "fields": [{"id": name, "type": ckan_type(kind)} for name, kind in result.fields],
        "records": _records(result, records_format),
        "records_format": records_format,
        "limit": query.limit,
        "offset": query.offset,
        "include_total": query.include_total,
        "_links": _links(resource.id, params, query, result),
    }
    if query.include_total:
        answer["total"] = result.total
        answer["total_was_estimated"] = False
    if query.filters:
        answer["filters"] = params.get("filters")
    if query.q:
        answer["q"] = query.q
    if query.sort:
        answer["sort"] = ", ".join(f"{n} {'desc' if d else 'asc'}" for n, d in query.sort)
    if result.next_cursor:
        answer["next_cursor"] = result.next_cursor
    return answer


def run_table_query(site: Site, resource: Resource, query: Query) -> Result:
    """The query's answer, within the site's query limits; a query the table cannot answer
    raises the datastore's QueryError, which the error map answers as a 400 naming the
    parameter."""
    return run_query(resource.ref.parquet, query, site.query_limits)


def query_from_params(params: dict[str, Any], max_limit: int = MAX_LIMIT) -> Query:
    """A Query from CKAN's parameters (GET strings or JSON values), each checked by name."""
    return Query(
        filters=_filters(params.get("filters")),
        q=parse_words(params.get("q")),
        sort=_sort(params.get("sort")),
        fields=_fields(params.get("fields")),
        distinct=parse_bool(params, "distinct", False),
        limit=parse_int(params, "limit", 100, maximum=max_limit),
        offset=parse_int(params, "offset", 0, maximum=10**12),
        after=str(params.get("after") or ""),
        include_total=parse_bool(params, "include_total", True),
    )


def ckan_type(arrow_type: str) -> str:
    for prefix, name in _CKAN_TYPES:
        if arrow_type.startswith(prefix):
            return name
    return "text"


# Parameters -------------------------------------------------------------------------------


def _filters(value: Any) -> tuple[Filter, ...]:
    """CKAN's {field: value or [values]}, plus {field: {operator: value}} for the rest."""
    value = parse_json(value, "filters")
    if value in (None, ""):
        return ()
    if not isinstance(value, dict):
        raise BadParameter("filters must be a JSON object.", {"filters": "Not a JSON object"})
    found: list[Filter] = []
    for name, wanted in value.items():
        if isinstance(wanted, list):
            found.append(Filter(str(name), "in", wanted))
        elif isinstance(wanted, dict):
            for op, operand in wanted.items():
                if op not in OPERATORS:
                    raise BadParameter(
                        f'"{op}" is not a filter operator; use one of {", ".join(OPERATORS)}.',
                        {"filters": f"Unknown operator {op!r}"},
                    )
                found.append(Filter(str(name), op, operand))
        else:
            found.append(Filter(str(name), "eq", wanted))
    return tuple(found)


def _sort(value: Any) -> tuple[tuple[str, bool], ...]:
    """ "name desc, other" or a JSON list of the same (for names holding commas)."""
    value = parse_json(value, "sort")
    if not value:
        return ()
    parts = value if isinstance(value, list) else str(value).split(",")
    sort: list[tuple[str, bool]] = []
    for part in parts:
        words = str(part).strip().rsplit(" ", 1)
        if len(words) == 2 and words[1].lower() in ("asc", "desc"):
            sort.append((words[0].strip().strip('"'), words[1].lower() == "desc"))
        elif words[0]:
            sort.append((str(part).strip().strip('"'), False))
    return tuple(sort)


def _fields(value: Any) -> tuple[str, ...]:
    value = parse_json(value, "fields")
    if not value:
        return ()
    items = value if isinstance(value, list) else str(value).split(",")
    return tuple(str(item).strip() for item in items if str(item).strip())


# Answers ---------------------------------------------------------------------------------


def _records(result: Result, records_format: str) -> Any:
    if records_format == "objects":
        return result.records()
    rows = result.lists()
    if records_format == "lists":
        return rows
    text = io.StringIO()
    writer = csv.writer(text, delimiter="\t" if records_format == "tsv" else ",")
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return text.getvalue()


def _links(
    resource_id: str, params: dict[str, Any], query: Query, result: Result
) -> dict[str, str]:
    base = "/api/3/action/datastore_search"
    keep = {k: v for k, v in params.items() if k not in ("offset", "after", "resource_id", "id")}
    start = {"resource_id": resource_id, **keep}
    links = {"start": base + "?" + _encode(start)}
    if query.after:
        if result.next_cursor:
            links["next"] = base + "?" + _encode({**start, "after": result.next_cursor})
    else:
        links["next"] = base + "?" + _encode({**start, "offset": query.offset + query.limit})
    # Every row the search matches (not just this page), as a file: CKAN's dump path with
    # the same filters, q, sort, fields and distinct (catalog/web/views/downloads.py).
    view = {k: v for k, v in params.items() if k in DOWNLOAD_PARAMETERS and v not in (None, "")}
    for fmt in FORMATS:
        links[f"download_{fmt}"] = f"/datastore/dump/{quote(resource_id)}?" + _encode(
            {**view, "format": fmt}
        )
    return links


def _encode(params: dict[str, Any]) -> str:
    flat = {k: (json.dumps(v) if isinstance(v, dict | list) else str(v)) for k, v in params.items()}
    return urlencode(flat)
