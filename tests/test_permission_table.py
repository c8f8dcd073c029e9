"""The API answers the same permissions as the pages, for every role (issue 15, "Done when").

One table, TABLE: a row per write action, naming the page's form (URL and fields) and the
Action API's call (action and JSON body) that do the same thing, who may (`allowed`), and who
is refused as if the thing were not there (`hidden`: a 404, CKAN's "Not Found Error").
Everyone else is refused: a 403 on the page and an "Authorization Error" in the API's
envelope; the page sends an anonymous visitor to sign in instead.

One check (`outcome_of` and `test_the_api_and_the_pages_answer_alike`), for each row and each
of the six roles (tests/permission_world.py): the page's write and the API's, each on its own
copy of the state, must both answer as the table says and agree with each other; an allowed
write must be there afterwards (the row's `done`), and a refused one must have changed
nothing at all in the database.

Adding a row is adding data: a Row with the page's and the API's half. A side that does not
exist yet is None, with a comment saying so; the lead fills it in when the page is merged.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from string import Formatter
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.db.models import (
    ApiToken,
    Authority,
    Dataset,
    InfoRequest,
    Membership,
    Organisation,
    SearchMiss,
    User,
)
from tests.permission_world import ROLES, World, make_world, snapshot
from tests.test_web import csrf_token

ALL = frozenset(ROLES)
SIGNED_IN = ALL - {"anonymous"}
EDITORS = frozenset({"editor", "org_admin", "site_admin"})  # of Openshire, or of everything
ADMINS = frozenset({"org_admin", "site_admin"})
SITE_ADMIN = frozenset({"site_admin"})
NOBODY: frozenset[str] = frozenset()

CSV = b"place,visits\nLeeds,3\nYork,4\n"
# The upload page's fields for a file whose schema is worked out from it, published at once
# (without show_columns the page does not stop to show the columns first).
UPLOAD = {"schema_source": "infer", "licence": "uk-ogl"}


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


def dataset(db: Session, name: str) -> Dataset:
    return db.scalars(select(Dataset).where(Dataset.name == name)).one()


def in_openshire(db: Session, name: str) -> bool:
    found = db.scalar(select(Dataset).where(Dataset.name == name))
    return (
        found is not None
        and found.organisation is not None
        and (found.organisation.name == "openshire")
    )


def role_in(db: Session, organisation: str, user_id: int | None, role: str) -> bool:
    found = db.scalar(
        select(Membership.role)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Organisation.name == organisation, Membership.user_id == user_id)
    )
    return found == role


def user_id(db: Session, username: str) -> int | None:
    return db.scalar(select(User.id).where(User.username == username))


def request_row(db: Session, request_id: str) -> InfoRequest:
    return db.get_one(InfoRequest, int(request_id))


def letter(side: str) -> str:
    return f"Dear {side} council, please send the figures."


TABLE = (
    Row(
        "create a dataset in the organisation",
        page=Page("/upload", {**UPLOAD, "title": "New figures {side}", "organisation": "Openshire"}, upload=True),  # noqa: E501
        api=Api("package_create", {"name": "new-figures-{side}", "title": "New figures {side}", "owner_org": "openshire"}),  # noqa: E501
        allowed=EDITORS,
        done=lambda db, t, me: in_openshire(db, f"new-figures-{t['side']}"),
    ),
    Row(
        "add a version to the public dataset",
        page=Page("/upload", {**UPLOAD, "dataset": "{public}"}, upload=True),
        api=Api("resource_create", {"package_id": "{public}"}, upload=True),
        allowed=EDITORS,
        done=lambda db, t, me: len(dataset(db, t["public"]).versions) == 1,
    ),
    Row(
        "add a version to the private dataset",
        page=Page("/upload", {**UPLOAD, "dataset": "{private}"}, upload=True),
        api=Api("resource_create", {"package_id": "{private}"}, upload=True),
        allowed=EDITORS,
        hidden=frozenset({"outsider"}),  # not a member: it does not exist for them
        done=lambda db, t, me: len(dataset(db, t["private"]).versions) == 1,
    ),
    Row(
        "add a version to someone else's dataset without an organisation",
        page=Page("/upload", {**UPLOAD, "dataset": "{unowned}"}, upload=True),
        api=Api("resource_create", {"package_id": "{unowned}"}, upload=True),
        allowed=SITE_ADMIN,
        done=lambda db, t, me: len(dataset(db, t["unowned"]).versions) == 1,
    ),
    Row(
        "change the public dataset's details",
        page=None,  # page being built in issue 15 (the dataset's edit page)
        api=Api("package_patch", {"id": "{public}", "title": "Better title {side}"}),
        allowed=EDITORS,
        done=lambda db, t, me: dataset(db, t["public"]).title == f"Better title {t['side']}",
    ),
    Row(
        "replace the private dataset's details",
        page=None,  # page being built in issue 15 (the dataset's edit page)
        api=Api("package_update", {"id": "{private}", "title": "Redone {side}", "license_id": "uk-ogl", "owner_org": "openshire", "private": True}),
        allowed=EDITORS,
        hidden=frozenset({"outsider"}),
        done=lambda db, t, me: dataset(db, t["private"]).title == f"Redone {t['side']}",
    ),
    Row(
        "change your own dataset without an organisation",
        page=None,  # page being built in issue 15 (the dataset's edit page)
        api=Api("package_patch", {"id": "{mine}", "notes": "Counted by hand {side}"}),
        allowed=SIGNED_IN,
        done=lambda db, t, me: dataset(db, t["mine"]).description == f"Counted by hand {t['side']}",  # noqa: E501
    ),
    Row(
        "delete the public dataset",
        page=None,  # page being built in issue 15 (delete with a confirmation)
        api=Api("package_delete", {"id": "{public}"}),
        allowed=EDITORS,
        done=lambda db, t, me: dataset(db, t["public"]).state == "deleted",
    ),
    Row(
        "make someone an editor of the organisation",
        page=None,  # page being built in issue 15 (the organisation's members page)
        api=Api("organization_member_create", {"id": "openshire", "username": "{newcomer}", "role": "editor"}),  # noqa: E501
        allowed=ADMINS,
        done=lambda db, t, me: role_in(db, "openshire", user_id(db, t["newcomer"]), "editor"),
    ),
    Row(
        "create an organisation",
        # Today the page way is an upload naming a new organisation; the organisation
        # pages being built in issue 15 may add a form of their own.
        page=Page("/upload", {**UPLOAD, "title": "Team figures {side}", "organisation": "Team {side}"}, upload=True),  # noqa: E501
        api=Api("organization_create", {"name": "team-{side}", "title": "Team {side}"}),
        allowed=SIGNED_IN,
        done=lambda db, t, me: role_in(db, f"team-{t['side']}", me, "admin"),
    ),
    Row(
        "draft an FOI request",
        page=Page("/requests/new", {"title": "Library visits {side}", "authority": "{authority}", "confirm_new": "y"}),  # noqa: E501
        api=Api("foi_request_create", {"title": "Library visits {side}", "authority": "{authority}"}),  # noqa: E501
        allowed=SIGNED_IN,
        done=lambda db, t, me: db.scalar(
            select(InfoRequest.requester_id).where(InfoRequest.title == f"Library visits {t['side']}")  # noqa: E501
        ) == me,
    ),
    Row(
        "edit the letter of your own draft FOI request",
        page=Page("/request/{own_draft}/letter", {"letter": "Dear {side} council, please send the figures."}),  # noqa: E501
        api=Api("foi_request_update", {"id": "{own_draft}", "letter": "Dear {side} council, please send the figures."}),  # noqa: E501
        allowed=SIGNED_IN,
        done=lambda db, t, me: request_row(db, t["own_draft"]).letter.strip() == letter(t["side"]),
    ),
    Row(
        "edit the letter of someone else's draft FOI request",
        page=Page("/request/{others_draft}/letter", {"letter": "Dear {side} council, please send the figures."}),  # noqa: E501
        api=Api("foi_request_update", {"id": "{others_draft}", "letter": "Dear {side} council, please send the figures."}),  # noqa: E501
        allowed=SITE_ADMIN,
        hidden=SIGNED_IN - SITE_ADMIN,  # a draft is its requester's own
        done=lambda db, t, me: request_row(db, t["others_draft"]).letter.strip() == letter(t["side"]),
    ),
    Row(
        "record a step of someone else's sent FOI request",
        page=Page("/request/{others_sent}/state", {"state": "awaiting-response", "on": "{today}", "note": ""}),  # noqa: E501
        api=Api("foi_request_update", {"id": "{others_sent}", "state": "awaiting-response", "date": "{today}"}),  # noqa: E501
        allowed=SITE_ADMIN,
        done=lambda db, t, me: request_row(db, t["others_sent"]).state == "awaiting-response",
    ),
    Row(
        "make an API token",
        page=Page("/account/tokens", {"name": "made {side}"}),
        api=Api("api_token_create", {"name": "made {side}"}),
        allowed=SIGNED_IN,
        done=lambda db, t, me: db.scalar(
            select(ApiToken.user_id).where(ApiToken.name == f"made {t['side']}")
        ) == me,
    ),
    Row(
        "revoke your own API token",
        page=Page("/account/tokens/{spare_token}/revoke"),
        api=Api("api_token_revoke", {"jti": "{spare_token}"}),
        allowed=SIGNED_IN,
        done=lambda db, t, me: db.get(ApiToken, int(t["spare_token"])) is None,
    ),
    Row(
        "revoke someone else's API token",
        page=Page("/account/tokens/{others_token}/revoke"),
        api=Api("api_token_revoke", {"jti": "{others_token}"}),
        allowed=NOBODY,  # not even a site admin: a token is its owner's alone
        hidden=SIGNED_IN,
        done=lambda db, t, me: db.get(ApiToken, int(t["others_token"])) is None,
    ),
    Row(
        "correct a public body",
        page=Page("/authority/{authority}/edit", {"name": "Leeds City Council {side}", "subject_to_foi": "y"}),  # noqa: E501
        api=None,  # the API has no action that changes public bodies
        allowed=SITE_ADMIN,
        done=lambda db, t, me: db.scalar(
            select(Authority.name).where(Authority.slug == t["authority"])
        ) == f"Leeds City Council {t['side']}",
    ),
    Row(
        "add a public body",
        page=Page("/authorities/new", {"name": "Harrogate {side} Council", "subject_to_foi": "y"}),  # noqa: E501
        api=None,  # the API has no action that adds public bodies
        allowed=SITE_ADMIN,
        done=lambda db, t, me: db.scalar(
            select(Authority.id).where(Authority.name == f"Harrogate {t['side']} Council")
        ) is not None,
    ),
    Row(
        "hide a search from the most wanted list",
        page=Page("/requests/wanted/{miss}/hide"),
        api=None,  # the API has no action that hides a search
        allowed=SITE_ADMIN,
        done=lambda db, t, me: db.get_one(SearchMiss, int(t["miss"])).hidden,
    ),
)  # fmt: skip


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
        form["file"] = (io.BytesIO(CSV), "visits.csv")
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
        body["upload"] = (io.BytesIO(CSV), "visits.csv")
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


def outcome_of(world: World, row: Row, side: str) -> str:
    """Make the row's write on one side, check the database agrees with the answer, and
    say what the answer was: allowed, refused, hidden, or sign-in (the page, anonymous)."""
    targets = world.targets[side]
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


def cases() -> list[Any]:
    return [
        pytest.param(
            row,
            role,
            id=f"{row.name.replace(' ', '-')}-{role}",
            marks=[pytest.mark.xfail(strict=True, reason=row.xfail[role])]
            if role in row.xfail
            else [],
        )
        for row in TABLE
        for role in ROLES
    ]


@pytest.mark.parametrize(("row", "role"), cases())
def test_the_api_and_the_pages_answer_alike(app: Any, site: Any, row: Row, role: str) -> None:
    world = make_world(app, site, role, placeholders(row))
    answers = {
        side: outcome_of(world, row, side)
        for side, half in (("page", row.page), ("api", row.api))
        if half is not None
    }
    assert len(set(answers.values())) == 1, f"the page and the API disagree: {answers}"


def test_every_row_names_a_side_and_only_known_roles() -> None:
    names = [row.name for row in TABLE]
    assert len(names) == len(set(names))
    for row in TABLE:
        assert row.page is not None or row.api is not None, row.name
        assert row.allowed | row.hidden | set(row.xfail) <= ALL, row.name
        assert not row.allowed & row.hidden, row.name
        assert "anonymous" not in row.allowed | row.hidden, "a visitor is asked to sign in"
