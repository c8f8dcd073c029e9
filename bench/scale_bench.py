"""Issue 17's search at scale: the Whoosh backend beside the PostgreSQL one, in one run.

For each size (100k by default) the same generated dataset records as `bench search`
(bench/search_bench.py: seeded titles, ~100-word descriptions, tags, organisations,
licences, columns; 5% private) are indexed by each backend, and the same 200 seeded
queries are timed through its `search` (every facet counted, sorts relevance, relevance,
title and modified in turn, the page of 20 ids): build time, the first search (which opens
the index, and on PostgreSQL loads the facet arrays), p50 and p95, and the ratio of the
two p95s. The target: PostgreSQL p95 at most 50 ms at 100k, and at least 5x faster than
Whoosh at 100k.

PostgreSQL runs in a schema of its own, dropped afterwards, on the server of
--database-url (default: $DATASTORE_BENCH_POSTGRES_URL, or the local test server).

    python -m bench scale                          # 100k, both backends
    python -m bench scale --sizes 10k              # quicker
    python -m bench scale --sizes 100k --backends postgresql
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench.search_bench import (
    generated_documents,
    generated_queries,
    parse_sizes,
    time_queries,
    vocabulary,
)
from catalog.search.index import SearchIndex
from catalog.search.pgindex import PostgresIndex

TARGET_P95_MS = 50.0
TARGET_RATIO = 5.0
TARGET_SIZE = 100_000
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    words, tags, organisations = vocabulary()
    queries = generated_queries(words, tags)
    print("Search at scale (Python API: search() of each backend, every facet counted)")
    rows = []
    status = 0
    for size in args.sizes:
        documents = generated_documents(size, words, tags, organisations)
        figures: dict[str, tuple[float, float, float, float]] = {}
        if "postgresql" in args.backends:
            with _schema(args.database_url) as url:
                engine = create_engine(url)
                try:
                    figures["postgresql"] = _measure(PostgresIndex(engine), documents, queries)
                finally:
                    engine.dispose()
            _say(size, "postgresql", figures["postgresql"])
        if "whoosh" in args.backends:
            folder = Path(tempfile.mkdtemp(prefix=f"scale-bench-{size}-"))
            try:
                figures["whoosh"] = _measure(SearchIndex(folder), documents, queries)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            _say(size, "whoosh", figures["whoosh"])
        ratio = "-"
        if len(figures) == 2:
            whoosh_p95, pg_p95 = figures["whoosh"][3], figures["postgresql"][3]
            ratio = f"{whoosh_p95 / pg_p95:.1f}"
        verdict = "-"
        if size == TARGET_SIZE and "postgresql" in figures:
            met = figures["postgresql"][3] <= TARGET_P95_MS
            if ratio != "-":
                met = met and float(ratio) >= TARGET_RATIO
            verdict = "yes" if met else "NO"
            status = max(status, 0 if met else 1)
        rows.append((size, figures, ratio, verdict))
    print(
        "\n| datasets | backend | build s | first search ms | p50 ms | p95 ms "
        "| Whoosh p95 ÷ PostgreSQL p95 | target met at 100k |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|:---:|")
    for size, figures, ratio, verdict in rows:
        for backend, (build, first, p50, p95) in figures.items():
            print(
                f"| {size:,} | {backend} | {build:.1f} | {first:.0f} | {p50:.1f} | {p95:.1f} "
                f"| {ratio} | {verdict} |"
            )
    return status


def _say(size: int, backend: str, figures: tuple[float, float, float, float]) -> None:
    build, first, p50, p95 = figures
    print(
        f"  {size:,} datasets, {backend}: built in {build:.1f} s, first search {first:.0f} ms, "
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms",
        flush=True,
    )


def _measure(
    index: Any, documents: list[dict[str, Any]], queries: list[str]
) -> tuple[float, float, float, float]:
    """Build time (s), the first search (ms), then p50 and p95 (ms) of the queries."""
    started = time.perf_counter()
    index.rebuild(documents)
    build = time.perf_counter() - started
    started = time.perf_counter()
    index.search(queries[0], None, 0, 20)
    first = (time.perf_counter() - started) * 1000
    p50, p95 = time_queries(index, queries)
    return build, first, p50, p95


@contextmanager
def _schema(database_url: str) -> Iterator[str]:
    """The URL of a new schema of its own on the server, dropped afterwards."""
    engine = create_engine(database_url)
    schema = f"bench_scale_{uuid.uuid4().hex[:12]}"
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    joiner = "&" if "?" in database_url else "?"
    try:
        yield f"{database_url}{joiner}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench scale", description=__doc__)
    parser.add_argument("--sizes", type=parse_sizes, default=parse_sizes("100k"), help="e.g. 10k")
    parser.add_argument(
        "--backends",
        type=lambda t: [b.strip() for b in t.split(",") if b.strip()],
        default=["whoosh", "postgresql"],
        help="whoosh,postgresql (the default: both)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATASTORE_BENCH_POSTGRES_URL", DEFAULT_URL),
        help="a PostgreSQL server whose database may hold a schema for the run",
    )
    return parser.parse_args(argv)
