"""Data package export: the ZIP validates with frictionless and gives back what was stored."""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import frictionless
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from datastore import NotFound, PackageResource, export_schema, stream_data_package

UTC = dt.UTC
FRICTIONLESS = Path(sys.executable).with_name("frictionless")

DESCRIPTOR: dict[str, Any] = {
    "name": "ward-spending",
    "title": "Ward spending",
    "description": "Every payment over £500, by ward.",
    "version": "3",
    "licenses": [
        {
            "name": "OGL-UK-3.0",
            "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            "title": "Open Government Licence v3.0",
        }
    ],
    "sources": [{"title": "Borough finance office", "path": "https://example.org/finance"}],
}

# Every Table Schema type the store keeps, with nulls, NaN and infinities, in the Arrow form
# the store writes: typed columns where Arrow has a type, the standard text form otherwise.
EVERY_TYPE_SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "id", "type": "integer", "constraints": {"required": True, "unique": True}},
        {"name": "label", "type": "string"},
        {"name": "amount", "type": "number"},
        {"name": "ratio", "type": "number"},
        {"name": "paid", "type": "boolean"},
        {"name": "day", "type": "date"},
        {"name": "stamp", "type": "datetime"},
        {"name": "stamp_utc", "type": "datetime"},
        {"name": "clock", "type": "time"},
        {"name": "year", "type": "year"},
        {"name": "month", "type": "yearmonth"},
        {"name": "length", "type": "duration"},
        {"name": "where", "type": "geopoint"},
        {"name": "extra", "type": "object"},
        {"name": "tags", "type": "array"},
    ],
    "primaryKey": ["id"],
}

EVERY_TYPE_COLUMNS: dict[str, pa.Array] = {
    "id": pa.array([1, 2, 3, 4], pa.int64()),
    "label": pa.array(["plain", 'a "quoted", comma', "line\nbreak", None]),
    "amount": pa.array([1.5, 1e20, float("nan"), None]),
    "ratio": pa.array([float("inf"), -float("inf"), None, 1e-7]),
    "paid": pa.array([True, False, None, True]),
    "day": pa.array([dt.date(2024, 2, 29), dt.date(1900, 1, 1), None, dt.date(9999, 12, 31)]),
    "stamp": pa.array(
        [dt.datetime(2024, 1, 2, 3, 4, 5), dt.datetime(2024, 1, 2, 3, 4, 5, 120000), None, None],
        pa.timestamp("us"),
    ),
    "stamp_utc": pa.array(
        [dt.datetime(2024, 6, 1, 12, 0, tzinfo=UTC), None, None, dt.datetime(1999, 12, 31, 23)],
        pa.timestamp("us", tz="UTC"),
    ),
    "clock": pa.array([dt.time(0, 0), dt.time(23, 59, 59, 500000), None, dt.time(12)]),
    "year": pa.array([2024, 1066, None, 9999], pa.int64()),
    "month": pa.array(["2024-03", "1999-12", None, "2000-01"]),
    "length": pa.array(["P1Y2M3DT4H", "PT30M", None, "P1D"]),
    "where": pa.array(["-0.1276,51.5072", "180,-90", None, "0,0"]),
    "extra": pa.array(['{"a": 1, "b": [true, null]}', "{}", None, '{"x": "y"}']),
    "tags": pa.array(['["red", "green"]', "[]", None, "[1, 2.5]"]),
}

# A schema written for an upload with its own habits: day-first dates, yes/no booleans,
# European numbers, array geopoints, "NA" for missing.
CUSTOM_SCHEMA: dict[str, Any] = {
    "missingValues": ["", "NA", "-"],
    "fields": [
        {
            "name": "day",
            "type": "date",
            "format": "%d/%m/%Y",
            "example": "31/12/2024",
            "constraints": {"minimum": "01/01/2000", "maximum": "31/12/2099"},
        },
        {
            "name": "open",
            "type": "boolean",
            "trueValues": ["yes", "Y"],
            "falseValues": ["no", "N"],
            "constraints": {"enum": ["yes", "no"]},
        },
        {
            "name": "cost",
            "type": "number",
            "decimalChar": ",",
            "groupChar": ".",
            "missingValues": ["n/a"],
            "constraints": {"minimum": "1.000,5"},
        },
        {"name": "at", "type": "datetime", "format": "%d/%m/%Y %H:%M"},
        {"name": "where", "type": "geopoint", "format": "array"},
    ],
}

CUSTOM_COLUMNS: dict[str, pa.Array] = {
    "day": pa.array([dt.date(2024, 12, 31), None, dt.date(2000, 1, 1)]),
    "open": pa.array([True, False, None]),
    "cost": pa.array([1000.5, 2500000.25, None]),
    "at": pa.array([dt.datetime(2024, 5, 6, 7, 8), None, None], pa.timestamp("us")),
    "where": pa.array(["1.5,2.5", None, "-3,4"]),  # the store's text form for geopoints
}


def write_table(path: Path, columns: dict[str, pa.Array], **options: Any) -> Path:
    pq.write_table(pa.table(columns), path, **options)
    return path


def export(tmp_path: Path, resources: list[PackageResource]) -> Path:
    """Stream the package to a file, unzip it, and return its datapackage.json."""
    archive = tmp_path / "package.zip"
    with archive.open("wb") as out:
        for chunk in stream_data_package(DESCRIPTOR, resources):
            out.write(chunk)
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(archive) as opened:
        assert opened.testzip() is None
        opened.extractall(folder)
    return folder / "datapackage.json"


def assert_valid(path: Path) -> None:
    report = frictionless.validate(str(path))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def assert_cli_valid(path: Path) -> None:
    done = subprocess.run(
        [str(FRICTIONLESS), "validate", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def read_back(path: Path, name: str) -> dict[str, list[Any]]:
    package = frictionless.Package(str(path))
    rows = package.get_resource(name).read_rows()
    names = [f.name for f in package.get_resource(name).schema.fields]
    return {column: [row[column] for row in rows] for column in names}


def same_number(back: Any, original: float | None) -> bool:
    if original is None or back is None:
        return back is original
    return math.isnan(original) if math.isnan(back) else float(back) == original


@pytest.mark.processes
def test_every_type_exports_valid_and_reads_back_the_same(tmp_path: Path) -> None:
    parquet = write_table(tmp_path / "every.parquet", EVERY_TYPE_COLUMNS)
    resource = PackageResource("every-type", "Every type", parquet, EVERY_TYPE_SCHEMA)
    path = export(tmp_path, [resource])

    assert_valid(path)
    assert_cli_valid(path)
    back = read_back(path, "every-type")
    original = {name: column.to_pylist() for name, column in EVERY_TYPE_COLUMNS.items()}
    for name in ("id", "paid", "day", "stamp", "stamp_utc", "clock", "year"):
        assert back[name] == original[name], name
    assert back["label"] == original["label"]
    for name in ("amount", "ratio"):
        assert all(same_number(b, o) for b, o in zip(back[name], original[name], strict=True))
    assert [None if v is None else f"{v.year}-{v.month:02}" for v in back["month"]] == (
        original["month"]
    )
    assert [None if v is None else f"{v.lon},{v.lat}" for v in back["where"]] == original["where"]
    json_columns = ("extra", "tags")
    for name in json_columns:
        assert back[name] == [None if v is None else json.loads(v) for v in original[name]]
    length = frictionless.fields.DurationField(name="length")
    assert [None if v is None else length.write_cell(v)[0] for v in back["length"]] == (
        original["length"]
    )


def test_csv_uses_the_standard_forms(tmp_path: Path) -> None:
    parquet = write_table(tmp_path / "every.parquet", EVERY_TYPE_COLUMNS)
    path = export(tmp_path, [PackageResource("every-type", "Every", parquet, EVERY_TYPE_SCHEMA)])
    text = (path.parent / "data" / "every-type.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith('"id","label","amount","ratio","paid","day","stamp","stamp_utc"')
    # Arrow quotes every text value; the columns made text here are no exception.
    assert lines[1].startswith(
        '1,"plain","1.5","INF",true,2024-02-29,"2024-01-02T03:04:05","2024-06-01T12:00:00Z",'
        '"00:00:00",2024,"2024-03",'
    )
    second = ',"1e+20","-INF",false,1900-01-01,"2024-01-02T03:04:05.120000",,"23:59:59.500000",'
    assert second in text
    assert '\n3,"line\nbreak","NaN",,,,,,,,,,,,\n' in text


def test_custom_formats_and_boolean_spellings_export_valid(tmp_path: Path) -> None:
    parquet = write_table(tmp_path / "custom.parquet", CUSTOM_COLUMNS)
    path = export(tmp_path, [PackageResource("custom", "Custom forms", parquet, CUSTOM_SCHEMA)])

    assert_valid(path)
    back = read_back(path, "custom")
    assert back["day"] == CUSTOM_COLUMNS["day"].to_pylist()
    assert back["open"] == [True, False, None]
    assert [None if v is None else float(v) for v in back["cost"]] == [1000.5, 2500000.25, None]
    assert back["at"] == CUSTOM_COLUMNS["at"].to_pylist()
    assert [None if v is None else [float(v.lon), float(v.lat)] for v in back["where"]] == [
        [1.5, 2.5],
        None,
        [-3.0, 4.0],
    ]


def test_export_schema_writes_values_the_default_way() -> None:
    exported = export_schema(CUSTOM_SCHEMA)
    day, open_, cost, at, where = exported["fields"]

    assert exported["missingValues"] == [""]
    assert day == {
        "name": "day",
        "type": "date",
        "example": "2024-12-31",
        "constraints": {"minimum": "2000-01-01", "maximum": "2099-12-31"},
    }
    assert open_ == {"name": "open", "type": "boolean", "constraints": {"enum": ["true", "false"]}}
    assert cost == {"name": "cost", "type": "number", "constraints": {"minimum": "1000.5"}}
    assert at == {"name": "at", "type": "datetime"}
    assert where == {"name": "where", "type": "geopoint"}
    assert CUSTOM_SCHEMA["fields"][0]["format"] == "%d/%m/%Y"  # the original is untouched


def test_export_schema_keeps_what_still_holds() -> None:
    schema = {
        "fields": [
            {"name": "email", "type": "string", "format": "email", "constraints": {"maxLength": 9}},
            {"name": "list", "type": "list", "delimiter": ";", "itemType": "integer"},
            {"name": "shape", "type": "geojson", "format": "topojson"},
            {"name": "when", "type": "datetime", "format": "%d/%m/%Y %H:%M%z", "example": "x"},
        ],
        "primaryKey": ["email"],
    }
    exported = export_schema(schema)
    assert exported["fields"][:3] == schema["fields"][:3]
    assert exported["fields"][3] == {"name": "when", "type": "datetime"}  # bad example dropped
    assert exported["primaryKey"] == ["email"]
    zoned = {"name": "t", "type": "datetime", "format": "%d/%m/%Y %H:%M%z"}
    zoned["constraints"] = {"minimum": "01/06/2024 09:00+0100"}
    assert export_schema({"fields": [zoned]})["fields"][0]["constraints"] == {
        "minimum": "2024-06-01T08:00:00"
    }


@pytest.mark.processes
def test_two_resources_in_one_package(tmp_path: Path) -> None:
    first = write_table(tmp_path / "every.parquet", EVERY_TYPE_COLUMNS)
    second = write_table(tmp_path / "custom.parquet", CUSTOM_COLUMNS)
    path = export(
        tmp_path,
        [
            PackageResource("every-type", "Every type", first, EVERY_TYPE_SCHEMA),
            PackageResource("custom.2024", "Custom forms", second, CUSTOM_SCHEMA),
        ],
    )

    assert_valid(path)
    assert_cli_valid(path)
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    assert {k: descriptor[k] for k in DESCRIPTOR} == DESCRIPTOR
    assert [r["path"] for r in descriptor["resources"]] == [
        "data/every-type.csv",
        "data/custom.2024.csv",
    ]
    assert descriptor["resources"][1] == {
        "name": "custom.2024",
        "title": "Custom forms",
        "path": "data/custom.2024.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": export_schema(CUSTOM_SCHEMA),
    }
    assert sorted(p.name for p in (path.parent / "data").iterdir()) == [
        "custom.2024.csv",
        "every-type.csv",
    ]


def test_empty_table_and_column_order(tmp_path: Path) -> None:
    columns = {"b": pa.array([], pa.string()), "a": pa.array([], pa.int64())}
    parquet = write_table(tmp_path / "empty.parquet", columns)
    schema = {"fields": [{"name": "a", "type": "integer"}, {"name": "b", "type": "string"}]}
    path = export(tmp_path, [PackageResource("empty", "Nothing yet", parquet, schema)])

    assert_valid(path)
    assert (path.parent / "data" / "empty.csv").read_text(encoding="utf-8") == '"a","b"\n'


def test_large_table_streams_in_small_chunks(tmp_path: Path) -> None:
    rows = 200_000
    columns = {
        "id": pa.array(range(rows), pa.int64()),
        "code": pa.array([f"{(i * 2654435761) % 4294967296:08x}" for i in range(rows)]),
        "value": pa.array([i / 7 for i in range(rows)]),
    }
    parquet = write_table(tmp_path / "large.parquet", columns, row_group_size=16_384)
    schema = {
        "fields": [
            {"name": "id", "type": "integer"},
            {"name": "code", "type": "string"},
            {"name": "value", "type": "number"},
        ]
    }
    resource = PackageResource("large", "Large", parquet, schema)

    chunks = stream_data_package(DESCRIPTOR, [resource])
    sizes = []
    archive = tmp_path / "large.zip"
    with archive.open("wb") as out:
        for chunk in chunks:
            sizes.append(len(chunk))
            out.write(chunk)
    assert len(sizes) > 5
    assert max(sizes) <= 8 * 1024 * 1024
    with zipfile.ZipFile(archive) as opened, opened.open("data/large.csv") as csv:
        assert sum(1 for _ in csv) == rows + 1


def test_problems_are_raised_before_the_first_byte(tmp_path: Path) -> None:
    schema = {"fields": [{"name": "a", "type": "integer"}]}
    with pytest.raises(NotFound):
        stream_data_package(DESCRIPTOR, [PackageResource("gone", "Gone", tmp_path / "x", schema)])
    with pytest.raises(ValueError, match="lower-case"):
        PackageResource("Capitals", "Bad name", tmp_path / "x", schema)
    parquet = write_table(tmp_path / "a.parquet", {"b": pa.array([1])})
    with pytest.raises(ValueError, match="repeat"):
        stream_data_package(DESCRIPTOR, [PackageResource("a", "A", parquet, schema)] * 2)
    with pytest.raises(Exception, match="no column a"):
        stream_data_package(DESCRIPTOR, [PackageResource("a", "A", parquet, schema)])


# From the dataset page --------------------------------------------------------------------


@pytest.mark.processes
def test_a_published_dataset_downloads_as_a_valid_data_package(client, site, tmp_path):
    from catalog.datasets.publishing import DatasetMetadata, publish_file

    source = tmp_path / "grants.csv"
    source.write_text(
        'ref,paid,amount,approved\nG1,03/04/2024,"1.500,50",yes\nG2,,20,no\nG3,31/12/2023,7,\n',
        encoding="utf-8",
    )
    schema = {
        "fields": [
            {"name": "ref", "type": "string", "constraints": {"required": True, "unique": True}},
            {"name": "paid", "type": "date", "format": "%d/%m/%Y"},
            {"name": "amount", "type": "number", "decimalChar": ",", "groupChar": "."},
            {"name": "approved", "type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]},
        ],
        "primaryKey": ["ref"],
    }
    outcome = publish_file(
        site,
        source,
        original_name=source.name,
        schema=schema,
        metadata=DatasetMetadata(
            "Small grants", licence_id="uk-ogl", source_url="https://example.org/grants"
        ),
    )
    assert outcome.published, outcome.result.report
    response = client.get(f"/dataset/{outcome.dataset_name}/v1/datapackage.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "datapackage.zip" in response.headers["Content-Disposition"]
    archive = tmp_path / "download.zip"
    archive.write_bytes(response.data)
    folder = tmp_path / "package"
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(folder)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["title"] == "Small grants"
    assert descriptor["licenses"][0]["name"] == "uk-ogl"
    assert descriptor["sources"][0]["path"] == "https://example.org/grants"
    assert_valid(folder / "datapackage.json")
    assert_cli_valid(folder / "datapackage.json")
    back = read_back(folder / "datapackage.json", outcome.dataset_name)
    assert back["paid"] == [dt.date(2024, 4, 3), None, dt.date(2023, 12, 31)]
    assert [float(v) for v in back["amount"]] == [1500.5, 20.0, 7.0]
    assert back["approved"] == [True, False, None]
    assert client.get(f"/dataset/{outcome.dataset_name}/datapackage.zip").status_code == 200
    assert client.get("/dataset/nothing-here/datapackage.zip").status_code == 404
