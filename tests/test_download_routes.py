"""Downloads from the web: every format read back and compared with the uploaded values,
filtered and sorted downloads, CKAN's dump path, the BOM and spreadsheet-safe options."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from catalog.datasets.publishing import DatasetMetadata, publish_file

ROWS = [
    ["1", "Acme, Ltd", "12.50", "2024-01-05", "=SUM(A1:A2)"],
    ["2", 'The "Best" Co', "-3", "2024-02-29", "+44 20 7946 0000"],
    ["3", "Zoë Café £", "", "", "@handle"],
    ["4", "Plain", "1000000.25", "2023-12-31", "-minus"],
]
SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer"},
        {"name": "supplier", "type": "string"},
        {"name": "amount", "type": "number"},
        {"name": "paid", "type": "date"},
        {"name": "note", "type": "string"},
    ]
}


@pytest.fixture
def name(site: Any, tmp_path: Path) -> str:
    path = tmp_path / "payments.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([f["name"] for f in SCHEMA["fields"]])
        writer.writerows(ROWS)
    outcome = publish_file(
        site, path, original_name=path.name, schema=SCHEMA, metadata=DatasetMetadata("Payments")
    )
    assert outcome.published
    return str(outcome.dataset_name)


def typed(row: list[str]) -> dict[str, Any]:
    return {
        "id": int(row[0]),
        "supplier": row[1],
        "amount": float(row[2]) if row[2] else None,
        "paid": row[3] or None,
        "note": row[4],
    }


EXPECTED = [typed(r) for r in ROWS]


def get(client: Any, url: str, status: int = 200, **options: Any) -> Any:
    response = client.get(url, **options)
    body = response.get_data()  # read it all, then close: a file sent by send_file
    assert response.status_code == status, body[:300]
    response.close()
    return response


def test_csv_and_tsv_read_back_the_same_values(client: Any, name: str) -> None:
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        response = get(client, f"/dataset/{name}/v1/data.{fmt}")
        assert f"{name}-v1.{fmt}" in response.headers["Content-Disposition"]
        assert response.data[:3] != b"\xef\xbb\xbf"
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8")), delimiter=delimiter))
        assert rows[0] == ["id", "supplier", "amount", "paid", "note"]
        assert [typed(r) for r in rows[1:]] == EXPECTED


def test_json_ndjson_and_parquet_read_back_the_same_values(
    client: Any, name: str, tmp_path: Path
) -> None:
    assert json.loads(get(client, f"/dataset/{name}/v1/data.json").data) == EXPECTED
    lines = get(client, f"/dataset/{name}/v1/data.ndjson").data.decode().splitlines()
    assert [json.loads(line) for line in lines] == EXPECTED
    whole = get(client, f"/dataset/{name}/v1/data.parquet")
    assert whole.headers["Content-Length"] == str(len(whole.data)) and whole.headers["ETag"]
    part = get(client, f"/dataset/{name}/v1/data.parquet", 206, headers={"Range": "bytes=0-3"})
    assert part.data == b"PAR1"
    etag = {"If-None-Match": whole.headers["ETag"]}
    get(client, f"/dataset/{name}/v1/data.parquet", 304, headers=etag)
    path = tmp_path / "down.parquet"
    path.write_bytes(whole.data)
    table = pq.read_table(path).to_pylist()
    assert [r["supplier"] for r in table] == [r["supplier"] for r in EXPECTED]


def test_filtered_and_sorted_downloads(client: Any, name: str, tmp_path: Path) -> None:
    filters = json.dumps({"amount": {"ge": 0}})
    url = f"/dataset/{name}/v1/data.csv?filters={filters}&sort=amount desc&fields=id,amount"
    rows = list(csv.reader(io.StringIO(get(client, url).data.decode())))
    assert rows == [["id", "amount"], ["4", "1000000.25"], ["1", "12.5"]]
    parquet = get(client, f"/dataset/{name}/v1/data.parquet?q=acme")
    path = tmp_path / "part.parquet"
    path.write_bytes(parquet.data)
    assert pq.read_table(path).column("id").to_pylist() == [1]
    limited = get(client, f"/dataset/{name}/v1/data.ndjson?sort=id desc&limit=2")
    assert [json.loads(line)["id"] for line in limited.data.decode().splitlines()] == [4, 3]


def test_bom_and_spreadsheet_safe_csv(client: Any, name: str) -> None:
    response = get(client, f"/dataset/{name}/v1/data.csv?bom=true&safe=true")
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data[3:].decode("utf-8"))))
    assert [r[4] for r in rows[1:]] == ["'=SUM(A1:A2)", "'+44 20 7946 0000", "'@handle", "'-minus"]
    assert rows[2][2] == "-3.0" or rows[2][2] == "-3"  # a negative number is left alone


def test_ckans_dump_path(client: Any, name: str) -> None:
    text = get(client, f"/datastore/dump/{name}-v1").data.decode("utf-8")
    assert list(csv.reader(io.StringIO(text)))[1][1] == "Acme, Ltd"
    tsv = get(client, f"/datastore/dump/{name}-v1?format=tsv&bom=true").data
    assert tsv.startswith(b"\xef\xbb\xbf") and b"\tAcme, Ltd\t" in tsv
    rows = json.loads(get(client, f"/datastore/dump/{name}?format=json").data)
    assert rows == EXPECTED  # a bare dataset name means its latest version
    assert get(client, f"/datastore/dump/{name}-v1?format=xml", 400).get_json()["error"]


def test_bad_downloads_are_answered_before_the_first_byte(client: Any, name: str) -> None:
    page = get(client, f"/dataset/{name}/v1/data.csv?sort=nope", 400)
    assert "There is no field" in page.data.decode()
    assert get(client, f"/dataset/{name}/v1/data.csv?filters=%7Bbad", 400)
    assert get(client, f"/dataset/{name}/v1/data.xml", 404)
    assert get(client, f"/dataset/{name}/v9/data.csv", 404)
    assert get(client, "/datastore/dump/nothing-v1", 404)


def test_an_offset_and_a_bad_flag_are_not_ignored(client: Any, name: str) -> None:
    part = client.get(f"/dataset/{name}/v1/data.parquet?offset=2")
    assert part.status_code == 200
    assert pq.read_table(io.BytesIO(part.data)).num_rows == len(ROWS) - 2
    bad = client.get(f"/dataset/{name}/v1/data.csv?bom=maybe")
    assert bad.status_code == 400
    assert "bom must be true or false" in bad.text
