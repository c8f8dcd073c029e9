"""The sites the permission table (test_permission_table.py) is checked on: one per role.

A site holds one organisation, Openshire, made by "publisher" (so its first admin), and the
acting person: anonymous (nobody signed in, no token), outsider (signed in, no membership),
member, editor, org_admin (roles in Openshire, given by publisher through the API) or
site_admin. Each signed-in one has a browser session, signed in through /login with its
CSRF token as the pages require, and an API token. A password costs a quarter of a second
of CPU to hash, so these sites are made once per role and database (`Worlds`) and every
test of that role uses its site.

What a write is aimed at is made fresh for each test, twice, once for each side ("page" and
"api"): a public and a private dataset in Openshire, a dataset without an organisation (of
publisher's, or the acting person's own: "mine"), FOI requests (publisher's draft and sent
one, a draft of one's own), API tokens, a "most wanted" search, a public body, someone to
give a role to. Only what the row names is made; the names end in the test's side label
(`public-page7`, `public-api7`) so that no test finds another's, and a row's URL and body
name them by placeholder ({public}, {own_draft}, {side}, ...).
"""

from __future__ import annotations

import itertools
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.accounts.tokens import create_token
from catalog.accounts.users import create_user
from catalog.app import create_app
from catalog.datasets.editing import delete_dataset
from catalog.datasets.publishing import DatasetMetadata, create_dataset
from catalog.db.models import (
    ApiToken,
    Authority,
    Base,
    Dataset,
    InfoRequest,
    Membership,
    OneTimeLink,
    Organisation,
    SearchMiss,
    User,
)
from catalog.foi.authorities import save_authority
from catalog.foi.deadlines import uk_today
from catalog.foi.drafting import Draft, create_request
from catalog.foi.steps import change_state
from catalog.foi.wanted import record_miss
from catalog.viewer import Viewer
from tests.conftest import make_settings, postgres_schema
from tests.private_site import sign_in
from tests.test_web import PASSWORD

ROLES = ("anonymous", "outsider", "member", "editor", "org_admin", "site_admin")
SIDES = ("page", "api")
ORGANISATION_ROLES = {"member": "member", "editor": "editor", "org_admin": "admin"}
# Columns every request may change without a write having happened.
VOLATILE = {"api_tokens": {"last_used"}}


@dataclass
class World:
    app: Any
    site: Any
    role: str
    actor_id: int | None
    publisher_id: int
    browser: Any  # a test client, signed in through /login unless anonymous
    headers: dict[str, str]  # the API token's Authorization header, none for anonymous
    publisher_token: str

    def setup_call(self, action: str, body: dict[str, Any]) -> None:
        """An API call by publisher, to make the state."""
        answer = self.app.test_client().post(
            f"/api/3/action/{action}", json=body, headers={"Authorization": self.publisher_token}
        )
        assert answer.status_code == 200, answer.text


class Worlds:
    """One site per role on one database kind ("sqlite" or "postgresql"), made when first
    asked for and closed (its PostgreSQL schema dropped) at the end."""

    def __init__(self, kind: str, folder: Path) -> None:
        self.kind, self.folder = kind, folder
        self.made: dict[str, World] = {}
        self.labels = itertools.count(1)
        self.stack = ExitStack()

    def world(self, role: str) -> World:
        if role not in self.made:
            url = self.stack.enter_context(postgres_schema()) if self.kind == "postgresql" else ""
            app = create_app(make_settings(self.folder / role, url))
            self.stack.callback(app.extensions["site"].close)
            self.made[role] = make_world(app, app.extensions["site"], role)
        return self.made[role]

    def targets(self, world: World, needs: set[str]) -> dict[str, dict[str, str]]:
        """Each side's fresh copy of the targets in `needs`, by side."""
        label = next(self.labels)
        return {side: make_targets(world, f"{side}{label}", needs) for side in SIDES}

    def close(self) -> None:
        self.stack.close()


def make_world(app: Any, site: Any, role: str) -> World:
    with site.session() as db:
        publisher = create_user(db, "publisher", PASSWORD)
        actor = None
        if role != "anonymous":
            actor = create_user(db, username(role), PASSWORD, is_admin=role == "site_admin")
        publisher_token = create_token(db, publisher.id, "setup")[1]
        actor_token = create_token(db, actor.id, "calls")[1] if actor else ""
        db.commit()
        publisher_id, actor_id = publisher.id, actor.id if actor else None
    world = World(
        app,
        site,
        role,
        actor_id,
        publisher_id,
        app.test_client(),
        {"Authorization": actor_token} if actor_token else {},
        publisher_token,
    )
    world.setup_call("organization_create", {"name": "openshire", "title": "Openshire"})
    if role in ORGANISATION_ROLES:
        grant = {"id": "openshire", "username": username(role), "role": ORGANISATION_ROLES[role]}
        world.setup_call("organization_member_create", grant)
    if actor is not None:
        sign_in(world.browser, username(role))
    return world


def username(role: str) -> str:
    return role.replace("_", "-")


DATASETS = {  # placeholder: (organisation, private, made by the acting person)
    "public": ("Openshire", False, False),
    "private": ("Openshire", True, False),
    "unowned": ("", False, False),
    "mine": ("", False, True),
    "deleted": ("Openshire", False, False),  # deleted by publisher once made
}


def make_targets(world: World, side: str, needs: set[str]) -> dict[str, str]:
    """One side's copy of what the writes are aimed at: what the placeholders stand for."""
    site, publisher_id, actor_id = world.site, world.publisher_id, world.actor_id
    publisher = Viewer.user(publisher_id, "publisher")
    # What is "your own" for the acting person; an anonymous visitor has nothing, so theirs
    # is publisher's (they are refused either way).
    owner_id = actor_id if actor_id is not None else publisher_id
    today = uk_today()
    found = {"side": side, "today": today.isoformat(), "newcomer": f"newcomer-{side}"}
    with site.session() as db:
        owner = Viewer.user(owner_id, db.get_one(User, owner_id).username)
        for key in needs & set(DATASETS):
            organisation, private, own = DATASETS[key]
            metadata = DatasetMetadata(
                title=f"{key.capitalize()} figures {side}",
                name=f"{key}-{side}",
                organisation=organisation,
                private=private,
            )
            found[key] = create_dataset(site, db, metadata, owner_id if own else publisher_id)
            if key == "deleted":
                delete_dataset(site, db, publisher, found[key])
        if needs & {"authority", "own_draft", "others_draft", "others_sent"}:
            body = save_authority(db, Viewer.system(), {"name": f"Leeds {side} Council"})
            found["authority"] = body.slug
            drafts = {
                "own_draft": (owner, f"Bins emptied {side}"),
                "others_draft": (publisher, f"Potholes {side}"),
                "others_sent": (publisher, f"Parking {side}"),
            }
            for key in needs & set(drafts):
                requester, title = drafts[key]
                made = create_request(db, requester, body, Draft(title=title), today)
                if key == "others_sent":
                    change_state(db, requester, made, "sent", today, today)
                found[key] = str(made.id)
        if "spare_token" in needs:
            found["spare_token"] = str(create_token(db, owner_id, f"spare {side}")[0].id)
        if "others_token" in needs:
            found["others_token"] = str(create_token(db, publisher_id, f"theirs {side}")[0].id)
        if "miss" in needs:
            record_miss(db, f"bus stops {side}")
            query = select(SearchMiss.id).where(SearchMiss.query == f"bus stops {side}")
            found["miss"] = str(db.scalar(query))
        if needs & {"newcomer", "newcomer_id"}:  # someone to give a role to, or disable
            found["newcomer_id"] = str(create_user(db, found["newcomer"], PASSWORD).id)
        db.commit()
    if "joined" in needs:  # a member of Openshire, for taking out
        found["joined"] = f"joined-{side}"
        with site.session() as db:
            create_user(db, found["joined"], PASSWORD)
            db.commit()
        grant = {"id": "openshire", "username": found["joined"], "role": "member"}
        world.setup_call("organization_member_create", grant)
    return found


def snapshot(site: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (less the columns any request touches), to show that a
    refused write changed nothing."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with site.session() as db:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in VOLATILE.get(table.name, set())]
            rows = db.execute(select(*columns)).all()
            found[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return found


# What the rows' `done` read: whether a write is there. ------------------------------------


def dataset(db: Session, name: str) -> Dataset:
    return db.scalars(select(Dataset).where(Dataset.name == name)).one()


def organisation_of(db: Session, name: str) -> str | None:
    """The URL name of the organisation of the dataset `name` (None: none, or no dataset)."""
    found = db.scalar(select(Dataset).where(Dataset.name == name))
    return found.organisation.name if found is not None and found.organisation else None


def role_of(db: Session, organisation: str, user: int | str | None) -> str | None:
    """The role in `organisation` of the user (by id or username)."""
    if isinstance(user, str):
        user = db.scalar(select(User.id).where(User.username == user))
    return db.scalar(
        select(Membership.role)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Organisation.name == organisation, Membership.user_id == user)
    )


def foi_request(db: Session, request_id: str) -> InfoRequest:
    return db.get_one(InfoRequest, int(request_id))


def requester_of(db: Session, title: str) -> int | None:
    return db.scalar(select(InfoRequest.requester_id).where(InfoRequest.title == title))


def token_owner(db: Session, name: str) -> int | None:
    return db.scalar(select(ApiToken.user_id).where(ApiToken.name == name))


def links_for(db: Session, kind: str, **where: Any) -> int:
    """How many one-time links of `kind` (invitation, reset) there are for user_id or name."""
    query = select(OneTimeLink.id).where(OneTimeLink.kind == kind).filter_by(**where)
    return len(db.scalars(query).all())


def authority_names(db: Session) -> set[str]:
    return set(db.scalars(select(Authority.name)))
