"""The judged search set (tests/data/search_judged/): real dataset records loaded into a site
through our own publishing functions, and queries with the datasets a person would expect
on the first page, scored by nDCG@10 and "a right answer in the top 3".

    python -m tests.search_judged          # the figures, and each query's first results

A record with columns is published as a one-row CSV whose header is its column names (the
columns' descriptions go in the schema); one without columns is made with create_dataset, as
CKAN's package_create makes a dataset before its first upload.
"""

from __future__ import annotations

import csv
import json
import math
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalog.datasets.publishing import DatasetMetadata, create_dataset, publish_file
from catalog.datasets.reading import search_datasets
from catalog.viewer import Viewer

FOLDER = Path(__file__).parent / "data" / "search_judged"
CUTOFF = 10  # nDCG@10
TOP = 3  # "a right answer in the top 3": a dataset judged 2 (the answer) among the first 3


@dataclass
class Figures:
    ndcg: float  # mean nDCG@10 over the queries
    top3: float  # share of queries with an answer judged 2 in the first 3
    per_query: list[tuple[str, float, bool, list[str]]]  # query, nDCG, top-3 hit, first 10


def records() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads((FOLDER / "records.json").read_text("utf-8"))
    return found


def queries() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads((FOLDER / "queries.json").read_text("utf-8"))
    return found


def load(site: Any, folder: Path) -> dict[str, str]:
    """Publish every record; returns the site's URL name of each record id."""
    names = {}
    for record in records():
        metadata = DatasetMetadata(
            title=record["title"],
            description=record["description"],
            organisation=record["organisation"],
            tags=[t.replace(",", " ") for t in record["tags"]],
            name=record["id"],
        )
        columns = _unique_columns(record["columns"])
        if not columns:
            with site.session() as session:
                names[record["id"]] = create_dataset(site, session, metadata, None)
                session.commit()
            continue
        path = folder / f"{record['id']}.csv"
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow([c["name"] for c in columns])
            writer.writerow(["x"] * len(columns))
        schema = {
            "fields": [
                {"name": c["name"], "type": "string", "description": c["description"]}
                for c in columns
            ]
        }
        outcome = publish_file(
            site, path, original_name=path.name, schema=schema, metadata=metadata
        )
        assert outcome.published, (record["id"], outcome.result.report)
        assert outcome.dataset_name is not None
        names[record["id"]] = outcome.dataset_name
    return names


def _unique_columns(columns: list[dict[str, str]]) -> list[dict[str, str]]:
    seen: set[str] = set()
    kept = []
    for column in columns:
        name = column["name"].strip()
        if name and name.lower() not in seen:
            seen.add(name.lower())
            kept.append({"name": name, "description": column.get("description", "")})
    return kept


def evaluate(site: Any, names: dict[str, str]) -> Figures:
    """Run every judged query as an anonymous visitor and score the first page."""
    ids = {name: record_id for record_id, name in names.items()}
    per_query = []
    for query in queries():
        with site.session() as session:
            page = search_datasets(site, session, query["q"], viewer=Viewer.anonymous())
        shown = [ids[r["name"]] for r in page["results"]][:CUTOFF]
        relevant: dict[str, int] = query["relevant"]
        gains = [relevant.get(record_id, 0) for record_id in shown]
        ideal = sorted(relevant.values(), reverse=True)[:CUTOFF]
        score = _dcg(gains) / _dcg(ideal) if ideal else 0.0
        hit = any(relevant.get(record_id) == 2 for record_id in shown[:TOP])
        per_query.append((query["q"], score, hit, shown))
    count = len(per_query)
    return Figures(
        sum(p[1] for p in per_query) / count, sum(p[2] for p in per_query) / count, per_query
    )


def _dcg(gains: list[int]) -> float:
    return sum((2**gain - 1) / math.log2(rank + 2) for rank, gain in enumerate(gains))


def main() -> int:
    from catalog.config import Settings
    from catalog.site import Site
    from catalog.startup import prepare

    with tempfile.TemporaryDirectory(prefix="search-judged-") as data:
        settings = Settings(
            data_dir=Path(data), load_samples=False, secret_key="judged-" + "0" * 26
        )
        site = Site(settings)
        prepare(site)
        names = load(site, Path(data))
        figures = evaluate(site, names)
        site.close()
    for text, score, hit, shown in figures.per_query:
        print(f"{score:5.2f} {'top3' if hit else '    '} {text!r}: {', '.join(shown[:5])}")
    print(f"\n{len(figures.per_query)} queries over {len(names)} datasets:")
    print(f"nDCG@10 {figures.ndcg:.3f}; a right answer in the top 3: {figures.top3:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
