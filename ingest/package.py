"""The tables of a data package as the engine is given them, and the foreign keys between
them: for each foreign key, the keys its reference holds, read the way frictionless reads
its lookup table (or, for a reference to the table itself, read later from its own Parquet).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from frictionless import Resource, Schema, formats

from ingest.columns import ColumnReader
from ingest.errors import Unsupported
from ingest.sniff import Sniffed


@dataclass(frozen=True)
class TableFile:
    """One resource of a data package: its file, its schema and how it was sniffed."""

    path: Path
    schema: dict[str, Any]
    sniffed: Sniffed | None = None


@dataclass
class Lookup:
    """One foreign key with the set of keys its reference holds."""

    target: list[str]
    reference: str
    reference_fields: list[str]
    keys: set[tuple[Any, ...]] | None  # None: a self-reference, read from our own Parquet
    self_reference: bool


def read_lookups(
    schema: Schema,
    expected: list[Any],
    package: dict[str, TableFile] | None,
    resource_name: str | None,
) -> list[Lookup]:
    names = {f.name for f in expected}
    lookups: list[Lookup] = []
    for fk in schema.foreign_keys:
        source = fk["reference"]["resource"]
        if source and source != resource_name and (not package or source not in package):
            raise Unsupported("a foreign key names a resource we were not given")
        target = list(fk["fields"])
        if not set(target) <= names:
            continue
        reference_fields = list(fk["reference"]["fields"])
        self_reference = not source or source == resource_name
        keys = None if self_reference else _reference_keys(package, source, reference_fields)
        lookups.append(Lookup(target, source, reference_fields, keys, self_reference))
    return lookups


def _reference_keys(
    package: dict[str, TableFile] | None, name: str, fields: list[str]
) -> set[tuple[Any, ...]]:
    """The keys of another resource, read by frictionless as its lookup table is."""
    assert package is not None
    source = package[name]
    schema = Schema.from_descriptor(source.schema)
    schema.foreign_keys = []
    options: dict[str, Any] = {}
    if source.sniffed:
        options["encoding"] = source.sniffed.encoding
        options["control"] = formats.CsvControl(delimiter=source.sniffed.delimiter)
    stores = {f.name: ColumnReader(f) for f in schema.fields if f.name in fields}
    keys: set[tuple[Any, ...]] = set()
    resource = Resource(
        path=source.path.name,
        basepath=str(source.path.parent),
        schema=schema,
        format="csv",
        **options,
    )
    with resource:
        for row in resource.row_stream:  # type: ignore[attr-defined]
            cells = tuple(row.get(name) for name in fields)
            if set(cells) == {None}:
                continue
            keys.add(
                tuple(
                    None if v is None or name not in stores else stores[name].store(v)
                    for name, v in zip(fields, cells, strict=True)
                )
            )
    return keys
