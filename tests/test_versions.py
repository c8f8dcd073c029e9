"""Versions: a new upload is a new version, old ones stay at their URLs, the page says what
changed; each version's column profile is worked out when it is published."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from catalog.datasets.publishing import DatasetMetadata, publish_file


def write(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_a_second_upload_is_a_new_version_and_the_page_says_what_changed(
    client: Any, site: Any, tmp_path: Path
) -> None:
    first = write(
        tmp_path / "libraries-2023.csv",
        ["library", "visits", "ward"],
        [["Central", 1200, "1"], ["Northside", 300, "2"], ["Riverside", 450, "3"]],
    )
    one = publish_file(
        site, first, original_name=first.name, schema=None, metadata=DatasetMetadata("Libraries")
    )
    name = one.dataset_name
    second = write(
        tmp_path / "libraries-2024.csv",
        ["library", "visits", "ward", "opened"],
        [
            ["Central", 1200, "Ward 1", "1905"],
            ["Riverside", 450, "Ward 3", "1960"],
            ["Eastgate", 90, "Ward 4", "2024"],
        ],
    )
    two = publish_file(site, second, original_name=second.name, schema=None, dataset_name=name)
    assert (two.dataset_name, two.version_number) == (name, 2)

    with site.session() as db:
        from catalog.datasets import reading

        ref, _ = reading.version_files(site, db, name, 2)
    assert (ref.folder / "profile.json").is_file()  # worked out on publishing
    assert (ref.folder / "changes-from-1.json").is_file()

    page = client.get(f"/dataset/{name}")
    assert "What changed since version 1" in page.text
    # ward went from integer to text, so rows compare on library and visits only:
    # Northside went, Eastgate came.
    assert "1 rows added, 1 removed, 2 unchanged (3 rows before, 3 now)" in page.text
    assert "Columns added: opened" in page.text
    assert "Column ward changed type from int64 to string" in page.text
    assert "Eastgate" in page.text and "Northside" in page.text  # the sample rows

    old = client.get(f"/dataset/{name}/v1/data.csv")
    assert old.status_code == 200
    assert list(csv.reader(io.StringIO(old.text)))[2] == ["Northside", "300", "2"]
    new = client.get(f"/dataset/{name}/v2/data.csv")
    assert "Eastgate" in new.text and "Northside" not in new.text
    older_page = client.get(f"/dataset/{name}?version=1")
    assert "You are looking at version 1" in older_page.text
    assert "What changed since" not in older_page.text


def test_the_page_shows_each_columns_profile(client: Any, site: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path / "trees.csv",
        ["species", "height"],
        [["Oak", 12], ["Oak", 15], ["Ash", 9], ["Oak", ""], ["Birch", 7]],
    )
    outcome = publish_file(
        site, path, original_name=path.name, schema=None, metadata=DatasetMetadata("Trees")
    )
    page = client.get(f"/dataset/{outcome.dataset_name}")
    assert "Oak (3), " in page.text  # most common values
    assert '<svg class="spark"' in page.text and "<title>Oak: 3</title>" in page.text
    columns = page.text.split('<table class="columns">', 1)[1].split("</table>", 1)[0]
    assert '<td class="n">1</td><td class="n">4</td>' in columns  # height: 1 empty, 4 distinct
