"""A CSV file read by Arrow with every cell as text, exactly as written: what inference
(schemas/tally.py) and the ingest engine (ingest/batches.py) both count and check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv


def open_text_csv(
    source: Any | BinaryIO,
    *,
    width: int,
    encoding: str,
    delimiter: str,
    on_invalid: Callable[[Any], str],
    block_size: int,
    use_threads: bool = True,
) -> pacsv.CSVStreamingReader:
    """Batches of the file's rows, `width` text columns named c0, c1, ...; a row of
    another width goes to `on_invalid` (which answers "skip" or "error")."""
    names = [f"c{i}" for i in range(width)]
    return pacsv.open_csv(
        source,
        read_options=pacsv.ReadOptions(
            use_threads=use_threads,
            block_size=block_size,
            column_names=names,
            encoding=arrow_encoding(encoding),
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter,
            quote_char='"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=True,
            ignore_empty_lines=False,
            invalid_row_handler=on_invalid,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def arrow_encoding(encoding: str) -> str:
    """A Python codec name as Arrow's CSV reader names it."""
    return "utf8" if encoding.replace("_", "-").lower() in ("utf-8", "utf-8-sig") else encoding
