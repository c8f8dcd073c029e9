"""A download that fails after its first byte is visibly incomplete, against the real
server: `datastore run` (waitress) in a process of its own, asked with http.client and a
raw socket.

The failure is a real one: the version's data.parquet damaged in its last row group, so the
first rows stream out and the last ones cannot be read. Over HTTP/1.1 the client then sees
no terminating chunk (IncompleteRead); the server logs the dataset and version. Over
HTTP/1.0, where a cut body would look whole, a streamed download is made whole before it is
sent, with its Content-Length, so the damage is an error page; the stored files come with
their Content-Length too.
"""

from __future__ import annotations

import csv
import http.client
import io
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from catalog.datasets.publishing import DatasetMetadata, publish_file
from tests.conftest import wait_for

ROOT = Path(__file__).resolve().parent.parent
DATASTORE = Path(sys.executable).parent / "datastore"
ROWS = 60_000  # four row groups of 16,384 rows
SCHEMA = {"fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]}


class Server:
    """`datastore run` on a free port of 127.0.0.1, its log kept in a file."""

    def __init__(self, settings: Any, log: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = {
            **os.environ,
            "DATASTORE_DATA_DIR": str(settings.data_dir),
            "DATASTORE_DATABASE_URL": settings.database_url,
            "DATASTORE_SECRET_KEY": settings.secret_key,
            "DATASTORE_LOAD_SAMPLES": "false",
            "DATASTORE_SEED_AUTHORITIES": "false",
        }
        self.log = log
        with open(log, "wb") as output:
            self.process = subprocess.Popen(
                [str(DATASTORE), "run", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        wait_for(self.answering, 60, "datastore run to answer")

    def answering(self) -> bool:
        assert self.process.poll() is None, self.log.read_text(encoding="utf-8")
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return False
        return True

    def raw(self, request: bytes) -> bytes:
        """Every byte the server sends for `request`, until it closes the connection."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as connection:
            connection.sendall(request)
            received = bytearray()
            while data := connection.recv(65536):
                received += data
        return bytes(received)

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(30)


@pytest.fixture
def dataset(site: Any, tmp_path: Path) -> str:
    path = tmp_path / "people.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name"])
        writer.writerows([i, f"person number {i}"] for i in range(ROWS))
    outcome = publish_file(
        site, path, original_name=path.name, schema=SCHEMA, metadata=DatasetMetadata("People")
    )
    assert outcome.published
    return str(outcome.dataset_name)


@pytest.fixture
def server(settings: Any, dataset: str, tmp_path: Path) -> Iterator[Server]:
    running = Server(settings, tmp_path / "server.log")
    try:
        yield running
    finally:
        running.close()


def damage_last_row_group(parquet: Path) -> None:
    """Overwrite the column chunks of the file's last row group with junk, in place."""
    metadata = pq.ParquetFile(parquet).metadata
    assert metadata.num_row_groups >= 3
    group = metadata.row_group(metadata.num_row_groups - 1)
    with open(parquet, "r+b") as handle:
        for index in range(group.num_columns):
            column = group.column(index)
            start = column.dictionary_page_offset or column.data_page_offset
            handle.seek(start)
            handle.write(b"\xff" * column.total_compressed_size)


def get(server: Server, path: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", path)
    return connection.getresponse()


@pytest.mark.processes
def test_a_download_that_fails_part_way_ends_without_its_last_chunk(
    server: Server, site: Any, dataset: str
) -> None:
    url = f"/dataset/{dataset}/v1/data.csv"
    whole = get(server, url)
    assert whole.status == 200 and whole.headers["Transfer-Encoding"] == "chunked"
    assert whole.headers["Content-Length"] is None
    rows = list(csv.reader(io.StringIO(whole.read().decode("utf-8"))))
    assert len(rows) == ROWS + 1  # read to its terminating chunk: whole
    whole.close()

    damage_last_row_group(site.store.version(_key(site, dataset), 1).parquet)
    cut = get(server, url)
    assert cut.status == 200 and cut.headers["Transfer-Encoding"] == "chunked"
    with pytest.raises(http.client.IncompleteRead) as incomplete:
        cut.read()
    cut.close()
    partial = list(csv.reader(io.StringIO(incomplete.value.partial.decode("utf-8"))))
    assert partial[:2] == [["id", "name"], ["0", "person number 0"]]
    assert len(partial) < ROWS + 1

    raw = server.raw(f"GET {url} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Transfer-Encoding: chunked" in head
    assert b"person number 0" in body
    assert not body.endswith(b"0\r\n\r\n")  # the connection closed with no last chunk
    wait_for(lambda: "failed after" in server.log.read_text(encoding="utf-8"), 30, "the log")
    assert f"download of {dataset} version 1 as csv failed after" in server.log.read_text(
        encoding="utf-8"
    )


@pytest.mark.processes
def test_http_1_0_gets_whole_downloads_with_their_length_or_an_error_page(
    server: Server, site: Any, dataset: str
) -> None:
    def ask(path: str) -> tuple[bytes, bytes]:
        head, _, body = server.raw(f"GET {path} HTTP/1.0\r\n\r\n".encode()).partition(b"\r\n\r\n")
        return head, body

    for path in (
        f"/dataset/{dataset}/v1/data.csv",
        f"/dataset/{dataset}/v1/data.parquet?sort=id",
        f"/datastore/dump/{dataset}?format=json",
        f"/dataset/{dataset}/datapackage.zip",
    ):
        head, body = ask(path)
        assert head.startswith(b"HTTP/1.0 200"), (path, head)
        assert f"Content-Length: {len(body)}".encode() in head and b"chunked" not in head, path
        assert b"attachment; filename=" in head, path
    head, body = ask(f"/dataset/{dataset}/v1/data.csv")
    assert len(list(csv.reader(io.StringIO(body.decode("utf-8"))))) == ROWS + 1
    head, body = ask(f"/dataset/{dataset}/v1/data.parquet")
    assert head.startswith(b"HTTP/1.0 200")
    stored = site.store.version(_key(site, dataset), 1).parquet.read_bytes()
    assert f"Content-Length: {len(stored)}".encode() in head and body == stored

    damage_last_row_group(site.store.version(_key(site, dataset), 1).parquet)
    head, body = ask(f"/dataset/{dataset}/v1/data.csv")
    assert head.startswith(b"HTTP/1.0 500"), head  # an error page, never a cut file behind a 200
    assert b"person number 0" not in body
    assert list((site.settings.data_dir / "tmp" / "downloads").iterdir()) == []


def _key(site: Any, name: str) -> str:
    from sqlalchemy import select

    from catalog.db.models import Dataset

    with site.session() as session:
        key: str = session.scalars(select(Dataset.key).where(Dataset.name == name)).one()
    return key
