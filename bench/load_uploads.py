"""The load benchmark's uploader (bench/load_bench.py): a browser signed in as the bench
user that posts a small CSV every few seconds, CSRF token and all, and at the end asks
how each upload ended."""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

PASSWORD = "a long enough bench password"  # noqa: S105 (a throwaway bench account)


def signed_in(base: str) -> urllib.request.OpenerDirector:
    """A browser of the bench user's, signed in (redirects are not followed)."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
    )
    token = _token(opener.open(f"{base}/login", timeout=60).read().decode())
    form = urllib.parse.urlencode({"username": "bench", "password": PASSWORD, "csrf_token": token})
    opener.open(f"{base}/login", data=form.encode(), timeout=60)
    return opener


def uploader(
    args: argparse.Namespace,
    opener: urllib.request.OpenerDirector,
    stop: threading.Event,
    record: Any,
    uploads: list[str],
) -> None:
    """Signed in as the bench user, one small CSV every `upload_every` seconds."""
    base = f"http://127.0.0.1:{args.port}"
    number = 0
    while not stop.wait(0 if number == 0 else args.upload_every):
        number += 1
        started = time.perf_counter()
        try:
            token = _token(opener.open(f"{base}/upload", timeout=60).read().decode())
            tag = uuid.uuid4().hex[:8]  # never the same file twice (that is refused)
            rows = "\n".join(f"{i},ward {i % 7} {tag},{i * 3.5 + number}" for i in range(200))
            body, boundary = _multipart(
                {
                    "csrf_token": token,
                    "schema_source": "infer",
                    "licence": "uk-ogl",
                    "title": f"Bench upload {uuid.uuid4().hex[:8]}",
                },  # fmt: skip
                ("file", "ward-counts.csv", f"id,ward,count\n{rows}\n".encode()),
            )
            request = urllib.request.Request(  # noqa: S310 (our own http://127.0.0.1)
                f"{base}/upload",
                data=body,
                headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
            )
            response = opener.open(request, timeout=60)
            ok, what = response.status == 303, f"{response.status} POST /upload"
            if ok:
                uploads.append(response.headers["Location"])
        except (OSError, ValueError) as error:
            ok, what = False, f"{type(error).__name__}: {error} POST /upload"
        record("upload", time.perf_counter() - started, ok, what)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None

    def http_error_303(self, req: Any, fp: Any, code: int, msg: str, headers: Any) -> Any:
        return fp  # the upload's answer is the redirect to its job page

    http_error_302 = http_error_303


def _token(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if not match:
        raise ValueError("no CSRF token on the page")
    return match.group(1)


def _multipart(fields: dict[str, str], file: tuple[str, str, bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    name, filename, content = file
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), boundary


def upload_outcomes(opener: urllib.request.OpenerDirector, port: int, locations: list[str]) -> str:
    """How the uploads ended, after up to 60 s for the last ones to finish."""
    states: dict[str, int] = {}
    deadline = time.monotonic() + 60
    pending = list(locations)
    finished: dict[str, int] = {}
    for _ in range(600):
        states = dict(finished)
        still = []
        for location in pending:
            state = _job_state(opener, port, location)
            if state in ("queued", "running", "unreachable") or state.startswith("checking"):
                still.append(location)
                states[state] = states.get(state, 0) + 1
            else:
                finished[state] = finished.get(state, 0) + 1
                states[state] = states.get(state, 0) + 1
        pending = still
        if not still or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    summary = ", ".join(f"{count} {state}" for state, count in sorted(states.items()))
    return f"{len(locations)} posted" + (f": {summary}" if summary else "")


def _job_state(opener: urllib.request.OpenerDirector, port: int, location: str) -> str:
    path = urllib.parse.urlsplit(location).path + ".json"
    try:
        with opener.open(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            job = json.loads(response.read())
    except urllib.error.HTTPError as error:
        error.close()
        return f"answered {error.code}"
    except (OSError, ValueError):
        return "unreachable"
    state = str(job.get("state", "unknown"))
    if state in ("invalid", "failed"):
        state += f" ({str(job.get('message'))[:200]})"
    return state
