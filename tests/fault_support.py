"""What the fault tests share: a real `datastore run` in a process of its own, its
gunicorn workers, a light load from a few client threads that records every answer, and
a private PostgreSQL cluster a test may stop and start (the machine's shared server is
never touched). Every wait has a deadline; every loop a bound."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import wait_for

ROOT = Path(__file__).parent.parent
DATASTORE = Path(sys.executable).parent / "datastore"


def environment(data_dir: Path, database_url: str, **more: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATASTORE_DATA_DIR": str(data_dir),
        "DATASTORE_DATABASE_URL": database_url,
        "DATASTORE_SECRET_KEY": "fault-tests-" + "0" * 32,
        "DATASTORE_LOAD_SAMPLES": "false",
        "DATASTORE_SEED_AUTHORITIES": "false",
        "DATASTORE_THREADS": "4",
        **more,
    }


def free_port() -> int:
    """A port nothing listens on now (the system's choice), for a server of the test's."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(url: str, timeout: float = 10) -> int | None:
    """The status `url` answers with, or None when it cannot be reached."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (our server)
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.read()
        error.close()
        return int(error.code)
    except (OSError, urllib.error.URLError):
        return None


@contextlib.contextmanager
def served(
    env: dict[str, str], port: int, processes: int, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """`datastore run --processes N` on 127.0.0.1:port, stopped (SIGTERM, then SIGKILL)
    at the end."""
    command = [str(DATASTORE), "run", "--port", str(port), "--processes", str(processes)]
    with open(log, "wb") as output:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
        try:
            wait_for(
                lambda: server.poll() is not None or answers(f"http://127.0.0.1:{port}/") == 200,
                90,
                "the server to answer",
            )
            assert server.poll() is None, log.read_text(errors="replace")
            wait_for(lambda: len(workers(server.pid)) == processes, 60, "every worker")
            yield server
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=45)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


def workers(master: int) -> list[int]:
    """The pids of the master's children (its gunicorn workers)."""
    try:
        text = Path(f"/proc/{master}/task/{master}/children").read_text()
    except OSError:
        return []
    return [int(pid) for pid in text.split()]


@dataclass
class Answer:
    started: float
    ended: float
    status: int | None  # None: the connection failed
    path: str


@dataclass
class Load:
    """A few client threads asking for `paths` in turn until stopped (or 300 s)."""

    base: str
    paths: list[str]
    clients: int = 4
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> Load:
        for number in range(self.clients):
            thread = threading.Thread(target=self._ask, args=(number,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _ask(self, number: int) -> None:
        deadline = time.monotonic() + 300
        turn = number
        while not self._stop.is_set() and time.monotonic() < deadline:
            path = self.paths[turn % len(self.paths)]
            turn += 1
            started = time.monotonic()
            status = answers(self.base + path)  # a new connection each time (no keep-alive)
            with self._lock:
                self.answers.append(Answer(started, time.monotonic(), status, path))

    def since(self, moment: float) -> list[Answer]:
        with self._lock:
            return [answer for answer in self.answers if answer.started >= moment]

    def count(self) -> int:
        with self._lock:
            return len(self.answers)


# A private PostgreSQL cluster, run as the postgres user (PostgreSQL refuses root), on a
# port of its own (DATASTORE_TEST_PRIVATE_PG_PORT, else one the system finds free).
PRIVATE_PORT = int(os.environ.get("DATASTORE_TEST_PRIVATE_PG_PORT", "0"))


def postgres_binaries() -> Path | None:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


class PrivateCluster:
    def __init__(self, binaries: Path, folder: Path, port: int) -> None:
        self.binaries = binaries
        self.folder = folder
        self.data = folder / "pgdata"
        self.port = port
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    def _as_postgres(self, *command: str, timeout: float = 60) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(
            [*prefix, *command], check=True, capture_output=True, timeout=timeout, cwd=self.folder
        )

    def init(self) -> None:
        self._as_postgres(
            str(self.binaries / "initdb"), "-D", str(self.data), "-U", "postgres",
            "--auth=trust", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            str(self.binaries / "pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.folder / "server.log"), "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(
            str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60",
            "stop",
        )  # fmt: skip


@contextlib.contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    """A PostgreSQL cluster of the test's own, removed afterwards; skipped
    where PostgreSQL's server programs are not installed."""
    binaries = postgres_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed here")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: PostgreSQL will not run as root")
    folder = Path(tempfile.mkdtemp(prefix="datastore-faults-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    cluster = PrivateCluster(binaries, folder, PRIVATE_PORT or free_port())
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)
