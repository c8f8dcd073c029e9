"""Infer a Table Schema from a sample of a CSV file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from frictionless import Detector, Resource, formats

# Rows read to guess types. Larger than frictionless's 100-row default because a column
# that turns from whole numbers to decimals after row 100 is common in real files.
SAMPLE_ROWS = 5000


def infer_schema(
    path: str | Path,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    sample_rows: int = SAMPLE_ROWS,
) -> dict[str, Any]:
    """Guess a Table Schema (names and types) from the first rows of a CSV file."""
    path = Path(path)
    resource = Resource(
        path=path.name,
        basepath=str(path.parent),
        format="csv",
        encoding=encoding,
        control=formats.CsvControl(delimiter=delimiter),
        detector=Detector(sample_size=sample_rows, field_confidence=1.0),
    )
    resource.infer()
    descriptor: dict[str, Any] = resource.schema.to_descriptor()
    return descriptor
