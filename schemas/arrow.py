"""Map Table Schema fields to Arrow types, and derive the schema of our CSV downloads."""

from __future__ import annotations

import copy
from typing import Any

import pyarrow as pa

# Types with no exact Arrow counterpart are kept as text in their canonical CSV form.
_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "time": pa.time64("us"),
    "datetime": pa.timestamp("us"),
    "year": pa.int64(),
}


def arrow_type(field: dict[str, Any]) -> pa.DataType:
    """The Arrow type a field's values are stored as (text where Arrow has no match)."""
    return _ARROW_TYPES.get(field.get("type", "string"), pa.string())


def arrow_schema(schema: dict[str, Any]) -> pa.Schema:
    """The Arrow schema of a table stored under this Table Schema."""
    return pa.schema([pa.field(f["name"], arrow_type(f)) for f in schema["fields"]])


def csv_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The Table Schema of our CSV downloads, which write every value in its default form.

    Formats, number separators and boolean spellings describe the original file only;
    the download uses ISO dates, plain numbers, true/false, and empty cells for nulls.
    """
    result = copy.deepcopy(schema)
    result["missingValues"] = [""]
    for field in result["fields"]:
        field.pop("missingValues", None)
        if field.get("type", "string") in ("date", "time", "datetime", "number", "integer"):
            field.pop("format", None)
        for key in ("groupChar", "decimalChar", "bareNumber", "trueValues", "falseValues"):
            field.pop(key, None)
    return result
