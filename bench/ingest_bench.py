"""The ingest benchmark: our ingest against frictionless and against raw pyarrow.

For each generated spend file (bench/spend.py) three engines run, one after another, each in
its own child process so that its peak RSS is its own:

    frictionless  Resource(path, schema).validate(limit_errors): the checks, nothing written
    ours          ingest.ingest_file(): copy, sniff, validate, convert to Parquet, publish
    pyarrow       pyarrow.csv.open_csv -> ParquetWriter (zstd), every column read as text,
                  no checks; rows with the wrong number of cells are skipped

The child times its own work (interpreter start and imports excluded); the parent reads the
child's peak RSS and CPU time from os.wait4(). See docs/benchmarks.md.

    python -m bench ingest                       # 1M and 5M rows, valid and errors
    python -m bench ingest --rows 20k --rows 50k # a quick smoke run
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import spend

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"  # generated files (ignored by git); delete it to start afresh
DEFAULT_ROWS = (1_000_000, 5_000_000)
DEFAULT_ERROR_LIMIT = 1000  # frictionless's default, and ingest's
ERRORS_LIMIT = 10_000_000  # on the errors files, so that every engine reads the whole file
ENGINES = {"frictionless": "frictionless", "ours": "ours (ingest_file)", "pyarrow": "raw pyarrow"}
TARGET_SPEEDUP = 20.0  # ours at least 20x frictionless
TARGET_RAW = 0.5  # ours at least half as fast as raw pyarrow
TARGET_RSS_MB = 300.0  # ours, on the 5M-row file
MB = 1_000_000


@dataclass
class Measured:
    engine: str
    seconds: float = 0.0  # the work only, timed inside the child
    cpu_seconds: float = 0.0  # user + system, the whole child process
    peak_rss_mb: float = 0.0
    verdict: str = ""
    errors: Counter[str] = field(default_factory=Counter)
    parquet_mb: float | None = None
    skipped: int = 0  # rows raw pyarrow dropped for having the wrong number of cells
    failed: str = ""  # why the child failed, when it did


@dataclass
class FileResult:
    rows: int
    variant: str
    path: Path
    mb: float
    measured: dict[str, Measured]

    @property
    def label(self) -> str:
        return f"{self.rows:,} rows, {self.variant}"

    def ratio(self, engine: str) -> float | None:
        """How many times faster ours ran than `engine`."""
        ours, other = self.measured.get("ours"), self.measured.get(engine)
        if not ours or not other or ours.failed or other.failed or not ours.seconds:
            return None
        return other.seconds / ours.seconds


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.engine_child:
        return _child(*args.engine_child)
    engines = args.engine or list(ENGINES)
    rows_list = args.rows or _env_rows() or list(DEFAULT_ROWS)
    variants = args.variant or list(spend.VARIANTS)
    print("Ingest benchmark")
    print(_machine(), flush=True)
    schema_path = spend.write_schema(args.out)
    results: list[FileResult] = []
    for rows in rows_list:
        for variant in variants:
            path = _generated(args.out, rows, variant, args.seed)
            limit = ERRORS_LIMIT if variant == "errors" else DEFAULT_ERROR_LIMIT
            result = FileResult(rows, variant, path, path.stat().st_size / MB, {})
            for engine in engines:
                _read_through(path)  # every engine finds the file in the page cache
                print(f"  {ENGINES[engine]} ...", end=" ", flush=True)
                result.measured[engine] = _measure(engine, path, schema_path, limit, args.out)
                print(_done(result.measured[engine]), flush=True)
            print(_text_table(result), flush=True)
            results.append(result)
    print("\nMarkdown, for docs/benchmarks.md:\n")
    print(_markdown(results))
    return 1 if any(m.failed for r in results for m in r.measured.values()) else 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench ingest",
        description="Time frictionless, our ingest and raw pyarrow on generated spend files.",
    )
    parser.add_argument(
        "--rows",
        type=_count,
        action="append",
        help="data rows per file, e.g. 20000, 50k or 1M; repeat for several sizes "
        "(default: BENCH_ROWS, comma-separated, or 1M and 5M)",
    )
    parser.add_argument("--variant", choices=spend.VARIANTS, action="append")
    parser.add_argument(
        "--engine",
        choices=list(ENGINES),
        action="append",
        help="run only these engines (default: all three; ratios need all three)",
    )
    parser.add_argument("--seed", type=int, default=spend.SEED)
    parser.add_argument("--out", type=Path, default=OUT, help=f"cache folder (default {OUT})")
    parser.add_argument("--engine-child", nargs=5, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _count(text: str) -> int:
    text = text.strip().replace("_", "").lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = int(float(text[:-1]) * scale) if scale > 1 else int(text)
    if number < 1:
        raise argparse.ArgumentTypeError("a file needs at least one row")
    return number


def _env_rows() -> list[int]:
    return [_count(part) for part in os.environ.get("BENCH_ROWS", "").split(",") if part.strip()]


def _generated(folder: Path, rows: int, variant: str, seed: int) -> Path:
    started = time.perf_counter()
    path = spend.generate(folder, rows, variant, seed)
    took = time.perf_counter() - started
    size = path.stat().st_size / MB
    how = f"generated in {took:.1f} s" if took > 0.5 else "cached"
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"\n{rows:,} rows, {variant}: {shown}")
    print(f"  {size:,.1f} MB, {how}", end="")
    if variant == "errors":
        per_kind = spend.error_rows_per_kind(rows)
        print(f"; {per_kind:,} rows of each of {len(spend.ERROR_KINDS)} error kinds", end="")
    print(flush=True)
    return path


def _read_through(path: Path) -> None:
    with open(path, "rb") as handle:
        while handle.read(8 << 20):
            pass


def _measure(engine: str, path: Path, schema_path: Path, limit: int, out: Path) -> Measured:
    """Run one engine in a child process; its figures come back in a JSON file."""
    measured = Measured(engine)
    work = Path(tempfile.mkdtemp(prefix=f"run-{engine}-", dir=out))
    result_path = work / "result.json"
    command = [sys.executable, "-m", "bench.ingest_bench", "--engine-child", engine]
    command += [str(path), str(schema_path), str(limit), str(work)]
    try:
        process = subprocess.Popen(command, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, else KiB
        measured.peak_rss_mb = usage.ru_maxrss * scale / MB
        measured.cpu_seconds = usage.ru_utime + usage.ru_stime
        if process.returncode != 0:
            measured.failed = f"exit status {process.returncode}"
            return measured
        found = json.loads(result_path.read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    measured.seconds = found["seconds"]
    measured.verdict = found["verdict"]
    measured.errors = Counter(found.get("errors", {}))
    if found.get("parquet_bytes") is not None:
        measured.parquet_mb = found["parquet_bytes"] / MB
    measured.skipped = found.get("skipped", 0)
    return measured


def _child(engine: str, csv: str, schema_path: str, limit: str, work: str) -> int:
    """In the child process: run one engine and write its figures to <work>/result.json."""
    run = {"frictionless": _run_frictionless, "ours": _run_ours, "pyarrow": _run_pyarrow}[engine]
    if engine != "frictionless":  # the allocator the app uses (DATASTORE_ARROW_MEMORY_POOL)
        from datastore import use_memory_pool

        use_memory_pool(os.environ.get("DATASTORE_ARROW_MEMORY_POOL", "jemalloc"))
    schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
    found = run(Path(csv), schema, int(limit), Path(work))
    (Path(work) / "result.json").write_text(json.dumps(found), encoding="utf-8")
    return 0


def _run_frictionless(csv: Path, schema: dict[str, Any], limit: int, work: Path) -> dict[str, Any]:
    from frictionless import Resource, Schema

    started = time.perf_counter()
    resource = Resource(
        path=csv.name, basepath=str(csv.parent), schema=Schema.from_descriptor(schema)
    )
    report = resource.validate(limit_errors=limit)
    seconds = time.perf_counter() - started
    errors = Counter(e.type for e in report.errors)
    for task in report.tasks:
        errors.update(e.type for e in task.errors)
    return {"seconds": seconds, "verdict": "valid" if report.valid else "invalid", "errors": errors}


def _run_ours(csv: Path, schema: dict[str, Any], limit: int, work: Path) -> dict[str, Any]:
    from datastore import Store
    from ingest import ingest_file

    started = time.perf_counter()
    result = ingest_file(
        Store(work / "store"),
        "0" * 32,
        csv,
        original_name="spend.csv",
        schema=schema,
        limit_errors=limit,
    )
    seconds = time.perf_counter() - started
    errors = Counter(e.get("type") for e in result.report.get("errors", []))
    for task in result.report.get("tasks", []):
        errors.update(e.get("type") for e in task.get("errors", []))
    parquet = result.version.parquet.stat().st_size if result.version else None
    verdict = "published" if result.valid else "rejected"
    return {"seconds": seconds, "verdict": verdict, "errors": errors, "parquet_bytes": parquet}


def _run_pyarrow(csv: Path, schema: dict[str, Any], limit: int, work: Path) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    skipped: list[int] = []

    def skip(row: Any) -> str:
        skipped.append(row.number)
        return "skip"

    started = time.perf_counter()
    names = [f["name"] for f in schema["fields"]]
    reader = pacsv.open_csv(
        csv,
        parse_options=pacsv.ParseOptions(invalid_row_handler=skip),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
    )
    target = work / "data.parquet"
    with pq.ParquetWriter(target, reader.schema, compression="zstd") as writer:
        for batch in reader:
            writer.write_batch(batch)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "verdict": "written",
        "parquet_bytes": target.stat().st_size,
        "skipped": len(skipped),
    }


def _done(m: Measured) -> str:
    return f"FAILED ({m.failed})" if m.failed else f"{m.seconds:.1f} s"


def _rows(result: FileResult) -> list[list[str]]:
    """One row of figures per engine: the same cells in the text and markdown tables."""
    lines = []
    for engine, m in result.measured.items():
        if m.failed:
            lines.append(
                [ENGINES[engine], "failed", "-", "-", "-", _mb(m.peak_rss_mb), "-", m.failed]
            )
            continue
        errors = f"{sum(m.errors.values()):,}" if engine != "pyarrow" else "not checked"
        if m.skipped:
            errors += f" ({m.skipped:,} rows skipped)"
        lines.append(
            [
                ENGINES[engine],
                f"{m.seconds:.2f}",
                f"{result.rows / m.seconds:,.0f}",
                f"{result.mb / m.seconds:,.1f}",
                f"{m.cpu_seconds:.1f}",
                _mb(m.peak_rss_mb),
                "-" if m.parquet_mb is None else f"{m.parquet_mb:,.1f}",
                f"{m.verdict}, {errors} errors" if engine != "pyarrow" else errors,
            ]
        )
    return lines


HEADINGS = ["engine", "seconds", "rows/s", "MB/s", "CPU s", "peak RSS MB", "Parquet MB", "result"]


TARGETS = [
    f"ours vs frictionless (>= {TARGET_SPEEDUP:g}x)",
    f"ours vs raw pyarrow (>= {TARGET_RAW:g}x)",
    f"ours peak RSS (<= {TARGET_RSS_MB:g} MB)",
]


def _targets(result: FileResult) -> list[tuple[str, str, str]]:
    """(target, measured, PASS/MISS or -) for each of the issue's three targets."""
    ours = result.measured.get("ours")
    rss = ours.peak_rss_mb if ours and not ours.failed else None
    checks = [
        _check(result.ratio("frictionless"), TARGET_SPEEDUP, "x"),
        _check(result.ratio("pyarrow"), TARGET_RAW, "x"),
        _check(rss, TARGET_RSS_MB, " MB", at_most=True),
    ]
    return [(target, *check) for target, check in zip(TARGETS, checks, strict=True)]


def _check(value: float | None, target: float, unit: str, at_most: bool = False) -> tuple[str, str]:
    if value is None:
        return "-", "-"
    shown = f"{value:.0f}{unit}" if unit == " MB" else f"{value:.2f}{unit}"
    ok = value <= target if at_most else value >= target
    return shown, "PASS" if ok else "MISS"


def _text_table(result: FileResult) -> str:
    table = [HEADINGS, *_rows(result)]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADINGS))]
    left = (0, len(HEADINGS) - 1)  # the engine and result columns; figures align right
    lines = [
        "  "
        + "  ".join(
            cell.ljust(width) if i in left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in table
    ]
    lines.insert(1, "  " + "  ".join("-" * w for w in widths))
    for what, shown, verdict in _targets(result):
        lines.append(f"  {what:<34} {shown:>10}  {verdict}")
    lines.extend(_error_notes(result))
    return "\n".join(lines)


def _error_notes(result: FileResult) -> list[str]:
    """Errors by type, when ours and frictionless disagree or the file has injected errors."""
    found = {e: result.measured[e].errors for e in ("frictionless", "ours") if e in result.measured}
    if result.variant != "errors" and all(not c for c in found.values()):
        return []
    notes = [f"  errors by type, {ENGINES[e]}: {dict(sorted(c.items()))}" for e, c in found.items()]
    if len(found) == 2 and found["frictionless"] != found["ours"]:
        notes.append("  NOTE: ours and frictionless report different errors")
    return notes


def _markdown(results: list[FileResult]) -> str:
    lines = [
        f"Measured {dt.date.today().isoformat()} on {_machine(short=True)}; {_commit()}.",
        "",
        "| file | " + " | ".join(HEADINGS) + " |",
        "|---" * (len(HEADINGS) + 1) + "|",
    ]
    for result in results:
        file = f"{result.label} ({result.mb:,.0f} MB)"
        lines += [f"| {file} | " + " | ".join(row) + " |" for row in _rows(result)]
    lines += ["", "| file | " + " | ".join(TARGETS) + " |", "|---" * (len(TARGETS) + 1) + "|"]
    for result in results:
        cells = [f"{shown} {verdict}".strip(" -") or "-" for _, shown, verdict in _targets(result)]
        lines.append(f"| {result.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _mb(value: float) -> str:
    return f"{value:,.0f}"


def _machine(short: bool = False) -> str:
    """The CPU, cores, memory and versions the figures were measured with."""
    cpu = _proc_value("/proc/cpuinfo", "model name") or platform.processor() or "unknown CPU"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = _proc_value("/proc/meminfo", "MemTotal")
    ram = f"{int(memory.split()[0]) / 1024 / 1024:.1f} GiB RAM" if memory else "RAM unknown"
    versions = ", ".join(
        f"{name} {_version(name)}" for name in ("pyarrow", "frictionless", "numpy")
    )
    if short:
        return f"{cpu}, {usable} cores, {ram}; Python {platform.python_version()}, {versions}"
    return "\n".join(
        [
            f"  CPU       {cpu} ({os.cpu_count()} logical cores, {usable} usable)",
            f"  memory    {ram}",
            f"  system    {platform.platform()}",
            f"  Python    {platform.python_version()}; {versions}",
            f"  code      {_commit()}",
        ]
    )


def _proc_value(path: str, key: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                name, _, value = line.partition(":")
                if name.strip() == key:
                    return value.strip()
    except OSError:
        pass
    return ""


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"commit {head}" + (" with uncommitted changes" if dirty else "") if head else "unknown"


if __name__ == "__main__":
    sys.exit(main())
