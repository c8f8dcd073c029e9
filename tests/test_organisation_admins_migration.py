"""Migration 0006 makes the first publisher admin of every organisation that has none, on a
database left at 0005 with the rows an older catalogue made: organisations with no admin
(made by uploads before their makers became admins, or from the command line), datasets by
two volunteers. On SQLite the upgrade runs on a copy of the database file, as an upgrade
of a site's copy would; on PostgreSQL, in the test's schema."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.accounts.users import create_user
from catalog.db.engine import make_engine, migrate, upgrade
from catalog.db.models import Dataset, Membership, Organisation, Version
from tests.test_migrations import alembic_config

DAY = dt.datetime(2024, 1, 1, 10, 0)


def dataset(name: str, organisation: Organisation, creator: int | None, days: int) -> Dataset:
    return Dataset(
        key=name.ljust(32, "0"),
        name=name,
        title=name.title(),
        licence_id="cc-by",
        organisation=organisation,
        creator_id=creator,
        created=DAY + dt.timedelta(days=days),
        modified=DAY + dt.timedelta(days=days),
    )


def version(of: Dataset, creator: int | None, days: int) -> Version:
    return Version(
        dataset=of,
        number=len(of.versions) + 1,
        created=DAY + dt.timedelta(days=days),
        original_name="x.csv",
        bytes=1,
        sha256="0" * 64,
        encoding="utf-8",
        delimiter=",",
        rows=1,
        schema_json="{}",
        creator_id=creator,
    )


def old_catalogue(url: str) -> None:
    """A database at 0005 holding what the catalogue of then made."""
    engine = make_engine(url)
    with engine.begin() as connection:
        upgrade(connection, "0005")
    with Session(engine) as session:
        alice = create_user(session, "alice", "a long enough password")
        bob = create_user(session, "bob", "a long enough password")
        carol = create_user(session, "carol", "a long enough password")
        session.flush()
        parks, library, town, empty = (
            Organisation(name=n, title=n.title()) for n in ("parks", "library", "town", "empty")
        )
        session.add_all([parks, library, town, empty])
        # Parks: bob published second, alice first (and alice is already its editor).
        later = dataset("trees", parks, bob.id, 5)
        first = dataset("ponds", parks, alice.id, 2)
        parks.members += [Membership(user_id=alice.id, role="editor")]
        parks.members += [Membership(user_id=bob.id, role="member")]
        # Library: its dataset's creator is not known (an API dataset of long ago); bob
        # published its first version.
        books = dataset("books", library, None, 1)
        # Town: carol is its admin already; alice published there.
        town.members += [Membership(user_id=carol.id, role="admin")]
        roads = dataset("roads", town, alice.id, 0)
        session.add_all([later, first, books, roads])
        session.flush()
        session.add(version(books, bob.id, 3))
        session.add(version(later, alice.id, 1))  # earlier than any, but not a dataset's maker
        session.commit()
    engine.dispose()


def roles(url: str) -> dict[tuple[str, str], str]:
    engine = make_engine(url)
    with Session(engine) as session:
        found = session.execute(
            select(Organisation.name, Membership.user_id, Membership.role).join(
                Membership, Membership.organisation_id == Organisation.id
            )
        )
        names = {1: "alice", 2: "bob", 3: "carol"}
        answer = {(org, names[user]): role for org, user, role in found}
    engine.dispose()
    return answer


BEFORE = {
    ("parks", "alice"): "editor",
    ("parks", "bob"): "member",
    ("town", "carol"): "admin",
}
AFTER = {
    ("parks", "alice"): "admin",  # the maker of its earliest dataset, raised from editor
    ("parks", "bob"): "member",
    ("library", "bob"): "admin",  # its dataset's maker unknown: its first version's
    ("town", "carol"): "admin",  # it had an admin: unchanged, alice not added
}


def upgraded_and_back(url: str) -> None:
    assert roles(url) == BEFORE
    engine = make_engine(url)
    migrate(engine)  # what starting up does
    engine.dispose()
    assert roles(url) == AFTER  # "empty" has no publisher: still no admin
    engine = make_engine(url)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0005")
    engine.dispose()
    assert roles(url) == AFTER  # going down leaves the admins alone
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    assert roles(url) == AFTER


def test_the_first_publisher_becomes_admin_of_each_organisation_without_one(
    settings: Any, tmp_path: Path
) -> None:
    url = settings.resolved().database_url
    old_catalogue(url)
    if url.startswith("sqlite"):
        original = Path(url.removeprefix("sqlite:///"))
        copy = tmp_path / "copy" / "catalog.db"
        copy.parent.mkdir()
        for suffix in ("", "-wal"):  # the engines are closed: the WAL is folded in, or gone
            if Path(f"{original}{suffix}").exists():
                shutil.copyfile(f"{original}{suffix}", f"{copy}{suffix}")
        url = f"sqlite:///{copy}"
    upgraded_and_back(url)
