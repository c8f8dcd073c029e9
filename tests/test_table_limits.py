"""A table over a limit (a line with no end, thousands of columns) is refused from its first
lines, before anything reads it whole, with a report naming the limit; its file is kept, and
the upload queued behind it publishes."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ingest.limits import TableLimits, shape_problem
from tests.test_web import csrf_token, finished, post_multipart, sign_in, upload


def send(client: Any, content: bytes, name: str) -> Any:
    form = {
        "csrf_token": csrf_token(client, "/upload"),
        "file": (io.BytesIO(content), name),
        "schema_source": "infer",
        "title": f"Too large {name}",
        "licence": "uk-ogl",
    }
    return post_multipart(client, "/upload", form)


def test_a_line_with_no_end_and_a_table_too_wide_are_refused_by_their_limits(
    client: Any, site: Any
) -> None:
    sign_in(client, site)
    long_line = b"y" * 50_000_000  # a 50 MB "header" with no line break
    wide = (",".join(f"c{i}" for i in range(10_000)) + "\n").encode() * 2
    jobs = [send(client, long_line, "long.csv"), send(client, wide, "wide.csv")]
    ordinary = upload(client, "valid/gdp/data/gdp.csv", None, title="GDP")  # queued behind
    pages = [finished(client, site, job) for job in jobs]
    assert "Line 1 is longer than 1,000,000 bytes without a line break." in pages[0].text
    assert "Line 1 has about 10,000 columns; at most 1,000 are accepted." in pages[1].text
    for page in pages:
        assert "Your file is kept (reference" in page.text
    assert "Published version 1" in finished(client, site, ordinary).text
    names = client.get("/api/3/action/package_list").get_json()["result"]
    assert names == ["gdp"]


def test_the_limits_look_only_at_the_first_lines(tmp_path: Path) -> None:
    limits = TableLimits(max_line_bytes=100, max_columns=5)
    fine = tmp_path / "fine.csv"
    fine.write_text("a,b,c\n" + "1,2,3\n" * 300 + ",".join(["x"] * 50) + "\n")
    assert shape_problem(fine, limits) is None  # row 302 is past the lines looked at
    wide = tmp_path / "wide.csv"
    wide.write_text("Title line\n\na;b;c;d;e;f\n")
    problem = shape_problem(wide, limits)
    assert problem is not None and problem["message"].startswith("Line 3 has about 6 columns")
    long = tmp_path / "long.csv"
    long.write_text("a,b\n" + "x" * 500)
    problem = shape_problem(long, limits)
    assert problem is not None and problem["rowNumber"] == 2


def test_a_compressed_file_is_named_and_what_it_holds_is_held_to_the_limits(
    tmp_path: Path,
) -> None:
    import gzip
    import zipfile

    from ingest.compressed import compression, unpack_table

    table = b"a,b\n1,2\n"
    gz = tmp_path / "spend.csv"  # renamed .csv, as people do
    gz.write_bytes(gzip.compress(table))
    assert compression(gz) == ("gzip", "compressed with gzip (.gz)")
    archive = tmp_path / "spend-zip.csv"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("spend.csv", table)
    assert compression(archive) == ("zip", "a zip archive (.zip)")
    plain = tmp_path / "plain.csv"
    plain.write_bytes(table)
    assert compression(plain) is None and shape_problem(plain, TableLimits()) is None
    # The limits apply to the table unpacked, not to the compressed bytes.
    wide = tmp_path / "wide.csv.gz"
    wide.write_bytes(gzip.compress(b",".join(b"c%d" % i for i in range(50)) + b"\n"))
    unpacked = unpack_table(wide, tmp_path)
    problem = shape_problem(unpacked.path, TableLimits(max_columns=10))
    assert problem is not None and problem["message"].startswith("Line 1 has about 50 columns")


def test_an_upload_of_a_7z_renamed_csv_says_what_it_is(client: Any, site: Any) -> None:
    sign_in(client, site)
    seven = b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(range(256)) * 4  # a 7-Zip file's start
    page = finished(client, site, send(client, seven, "spend.csv"))
    assert "The file is a 7-Zip archive (.7z), which we cannot open here." in page.text
    assert "Your file is kept (reference" in page.text
    assert "encoding" not in page.text.lower().split("we read the file as")[0]


def test_a_column_name_over_the_limit_is_refused_a_long_cell_is_not(
    client: Any, site: Any, tmp_path: Path
) -> None:
    limits = TableLimits(max_header_bytes=100)
    long_name = "How satisfied were you " + "very " * 30  # 173 bytes
    named = tmp_path / "named.csv"
    rows = "".join(f"{i},yes,{i}\n" for i in range(10))
    named.write_text(f"Survey results 2024\n\nid,{long_name},score\n{rows}")
    problem = shape_problem(named, limits)
    assert problem is not None and problem["rowNumber"] == 3, problem
    assert "The name of column 2 (in row 3) is 173 bytes long" in problem["message"]
    assert "at most 100" in problem["message"]
    cell = tmp_path / "cell.csv"  # a long value in a row below the header is not a name
    cell.write_text(f"id,answer,score\n1,{long_name},3\n2,no,4\n")
    assert shape_problem(cell, limits) is None

    sign_in(client, site)
    page = finished(client, site, send(client, f"id,{'x' * 2001}\n1,2\n".encode(), "h.csv"))
    assert "The name of column 2 (in row 1) is 2,001 bytes long" in page.text
    assert "Your file is kept (reference" in page.text
    assert client.get("/api/3/action/package_list").get_json()["result"] == []


def test_a_cell_over_the_limit_is_refused_in_any_row(
    client: Any, site: Any, tmp_path: Path
) -> None:
    from datastore import Store
    from ingest import ingest_file

    store = Store(tmp_path / "files")
    rows = "".join(f"{i},name {i}\n" for i in range(500))
    cases = {  # within a block of the engine's, and longer than a block (read row by row)
        "in-block.csv": (f"id,name\n{rows}501,{'y' * 200_000}\n", 100_000, 502, "200,000"),
        "past-block.csv": (f"id,name\n{rows}501,{'y' * 2_000_000}\n", 1_000_000, 502, "2,000,000"),
    }
    for name, (text, limit, row, size) in cases.items():
        path = tmp_path / name
        path.write_text(text + "".join(f"{i},n\n" for i in range(600, 700)), encoding="utf-8")
        limits = TableLimits(max_cell_bytes=limit)
        result = ingest_file(store, "a" * 32, path, original_name=name, schema=None, limits=limits)
        assert not result.valid, name
        [error] = result.report["tasks"][0]["errors"]
        assert error["rowNumber"] == row, (name, error)
        assert error["message"] == (
            f'A value in row {row} (column "name") is {size} bytes long; a cell may be at '
            f"most {limit:,}."
        ), name
        assert result.kept_at is not None and (result.kept_at / "original.csv").is_file()
        # Without limits (a library caller's choice) the same file is read in full.
        assert ingest_file(store, "b" * 32, path, original_name=name, schema=None).valid

    sign_in(client, site)
    page = finished(client, site, send(client, cases["past-block.csv"][0].encode(), "long.csv"))
    assert "is 2,000,000 bytes long; a cell may be at most 1,000,000." in page.text
    assert "Your file is kept (reference" in page.text
    assert client.get("/api/3/action/package_list").get_json()["result"] == []
