"""Streamed downloads: every format read back and compared with the table it came from."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from datastore import FORMATS, safe_filename, stream_table
from datastore.downloads import CHUNK_BYTES

UTC = dt.UTC
SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("amount", pa.float64()),
        ("name", pa.string()),
        ("flag", pa.bool_()),
        ("day", pa.date32()),
        ("stamp", pa.timestamp("us", tz="UTC")),
        ("local", pa.timestamp("us")),  # what ingest makes of a datetime field
        ("clock", pa.time64("us")),
    ]
)
NAMES = [
    "plain",
    "comma, inside",
    'a "quoted" word',
    "two\nlines",
    "crlf\r\nline",
    "tab\there",
    "£5 café 日本",
    "",
    None,
    "back\\slash",
    "control\x01char",
    "=SUM(1)",
    "+1",
    "-x",
    "@a",
    "\tlead",
]


def _table(rows: int) -> pa.Table:
    amounts: list[float | None] = [i * 1.25 - 7 for i in range(rows)]
    for index, special in ((1, math.nan), (2, math.inf), (3, -math.inf), (4, None), (5, 1e300)):
        if index < rows:
            amounts[index] = special
    base = dt.datetime(2024, 2, 29, 23, 59, 58, tzinfo=UTC)
    days = [dt.date(1999, 12, 31) + dt.timedelta(days=i) for i in range(rows)]
    stamps = [base + dt.timedelta(seconds=i, microseconds=i * 7) for i in range(rows)]
    clocks = [dt.time(i % 24, 30, 0, i * 1000 % 1_000_000) for i in range(rows)]
    return pa.table(
        {
            "id": [None if i == 6 else i - 5 for i in range(rows)],
            "amount": amounts,
            "name": [NAMES[i % len(NAMES)] for i in range(rows)],
            "flag": [None if i % 5 == 0 else i % 2 == 0 for i in range(rows)],
            "day": [None if i == 7 else day for i, day in enumerate(days)],
            "stamp": [None if i == 8 else stamp for i, stamp in enumerate(stamps)],
            "local": [dt.datetime(2020, 1, 1, 0, 0, i % 60) for i in range(rows)],
            "clock": [None if i == 9 else clock for i, clock in enumerate(clocks)],
        },
        schema=SCHEMA,
    )


@pytest.fixture
def parquet(tmp_path: Path) -> Path:
    path = tmp_path / "every-type.parquet"
    pq.write_table(_table(40), path)
    return path


def _download(path: Path, fmt: str, **options: Any) -> bytes:
    with pq.ParquetFile(path) as file:
        batches = file.iter_batches(batch_size=7)
        chunks = list(stream_table(batches, file.schema_arrow, fmt, **options))
    assert all(isinstance(chunk, bytes) and chunk for chunk in chunks)
    return b"".join(chunks)


def _comparable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """NaN made equal to itself, so rows compare with ==."""
    return [
        {k: "NaN" if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
        for row in rows
    ]


def _read_delimited(data: bytes, delimiter: str) -> pa.Table:
    return pacsv.read_csv(
        io.BytesIO(data),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=SCHEMA,
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )


def test_csv_round_trips_every_type(parquet: Path) -> None:
    data = _download(parquet, "csv")
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.startswith(b'"id","amount","name"')
    back = _read_delimited(data, ",")
    assert back.schema == SCHEMA
    assert _comparable(back.to_pylist()) == _comparable(_table(40).to_pylist())
    assert b"2024-02-29T23:59:58Z" in data  # ISO 8601, zoned in UTC
    assert "£5 café 日本".encode() in data


def test_tsv_round_trips_and_quotes_only_when_needed(parquet: Path) -> None:
    data = _download(parquet, "tsv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), dialect="excel-tab"))
    assert rows[0] == SCHEMA.names
    assert len(rows) == 41
    assert data.startswith(b"id\tamount\tname\tflag\tday\tstamp\tlocal\tclock\n-5\t-7\tplain\t")
    assert b"\tplain\t" in data and b'\t"tab\there"\t' in data and b'"a ""quoted"" word"' in data
    back = _read_delimited(data, "\t")
    expected = _table(40).to_pylist()
    for row in expected:  # TSV, like CKAN's, has no way to tell "" from missing
        row["name"] = row["name"] or None
    assert _comparable(back.to_pylist()) == _comparable(expected)


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_bom_only_when_asked(parquet: Path, fmt: str) -> None:
    with_bom = _download(parquet, fmt, bom=True)
    assert with_bom.startswith(b"\xef\xbb\xbf" + (b'"id"' if fmt == "csv" else b"id"))
    assert with_bom[3:] == _download(parquet, fmt)
    assert not _download(parquet, "json", bom=True).startswith(b"\xef\xbb\xbf")


def _json_expected(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def plain(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.isoformat().replace("+00:00", "Z")
        if isinstance(value, dt.date | dt.time):
            return value.isoformat()
        return value

    return [{k: plain(v) for k, v in row.items()} for row in rows]


def test_json_array_round_trips(parquet: Path) -> None:
    data = _download(parquet, "json")
    back = json.loads(data)
    assert back == _json_expected(_table(40).to_pylist())
    assert back[0]["stamp"] == "2024-02-29T23:59:58Z"
    assert back[1]["amount"] is None and back[4]["amount"] is None  # NaN, missing
    assert back[5]["amount"] == 1e300
    assert back[0]["clock"] == "00:30:00"
    assert back[1]["clock"] == "01:30:00.001000"


def test_ndjson_is_one_object_a_line(parquet: Path) -> None:
    data = _download(parquet, "ndjson")
    assert data.endswith(b"}\n")
    lines = data.decode("utf-8").split("\n")
    assert lines[-1] == "" and len(lines) == 41
    assert [json.loads(line) for line in lines[:-1]] == _json_expected(_table(40).to_pylist())


def test_parquet_round_trips(parquet: Path) -> None:
    data = _download(parquet, "parquet")
    file = pq.ParquetFile(io.BytesIO(data))
    assert file.metadata.row_group(0).column(0).compression == "ZSTD"
    back = file.read()
    assert back.schema.remove_metadata() == SCHEMA
    assert _comparable(back.to_pylist()) == _comparable(_table(40).to_pylist())


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_spreadsheet_safe_escapes_formulas_not_numbers(parquet: Path, fmt: str) -> None:
    data = _download(parquet, fmt, spreadsheet_safe=True)
    back = _read_delimited(data, "," if fmt == "csv" else "\t")
    names = set(back.column("name").to_pylist())
    assert {"'=SUM(1)", "'+1", "'-x", "'@a", "'\tlead"} <= names
    assert not {"=SUM(1)", "+1", "-x", "@a"} & names
    assert {"plain", "£5 café 日本", "back\\slash"} <= names
    assert back.column("id").to_pylist() == _table(40).column("id").to_pylist()  # -5 stays -5
    assert back.column("id")[0].as_py() == -5
    assert back.column("amount")[0].as_py() == -7.0


def test_spreadsheet_safe_escapes_the_header() -> None:
    schema = pa.schema([("=cmd", pa.string()), ("ok", pa.int64())])
    data = b"".join(stream_table([], schema, "csv", spreadsheet_safe=True))
    assert data == b'"\'=cmd","ok"\n'


def test_zero_rows(tmp_path: Path) -> None:
    path = tmp_path / "no-rows.parquet"
    pq.write_table(_table(0), path)
    assert _download(path, "csv") == b'"id","amount","name","flag","day","stamp","local","clock"\n'
    assert _download(path, "tsv") == b"id\tamount\tname\tflag\tday\tstamp\tlocal\tclock\n"
    assert json.loads(_download(path, "json")) == []
    assert _download(path, "ndjson") == b""
    back = pq.read_table(io.BytesIO(_download(path, "parquet")))
    assert back.num_rows == 0 and back.schema.remove_metadata() == SCHEMA


def test_zero_batches_still_give_a_header() -> None:
    assert b"".join(stream_table(iter([]), SCHEMA, "csv")).startswith(b'"id","amount"')
    assert b"".join(stream_table(iter([]), SCHEMA, "json")) == b"[]"


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="xlsx"):
        stream_table([], SCHEMA, "xlsx")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_big_table_streams_in_small_chunks(tmp_path: Path, fmt: str) -> None:
    rows = 300_000
    path = tmp_path / "big.parquet"
    table = pa.table(
        {
            "id": pa.array(range(rows), pa.int64()),
            "amount": pa.array([i / 3 for i in range(rows)], pa.float64()),
            "text": pa.array([f"row {i} " + "x" * 90 for i in range(rows)], pa.string()),
        }
    )
    pq.write_table(table, path, row_group_size=50_000)
    del table
    start = pa.total_allocated_bytes()
    peak = total = chunks = 0
    with pq.ParquetFile(path) as file:
        for chunk in stream_table(file.iter_batches(batch_size=50_000), file.schema_arrow, fmt):
            assert len(chunk) <= CHUNK_BYTES
            chunks += 1
            total += len(chunk)
            peak = max(peak, pa.total_allocated_bytes() - start)
    assert chunks > 3
    assert peak < 24 * 1024 * 1024  # the whole table would be about 35 MB as Arrow
    if fmt != "parquet":
        assert total > 30 * 1024 * 1024


def test_formats_name_their_type_and_extension() -> None:
    assert FORMATS["csv"].mimetype == "text/csv"
    assert FORMATS["tsv"].mimetype == "text/tab-separated-values"
    assert FORMATS["ndjson"].extension == "ndjson"
    assert FORMATS["parquet"].mimetype == "application/vnd.apache.parquet"
    assert all(name == f.name == f.extension for name, f in FORMATS.items())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Bus stops 2024.csv", "Bus_stops_2024.csv"),
        ("../../etc/passwd", "etc_passwd"),
        (".hidden", "hidden"),
        ("café£.csv", "caf_.csv"),
        ('a"b;c\r\nd', "a_b_c_d"),
        ("...", "fallback.csv"),
        ("", "fallback.csv"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name, "fallback.csv") == expected


def test_safe_filename_limits() -> None:
    long = safe_filename("a" * 300 + ".csv", "x")
    assert len(long) == 100 and long.endswith(".csv")
    assert len(safe_filename("b" * 300, "x")) == 100
    assert safe_filename("", "") == "download"
    assert safe_filename("///", ".bad name") == "bad_name"


def test_a_version_whose_table_is_missing_answers_404_everywhere(client: Any, site: Any) -> None:
    # Once: the page said 404 clearly and the parquet download answered 500.
    from tests.test_web import finished, sign_in, upload

    sign_in(client, site)
    finished(client, site, upload(client, "valid/gdp/data/gdp.csv", None, title="GDP"))
    folder = next((site.store.root / "datasets").iterdir()) / "1"
    (folder / "data.parquet").unlink()
    for fmt in ("csv", "tsv", "json", "ndjson", "parquet"):
        assert client.get(f"/dataset/gdp/v1/data.{fmt}").status_code == 404, fmt
    assert client.get("/datastore/dump/gdp-v1").status_code == 404
    assert client.get("/dataset/gdp").status_code == 404
    with client.get("/dataset/gdp/v1/original") as original:  # the original is there
        assert original.status_code == 200
