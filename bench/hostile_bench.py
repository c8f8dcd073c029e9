"""Hostile uploads: each refused in under 2 s naming its limit; an ordinary upload behind them
publishes without waiting for them.

From the hardening issue: *the 560-byte alias schema, the 50 MB line, the 40,000-field schema
and the 10,000-column file are each refused in under 2 s with a message naming the limit, and
an ordinary upload queued behind them publishes without waiting for them.*

Through the real app (the Flask test client, the app's own job threads, SQLite, a temporary
data folder), as a volunteer's browser would send them: the schemas with the upload form
(refused by the form itself), the tables as uploads (refused by their job). Times run from
the POST to the refusal, or to the job page saying published. The ordinary upload (the GDP
file, 11 kB) is timed twice in the same run: alone, the baseline, and sent straight after
the two hostile tables and a slow 40 MB upload, while they hold the general worker; the ratio
says how much the queue delayed it.

python -m bench hostile
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from catalog.accounts.users import create_user
from catalog.app import create_app
from catalog.config import Settings

ROOT = Path(__file__).resolve().parent.parent
GDP = ROOT / "tests/data/valid/gdp/data/gdp.csv"
TARGET_SECONDS = 2.0
PASSWORD = "a long enough password"  # noqa: S105 (a throwaway account)

# "Billion laughs": nine lists of nine aliases of the one before, 9**9 strings once expanded.
ALIAS_BOMB = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{name}: &{name} [{','.join(['*' + before] * 9)}]"
            for before, name in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        "fields: [{name: x, type: string, title: *i}]",
    ]
).encode()
WIDE_SCHEMA = json.dumps({"fields": [{"name": f"f{i}"} for i in range(40_000)]}).encode()
LONG_LINE = b"y" * 50_000_000
WIDE_TABLE = (",".join(f"c{i}" for i in range(10_000)) + "\n").encode() * 2


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench hostile", description=__doc__)
    parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            data_dir=Path(folder) / "data",
            secret_key=uuid.uuid4().hex,
            load_samples=False,
            seed_authorities=False,
        )
        app = create_app(settings)
        try:
            rows = run(app, Path(folder))
        finally:
            app.extensions["site"].close()
    print_table(rows)
    return 0 if all(row[3] != "MISS" for row in rows) else 1


def run(app: Any, folder: Path) -> list[tuple[str, str, str, str]]:
    site, client = app.extensions["site"], app.test_client()
    with site.session() as session:
        create_user(session, "volunteer", PASSWORD)
        session.commit()
    token = _token(client, "/login")
    client.post("/login", data={"username": "volunteer", "password": PASSWORD, "csrf_token": token})
    rows = []
    for name, schema, expected in (
        (f"alias schema ({len(ALIAS_BOMB)} bytes)", ALIAS_BOMB, "YAML aliases"),
        ("40,000-field schema", WIDE_SCHEMA, "at most 1,000 are accepted"),
    ):
        start = time.perf_counter()
        answer = _send(client, GDP.read_bytes(), "gdp.csv", schema_file=(schema, "s.yaml"))
        seconds = time.perf_counter() - start
        said = expected in answer.text.replace("&#39;", "'") and answer.status_code == 400
        rows.append(_row(name, seconds, said))
    alone = _published_in(client, site, _send(client, GDP.read_bytes(), "gdp.csv", title="Alone"))
    slow = folder / "slow.csv"  # a real upload that holds the general worker for a while
    with slow.open("w") as handle:
        handle.write("id,name,amount\n")
        for start in range(0, 1_200_000, 100_000):
            handle.write("".join(f"{i},n{i % 97},{i / 4}\n" for i in range(start, start + 100_000)))
    size = f"{slow.stat().st_size / 1e6:.0f} MB"
    sent: dict[str, tuple[str, float]] = {}
    ended: dict[str, float] = {}
    for name, content, filename in (
        (f"a slow {size} upload", slow.read_bytes(), "slow.csv"),
        ("50 MB line", LONG_LINE, "long.csv"),
        ("10,000-column file", WIDE_TABLE, "wide.csv"),
        ("ordinary", GDP.read_bytes(), "gdp.csv"),
    ):
        start = time.perf_counter()
        extra = {"title": "Behind", "allow_copy": "y"} if name == "ordinary" else {}
        answer = _send(client, content, filename, **extra)
        job = answer.headers["Location"].rsplit("/", 1)[1]
        sent[name] = (job, start)
        if site.jobs.status(job)["finished"]:  # refused at once, in the upload request
            ended[job] = time.perf_counter()
    _wait_all(site, {job: start for job, start in sent.values()}, ended)
    for name, expected in (
        ("50 MB line", "longer than 1,000,000 bytes"),
        ("10,000-column file", "at most 1,000 are accepted"),
    ):
        job, start = sent[name]
        said = expected in json.dumps(site.jobs.status(job)["result"] or {})
        rows.append(_row(name, ended[job] - start, said))
    job, start = sent["ordinary"]
    if site.jobs.status(job)["state"] != "published":
        sys.exit(f"the ordinary upload did not publish: {site.jobs.status(job)}")
    behind_seconds = ended[job] - start
    ratio = behind_seconds / alone
    rows.append(
        (
            "ordinary upload behind them",
            f"{behind_seconds:.2f} s (alone {alone:.2f} s, x{ratio:.2f})",
            "published",
            "PASS" if behind_seconds < TARGET_SECONDS else "MISS",
        )
    )
    return rows


def _send(client: Any, content: bytes, filename: str, **fields: Any) -> Any:
    from tests.test_web import post_multipart  # the multipart form a browser sends

    form = {
        "csrf_token": _token(client, "/upload"),
        "file": (io.BytesIO(content), filename),
        "schema_source": "upload" if "schema_file" in fields else "infer",
        "title": fields.pop("title", f"Hostile {filename}"),
        "licence": "uk-ogl",
        **{k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v for k, v in fields.items()},
    }
    return post_multipart(client, "/upload", form)


def _published_in(client: Any, site: Any, answer: Any, start: float | None = None) -> float:
    start = time.perf_counter() if start is None else start
    job = answer.headers["Location"].rsplit("/", 1)[1]
    while not site.jobs.status(job)["finished"]:
        time.sleep(0.01)
    status = site.jobs.status(job)
    if status["state"] != "published":
        sys.exit(f"the ordinary upload did not publish: {status['message'] or status['state']}")
    client.get(f"/dataset/{status['dataset_name']}")
    return time.perf_counter() - start


def _wait_all(site: Any, jobs: dict[str, float], ended: dict[str, float]) -> None:
    """Fill in when each job was first seen finished (polled every 10 ms), on perf_counter's
    clock."""
    while len(ended) < len(jobs):
        for job in jobs:
            if job not in ended and site.jobs.status(job)["finished"]:
                ended[job] = time.perf_counter()
        time.sleep(0.01)


def _row(name: str, seconds: float, said: bool) -> tuple[str, str, str, str]:
    verdict = "PASS" if seconds < TARGET_SECONDS and said else "MISS"
    return (name, f"{seconds:.2f} s", "names the limit" if said else "NOT SAID", verdict)


def _token(client: Any, path: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).text)
    assert match, path
    return match.group(1)


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    print(f"\nHostile uploads (target: each under {TARGET_SECONDS:g} s)\n")
    print("| upload | time | message | target |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
