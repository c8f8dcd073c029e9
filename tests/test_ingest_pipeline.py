"""From an uploaded file to a published version (valid) or a kept original and report (invalid).

Every corpus case goes through ingest_file. A valid one must come back out of the CSV
download with the same typed values frictionless reads from the original.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import io
import json
import math
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from frictionless import Resource, Schema, formats

from datastore import Store, iter_csv, read_page
from datastore.store import FACTS, PARQUET, REPORT, SCHEMA
from ingest import flatten_errors, ingest_file, sniff_file
from schemas import csv_schema, infer_table, load_schema

DATA = Path(__file__).parent / "data"
CASES: list[dict[str, Any]] = json.loads((DATA / "cases.json").read_text(encoding="utf-8"))
VALID = [c for c in CASES if c["expected"]["valid"]]
INVALID = [c for c in CASES if not c["expected"]["valid"]]
KEY = "a" * 32


def case_id(case: dict[str, Any]) -> str:
    return case["data"].split("/", 1)[1]


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "store")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def case_schema(case: dict[str, Any]) -> dict[str, Any] | None:
    return load_schema(DATA / case["schema"]) if case["schema"] else None


def entries(folder: Path) -> list[Path]:
    return sorted(folder.iterdir())


def frictionless_rows(
    path: Path, schema: dict[str, Any], encoding: str = "utf-8", delimiter: str = ","
) -> list[list[Any]]:
    """Typed rows as frictionless reads them; fails on any row error."""
    resource = Resource(
        path=path.name,
        basepath=str(path.parent),
        format="csv",
        encoding=encoding,
        control=formats.CsvControl(delimiter=delimiter),
        schema=Schema.from_descriptor(schema),
    )
    rows = []
    with resource:
        for row in resource.row_stream:
            assert row.errors == [], (row.row_number, [e.note for e in row.errors])
            rows.append(row.to_list())
    return rows


def comparable(value: Any) -> Any:
    """Numbers compare as floats (Decimal from the original, float from Parquet)."""
    if isinstance(value, bool) or not isinstance(value, int | float | decimal.Decimal):
        return value
    number = float(value)
    return "NaN" if math.isnan(number) else number


def assert_same_rows(original: list[list[Any]], download: list[list[Any]]) -> None:
    assert len(download) == len(original)
    for number, (before, after) in enumerate(zip(original, download, strict=True), start=2):
        assert [comparable(v) for v in after] == [comparable(v) for v in before], number


def download_csv(parquet: Path, target: Path) -> Path:
    target.write_bytes(b"".join(iter_csv(parquet)))
    return target


# Valid files are published -----------------------------------------------------------------


@pytest.mark.parametrize("case", VALID, ids=case_id)
def test_valid_file_is_published_and_round_trips(store, tmp_path, case):
    source = DATA / case["data"]
    schema = case_schema(case)
    result = ingest_file(store, KEY, source, original_name=source.name, schema=schema)

    assert result.valid is True
    assert flatten_errors(result.report) == []
    assert result.kept_at is None
    version = result.version
    assert version is not None
    assert version.number == 1
    assert store.version_numbers(KEY) == [1]
    assert store.version(KEY, 1) == version
    assert entries(store.root / "staging") == []
    assert entries(store.root / "rejected") == []

    # The typed table has every row.
    rows = pq.ParquetFile(version.parquet).metadata.num_rows
    if case["expected"]["rows"] is not None:
        assert rows == case["expected"]["rows"]
    assert result.facts["rows"] == rows
    assert version.read_json(FACTS)["rows"] == rows

    # The original is kept byte for byte.
    assert sha256(version.original()) == sha256(source)
    assert version.read_json(FACTS)["sha256"] == sha256(source)
    assert version.read_json(FACTS)["bytes"] == source.stat().st_size
    assert version.read_json(FACTS)["original_name"] == source.name
    if schema is not None:
        assert version.read_json(SCHEMA) == schema
    assert version.read_json(REPORT)["valid"] is True

    # The download, read with the download schema, holds the original's typed values.
    original = frictionless_rows(
        source, result.schema, result.sniffed.encoding, result.sniffed.delimiter
    )
    download = download_csv(version.parquet, tmp_path / "download.csv")
    assert_same_rows(original, frictionless_rows(download, csv_schema(result.schema)))
    assert len(original) == rows


def test_every_valid_case_is_covered():
    assert len(VALID) >= 10
    assert {c["entry"].split("/")[0] for c in VALID} == {"valid", "invalid"}


# Invalid files publish nothing -------------------------------------------------------------


def expected_errors(case: dict[str, Any], schema: dict[str, Any]) -> list[list[Any]]:
    """frictionless's verdict; for a file with no schema of its own, plus a type-error at
    each value that does not fit the column its schema was inferred for (the inference
    types a column by most of its values and reports the rest as odd values)."""
    expected: list[list[Any]] = case["expected"]["errors"]
    if case["schema"]:
        return expected
    source = DATA / case["data"]
    sniffed = sniff_file(source)
    inference = infer_table(source, encoding=sniffed.encoding, delimiter=sniffed.delimiter)
    assert inference.schema == schema
    numbers = {f["name"]: i for i, f in enumerate(schema["fields"], start=1)}
    odd = [["type-error", row, numbers[name], name] for row, name, _ in inference.odd_values]
    labels = [e for e in expected if e[1] is None]
    rows = sorted([e for e in expected if e[1] is not None] + odd, key=lambda e: (e[1], e[2] or 0))
    return labels + rows


@pytest.mark.parametrize("case", INVALID, ids=case_id)
def test_invalid_file_publishes_nothing_and_keeps_the_original(store, case):
    source = DATA / case["data"]
    result = ingest_file(store, KEY, source, original_name=source.name, schema=case_schema(case))
    expected = expected_errors(case, result.schema)

    assert result.valid is False
    assert result.version is None
    assert [list(e) for e in flatten_errors(result.report)] == expected
    assert entries(store.root / "datasets") == []
    assert entries(store.root / "staging") == []
    assert store.version_numbers(KEY) == []

    kept = result.kept_at
    assert kept is not None
    assert entries(store.root / "rejected") == [kept]
    assert sha256(kept / "original.csv") == sha256(source)
    assert not (kept / PARQUET).exists()
    report = json.loads((kept / REPORT).read_text(encoding="utf-8"))
    assert report["valid"] is False
    assert [list(e) for e in flatten_errors(report)] == expected
    facts = json.loads((kept / FACTS).read_text(encoding="utf-8"))
    assert facts["valid"] is False
    assert facts["sha256"] == sha256(source)


def test_invalid_upload_leaves_earlier_versions_alone(store):
    good = DATA / "valid/gdp/data/top-economies.csv"
    bad = DATA / "invalid/frictionless-unique-field/unique-field.csv"
    first = ingest_file(
        store,
        KEY,
        good,
        original_name=good.name,
        schema=load_schema(DATA / "valid/gdp/datapackage.json", good.name),
    )
    second = ingest_file(
        store,
        KEY,
        bad,
        original_name=bad.name,
        schema=load_schema(DATA / "invalid/frictionless-unique-field/unique-field.json"),
    )
    assert first.valid and not second.valid
    assert store.version_numbers(KEY) == [1]
    assert sha256(store.version(KEY, 1).original()) == sha256(good)


# More about the pipeline -------------------------------------------------------------------


def test_next_upload_is_the_next_version(store):
    source = DATA / "valid/uk-gilt-yields-10y/data/annual.csv"
    schema = load_schema(DATA / "valid/uk-gilt-yields-10y/datapackage.json", "annual.csv")
    numbers = [
        ingest_file(store, KEY, source, original_name="annual.csv", schema=schema).version.number
        for _ in range(3)
    ]
    assert numbers == [1, 2, 3]
    assert store.version_numbers(KEY) == [1, 2, 3]


def test_ingest_from_an_open_stream(store):
    source = DATA / "invalid/frictionless-bom/bom.csv"
    with open(source, "rb") as stream:
        result = ingest_file(store, KEY, stream, original_name="bom.csv", schema=None)
    assert result.valid
    assert sha256(result.version.original()) == sha256(source)
    assert read_page(result.version.parquet).columns == ["id", "name"]


def test_ingest_from_bytes_in_memory(store):
    data = "id;place\n1;Zürich\n2;Besançon\n".encode("cp1252")
    result = ingest_file(store, KEY, io.BytesIO(data), original_name="places.csv", schema=None)
    assert result.valid
    assert result.sniffed.encoding == "cp1252"
    assert result.sniffed.delimiter == ";"
    assert read_page(result.version.parquet).rows == [[1, "Zürich"], [2, "Besançon"]]
    assert result.version.original().read_bytes() == data


def test_inferred_schema_is_stored_with_the_version(store):
    source = DATA / "invalid/frictionless-tsv/table.tsv"
    result = ingest_file(store, KEY, source, original_name=source.name, schema=None)
    assert result.valid
    assert result.version.original().name == "original.tsv"
    assert result.version.read_json(SCHEMA) == result.schema
    assert [f["name"] for f in result.schema["fields"]] == ["id", "name"]
    assert read_page(result.version.parquet).total == 3


def test_every_type_survives_parquet_and_the_download(store, tmp_path):
    source = tmp_path / "every-type-in-local-formats.csv"
    source.write_text(
        "id,when,at,day,ok,yr,ym,dur,pt,amount,tags,note\n"
        '1,31/01/2024 10:00,10:30:00,31/01/2024,yes,2024,2024-01,P1Y2M,"51.5,-0.12",'
        '"£1,234.50","[1,2]",first\n'
        "2,,,,no,,,,,,,\n",
        encoding="utf-8",
    )
    schema = {
        "fields": [
            {"name": "id", "type": "integer"},
            {"name": "when", "type": "datetime", "format": "%d/%m/%Y %H:%M"},
            {"name": "at", "type": "time"},
            {"name": "day", "type": "date", "format": "%d/%m/%Y"},
            {"name": "ok", "type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]},
            {"name": "yr", "type": "year"},
            {"name": "ym", "type": "yearmonth"},
            {"name": "dur", "type": "duration"},
            {"name": "pt", "type": "geopoint"},
            {"name": "amount", "type": "number", "bareNumber": False, "groupChar": ","},
            {"name": "tags", "type": "array"},
            {"name": "note", "type": "string"},
        ]
    }
    result = ingest_file(store, KEY, source, original_name=source.name, schema=schema)
    assert result.valid, flatten_errors(result.report)
    page = read_page(result.version.parquet)
    assert page.rows[0][:6] == [
        1,
        dt.datetime(2024, 1, 31, 10, 0),
        dt.time(10, 30),
        dt.date(2024, 1, 31),
        True,
        2024,
    ]
    assert page.rows[0][9] == 1234.5
    assert page.rows[1] == [2, None, None, None, False, None, None, None, None, None, None, None]

    download = download_csv(result.version.parquet, tmp_path / "download.csv")
    assert_same_rows(
        frictionless_rows(source, schema), frictionless_rows(download, csv_schema(schema))
    )


def test_progress_follows_the_bytes_read(store):
    """One pass validates and converts, so progress is one stage over the file's bytes."""
    source = DATA / "valid/gdp/data/gdp.csv"
    schema = load_schema(DATA / "valid/gdp/datapackage.json", "gdp.csv")
    seen: list[tuple[str, int, int]] = []
    result = ingest_file(
        store,
        KEY,
        source,
        original_name=source.name,
        schema=schema,
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    assert result.valid
    assert {stage for stage, _, _ in seen} == {"reading"}
    done = [d for _, d, _ in seen]
    assert done == sorted(done)
    assert seen[-1] == ("reading", source.stat().st_size, source.stat().st_size)


# Files with bytes their encoding does not have: a report that says so, and the original kept.
UNREADABLE = {
    "windows-1252-with-an-undefined-byte.csv": b"name,amount\nCaf\xe9 \x81,12\nTea,3\n",
    "utf-16-cut-short.csv": b"n\x00a\x00m\x00e\x00\n\x00x",
}


@pytest.mark.parametrize("filename", sorted(UNREADABLE))
@pytest.mark.parametrize("with_schema", [True, False], ids=["schema", "inferred"])
def test_a_file_its_encoding_cannot_read_gets_a_report_and_is_kept(
    store, tmp_path, filename, with_schema
):
    path = tmp_path / filename
    path.write_bytes(UNREADABLE[filename])
    schema = {"fields": [{"name": "name", "type": "string"}]} if with_schema else None
    result = ingest_file(
        store, KEY, path, original_name=filename, schema=schema, legacy_encodings=["cp1252"]
    )
    assert not result.valid
    errors = [e for task in result.report["tasks"] for e in task["errors"]]
    assert errors[0]["type"] == "encoding-error"
    assert "could not be read as" in errors[0]["message"]
    assert result.kept_at is not None
    assert (result.kept_at / "original.csv").read_bytes() == UNREADABLE[filename]
