"""The load benchmark: a mixed load of C clients for D seconds, on loopback, against
(i) one embedded `datastore run` (SQLite, waitress) and (ii) `datastore run --processes 2`
on PostgreSQL with 2 `datastore worker` processes (where that command exists); then the
throughput ratio (ii)/(i). From issue 17: 32 clients, 120 s, target ratio at least 1.6
with 0 failed requests.

Each client asks in turn for a search page, a dataset page, a sorted preview, a CSV
download (the first 1,000 rows, filtered as the preview is) and a `datastore_search`
page; one more client, signed in, uploads a small CSV every 5 s (CSRF token and all, as a
browser does). Both sites hold the same data: the sample datasets and the spend table of
bench/spend.py (--rows rows), published before the clock starts.

The clients are threads of this one process (so at most one core, by Python's GIL), each
at a lower priority (--client-nice) so that on a small machine the servers come first;
client and servers still share the machine's cores, as the figures say (the CPU line: the
servers' and the clients' CPU seconds over the measured time). The first --warmup seconds
(10) are asked but not counted (each process's first pages, caches, connection pools).

    python -m bench load                          # 32 clients, 120 s each
    python -m bench load --clients 8 --duration 10  # a quick check
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import http.cookiejar
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import spend
from bench.ingest_bench import OUT, _machine
from bench.load_uploads import PASSWORD, signed_in, upload_outcomes, uploader

DATASTORE = Path(sys.executable).parent / "datastore"
KINDS = ["search", "dataset page", "sorted preview", "CSV download", "datastore_search"]
WEIGHTS = [3, 2, 2, 1, 2]
WORDS = ["spend", "council", "schools", "population", "budget", "transport", "ward", "2024"]
TARGET_RATIO = 1.6


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    print("Load benchmark")
    print(_machine())
    print(f"  load      {args.clients} clients for {args.duration:.0f} s, one upload every "
          f"{args.upload_every:.0f} s; clients niced by {args.client_nice}")  # fmt: skip
    csv_path = spend.generate(args.out, args.rows, "valid", spend.SEED)
    results: dict[str, dict[str, Any]] = {}
    with _site(args.out / "load-sqlite", "", csv_path) as (env, name, resource):
        print("\n(i) one embedded `datastore run` (SQLite, waitress)")
        with _server(env, args.port, 1, [], args.out / "load-sqlite.log") as pids:
            results["i"] = _measure(args, name, resource, pids)
    pg_url = args.postgres_url
    problem = _unreachable(pg_url)
    if problem:
        print(f"\n(ii) skipped: PostgreSQL at {pg_url} is not answering ({problem})")
    else:
        with _database(pg_url) as url, _site(args.out / "load-pg", url, csv_path) as site:
            env, name, res = site
            if args.pg_single:  # where the difference comes from: PostgreSQL, or processes
                print("\n(i-pg) one `datastore run` (waitress) on PostgreSQL, for comparison")
                with _server(env, args.port, 1, [], args.out / "load-pg-single.log") as pids:
                    results["i-pg"] = _measure(args, name, res, pids)
            workers = _worker_commands(env, args.workers)
            print(f"\n(ii) `datastore run --processes {args.processes}` on PostgreSQL, "
                  + (f"{args.workers} `datastore worker` processes" if workers else
                     "without workers (`datastore worker` is not in this build: uploads are "
                     "checked in the app processes)"))  # fmt: skip
            run_env = {**env, "DATASTORE_JOB_QUEUE": "postgresql"} if workers else env
            log = args.out / "load-pg.log"
            with _server(run_env, args.port, args.processes, workers, log) as pids:
                results["ii"] = _measure(args, name, res, pids)
    if "i-pg" in results and "ii" in results and results["i-pg"]["rate"]:
        ratio = results["ii"]["rate"] / results["i-pg"]["rate"]
        print(f"\nThroughput ratio (ii)/(i-pg), processes alone: {ratio:.2f}x")
    if "i" in results and "ii" in results and results["i"]["rate"]:
        ratio = results["ii"]["rate"] / results["i"]["rate"]
        failures = results["i"]["failures"] + results["ii"]["failures"]
        print(f"\nThroughput ratio (ii)/(i): {ratio:.2f}x (target at least {TARGET_RATIO}x); "
              f"failed requests: {failures} (target 0)")  # fmt: skip
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench load", description=__doc__)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds per site")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds not counted")
    parser.add_argument("--upload-every", type=float, default=5.0, help="seconds")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--pg-single",
        action="store_true",
        help="also measure one waitress process on PostgreSQL (another D seconds)",
    )
    parser.add_argument("--rows", type=int, default=20_000, help="rows of the spend table")
    parser.add_argument("--port", type=int, default=8780)
    parser.add_argument("--client-nice", type=int, default=5)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("DATASTORE_BENCH_POSTGRES_URL")
        or os.environ.get("DATASTORE_TEST_POSTGRES_URL")
        or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="a server where the bench may create (and drop) a database of its own",
    )
    parser.add_argument("--out", type=Path, default=OUT)
    return parser.parse_args(argv)


def _unreachable(server_url: str) -> str:
    """Why PostgreSQL at `server_url` cannot be used ("" when it can)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(server_url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any reason at all: (ii) is skipped, saying it
        return str(error).splitlines()[0]
    finally:
        engine.dispose()
    return ""


@contextlib.contextmanager
def _database(server_url: str) -> Iterator[str]:
    """A database of its own on `server_url`'s server, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"bench_load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def _site(folder: Path, url: str, csv_path: Path) -> Iterator[tuple[dict[str, str], str, str]]:
    """A fresh site with the samples, the spend table and a user who may upload; yields
    the environment of its processes, the table's dataset name and resource id."""
    from catalog.accounts.users import create_user
    from catalog.config import Settings
    from catalog.datasets.publishing import DatasetMetadata, publish_file
    from catalog.datasets.samples import load_samples
    from catalog.site import Site
    from catalog.startup import prepare

    shutil.rmtree(folder, ignore_errors=True)
    secret = uuid.uuid4().hex
    settings = Settings(
        data_dir=folder, database_url=url, secret_key=secret, seed_authorities=False
    )
    site = Site(settings)
    try:
        prepare(site)
        load_samples(site)
        outcome = publish_file(
            site,
            csv_path,
            original_name="spend.csv",
            schema=spend.SCHEMA,
            metadata=DatasetMetadata(title="Council spend over 500", tags=["spend", "budget"]),
        )
        assert outcome.published
        with site.session() as session:
            create_user(session, "bench", PASSWORD)
            session.commit()
        name, resource = outcome.dataset_name, f"{outcome.dataset_name}-v{outcome.version_number}"
    finally:
        site.close()
    env = {
        **os.environ,
        "DATASTORE_DATA_DIR": str(folder),
        "DATASTORE_DATABASE_URL": url,
        "DATASTORE_SECRET_KEY": secret,
        "DATASTORE_LOAD_SAMPLES": "false",
        "DATASTORE_SEED_AUTHORITIES": "false",
    }
    yield env, str(name), resource


def _worker_commands(env: dict[str, str], count: int) -> list[list[str]]:
    """`datastore worker` commands to start, or none where this build has no such command."""
    check = subprocess.run(
        [str(DATASTORE), "worker", "--help"], env=env, capture_output=True, timeout=60
    )
    return [[str(DATASTORE), "worker"]] * count if check.returncode == 0 else []


@contextlib.contextmanager
def _server(
    env: dict[str, str], port: int, processes: int, workers: list[list[str]], log: Path
) -> Iterator[list[int]]:
    """`datastore run` (and the workers) until the block ends, stopped with SIGTERM;
    yields their pids."""
    command = [str(DATASTORE), "run", "--port", str(port), "--processes", str(processes)]
    started: list[subprocess.Popen[bytes]] = []
    with open(log, "wb") as output:
        try:
            started.append(subprocess.Popen(command, env=env, stdout=output, stderr=output))
            for worker in workers:
                started.append(subprocess.Popen(worker, env=env, stdout=output, stderr=output))
            deadline = time.monotonic() + 120
            while _status(port, "/") != 200:
                if time.monotonic() > deadline or started[0].poll() is not None:
                    raise SystemExit(f"the server did not start; see {log}")
                time.sleep(0.2)
            yield [process.pid for process in started]
        finally:
            for process in started:
                process.send_signal(signal.SIGTERM)
            for process in started:
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)


def _status(port: int, path: str) -> int | None:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        connection.close()
        return response.status
    except OSError:
        return None


def _measure(args: argparse.Namespace, name: str, resource: str, pids: list[int]) -> dict[str, Any]:
    paths = {
        "search": lambda r: f"/search?q={r.choice(WORDS)}",
        "dataset page": lambda r: f"/dataset/{name}",
        "sorted preview": lambda r: (
            f"/dataset/{name}?sort={r.choice(['-amount', 'supplier'])}"
            f"&offset={r.randrange(0, 200) * 20}"
        ),
        "CSV download": lambda r: f"/dataset/{name}/v1/data.csv?sort=amount%20desc&limit=1000",
        "datastore_search": lambda r: (
            "/api/3/action/datastore_search?"
            + urllib.parse.urlencode(
                {
                    "resource_id": resource,
                    "limit": 50,
                    "offset": r.randrange(0, 100) * 50,
                    "sort": "amount desc",
                }  # fmt: skip
            )
        ),
    }
    timings: dict[str, list[float]] = {kind: [] for kind in [*KINDS, "upload"]}
    failures: dict[str, int] = dict.fromkeys(timings, 0)
    examples: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    measuring = threading.Event()  # set after the warm-up: what came before is not counted

    def record(kind: str, seconds: float, ok: bool, what: str) -> None:
        with lock:
            if not measuring.is_set():
                return
            if ok:
                timings[kind].append(seconds)
            else:
                failures[kind] += 1
                if len(examples) < 5:
                    examples.append(what)

    def client(number: int) -> None:
        with contextlib.suppress(OSError):  # this thread only (Linux): the servers come first
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), args.client_nice)
        rng = random.Random(number)
        connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
        while not stop.is_set():
            kind = rng.choices(KINDS, WEIGHTS)[0]
            path = paths[kind](rng)
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                ok, what = response.status == 200, f"{response.status} {path}"
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
                ok, what = False, f"{type(error).__name__} {path}"
            record(kind, time.perf_counter() - started, ok, what)
        connection.close()

    uploads: list[str] = []
    opener = signed_in(f"http://127.0.0.1:{args.port}")
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(args.clients)]
    threads.append(
        threading.Thread(target=uploader, args=(args, opener, stop, record, uploads), daemon=True)
    )
    for thread in threads:
        thread.start()
    stop.wait(args.warmup)
    measuring.set()
    began, cpu_before, own_before = time.perf_counter(), _cpu_seconds(pids), _own_cpu()
    busy_before = _machine_busy()
    stop.wait(args.duration)
    elapsed = time.perf_counter() - began
    server_cpu, client_cpu = _cpu_seconds(pids) - cpu_before, _own_cpu() - own_before
    busy = _machine_busy() - busy_before
    stop.set()
    for thread in threads:
        thread.join(timeout=90)
    total = sum(len(timings[kind]) for kind in KINDS)
    failed = sum(failures.values())
    print(f"  {total / elapsed:.1f} requests/s ({total:,} answered in {elapsed:.0f} s), "
          f"{failed} failed")  # fmt: skip
    print(f"  CPU: app processes {server_cpu:.1f} s, clients {client_cpu:.1f} s, the whole "
          f"machine {busy:.1f} s (PostgreSQL and anything else included) in {elapsed:.0f} s: "
          f"{busy / elapsed:.2f} of {os.cpu_count()} cores busy")  # fmt: skip
    print(f"  {'kind':<18}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'failed':>8}")
    for kind, values in timings.items():
        print(f"  {kind:<18}{len(values):>7}{_ms(values, 50):>9}{_ms(values, 95):>9}"
              f"{_ms(values, 99):>9}{failures[kind]:>8}")  # fmt: skip
    print("  uploads: " + upload_outcomes(opener, args.port, uploads))
    for example in examples:
        print(f"  failed: {example}")
    return {"rate": total / elapsed, "failures": failed}


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of these processes and their children, from /proc."""
    total, seen, todo = 0.0, set(), list(pids)
    tick = os.sysconf("SC_CLK_TCK")
    while todo and len(seen) < 1000:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
        todo += [int(child) for child in children]
    return total


def _machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (not idle or waiting), from /proc/stat."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def _ms(values: list[float], percent: int) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, len(ordered) * percent // 100)] * 1000:.0f}"
