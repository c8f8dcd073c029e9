"""The checking half of the permission table (tests/test_permission_table.py): what a row
is, and `outcome_of`, the one function that makes a row's write on one side and checks it."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from string import Formatter
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from tests.permission_world import World, snapshot
from tests.test_web import csrf_token


def csv_file(targets: dict[str, str]) -> tuple[io.BytesIO, str]:
    """A small table of the side's own (the same file twice would be refused as a copy)."""
    return io.BytesIO(f"place,visits\n{targets['side']},3\nYork,4\n".encode()), "visits.csv"


NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Page:
    """A form on the site: its URL and fields, with {placeholders} for the side's targets."""

    url: str
    form: dict[str, str] = field(default_factory=dict)
    upload: bool = False  # sent as multipart, with a small CSV as `file`
    method: str = "POST"


@dataclass(frozen=True)
class Api:
    """An Action API call: the action and its JSON body, with {placeholders}."""

    action: str
    body: dict[str, Any] = field(default_factory=dict)
    upload: bool = False  # sent as multipart, with the CSV as `upload`


# Whether the write is there: (the database, the side's targets, the acting person's id).
Done = Callable[[Session, dict[str, str], "int | None"], bool]


@dataclass(frozen=True)
class Row:
    name: str
    page: Page | None
    api: Api | None
    allowed: frozenset[str]
    done: Done
    hidden: frozenset[str] = NOBODY
    xfail: dict[str, str] = field(default_factory=dict)  # role -> why it fails today


def placeholders(row: Row) -> set[str]:
    """The targets a row names ({public}, {own_draft}, ...): the ones its state needs."""
    texts = [row.page.url, *row.page.form.values()] if row.page else []
    texts += [v for v in row.api.body.values() if isinstance(v, str)] if row.api else []
    return {name for text in texts for _, name, _, _ in Formatter().parse(text) if name}


def expected(row: Row, role: str) -> str:
    if role in row.allowed:
        return "allowed"
    return "hidden" if role in row.hidden else "refused"


def fill(value: Any, targets: dict[str, str]) -> Any:
    return value.format(**targets) if isinstance(value, str) else value


def send_page(world: World, page: Page, targets: dict[str, str]) -> str:
    form: dict[str, Any] = {name: fill(v, targets) for name, v in page.form.items()}
    form["csrf_token"] = csrf_token(world.browser, "/requests/new")  # the session's token
    if page.upload:
        form["file"] = csv_file(targets)
    response = world.browser.open(fill(page.url, targets), method=page.method, data=form)
    status, location = response.status_code, urlsplit(response.headers.get("Location", "")).path
    if status in (302, 303) and location == "/login":
        return "sign-in"
    if status in (403, 404):
        return {403: "refused", 404: "hidden"}[status]
    if status >= 400:
        return f"the page answered {status}: {response.text[:500]}"
    job = re.fullmatch(r"/uploads/([0-9a-f]{32})", location)
    if job:  # the upload page publishes in the background: wait for the end
        assert world.site.jobs.wait(job.group(1), timeout=60), "the upload never ended"
        state = world.browser.get(f"{location}.json").json["state"]
        if state != "published":
            return f"the upload ended {state}"
    return "allowed"


def send_api(world: World, api: Api, targets: dict[str, str]) -> str:
    body = {name: fill(v, targets) for name, v in api.body.items()}
    client = world.app.test_client()  # no browser session: the API goes by its token
    url = f"/api/3/action/{api.action}"
    if api.upload:
        body["upload"] = csv_file(targets)
        response = client.post(url, data=body, headers=world.headers)
    else:
        response = client.post(url, json=body, headers=world.headers)
    answer = response.json
    if response.status_code == 200 and answer["success"] is True:
        return "allowed"
    error = answer.get("error") or {}
    kind = (response.status_code, error.get("__type"))
    if kind == (403, "Authorization Error"):
        return "refused"
    if kind == (404, "Not Found Error"):
        return "hidden"
    return f"the API answered {kind}: {error.get('message')}"


def outcome_of(world: World, row: Row, side: str, targets: dict[str, str]) -> str:
    """Make the row's write on one side, check the database agrees with the answer, and
    say what the answer was: allowed, refused or hidden (the page's sign-in counts as
    refused)."""
    before = snapshot(world.site)
    if side == "page":
        assert row.page is not None
        outcome = send_page(world, row.page, targets)
    else:
        assert row.api is not None
        outcome = send_api(world, row.api, targets)
    want = expected(row, world.role)
    if side == "page" and world.role == "anonymous" and want == "refused":
        want = "sign-in"
    assert outcome == want, f"{row.name}, {world.role}, the {side}: {outcome}, not {want}"
    if outcome == "allowed":
        with world.site.session() as db:
            assert row.done(db, targets, world.actor_id), f"{side}: allowed, but nothing changed"
    else:
        assert snapshot(world.site) == before, f"{side}: {outcome}, yet the database changed"
    return "refused" if outcome == "sign-in" else outcome
