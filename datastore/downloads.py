"""Downloads of a table, streamed in constant memory: CSV, TSV, JSON, NDJSON and Parquet.

`stream_table` takes the table as record batches (say from `ParquetFile.iter_batches`) and
yields bytes as they are made, a slice of rows at a time; no chunk is larger than
`CHUNK_BYTES`, and the whole table is never held.

Values are written as the data package's CSV writes them: ISO 8601 dates and times, a "T"
in timestamps, zoned ones in UTC with "Z". In JSON, numbers are numbers (decimals too, in
full), NaN and infinities are null (JSON has no spelling for them), and the rows are built
column by column with pyarrow.compute rather than value by value in Python.

TSV follows CKAN's datastore dump: its header goes through Python's csv "excel-tab" dialect
and its rows through PostgreSQL's `COPY ... CSV DELIMITER E'\\t'`, so a value is quoted
only when it holds a tab, a quote or a line break, and lines end in "\\n". Arrow's CSV writer
quotes every string, so TSV is written with the csv module instead (one slice at a time).
An empty string and a missing value both come out as an empty cell.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from datastore.errors import NotFound
from datastore.table import BATCH_ROWS

# The largest chunk handed on; bigger blocks are cut.
CHUNK_BYTES = 1024 * 1024
# Arrow bytes of a batch turned into text at once.
_SLICE_BYTES = 1024 * 1024
# A Parquet row group is written once this many rows, or Arrow bytes, are waiting.
_ROW_GROUP_ROWS = BATCH_ROWS
_ROW_GROUP_BYTES = 8 * 1024 * 1024

BOM = b"\xef\xbb\xbf"
# Cells a spreadsheet would read as a formula (OWASP's list: = + - @ tab carriage return).
_FORMULA = r"^([=+\-@\t\r])"
# JSON's escapes for the control characters U+0000 to U+001F.
_CONTROL = [(chr(code), json.dumps(chr(code))[1:-1]) for code in range(32)]
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_NAME_LENGTH = 100


@dataclass(frozen=True)
class Format:
    """A download format: its name in URLs, its media type and its file extension."""

    name: str
    mimetype: str
    extension: str


FORMATS = {
    f.name: f
    for f in (
        Format("csv", "text/csv", "csv"),
        Format("tsv", "text/tab-separated-values", "tsv"),
        Format("json", "application/json", "json"),
        Format("ndjson", "application/x-ndjson", "ndjson"),
        Format("parquet", "application/vnd.apache.parquet", "parquet"),
    )
}


def stream_table(
    batches: Iterable[pa.RecordBatch],
    schema: pa.Schema,
    fmt: str,
    *,
    bom: bool = False,
    spreadsheet_safe: bool = False,
) -> Iterator[bytes]:
    """The table in `fmt` (a key of FORMATS), as chunks of at most CHUNK_BYTES.

    `bom` starts CSV and TSV with a UTF-8 byte order mark, which Excel needs to read
    UTF-8. `spreadsheet_safe` puts a `'` before every text cell (header included) of a CSV
    or TSV that starts with = + - @ tab or carriage return, so a spreadsheet shows it
    rather than running it as a formula; numbers are left alone. Both are ignored by the
    other formats (a BOM is not allowed in JSON).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown download format {fmt!r}; known: {', '.join(FORMATS)}")
    if fmt == "csv":
        blocks = _csv(batches, schema, bom, spreadsheet_safe)
    elif fmt == "tsv":
        blocks = _tsv(batches, schema, bom, spreadsheet_safe)
    elif fmt == "parquet":
        blocks = _parquet(batches, schema)
    else:
        blocks = _json(batches, schema, array=fmt == "json")
    return _bounded(blocks)


def iter_csv(path: Path) -> Iterator[bytes]:
    """A whole stored table as UTF-8 CSV, a row group at a time."""
    if not path.is_file():
        raise NotFound(f"no table at {path.name}")
    with pq.ParquetFile(path, pre_buffer=False) as parquet:
        batches = (parquet.read_row_group(group) for group in range(parquet.num_row_groups))
        yield from stream_table(
            (b for table in batches for b in table.to_batches()), parquet.schema_arrow, "csv"
        )


def safe_filename(name: str, fallback: str) -> str:
    """`name` as a download file name: ASCII letters, digits, ".", "-" and "_" only.

    Other runs of characters become "_"; leading and trailing dots and underscores go;
    at most 100 characters, keeping a short extension. Never empty: `fallback` (cleaned
    the same way), then "download".
    """
    for candidate in (name, fallback):
        cleaned = _UNSAFE_NAME.sub("_", candidate).strip("._")
        if len(cleaned) > _NAME_LENGTH:
            stem, dot, extension = cleaned.rpartition(".")
            if dot and stem and len(extension) <= 10:
                cleaned = stem[: _NAME_LENGTH - len(extension) - 1].rstrip("._") + dot + extension
            else:
                cleaned = cleaned[:_NAME_LENGTH]
        if cleaned:
            return cleaned
    return "download"


def _bounded(blocks: Iterator[bytes]) -> Iterator[bytes]:
    for block in blocks:
        for start in range(0, len(block), CHUNK_BYTES):
            yield block[start : start + CHUNK_BYTES]


def _slices(batches: Iterable[pa.RecordBatch], max_bytes: int) -> Iterator[pa.RecordBatch]:
    """The rows of each batch in slices of about `max_bytes` (zero-copy), empty ones dropped."""
    for batch in batches:
        rows = batch.num_rows
        if rows:
            step = max(1, rows * max_bytes // max(batch.nbytes, 1))
            for start in range(0, rows, step):
                yield batch.slice(start, step)


# CSV and TSV --------------------------------------------------------------------------------


def _csv_ready(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Columns Arrow's CSV writer would not write in Table Schema's default forms, as text.

    Dates, booleans ("true"/"false"), integers and finite floats are already right.
    Timestamps get the ISO "T" (Arrow writes a space), zoned ones in UTC with "Z"; times
    and timestamps drop an all-zero fraction; NaN and infinities take the standard's
    spellings.
    """
    columns = [_csv_column(column) for column in batch.columns]
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def _csv_column(column: pa.Array) -> pa.Array:
    kind = column.type
    if pa.types.is_timestamp(kind):
        if kind.tz is not None:
            column = column.cast(pa.timestamp(kind.unit, tz="UTC"))
        text = pc.replace_substring(column.cast(pa.string()), " ", "T", max_replacements=1)
        return pc.replace_substring_regex(text, r"\.0+(Z?)$", r"\1")
    if pa.types.is_time(kind):
        return pc.replace_substring_regex(column.cast(pa.string()), r"\.0+$", "")
    if pa.types.is_floating(kind) and pc.any(pc.invert(pc.is_finite(column))).as_py():
        text = column.cast(pa.string())
        for arrow, standard in (("nan", "NaN"), ("inf", "INF"), ("-inf", "-INF")):
            text = pc.replace_substring_regex(text, f"^{arrow}$", standard)
        return text
    return column


def _csv(
    batches: Iterable[pa.RecordBatch], schema: pa.Schema, bom: bool, safe: bool
) -> Iterator[bytes]:
    if bom:
        yield BOM
    header = pa.Table.from_batches([], schema=schema).rename_columns(_header(schema, safe))
    yield _csv_bytes(header, include_header=True)
    for batch in _slices(batches, _SLICE_BYTES):
        yield _csv_bytes(_csv_ready(_escaped(batch) if safe else batch), include_header=False)


def _csv_bytes(data: pa.Table | pa.RecordBatch, include_header: bool) -> bytes:
    buffer = io.BytesIO()
    pacsv.write_csv(data, buffer, pacsv.WriteOptions(include_header=include_header))
    return buffer.getvalue()


def _tsv(
    batches: Iterable[pa.RecordBatch], schema: pa.Schema, bom: bool, safe: bool
) -> Iterator[bytes]:
    if bom:
        yield BOM
    text = io.StringIO()
    writer = csv.writer(text, dialect="excel-tab", lineterminator="\n")
    writer.writerow(_header(schema, safe))
    yield _taken(text)
    for batch in _slices(batches, _SLICE_BYTES):
        ready = _csv_ready(_escaped(batch) if safe else batch)
        columns = [column.cast(pa.string()).to_pylist() for column in ready.columns]
        writer.writerows(zip(*columns, strict=True))
        yield _taken(text)


def _taken(text: io.StringIO) -> bytes:
    """What was written to `text` so far, as UTF-8, leaving it empty."""
    data = text.getvalue().encode("utf-8")
    text.seek(0)
    text.truncate()
    return data


def _header(schema: pa.Schema, safe: bool) -> list[str]:
    if not safe or not schema.names:
        return list(schema.names)
    names: list[str] = _formula_escaped(pa.array(schema.names, pa.string())).to_pylist()
    return names


def _escaped(batch: pa.RecordBatch) -> pa.RecordBatch:
    """`batch` with text cells that a spreadsheet would run as formulas made inert."""
    columns = []
    for column in batch.columns:
        kind = column.type
        if pa.types.is_dictionary(kind) and _is_text(kind.value_type):
            column = column.cast(kind.value_type)
        if _is_text(column.type):
            column = _formula_escaped(column)
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def _formula_escaped(column: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(column, _FORMULA, r"'\1")


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


# JSON and NDJSON ----------------------------------------------------------------------------


def _json(batches: Iterable[pa.RecordBatch], schema: pa.Schema, array: bool) -> Iterator[bytes]:
    """A JSON array of row objects (`[{...},\\n{...}]`), or one object a line."""
    keys = [json.dumps(name, ensure_ascii=False) for name in schema.names]
    first = True
    if array:
        yield b"["
    for batch in _slices(batches, _SLICE_BYTES):
        rows = _json_rows(batch, keys)
        if array:
            if not first:
                yield b",\n"
            yield _joined(rows, ",\n")
        else:
            yield _joined(rows, "\n") + b"\n"
        first = False
    if array:
        yield b"]"


def _json_rows(batch: pa.RecordBatch, keys: list[str]) -> pa.Array:
    """Each row of `batch` as the text of a JSON object."""
    if not keys:
        return pa.array(["{}"] * batch.num_rows, pa.string())
    parts: list[Any] = []
    for index, (key, column) in enumerate(zip(keys, batch.columns, strict=True)):
        parts.append(("{" if index == 0 else ",") + key + ":")
        parts.append(_json_values(column))
    parts.append("}")
    return pc.binary_join_element_wise(*parts, "")


def _json_values(column: pa.Array) -> pa.Array:
    """Each value of `column` as JSON text; missing values, NaN and infinities as null."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        return _json_values(column.cast(kind.value_type))
    if (
        pa.types.is_null(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_decimal(kind)
    ):
        text = column.cast(pa.string())
    elif pa.types.is_floating(kind):
        finite = pc.if_else(pc.is_finite(column), column, pa.scalar(None, kind))
        text = finite.cast(pa.string())
    elif pa.types.is_date(kind) or pa.types.is_time(kind) or pa.types.is_timestamp(kind):
        text = _quoted(_csv_column(column).cast(pa.string()))
    elif _is_text(kind):
        text = _quoted(_json_escaped(column.cast(pa.string())))
    else:  # no type our ingest makes; spelled by Python, one value at a time
        values = column.to_pylist()
        text = pa.array([json.dumps(v, ensure_ascii=False, default=str) for v in values])
    return text.fill_null("null")


def _json_escaped(text: pa.Array) -> pa.Array:
    text = pc.replace_substring(text, "\\", "\\\\")
    text = pc.replace_substring(text, '"', '\\"')
    if pc.any(pc.match_substring_regex(text, r"[\x00-\x1f]")).as_py():
        for character, escape in _CONTROL:
            text = pc.replace_substring(text, character, escape)
    return text


def _quoted(text: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise('"', text, '"', "")


def _joined(rows: pa.Array, separator: str) -> bytes:
    """The texts in `rows` joined by `separator`, as UTF-8, without a Python string each."""
    lists = pa.ListArray.from_arrays(pa.array([0, len(rows)], pa.int32()), rows)
    data: bytes = pc.binary_join(lists, separator)[0].as_buffer().to_pybytes()
    return data


# Parquet ------------------------------------------------------------------------------------


def _parquet(batches: Iterable[pa.RecordBatch], schema: pa.Schema) -> Iterator[bytes]:
    """Zstd-compressed Parquet, handed on a row group at a time."""
    sink = Sink()
    with pq.ParquetWriter(sink, schema, compression="zstd") as writer:
        pending: list[pa.RecordBatch] = []
        rows = size = 0
        for batch in _slices(batches, _ROW_GROUP_BYTES):
            pending.append(batch)
            rows += batch.num_rows
            size += batch.nbytes
            if rows >= _ROW_GROUP_ROWS or size >= _ROW_GROUP_BYTES:
                writer.write_table(pa.Table.from_batches(pending, schema))
                pending, rows, size = [], 0, 0
                yield sink.drained()
        if pending:
            writer.write_table(pa.Table.from_batches(pending, schema))
    yield sink.drained()


class Sink(io.RawIOBase):
    """A write-only, unseekable file whose bytes are taken away as they arrive."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        return len(chunk)

    def drain(self) -> Iterator[bytes]:
        """What was written since the last drain, as one chunk (none if nothing was)."""
        if self._chunks:
            yield self.drained()

    def drained(self) -> bytes:
        chunks, self._chunks = self._chunks, []
        return b"".join(chunks)
