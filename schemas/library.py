"""The library of ready Table Schemas volunteers can pick by name (JSON files in library/)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from schemas.schema import SchemaError, SchemaProblem, parse_schema


@dataclass(frozen=True)
class LibraryEntry:
    name: str
    title: str
    description: str
    fields: int


@functools.cache
def _files() -> dict[str, Any]:
    folder = resources.files("schemas") / "library"
    return {
        item.name.removesuffix(".json"): item
        for item in folder.iterdir()
        if item.name.endswith(".json")
    }


def library_entries() -> list[LibraryEntry]:
    """Every ready schema, by name."""
    entries = []
    for name in sorted(_files()):
        schema = library_schema(name)
        entries.append(
            LibraryEntry(
                name=name,
                title=schema.get("title", name),
                description=schema.get("description", ""),
                fields=len(schema["fields"]),
            )
        )
    return entries


def library_schema(name: str) -> dict[str, Any]:
    """A ready schema by its name (the file name without .json): a fresh copy each time."""
    files = _files()
    if name not in files:
        message = f"there is no ready schema called {name!r}; choose one of {sorted(files)}"
        raise SchemaError([SchemaProblem("", message)])
    return dict(json.loads(_checked(name)))


@functools.cache
def _checked(name: str) -> str:
    """The ready schema, checked once (frictionless takes a good part of a second over the
    library, which the upload page lists on every view), as JSON text to copy from."""
    text = _files()[name].read_text(encoding="utf-8")
    return json.dumps(parse_schema(json.loads(text), f"library/{name}"))
