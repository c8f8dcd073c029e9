"""Data package export: a ZIP of datapackage.json and one CSV per resource, streamed.

The ZIP is written to a sink that cannot seek, so `zipfile` puts each entry's sizes and
CRC in a data descriptor after its data, and the bytes can be handed on as they are made:
a table of millions of rows goes out batch by batch and memory stays flat.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from datastore.downloads import Sink, stream_table
from datastore.errors import DatastoreError, NotFound
from datastore.table import BATCH_ROWS

# A Data Package resource name (lower case; the "/" the standard also allows would nest a
# folder inside data/).
_NAME = re.compile(r"^[a-z0-9._-]+$")
# Bytes handed to the ZIP in one write, so no chunk of the stream grows past about this.
WRITE_BYTES = 1024 * 1024

_TEMPORAL = ("date", "time", "datetime")
_NUMERIC = ("number", "integer")
_NUMBER_FORM = ("groupChar", "decimalChar", "bareNumber")
_BOOLEAN_FORM = ("trueValues", "falseValues")
_VALUE_CONSTRAINTS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


@dataclass(frozen=True)
class PackageResource:
    """One table of the package: written as data/<name>.csv, described by its schema."""

    name: str
    title: str
    parquet: Path
    schema: dict[str, Any]  # the Table Schema the version was validated with

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"resource name {self.name!r} is not lower-case a-z, 0-9, . _ -")


def export_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The Table Schema of an exported CSV, which writes every value in its default form.

    A field's `format`, number separators and boolean spellings describe how the uploaded
    file wrote its values; the store keeps typed values, and the export writes them the
    standard way: ISO dates, times and datetimes, plain numbers, true/false, geopoints as
    "lon,lat" (the store's text form for them, whatever the upload used) and empty cells
    for nulls. Keeping a custom format such as "%d/%m/%Y" would make every exported date
    a type error, so those go back to the default, and constraint values and examples
    written in the old form are rewritten in the new one.
    """
    result = copy.deepcopy(schema)
    result["missingValues"] = [""]
    for field in result.get("fields", []):
        kind = field.get("type", "string")
        rewrite = _value_rewriter(dict(field))  # reads the form this loop removes
        field.pop("missingValues", None)
        if kind in (*_TEMPORAL, *_NUMERIC, "geopoint"):
            field.pop("format", None)
        for key in (*_NUMBER_FORM, *_BOOLEAN_FORM):
            field.pop(key, None)
        if rewrite is None:
            continue
        constraints = field.get("constraints", {})
        for key in _VALUE_CONSTRAINTS:
            if key in constraints:
                constraints[key] = _rewritten(rewrite, constraints[key])
        if isinstance(constraints.get("enum"), list):
            constraints["enum"] = [_rewritten(rewrite, v) for v in constraints["enum"]]
        if "example" in field:
            try:
                field["example"] = rewrite(field["example"])
            except (ValueError, TypeError, KeyError):
                del field["example"]  # an example that no longer reads is better left out
    return result


def stream_data_package(
    descriptor: dict[str, Any], resources: list[PackageResource]
) -> Iterator[bytes]:
    """The ZIP's bytes, in chunks of about a megabyte or less.

    `descriptor` is the package-level metadata (name, title, licenses, sources, ...); each
    resource is added to it with its exported schema. Missing tables and unusable names
    raise here, before the first byte, so a caller can still answer with an error.
    """
    names = [r.name for r in resources]
    if len(set(names)) != len(names):
        raise ValueError(f"resource names repeat: {names}")
    for resource in resources:
        if not resource.parquet.is_file():
            raise NotFound(f"no table at {resource.parquet.name} for {resource.name}")
        missing = _missing_columns(resource)
        if missing:
            raise DatastoreError(f"{resource.name} has no column {', '.join(missing)}")
    package = dict(descriptor)
    package.setdefault("profile", "tabular-data-package")
    package["resources"] = [_resource_descriptor(r) for r in resources]
    return _stream(package, resources)


def _resource_descriptor(resource: PackageResource) -> dict[str, Any]:
    return {
        "name": resource.name,
        "title": resource.title,
        "path": f"data/{resource.name}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": export_schema(resource.schema),
    }


def _stream(package: dict[str, Any], resources: list[PackageResource]) -> Iterator[bytes]:
    sink = Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        text = json.dumps(package, indent=2, ensure_ascii=False, default=str) + "\n"
        archive.writestr(_entry("datapackage.json"), text.encode("utf-8"))
        yield from sink.drain()
        for resource in resources:
            # Sizes are unknown until the end; ZIP64 records keep tables past 4 GB readable.
            with archive.open(_entry(f"data/{resource.name}.csv"), "w", force_zip64=True) as out:
                for block in _csv_blocks(resource):
                    for start in range(0, len(block), WRITE_BYTES):
                        out.write(block[start : start + WRITE_BYTES])
                        yield from sink.drain()
            yield from sink.drain()
    yield from sink.drain()


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16  # rw-r--r-- when unzipped
    return info


# The CSV ------------------------------------------------------------------------------------


def _missing_columns(resource: PackageResource) -> list[str]:
    present = set(pq.read_schema(resource.parquet).names)
    return [name for name in _field_names(resource) if name not in present]


def _field_names(resource: PackageResource) -> list[str]:
    return [f["name"] for f in resource.schema.get("fields", [])]


def _csv_blocks(resource: PackageResource) -> Iterator[bytes]:
    """The table as UTF-8 CSV in the schema's column order, header first, batch by batch:
    the same text as the CSV download (datastore/downloads.py)."""
    columns = _field_names(resource)
    with pq.ParquetFile(resource.parquet) as parquet:
        schema = pa.schema([parquet.schema_arrow.field(name) for name in columns])
        batches = parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns)
        yield from stream_table(batches, schema, "csv")


# Constraint values and examples -------------------------------------------------------------


def _rewritten(rewrite: Callable[[Any], Any], value: Any) -> Any:
    try:
        return rewrite(value)
    except (ValueError, TypeError, KeyError):
        return value  # it never read under the old form either; leave it as it was


def _value_rewriter(field: dict[str, Any]) -> Callable[[Any], Any] | None:
    """Turns a value written in the field's own form into the default form, if they differ."""
    kind = field.get("type", "string")
    fmt = field.get("format", "default")
    if kind in _TEMPORAL and fmt != "default":
        return lambda value: _iso_temporal(kind, fmt, value)
    if kind in _NUMERIC and any(key in field for key in _NUMBER_FORM):
        return lambda value: _plain_number(field, value)
    if kind == "boolean" and any(key in field for key in _BOOLEAN_FORM):
        return lambda value: _plain_boolean(field, value)
    if kind == "geopoint" and fmt in ("array", "object"):
        return _plain_geopoint
    return None


def _iso_temporal(kind: str, fmt: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    if fmt == "any" and kind == "time":
        return dt.time.fromisoformat(value).replace(tzinfo=None).isoformat()
    parsed = dt.datetime.fromisoformat(value) if fmt == "any" else dt.datetime.strptime(value, fmt)
    if kind == "date":
        return parsed.date().isoformat()
    if kind == "time":
        return parsed.time().isoformat()
    if parsed.tzinfo is not None:  # the store keeps zoned datetimes as UTC without a zone
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed.isoformat()


def _plain_number(field: dict[str, Any], value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = value.strip()
    if field.get("bareNumber") is False:
        # As frictionless strips them, ^[^-\d]*|\D*$, without that pattern's quadratic time
        # ("1", a long run of letters, "1": \D*$ tried from every letter).
        first = re.search(r"[-\d]", text)
        text = text[first.start() :] if first else ""
        last = re.search(r"\d", text[::-1])
        text = text[: len(text) - last.start()] if last else ""
    if field.get("groupChar"):
        text = text.replace(field["groupChar"], "")
    text = text.replace(field.get("decimalChar", "."), ".")
    float(text)  # raises ValueError when it is not a number after all
    return text


def _plain_boolean(field: dict[str, Any], value: Any) -> str:
    if value is True or value in field.get("trueValues", ["true", "True", "TRUE", "1"]):
        return "true"
    if value is False or value in field.get("falseValues", ["false", "False", "FALSE", "0"]):
        return "false"
    raise ValueError(value)


def _plain_geopoint(value: Any) -> str:
    if isinstance(value, str):
        value = json.loads(value)
    lon, lat = (value["lon"], value["lat"]) if isinstance(value, dict) else value
    return f"{lon},{lat}"
