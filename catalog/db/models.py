"""The catalogue's tables (SQLAlchemy 2.0 typed models). The database is the source of truth."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false as sa_false


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


dataset_tags = Table(
    "dataset_tags",
    Base.metadata,
    Column("dataset_id", ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Carried by each browser session; signing out moves it on, ending every session of
    # the account, copies of its cookie included.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The name shown on pages ("published by Priya Shah"); the username when empty.
    display_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    email: Mapped[str] = mapped_column(String(300), default="", server_default="")  # optional
    # A disabled account cannot sign in or use its API tokens; its work stays published.
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())


class ApiToken(Base):
    """A key for the API, sent in the Authorization header. Only its SHA-256 is kept: a
    token is 256 random bits, so a fast hash is as safe as a slow one and costs nothing."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_used: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)  # URL name
    title: Mapped[str] = mapped_column(String(300))

    members: Mapped[list[Membership]] = relationship(cascade="all, delete-orphan")


ROLES = ("admin", "editor", "member")  # CKAN's: admin manages members; editor publishes


class Membership(Base):
    """A user's role in an organisation: admin (manages its members and datasets), editor
    (publishes and edits its datasets) or member (sees its private datasets)."""

    __tablename__ = "memberships"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20))


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Dataset(Base):
    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)  # names its folder on disk
    name: Mapped[str] = mapped_column(String(100), unique=True)  # URL name
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    licence_id: Mapped[str] = mapped_column(String(50))
    source_url: Mapped[str] = mapped_column(String(1000), default="")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    modified: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # CKAN's core fields beyond these: see ckan.logic.schema.default_create_package_schema
    version: Mapped[str] = mapped_column(String(100), default="", server_default="")
    author: Mapped[str] = mapped_column(String(300), default="", server_default="")
    author_email: Mapped[str] = mapped_column(String(300), default="", server_default="")
    maintainer: Mapped[str] = mapped_column(String(300), default="", server_default="")
    maintainer_email: Mapped[str] = mapped_column(String(300), default="", server_default="")
    private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    state: Mapped[str] = mapped_column(String(20), default="active", server_default="active")
    extras_json: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    # When state is "deleted": when and by whom, so it can be restored knowingly.
    deleted: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    deleted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )

    organisation: Mapped[Organisation | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=dataset_tags, order_by=Tag.name)
    versions: Mapped[list[Version]] = relationship(
        back_populates="dataset", order_by="Version.number", cascade="all, delete-orphan"
    )


class Version(Base):
    """One validated upload of a dataset's table; its files live in the datastore."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("dataset_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    original_name: Mapped[str] = mapped_column(String(300))
    bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    encoding: Mapped[str] = mapped_column(String(40))
    delimiter: Mapped[str] = mapped_column(String(4))
    rows: Mapped[int] = mapped_column(BigInteger)
    schema_json: Mapped[str] = mapped_column(Text)
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    dataset: Mapped[Dataset] = relationship(back_populates="versions")
    creator: Mapped[User | None] = relationship()  # who published it


class IngestJob(Base):
    """One upload from the web page, checked and published in the background (catalog.jobs.runner).

    The row is the job's whole record, so any app process can answer its page and a restart
    loses nothing: queued, running (stage, done, total), then published (dataset and
    version), invalid (the report) or failed (a plain message).
    """

    __tablename__ = "ingest_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # hex; names its folder
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    process_id: Mapped[str] = mapped_column(String(32))  # who runs it (catalog.jobs.processes)
    state: Mapped[str] = mapped_column(String(20), index=True)
    original_name: Mapped[str] = mapped_column(String(300))
    stage: Mapped[str] = mapped_column(String(40), default="")
    done: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    dataset_name: Mapped[str | None] = mapped_column(String(100))
    version_number: Mapped[int | None] = mapped_column(Integer)
    result_json: Mapped[str] = mapped_column(Text, default="")  # the report, when invalid
    message: Mapped[str] = mapped_column(Text, default="")  # why, when failed
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Authority(Base):
    """A public body that FOI requests can go to (catalog.foi.authorities). Seeded from the
    UK public bodies register and mySociety's local authority list; site admins add and edit.

    `slug` is the body's stable URL name: the register's id without its "gb/" (which is also
    its name on WhatDoTheyKnow) for seeded bodies.
    """

    __tablename__ = "authorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    abbreviation: Mapped[str] = mapped_column(String(100), default="")
    other_names: Mapped[str] = mapped_column(Text, default="")  # separated by semicolons
    kind: Mapped[str] = mapped_column(String(100), default="")  # e.g. "Metropolitan district"
    nation: Mapped[str] = mapped_column(String(40), default="")
    url: Mapped[str] = mapped_column(String(1000), default="")
    foi_email: Mapped[str] = mapped_column(String(300), default="")
    foi_address: Mapped[str] = mapped_column(Text, default="")  # postal, for letters
    tags: Mapped[str] = mapped_column(String(1000), default="")  # separated by spaces
    subject_to_foi: Mapped[bool] = mapped_column(Boolean, default=True)
    defunct: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(40), default="")  # which list it came from
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    modified: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class InfoRequest(Base):
    """An FOI request drafted here (catalog/foi/). Its history is its events; `state`
    and `due` are worked out from them and kept here so lists can filter by them.

    The letter holds the requester's name and address, so only they (and site admins) see
    it; everyone sees what was asked for (title, period, breakdown), the body and the state
    once it has been sent.
    """

    __tablename__ = "foi_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))  # the information wanted, in short
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    date_from: Mapped[str] = mapped_column(String(100), default="")
    date_to: Mapped[str] = mapped_column(String(100), default="")
    breakdown: Mapped[str] = mapped_column(String(1000), default="")
    letter: Mapped[str] = mapped_column(Text, default="")
    template: Mapped[str] = mapped_column(Text, default="")  # the draft we offered
    search_query: Mapped[str] = mapped_column(String(500), default="")  # the search it came from
    state: Mapped[str] = mapped_column(String(40), default="draft", index=True)
    sent_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    due: Mapped[dt.date | None] = mapped_column(Date, nullable=True, index=True)
    dataset_id: Mapped[int | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="SET NULL"), nullable=True, index=True
    )
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    modified: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    authority: Mapped[Authority] = relationship()
    events: Mapped[list[RequestEvent]] = relationship(
        order_by="[RequestEvent.happened_on, RequestEvent.id]", cascade="all, delete-orphan"
    )


class RequestEvent(Base):
    """One step in a request's life: the state it moved to, on the day it happened."""

    __tablename__ = "foi_request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("foi_requests.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(40))
    happened_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class RequestFollower(Base):
    """Someone who wants the same information and follows a request instead of asking again."""

    __tablename__ = "foi_request_followers"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("foi_requests.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SearchMiss(Base):
    """A search that found nothing, counted by its words (never by who searched): the
    "most wanted" list is built from these."""

    __tablename__ = "search_misses"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(200), unique=True)  # normalised
    searches: Mapped[int] = mapped_column(Integer, default=0)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)  # by a site admin
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SiteOption(Base):
    """A setting the site's organiser changes in the admin area (the sign-up rule, the
    event's code). The environment's setting is the default until one is stored here."""

    __tablename__ = "site_options"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    modified: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class OneTimeLink(Base):
    """A link that works once: an invitation to make an account ("invitation", with the
    invitee's name) or a password reset made by an admin ("reset", for `user_id`). Only the
    token's SHA-256 is kept; the admin sees the link once, when it is made."""

    __tablename__ = "one_time_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")  # whom it is for
    # reset: the account; invitation: the account it made, once used
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires: Mapped[dt.datetime] = mapped_column(DateTime)
    used: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class JoinRequest(Base):
    """Someone asking to join an organisation; its admins approve (choosing the role) or
    decline. State: pending, approved, declined or withdrawn."""

    __tablename__ = "join_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    decided: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class HelpFlag(Base):
    """ "I need a hand", raised by a volunteer on a report or job page; it shows on the
    event board until a mentor takes it and marks it done. State: open, taken or done."""

    __tablename__ = "help_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[str | None] = mapped_column(String(32), nullable=True)  # the upload, if any
    page: Mapped[str] = mapped_column(String(500), default="")  # where it was raised
    note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    mentor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    taken: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    done: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
