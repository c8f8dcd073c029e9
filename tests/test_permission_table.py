"""The API answers the same permissions as the pages, for every role (issue 15, "Done when").

One table, TABLE: a row per write action, naming the page's form (URL and fields) and the
Action API's call (action and JSON body) that do the same thing, who may (`allowed`), and who
is refused as if the thing were not there (`hidden`: a 404, CKAN's "Not Found Error").
Everyone else is refused: a 403 on the page and an "Authorization Error" in the API's
envelope; the page sends an anonymous visitor to sign in instead.

One check, `outcome_of`, for each row, each of the six roles (tests/permission_world.py) and
each side: the page's write and the API's, each on its own fresh copy of what it is aimed at,
must both answer as the table says and agree with each other; an allowed write must be there
afterwards (the row's `done`), and a refused one must have changed nothing at all in the
database.

Adding a row is adding data. A side that does not exist yet is None with a comment saying
so; when its page is merged, fill in its Page(...) and the same check covers it. A row that
fails today for a reason being worked on names the roles in `xfail` (strict: it fails the
suite once fixed, so that the mark is taken off).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine

from catalog.db.models import ApiToken, SearchMiss, SiteOption, User
from tests.conftest import PG_URL, REQUIRE_PG
from tests.permission_check import NOBODY, Api, Page, Row, outcome_of, placeholders
from tests.permission_world import (
    ROLES,
    Worlds,
    authority_names,
    dataset,
    foi_request,
    links_for,
    organisation_of,
    requester_of,
    role_of,
    token_owner,
)

ALL = frozenset(ROLES)
SIGNED_IN = ALL - {"anonymous"}
EDITORS = frozenset({"editor", "org_admin", "site_admin"})  # of Openshire, or of everything
ADMINS = frozenset({"org_admin", "site_admin"})
SITE_ADMIN = frozenset({"site_admin"})
# The upload page's fields for a file whose schema is worked out from it, published at once
# (without show_columns the page does not stop to show the columns first).
UPLOAD = {"schema_source": "infer", "licence": "uk-ogl"}
# The edit page's fields (it takes every detail, as package_update does); an admin of the
# organisation also chooses its organisation (editors are not offered the choice).
EDIT = {"licence": "uk-ogl", "organisation": "openshire"}
LETTER = "Dear {side} council, please send the figures."


TABLE = (
    Row(
        "create a dataset in the organisation",
        page=Page(
            "/upload",
            {**UPLOAD, "title": "New figures {side}", "organisation": "Openshire"},
            upload=True,
        ),
        api=Api(
            "package_create",
            {"name": "new-figures-{side}", "title": "New figures {side}", "owner_org": "openshire"},
        ),
        allowed=EDITORS,
        done=lambda db, t, me: organisation_of(db, f"new-figures-{t['side']}") == "openshire",
    ),
    Row(
        "create a dataset without an organisation",
        page=Page("/upload", {**UPLOAD, "title": "Own figures {side}"}, upload=True),
        api=Api("package_create", {"name": "own-figures-{side}", "title": "Own figures {side}"}),
        allowed=SIGNED_IN,
        done=lambda db, t, me: dataset(db, f"own-figures-{t['side']}").creator_id == me,
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
        hidden=frozenset({"outsider"}),  # not a member: it is not there for them
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
        page=Page("/dataset/{public}/edit", {**EDIT, "title": "Better title {side}"}),
        api=Api("package_patch", {"id": "{public}", "title": "Better title {side}"}),
        allowed=EDITORS,
        done=lambda db, t, me: dataset(db, t["public"]).title == f"Better title {t['side']}",
    ),
    Row(
        "replace the private dataset's details",
        page=Page("/dataset/{private}/edit", {**EDIT, "title": "Redone {side}", "private": "y"}),
        api=Api(
            "package_update",
            {
                "id": "{private}",
                "title": "Redone {side}",
                "license_id": "uk-ogl",
                "owner_org": "openshire",
                "private": True,
            },
        ),
        allowed=EDITORS,
        hidden=frozenset({"outsider"}),
        done=lambda db, t, me: dataset(db, t["private"]).title == f"Redone {t['side']}",
    ),
    Row(
        "change your own dataset without an organisation",
        page=Page(
            "/dataset/{mine}/edit",
            {**EDIT, "title": "Mine", "organisation": "", "description": "Counted by hand {side}"},
        ),
        api=Api("package_patch", {"id": "{mine}", "notes": "Counted by hand {side}"}),
        allowed=SIGNED_IN,
        done=lambda db, t, me: dataset(db, t["mine"]).description == f"Counted by hand {t['side']}",
    ),
    Row(
        "delete the public dataset",
        page=Page("/dataset/{public}/delete"),
        api=Api("package_delete", {"id": "{public}"}),
        allowed=EDITORS,
        done=lambda db, t, me: dataset(db, t["public"]).state == "deleted",
    ),
    Row(
        "restore a deleted dataset",
        page=Page("/dataset/{deleted}/restore"),
        api=Api("package_patch", {"id": "{deleted}", "state": "active"}),
        allowed=EDITORS,
        hidden=frozenset({"outsider"}),  # a deleted dataset is seen by its members alone
        done=lambda db, t, me: dataset(db, t["deleted"]).state == "active",
    ),
    Row(
        "make someone an editor of the organisation",
        page=Page("/organisation/openshire/members", {"username": "{newcomer}", "role": "editor"}),
        api=Api(
            "organization_member_create",
            {"id": "openshire", "username": "{newcomer}", "role": "editor"},
        ),
        allowed=ADMINS,
        done=lambda db, t, me: role_of(db, "openshire", t["newcomer"]) == "editor",
    ),
    Row(
        "take someone out of the organisation",
        page=Page("/organisation/openshire/members/remove", {"username": "{joined}"}),
        api=Api("organization_member_delete", {"id": "openshire", "username": "{joined}"}),
        allowed=ADMINS,
        done=lambda db, t, me: role_of(db, "openshire", t["joined"]) is None,
    ),
    Row(
        "create an organisation",
        # The page way today is an upload naming a new organisation (its creator becomes its
        # admin); the organisation pages being built in issue 15 may add a form of its own.
        page=Page(
            "/upload",
            {**UPLOAD, "title": "Team figures {side}", "organisation": "Team {side}"},
            upload=True,
        ),
        api=Api("organization_create", {"name": "team-{side}", "title": "Team {side}"}),
        allowed=SIGNED_IN,
        done=lambda db, t, me: role_of(db, f"team-{t['side']}", me) == "admin",
    ),
    Row(
        "draft an FOI request",
        page=Page(
            "/requests/new",
            {"title": "Library visits {side}", "authority": "{authority}", "confirm_new": "y"},
        ),
        api=Api(
            "foi_request_create", {"title": "Library visits {side}", "authority": "{authority}"}
        ),
        allowed=SIGNED_IN,
        done=lambda db, t, me: requester_of(db, f"Library visits {t['side']}") == me,
    ),
    Row(
        "edit the letter of your own draft FOI request",
        page=Page("/request/{own_draft}/letter", {"letter": LETTER}),
        api=Api("foi_request_update", {"id": "{own_draft}", "letter": LETTER}),
        allowed=SIGNED_IN,
        done=lambda db, t, me: foi_request(db, t["own_draft"]).letter.strip() == LETTER.format(**t),
    ),
    Row(
        "edit the letter of someone else's draft FOI request",
        page=Page("/request/{others_draft}/letter", {"letter": LETTER}),
        api=Api("foi_request_update", {"id": "{others_draft}", "letter": LETTER}),
        allowed=SITE_ADMIN,
        hidden=SIGNED_IN - SITE_ADMIN,  # a draft is its requester's own
        done=lambda db, t, me: (
            foi_request(db, t["others_draft"]).letter.strip() == LETTER.format(**t)
        ),
    ),
    Row(
        "record a step of someone else's sent FOI request",
        page=Page("/request/{others_sent}/state", {"state": "awaiting-response", "on": "{today}"}),
        api=Api(
            "foi_request_update",
            {"id": "{others_sent}", "state": "awaiting-response", "date": "{today}"},
        ),
        allowed=SITE_ADMIN,
        done=lambda db, t, me: foi_request(db, t["others_sent"]).state == "awaiting-response",
    ),
    Row(
        "undo the last step of someone else's sent FOI request",
        page=Page("/request/{others_sent}/undo"),
        api=Api("foi_request_update", {"id": "{others_sent}", "undo": True}),
        allowed=SITE_ADMIN,
        done=lambda db, t, me: foi_request(db, t["others_sent"]).state == "draft",
    ),
    Row(
        "make an API token",
        page=Page("/account/tokens", {"name": "made {side}"}),
        api=Api("api_token_create", {"name": "made {side}"}),
        allowed=SIGNED_IN,
        done=lambda db, t, me: token_owner(db, f"made {t['side']}") == me,
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
        allowed=NOBODY,  # not even a site admin's: a token is its owner's alone
        hidden=SIGNED_IN,
        done=lambda db, t, me: db.get(ApiToken, int(t["others_token"])) is None,
    ),
    Row(
        "change your own display name",
        page=Page("/account/profile", {"display_name": "Shown as {side}"}),
        api=None,  # the API has no action that changes an account
        allowed=SIGNED_IN,
        done=lambda db, t, me: db.get_one(User, me).display_name == f"Shown as {t['side']}",
    ),
    Row(
        "disable someone's account",
        page=Page("/admin/users/{newcomer_id}/disable"),
        api=None,  # the API has no action that changes an account
        allowed=SITE_ADMIN,
        done=lambda db, t, me: db.get_one(User, int(t["newcomer_id"])).disabled,
    ),
    Row(
        "make someone a site admin",
        page=Page("/admin/users/{newcomer_id}/admin"),
        api=None,  # the API has no action that changes an account
        allowed=SITE_ADMIN,
        done=lambda db, t, me: db.get_one(User, int(t["newcomer_id"])).is_admin,
    ),
    Row(
        "make a password reset link for someone",
        page=Page("/admin/users/{newcomer_id}/reset"),
        api=None,  # the API has no action that makes one-time links
        allowed=SITE_ADMIN,
        done=lambda db, t, me: links_for(db, "reset", user_id=int(t["newcomer_id"])) == 1,
    ),
    Row(
        "invite people",
        page=Page("/admin/invitations", {"names": "Guest {side}"}),
        api=None,  # the API has no action that makes one-time links
        allowed=SITE_ADMIN,
        done=lambda db, t, me: links_for(db, "invitation", name=f"Guest {t['side']}") == 1,
    ),
    Row(
        "set the event's code",
        page=Page("/admin/sign-up", {"action": "code", "code": "ROOM-{side}"}),
        api=None,  # the API has no action that changes the site's options
        allowed=SITE_ADMIN,
        done=lambda db, t, me: db.get_one(SiteOption, "event_code").value == f"ROOM-{t['side']}",
    ),
    Row(
        "correct a public body",
        page=Page(
            "/authority/{authority}/edit",
            {"name": "Leeds City Council {side}", "subject_to_foi": "y"},
        ),
        api=None,  # the API has no action that changes public bodies
        allowed=SITE_ADMIN,
        done=lambda db, t, me: f"Leeds City Council {t['side']}" in authority_names(db),
    ),
    Row(
        "add a public body",
        page=Page("/authorities/new", {"name": "Harrogate {side} Council", "subject_to_foi": "y"}),
        api=None,  # the API has no action that adds public bodies
        allowed=SITE_ADMIN,
        done=lambda db, t, me: f"Harrogate {t['side']} Council" in authority_names(db),
    ),
    Row(
        "hide a search from the most wanted list",
        page=Page("/requests/wanted/{miss}/hide"),
        api=None,  # the API has no action that hides a search
        allowed=SITE_ADMIN,
        done=lambda db, t, me: db.get_one(SearchMiss, int(t["miss"])).hidden,
    ),
)


def cases() -> list[Any]:
    return [
        pytest.param(
            row,
            role,
            id=f"{re.sub('[^a-z0-9]+', '-', row.name)}-{role}",
            marks=[pytest.mark.xfail(strict=True, reason=row.xfail[role])]
            if role in row.xfail
            else [],
        )
        for row in TABLE
        for role in ROLES
    ]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def worlds(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[Worlds]:
    """A site per role, on SQLite and on PostgreSQL, shared by the tests of that role."""
    if request.param == "postgresql":
        if not PG_URL:
            if REQUIRE_PG:
                pytest.fail("DATASTORE_TEST_POSTGRES_URL is not set")
            pytest.skip("PostgreSQL not configured (set DATASTORE_TEST_POSTGRES_URL)")
        engine = create_engine(PG_URL)
        try:
            engine.connect().close()
        except Exception as error:
            if REQUIRE_PG:
                raise
            pytest.skip(f"PostgreSQL is not answering at {PG_URL}: {error.__class__.__name__}")
        finally:
            engine.dispose()
    made = Worlds(request.param, tmp_path_factory.mktemp(f"permissions-{request.param}"))
    yield made
    made.close()


@pytest.mark.parametrize(("row", "role"), cases())
def test_the_api_and_the_pages_answer_alike(worlds: Worlds, row: Row, role: str) -> None:
    world = worlds.world(role)
    targets = worlds.targets(world, placeholders(row))
    answers = {
        side: outcome_of(world, row, side, targets[side])
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
