"""The reads benchmark: pages and a full CSV download from a 10M-row table.

From the reads issue: time the first page of 50 rows, a page at offset 5M, a page sorted by a
numeric column, a page filtered by a selective equality, and a full CSV download; compare in
the same run with reading one row group with pyarrow and with `cat` of the original CSV to
/dev/null, and print the ratios. Targets: each page within 3x one row-group read; the
download at least 0.5x cat's throughput; the server's peak RSS during the download at most
200 MB.

The table is the ingest benchmark's valid spend file (bench/spend.py), published through
the catalogue (catalog.datasets.publishing.publish_file) into a data folder kept in bench/out/, so
later runs reuse it. Pages go through datastore.query.run_query, the function behind the
dataset page and datastore_search; the download goes over HTTP from a live `datastore run`
whose resident memory is sampled from /proc while it serves.

    python -m bench reads                 # 10M rows
    python -m bench reads --rows 1M       # a quicker run
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from bench import spend
from bench.ingest_bench import OUT, _count, _machine

TARGET_PAGE = 3.0  # each page within 3x one row-group read
TARGET_DOWNLOAD = 0.5  # CSV download at least half cat's throughput
TARGET_RSS_MB = 200.0
REPEATS = 7
MB = 1_000_000


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    from datastore import use_memory_pool

    use_memory_pool(os.environ.get("DATASTORE_ARROW_MEMORY_POOL", "jemalloc"))  # as the app
    print("Reads benchmark")
    print(_machine())
    site_dir = args.out / f"reads-site-{args.rows}"
    csv_path = spend.generate(args.out, args.rows, "valid", spend.SEED)
    print(f"\n{args.rows:,} rows: {csv_path.name}, {csv_path.stat().st_size / MB:,.0f} MB")
    name, parquet = _published(site_dir, csv_path)
    meta = pq.ParquetFile(parquet).metadata
    print(f"  Parquet {parquet.stat().st_size / MB:,.0f} MB, {meta.num_row_groups} row groups")

    from datastore.query import Filter, Query, run_query

    middle = _value_at(parquet, "transaction_id", args.rows // 2)
    baseline = _timed(lambda: pq.ParquetFile(parquet).read_row_group(meta.num_row_groups // 2))
    pages = {
        "first page (50 rows)": Query(limit=50, include_total=True),
        "page at offset 5M": Query(limit=50, offset=min(5_000_000, args.rows - 50)),
        "sorted by amount, desc": Query(limit=50, sort=(("amount", True),)),
        "transaction_id = one value": Query(
            limit=50, filters=(Filter("transaction_id", "eq", middle),)
        ),
    }
    print(f"\n  one row group read (pyarrow): {baseline * 1000:8.1f} ms  (median of {REPEATS})")
    rows: list[tuple[str, float, float]] = []
    for label, query in pages.items():
        seconds = _timed(lambda q=query: run_query(parquet, q))
        rows.append((label, seconds, seconds / baseline))
        verdict = "PASS" if seconds / baseline <= TARGET_PAGE else "MISS"
        print(f"  {label:30} {seconds * 1000:8.1f} ms  {seconds / baseline:5.1f}x  {verdict}")

    cat = _cat(csv_path)
    download = _download(site_dir, name)
    ratio = download["mb_s"] / cat["mb_s"]
    print(f"\n  cat original > /dev/null: {cat['mb_s']:,.0f} MB/s ({cat['seconds']:.2f} s)")
    print(
        f"  CSV download over HTTP: {download['mb_s']:,.0f} MB/s "
        f"({download['bytes'] / MB:,.0f} MB in {download['seconds']:.2f} s), "
        f"{ratio:.2f}x cat  {'PASS' if ratio >= TARGET_DOWNLOAD else 'MISS'}"
    )
    rss = download["peak_rss_mb"]
    print(
        f"  server peak RSS during the download: {rss:,.0f} MB "
        f"(at rest before it: {download['rest_rss_mb']:,.0f} MB)  "
        f"{'PASS' if rss <= TARGET_RSS_MB else 'MISS'}"
    )
    print("\nMarkdown, for docs/benchmarks.md:\n")
    print(f"Measured {time.strftime('%Y-%m-%d')}; {_machine(short=True)}.\n")
    print("| read | time | vs one row group (<= 3x) |")
    print("|---|---|---|")
    print(f"| one row group (pyarrow) | {baseline * 1000:.1f} ms | 1.0x |")
    for label, seconds, times in rows:
        print(f"| {label} | {seconds * 1000:.1f} ms | {times:.1f}x |")
    print(
        "\n| download | MB/s | vs cat (>= 0.5x) | server peak RSS (<= 200 MB) |\n"
        "|---|---|---|---|\n"
        f"| cat original.csv | {cat['mb_s']:,.0f} | 1.00x | - |\n"
        f"| CSV over HTTP | {download['mb_s']:,.0f} | {ratio:.2f}x | {rss:,.0f} MB |"
    )
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench reads", description=__doc__)
    parser.add_argument("--rows", type=_count, default=10_000_000)
    parser.add_argument("--out", type=Path, default=OUT)
    return parser.parse_args(argv)


def _settings(site_dir: Path) -> Any:
    from catalog.config import Settings

    return Settings(data_dir=site_dir, load_samples=False, secret_key="bench-" + "0" * 26)


def _published(site_dir: Path, csv_path: Path) -> tuple[str, Path]:
    """The spend table published in its own data folder (once; later runs reuse it)."""
    from catalog.app import create_app
    from catalog.datasets.publishing import DatasetMetadata, publish_file

    marker = site_dir / "published.txt"
    app = create_app(_settings(site_dir))
    site = app.extensions["site"]
    try:
        if not marker.exists():
            started = time.perf_counter()
            outcome = publish_file(
                site,
                csv_path,
                original_name="spend.csv",
                schema=spend.SCHEMA,
                metadata=DatasetMetadata(title="Spend benchmark"),
            )
            assert outcome.published, outcome.result.report["tasks"][0]["errors"][:3]
            marker.write_text(str(outcome.dataset_name))
            print(f"  published in {time.perf_counter() - started:.1f} s")
        name = marker.read_text()
        with site.session() as db:
            from catalog.datasets import reading

            ref, _ = reading.version_files(site, db, name, 1)
        return name, ref.parquet
    finally:
        site.close()


def _value_at(parquet: Path, column: str, row: int) -> Any:
    file = pq.ParquetFile(parquet)
    start = 0
    for group in range(file.num_row_groups):
        size = file.metadata.row_group(group).num_rows
        if start + size > row:
            return file.read_row_group(group, columns=[column])[column][row - start].as_py()
        start += size
    raise ValueError(row)


def _timed(work: Any) -> float:
    work()  # warm: the file's pages in the OS cache, imports done
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _cat(path: Path) -> dict[str, float]:
    subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL, check=True)  # warm
    started = time.perf_counter()
    subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL, check=True)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "mb_s": path.stat().st_size / MB / seconds}


def _download(site_dir: Path, name: str) -> dict[str, float]:
    """Download the whole table as CSV from a live server, sampling its memory."""
    port = 5873
    env = {
        **os.environ,
        "DATASTORE_DATA_DIR": str(site_dir),
        "DATASTORE_LOAD_SAMPLES": "false",
        "DATASTORE_SECRET_KEY": "bench-" + "0" * 26,
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "datastore"), "run", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/dataset/{name}/v1/data.csv"
    try:
        _wait_for(f"http://127.0.0.1:{port}/")
        rest = _rss_mb(server.pid)
        with urllib.request.urlopen(url) as response:  # warm: the server's imports and caches
            response.read(1 << 20)
        peak = rest
        size = 0
        started = time.perf_counter()
        with urllib.request.urlopen(url) as response:
            while chunk := response.read(1 << 20):
                size += len(chunk)
                peak = max(peak, _rss_mb(server.pid))
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "seconds": seconds,
        "bytes": size,
        "mb_s": size / MB / seconds,
        "peak_rss_mb": peak,
        "rest_rss_mb": rest,
    }


def _wait_for(url: str) -> None:
    for _ in range(200):
        try:
            with urllib.request.urlopen(url):  # noqa: S310 (our own http://127.0.0.1 URL)
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server at {url} did not start")


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / MB
    return 0.0


if __name__ == "__main__":
    sys.exit(main())
