"""Compressed uploads (ingest/compressed.py): a gzip of a CSV, or a zip holding one, is read
as that CSV and published as it would be; the original kept is the file as uploaded. What
cannot be read is named in plain words, the original kept.

The compressed files are made here, at run time, from the real CSV files in tests/data
(gzip, bz2 and zipfile, as people's computers make them); the bombs are zeros compressed.
"""

from __future__ import annotations

import bz2
import dataclasses
import gzip
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from catalog.accounts.tokens import create_token
from catalog.accounts.users import create_user
from catalog.app import create_app
from catalog.datasets.publishing import DatasetMetadata
from catalog.db.models import Dataset
from ingest.compressed import CompressedError, unpack_table
from ingest.schema_hints import HEAD_BYTES, hint_schemas
from tests.conftest import DATA, make_settings
from tests.factories import new_dataset, spend_workbook
from tests.test_web import csrf_token, finished, post_multipart, reviewed, sign_in

TOP = DATA / "valid/gdp/data/top-economies.csv"  # a clean CSV, 4.9 kB
GLA = DATA / "invalid/uk-gla-payments-dec-2009/gla-december_2009.csv"  # needs fixes
MB = 1024 * 1024


def zipped(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def mac_zip(path: Path, name: str, content: bytes) -> Path:
    """A zip as a Mac's "Compress" makes it: the file, and its resource fork and Finder
    file under __MACOSX/ and .DS_Store."""
    return zipped(
        path,
        {
            name: content,
            f"__MACOSX/._{name}": b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ",
            ".DS_Store": b"\x00\x00\x00\x01Bud1" + bytes(64),
        },
    )


def send(client: Any, content: bytes, name: str, **fields: Any) -> Any:
    form = {
        "csrf_token": csrf_token(client, "/upload"),
        "file": (io.BytesIO(content), name),
        "schema_source": "infer",
        "title": fields.pop("title", f"Upload of {name}"),
        "licence": "uk-ogl",
        **fields,
    }
    return post_multipart(client, "/upload", form)


def version_of(site: Any, name: str) -> Any:
    """The files of the dataset's first version."""
    with site.session() as session:
        dataset = session.scalar(select(Dataset).where(Dataset.name == name))
        assert dataset is not None
        return site.store.version(dataset.key, 1)


def job(client: Any, response: Any) -> dict[str, Any]:
    value: dict[str, Any] = client.get(response.headers["Location"] + ".json").json
    return value


# The library: what is read, what is refused ---------------------------------------------


def test_a_gzip_bzip2_or_zip_unpacks_to_the_csv_it_holds(tmp_path: Path) -> None:
    csv = TOP.read_bytes()
    for name, content in (
        ("top.csv", gzip.compress(csv)),  # a gzip renamed .csv
        ("top.csv.bz2", bz2.compress(csv)),
    ):
        (tmp_path / name).write_bytes(content)
        unpacked = unpack_table(tmp_path / name, tmp_path)
        assert unpacked.compressed and unpacked.path == tmp_path / "unpacked.csv"
        assert unpacked.path.read_bytes() == csv and unpacked.bytes == len(csv)
    archive = mac_zip(tmp_path / "top.zip", "top-economies.csv", csv)
    unpacked = unpack_table(archive, tmp_path)
    assert (unpacked.kind, unpacked.member, unpacked.set_aside) == ("zip", "top-economies.csv", ())
    assert unpacked.path.read_bytes() == csv
    assert unpack_table(TOP, tmp_path).path == TOP  # not compressed: the file itself


def test_nothing_is_written_by_its_name_in_the_archive(tmp_path: Path) -> None:
    """Zip slip: a member named ../../evil.csv is read into unpacked.csv, in our folder."""
    folder = tmp_path / "a" / "b"
    folder.mkdir(parents=True)
    archive = zipped(tmp_path / "slip.zip", {"../../evil.csv": TOP.read_bytes()})
    unpacked = unpack_table(archive, folder)
    assert unpacked.member == "../../evil.csv" and unpacked.path == folder / "unpacked.csv"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a", "b", "slip.zip", "unpacked.csv"]


def refusal(path: Path, folder: Path, **limits: int) -> str:
    with pytest.raises(CompressedError) as caught:
        unpack_table(path, folder, **limits)
    assert not list(folder.glob("unpacked*")), "nothing half unpacked is left"
    return str(caught.value)


def test_a_bomb_is_refused_at_the_limit_while_it_unpacks(tmp_path: Path) -> None:
    """A few kB that would unpack to 4 GB (bzip2 streams of zeros, one after another, as
    bzip2 allows): refused as soon as 8 MB are out, never trusting a declared size."""
    stream = bz2.compress(bytes(16 * MB))
    bomb = tmp_path / "bomb.csv.bz2"
    bomb.write_bytes(stream * 256)
    (tmp_path / "out").mkdir()
    assert bomb.stat().st_size < 20_000
    message = refusal(bomb, tmp_path / "out", max_unpacked_bytes=8 * MB)
    assert message.startswith("The file unpacks to more than 8 MB, the most we unpack")
    # A zip whose member says it is 64 MB is refused before it is read...
    archive = zipped(tmp_path / "bomb.zip", {"zeros.csv": bytes(64 * MB)})
    assert "more than 8 MB" in refusal(archive, tmp_path / "out", max_unpacked_bytes=8 * MB)
    # ...and one whose header understates its size is never read past it: it is damaged.
    data = bytearray(zipped(tmp_path / "liar.zip", {"top.csv": TOP.read_bytes()}).read_bytes())
    for signature, at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = data.find(signature)
        data[start + at : start + at + 4] = (100).to_bytes(4, "little")  # uncompressed size
    (tmp_path / "liar.zip").write_bytes(bytes(data))
    assert "damaged or incomplete" in refusal(tmp_path / "liar.zip", tmp_path / "out")


def test_what_cannot_be_read_is_named(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    csv = TOP.read_bytes()
    two = zipped(tmp_path / "two.zip", {"2023.csv": csv, "2024.csv": csv, "__MACOSX/._x": b""})
    assert refusal(two, out) == (
        'The zip archive holds 2 CSV files: "2023.csv" and "2024.csv". We publish one table '
        "at a time."
    )
    none = zipped(tmp_path / "none.zip", {"report.pdf": b"%PDF-1.4", "notes.docx": b"PK"})
    assert refusal(none, out) == (
        'The zip archive holds no CSV file or spreadsheet: it holds "report.pdf" and "notes.docx".'
    )
    assert refusal(zipped(tmp_path / "empty.zip", {".DS_Store": b""}), out).startswith(
        "The zip archive is empty"
    )
    many = zipped(tmp_path / "many.zip", {f"part-{i}.csv": b"a\n" for i in range(30)})
    assert refusal(many, out, max_members=20) == (
        "The zip archive holds 30 files, more than the 20 we look through."
    )
    # A password: the flag zip tools set on an encrypted member (zipfile cannot write one),
    # set here by hand in the member's local header and its directory entry.
    data = bytearray(zipped(tmp_path / "locked.zip", {"top.csv": csv}).read_bytes())
    for signature, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        data[data.find(signature) + at] |= 0x1
    (tmp_path / "locked.zip").write_bytes(bytes(data))
    assert "protected by a password" in refusal(tmp_path / "locked.zip", out)
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(gzip.compress(csv)[:-200])
    assert refusal(cut, out).startswith("The gzip file is damaged or incomplete")
    cut_zip = tmp_path / "cut.zip"
    cut_zip.write_bytes(two.read_bytes()[:300])
    assert refusal(cut_zip, out).startswith("The zip archive is damaged or incomplete")
    seven = tmp_path / "top.7z"
    seven.write_bytes(b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(64))
    assert refusal(seven, out) == "The file is a 7-Zip archive (.7z), which we cannot open here."
    rar = tmp_path / "top.rar"
    rar.write_bytes(b"Rar!\x1a\x07\x01\x00" + bytes(64))
    assert "a RAR archive (.rar)" in refusal(rar, out)
    twice = tmp_path / "top.csv.gz.gz"
    twice.write_bytes(gzip.compress(gzip.compress(csv)))
    assert refusal(twice, out) == "The gzip file holds another gzip file, not a table."


# Through the catalogue ------------------------------------------------------------------


def test_a_gzip_renamed_csv_publishes_the_same_data_as_the_csv(
    runner: Any, client: Any, site: Any, tmp_path: Path
) -> None:
    renamed = tmp_path / "top-economies.csv"
    renamed.write_bytes(gzip.compress(TOP.read_bytes()))
    for path, name in ((TOP, "plain"), (renamed, "gzipped")):
        result = runner("ingest", path, "--schema", "infer", "--title", name.title())
        assert result.exit_code == 0, result.output
        assert f"Published top-economies.csv as {name}, version 1: 230 rows" in result.output
    plain, packed = (client.get(f"/dataset/{n}/v1/data.csv") for n in ("plain", "gzipped"))
    assert plain.status_code == packed.status_code == 200
    assert packed.data == plain.data
    schemas = [client.get(f"/dataset/{n}/v1/schema.json").json for n in ("plain", "gzipped")]
    assert schemas[0] == schemas[1]
    # The original kept is the file as uploaded, compressed; version.json says what was read.
    with client.get("/dataset/gzipped/v1/original") as original:
        assert original.data == renamed.read_bytes()
        assert "filename=top-economies.csv" in original.headers["Content-Disposition"]
    facts = version_of(site, "gzipped").read_json("version.json")
    assert facts["unpacked"] == {
        "kind": "gzip",
        "member": "",
        "bytes": TOP.stat().st_size,
        "setAside": [],
    }
    assert facts["bytes"] == renamed.stat().st_size


def test_a_mac_zip_of_one_csv_uploaded_on_the_page_is_reviewed_and_published(
    client: Any, site: Any, tmp_path: Path
) -> None:
    sign_in(client, site)
    archive = mac_zip(tmp_path / "top.zip", "top-economies.csv", TOP.read_bytes())
    response = send(client, archive.read_bytes(), "top.zip", show_columns="y")
    page = finished(client, site, response)
    assert "before publishing</h1>" in page.text  # the columns, as they would be published
    assert "We read &#34;top-economies.csv&#34; from inside the zip archive." in page.text
    page = reviewed(client, site, page)
    assert "Published version 1" in page.text, page.text
    name = page.text.split('href="/dataset/')[1].split('"')[0]
    with client.get(f"/dataset/{name}/v1/original") as original:
        assert original.data == archive.read_bytes()
    rows = client.get(f"/dataset/{name}/v1/data.json").json
    assert len(rows) == 230 and rows[0] == {
        "country": "United States",
        "year": 2000,
        "gdp_trillion": 10.251,
    }


def test_a_zip_of_two_csvs_is_refused_on_the_page_naming_both(
    client: Any, site: Any, tmp_path: Path
) -> None:
    sign_in(client, site)
    csv = TOP.read_bytes()
    two = zipped(tmp_path / "both.zip", {"top-2023.csv": csv, "top-2024.csv": csv})
    response = send(client, two.read_bytes(), "both.zip")
    page = finished(client, site, response)
    assert job(client, response)["state"] == "invalid"
    assert "The zip archive holds 2 CSV files: &#34;top-2023.csv&#34; and" in page.text
    assert "Upload them one at a time" in page.text
    assert "Your file is kept (reference" in page.text
    assert client.get("/api/3/action/package_list").get_json()["result"] == []


def test_a_bomb_uploaded_on_the_page_is_refused_naming_the_limit(
    tmp_path: Path, database_url: str
) -> None:
    settings = dataclasses.replace(make_settings(tmp_path, database_url), max_unpacked_mb=4)
    app = create_app(settings)
    try:
        client, site = app.test_client(), app.extensions["site"]
        sign_in(client, site)
        bomb = gzip.compress(bytes(64 * MB), compresslevel=1)
        response = send(client, bomb, "zeros.csv.gz")
        page = finished(client, site, response)
        assert "The file unpacks to more than 4 MB, the most we unpack" in page.text
        assert "DATASTORE_MAX_UNPACKED_MB" in page.text
        assert not list((settings.data_dir / "files").rglob("unpacked*"))
    finally:
        site.close()


def test_the_command_line_reads_compressed_files_and_names_a_broken_one(
    runner: Any, tmp_path: Path
) -> None:
    packed = tmp_path / "top-economies.csv.gz"
    packed.write_bytes(gzip.compress(TOP.read_bytes()))
    result = runner("validate", packed)
    assert result.exit_code == 0, result.output
    assert "top-economies.csv.gz is valid: 230 rows" in result.output
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(packed.read_bytes()[:-100])
    result = runner("validate", cut, "--json")
    assert result.exit_code == 1
    error = json.loads(result.output)["tasks"][0]["errors"][0]
    assert error["message"].startswith("The gzip file is damaged or incomplete")
    result = runner("ingest", cut, "--schema", "infer", "--title", "Cut")
    assert result.exit_code == 1
    assert "The gzip file is damaged or incomplete" in result.output
    kept = Path(result.output.rsplit("kept in ", 1)[1].strip())
    assert next(kept.glob("original.*")).read_bytes() == cut.read_bytes()
    assert sorted(p.name for p in kept.iterdir()) == ["original.gz", "report.json", "version.json"]


def test_a_zip_holding_one_workbook_is_read_through_its_sheet(runner: Any, tmp_path: Path) -> None:
    book = spend_workbook(tmp_path / "spend.xlsx")
    archive = mac_zip(tmp_path / "spend.zip", "spend.xlsx", book.read_bytes())
    result = runner(
        "ingest", archive, "--schema", "infer", "--title", "Spend", "--sheet", "Spend", "--fix"
    )
    assert result.exit_code == 0, result.output
    assert "Fix: Read the sheet 'Spend' of the workbook" in result.output
    assert "Published spend.zip as spend, version 1" in result.output


def test_the_api_takes_a_compressed_upload(client: Any, site: Any, tmp_path: Path) -> None:
    with site.session() as session:
        user = create_user(session, "scripter", "a long enough password")
        _, secret = create_token(session, user.id, "tests")
        session.commit()
    name = new_dataset(site, DatasetMetadata(title="GLA payments"), user.id)
    packed = gzip.compress(GLA.read_bytes())

    def upload(content: bytes, filename: str, recipe: Any = None) -> Any:
        form: dict[str, Any] = {"package_id": name, "upload": (io.BytesIO(content), filename)}
        if recipe is not None:
            form["recipe"] = json.dumps(recipe)
        return client.post(
            "/api/3/action/resource_create", data=form, headers={"Authorization": secret}
        )

    refused = upload(packed, "gla.csv.gz")
    assert refused.status_code == 409
    offered = refused.json["error"]["recipe"]  # the fixes, worked out from what it holds
    assert any(step["step"] == "skip-lines" for step in offered)
    published = upload(packed, "gla.csv.gz", offered)
    assert published.status_code == 200, published.json
    version = version_of(site, name)
    assert version.original().read_bytes() == packed and version.original().name == "original.gz"
    facts = version.read_json("version.json")
    assert facts["unpacked"]["kind"] == "gzip" and facts["rows"] > 0 and version.parquet.is_file()
    csv = TOP.read_bytes()
    two = zipped(tmp_path / "two.zip", {"a.csv": csv, "b.csv": csv})
    both = upload(two.read_bytes(), "two.zip")
    assert both.status_code == 409
    assert 'holds 2 CSV files: "a.csv" and "b.csv"' in both.json["error"]["upload"][0]
    assert "recipe" not in both.json["error"]  # nothing to offer for a file we do not read


def test_the_upload_pages_hint_reads_the_start_of_a_gzip() -> None:
    """The page's script sends a file's first 64 kB: for a gzip, that is the start of what
    it holds, which says which ready schema it looks like; a zip says nothing."""
    spend = DATA / "made/uk-spend-swapped-amount-description.csv"
    packed = gzip.compress(spend.read_bytes())
    names = [hint.entry_name for hint in hint_schemas(packed[:HEAD_BYTES])]
    assert names and names == [hint.entry_name for hint in hint_schemas(spend.read_bytes())]
    assert names[0] == "uk-spend-over-25k"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("spend.csv", spend.read_bytes())
    assert hint_schemas(archive.getvalue()[:HEAD_BYTES]) == []


def test_a_workbook_is_not_taken_for_an_archive(tmp_path: Path) -> None:
    """An .xlsx is a zip: it is read as the workbook it is, whatever its name."""
    book = spend_workbook(tmp_path / "spend.zip")
    assert unpack_table(book, tmp_path / "nowhere", max_members=1).path == book
