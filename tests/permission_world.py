"""The small site the permission table (test_permission_table.py) is checked on, one per test.

One organisation, Openshire, made by "publisher" (so its first admin), holding a public and a
private dataset; a dataset without an organisation, also publisher's; FOI requests (a draft
and a sent one of publisher's, and a draft of the acting person's own); API tokens; a "most
wanted" search; a public body. Every target exists twice, once for each side ("page" and
"api"), so the page's write and the API's each find the state as it was made: the names end
in the side (public-page, public-api) and a row's URL and body name them by placeholder
({public}, {own_draft}, ...).

Only the acting person is made besides publisher (a password costs a quarter of a second
to hash): anonymous (nobody signed in, no token), outsider (signed in, no membership),
member, editor, org_admin (of Openshire, given by publisher through the API) and site_admin.
Each signed-in one has a browser session, signed in through /login with its CSRF token as
the pages require, and an API token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from catalog.accounts.tokens import create_token
from catalog.accounts.users import create_user
from catalog.datasets.publishing import DatasetMetadata, create_dataset
from catalog.db.models import Base, SearchMiss, User
from catalog.foi.authorities import save_authority
from catalog.foi.deadlines import uk_today
from catalog.foi.drafting import Draft, create_request
from catalog.foi.steps import change_state
from catalog.foi.wanted import record_miss
from catalog.viewer import Viewer
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
    browser: Any  # a test client, signed in through /login unless anonymous
    headers: dict[str, str]  # the API token's Authorization header, none for anonymous
    publisher_token: str
    targets: dict[str, dict[str, str]] = field(default_factory=dict)  # side -> placeholders

    def setup_call(self, action: str, body: dict[str, Any]) -> None:
        """An API call by publisher, to make the state."""
        answer = self.app.test_client().post(
            f"/api/3/action/{action}", json=body, headers={"Authorization": self.publisher_token}
        )
        assert answer.status_code == 200, answer.text


def make_world(app: Any, site: Any, role: str, needs: set[str]) -> World:
    """The site for one role, with each side's copy of the targets in `needs` (the
    placeholders a row names: making only those keeps a test to a second or so)."""
    with site.session() as db:
        publisher = create_user(db, "publisher", PASSWORD)
        actor = None
        if role != "anonymous":
            actor = create_user(db, username(role), PASSWORD, is_admin=role == "site_admin")
        publisher_token = create_token(db, publisher.id, "setup")[1]
        actor_token = create_token(db, actor.id, "calls")[1] if actor else ""
        db.commit()
        ids = (publisher.id, actor.id if actor else None)
    world = World(
        app,
        site,
        role,
        ids[1],
        app.test_client(),
        {"Authorization": actor_token} if actor_token else {},
        publisher_token,
    )
    world.setup_call("organization_create", {"name": "openshire", "title": "Openshire"})
    if role in ORGANISATION_ROLES:
        grant = {"id": "openshire", "username": username(role), "role": ORGANISATION_ROLES[role]}
        world.setup_call("organization_member_create", grant)
    for side in SIDES:
        world.targets[side] = _targets(site, side, needs, *ids)
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
}


def _targets(
    site: Any, side: str, needs: set[str], publisher_id: int, actor_id: int | None
) -> dict[str, str]:
    """One side's copy of what the writes are aimed at: what the placeholders stand for."""
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
        if "newcomer" in needs:  # someone to give a role to
            create_user(db, found["newcomer"], PASSWORD)
        db.commit()
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
