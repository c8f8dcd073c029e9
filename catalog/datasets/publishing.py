"""Publishing: one function that the upload page, the API and `datastore ingest` all use."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlparse

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.datasets.indexing import index_after_commit, index_document
from catalog.datasets.licences import DEFAULT_LICENCE, licence
from catalog.datasets.owners import existing_organisation, owner_for_new_dataset
from catalog.datasets.permissions import (
    can_publish_in,
    require_editor,
    require_visible,
    who_manages,
)
from catalog.datasets.slugs import is_slug, slug_rule, slugify, unique_slug
from catalog.db.models import Dataset, IngestJob, Organisation, Tag, Version, utcnow
from catalog.errors import InvalidInput, NotAuthorised, NotFound
from catalog.jobs.progress import TimeLimitReached
from catalog.jobs.runner import AlreadyPublished
from catalog.site import Site
from catalog.viewer import Viewer
from datastore import VersionRef
from ingest import IngestResult, ingest_file
from ingest.validate import Progress

log = logging.getLogger(__name__)


@dataclass
class DatasetMetadata:
    """What a person says about a dataset when publishing it."""

    title: str
    description: str = ""
    organisation: str = ""
    licence_id: str = DEFAULT_LICENCE
    tags: list[str] = field(default_factory=list)
    source_url: str = ""
    name: str = ""
    version: str = ""
    author: str = ""
    author_email: str = ""
    maintainer: str = ""
    maintainer_email: str = ""
    private: bool = False
    extras: dict[str, str] = field(default_factory=dict)

    def problems(self) -> dict[str, str]:
        problems = {}
        limits = {
            "version": 100,
            "author": 300,
            "author_email": 300,
            "maintainer": 300,
            "maintainer_email": 300,
            "organisation": 300,
            "source_url": 1000,
        }  # the columns' lengths (catalog/models.py)
        for name, most in limits.items():
            if len(getattr(self, name)) > most:
                problems[name] = f"At most {most:,} characters."
        if self.private and not self.organisation:
            problems["owner_org"] = "A private dataset belongs to an organisation."
        if not self.title.strip():
            problems["title"] = "Give the dataset a title."
        elif len(self.title) > 300:
            problems["title"] = "A title has at most 300 characters."
        if licence(self.licence_id) is None:
            problems["licence"] = f"{self.licence_id!r} is not a licence this catalogue knows."
        if self.source_url and urlparse(self.source_url).scheme not in ("http", "https"):
            problems["source_url"] = (
                "The source must be a web address starting http:// or https://."
            )
        if self.name and not is_slug(self.name):
            problems["name"] = f"A URL name is {slug_rule()}."
        tags = _clean_tags(self.tags)  # as kept: split at commas, spaces tidied
        if any(len(t) > 100 for t in tags):
            problems["tags"] = "A tag has at most 100 characters."
        if len(tags) > MAX_TAGS:
            problems["tags"] = f"A dataset has at most {MAX_TAGS} tags."
        if len(self.description) > MAX_DESCRIPTION:
            problems["notes"] = f"A description has at most {MAX_DESCRIPTION:,} characters."
        if len(self.extras) > MAX_EXTRAS:
            problems["extras"] = f"A dataset has at most {MAX_EXTRAS} extra fields."
        elif any(len(k) > 100 or len(str(v)) > 1000 for k, v in self.extras.items()):
            problems["extras"] = (
                "An extra field's key has at most 100 characters, its value at most 1,000."
            )
        return problems


# What a dataset's details may hold, the same through the web form and the API.
MAX_DESCRIPTION = 20_000
MAX_TAGS = 100
MAX_EXTRAS = 100


@dataclass
class PublishOutcome:
    result: IngestResult
    dataset_name: str | None = None
    version_number: int | None = None

    @property
    def published(self) -> bool:
        return self.result.valid


def publish_file(
    site: Site,
    source: Path | BinaryIO,
    *,
    original_name: str,
    schema: dict[str, Any] | None,
    metadata: DatasetMetadata | None = None,
    dataset_name: str | None = None,
    user_id: int | None = None,
    progress: Progress | None = None,
    recipe: list[dict[str, Any]] | None = None,
    job_id: str | None = None,
) -> PublishOutcome:
    """Validate a file and publish it as a new dataset, or as a new version of one.

    An invalid file changes nothing in the catalogue; its original and report are kept in
    the datastore's rejected/ folder. A valid one is committed to the database with its
    search document (on Whoosh, written to the index just after the commit). The upload job `job_id`, if any, records the version in the
    same commit, so that it says published whatever happens to its process after.
    """  # noqa: E501
    with site.session() as session:
        dataset = None
        if dataset_name:
            dataset = _dataset(session, dataset_name)
            key = dataset.key
        else:
            _check_metadata(metadata)
            key = uuid.uuid4().hex
        result = ingest_file(
            site.store,
            key,
            source,
            original_name=original_name,
            schema=schema,
            limit_errors=site.settings.error_limit,
            legacy_encodings=site.settings.legacy_encoding_list,
            progress=progress,
            recipe=recipe,
            limits=site.table_limits,
        )
        if not result.valid or result.version is None:
            return PublishOutcome(result)
        try:
            if dataset is None:
                assert metadata is not None
                dataset = _new_dataset(session, key, metadata, user_id)
            dataset.modified = utcnow()
            session.add(_new_version(dataset, result, user_id))
            # Only where no version is recorded yet: a job run twice (its first worker
            # died after this commit, or is thought dead) never publishes twice.
            if job_id is not None:
                recorded = session.execute(
                    update(IngestJob)
                    .where(IngestJob.id == job_id, IngestJob.version_number.is_(None))
                    .values(dataset_name=dataset.name, version_number=result.version.number)
                )
                if getattr(recorded, "rowcount", 0) != 1:
                    raise AlreadyPublished("This upload is published already.")
            session.flush()
            index_after_commit(site, session, index_document(dataset, result.schema))
            session.commit()
        except Exception:
            session.rollback()
            site.store.remove_version(result.version)
            raise
        name, number = dataset.name, result.version.number
    _derive(site, result.version, None if progress is None else _past_limits(progress))
    return PublishOutcome(result, name, number)


def _past_limits(progress: Progress) -> Progress:
    """The progress callback, for after the commit: what is published is not stopped."""

    def report(stage: str, done: int, total: int) -> None:
        with contextlib.suppress(TimeLimitReached):
            progress(stage, done, total)

    return report


def _derive(site: Site, version: VersionRef, progress: Progress | None) -> None:
    """The column profile, value indexes for id-like columns (quick `field = value`
    queries) and the changes since the last version, for the dataset page.

    Worked out now so the page is quick; a failure here only delays them to the page's
    first view (datastore.VersionRef.derived), it never undoes the publication.
    """
    if progress:
        progress("profiling", 0, 1)
    try:
        version.profile()
        version.build_lookups()
        if version.number > 1:
            version.changes(site.store.version(version.dataset_key, version.number - 1))
    except Exception:
        log.exception("could not profile version %s of %s", version.number, version.dataset_key)
    if progress:
        progress("profiling", 1, 1)


def create_dataset(
    site: Site, session: Session, metadata: DatasetMetadata, user_id: int | None
) -> str:
    """A dataset with metadata and no table yet (CKAN's package_create); its URL name.

    Its first upload becomes version 1. It is searchable once the caller commits.
    """
    _check_metadata(metadata)
    dataset = _new_dataset(session, uuid.uuid4().hex, metadata, user_id)
    index_after_commit(site, session, index_document(dataset, None))
    return dataset.name


def check_publish_request(
    session: Session,
    metadata: DatasetMetadata | None,
    dataset_name: str | None,
    viewer: Viewer,
) -> None:
    """Raise what publish_file() would raise about its request before reading any file:
    for a page that publishes in the background and wants to answer at once; and whether
    the viewer may: a new version needs an editor of the dataset, a new dataset in an
    existing organisation an editor or admin of it (catalog/datasets/permissions.py)."""
    if dataset_name:
        dataset = _dataset(session, dataset_name)
        require_visible(session, viewer, dataset)
        require_editor(session, viewer, dataset)
        return
    _check_metadata(metadata)
    assert metadata is not None
    if metadata.organisation.strip():
        existing = existing_organisation(session, metadata.organisation)
        if existing is not None and not can_publish_in(session, viewer, existing):
            raise NotAuthorised(
                f"Only editors of {existing.title} may publish datasets for it. Leave the "
                "organisation empty to publish under your own name, or ask to join it on "
                f"its page. {who_manages(session, existing)}",
                {"organisation": "you are not an editor of this organisation"},
            )


def _check_metadata(metadata: DatasetMetadata | None) -> None:
    if metadata is None:
        raise InvalidInput("A new dataset needs a title.", {"title": "missing"})
    problems = metadata.problems()
    if problems:
        raise InvalidInput("Some details of the dataset need fixing.", problems)


def _dataset(session: Session, name: str) -> Dataset:
    dataset = session.scalar(select(Dataset).where(Dataset.name == name))
    if dataset is None:
        raise NotFound(f"There is no dataset called {name!r}.")
    return dataset


def _new_dataset(
    session: Session, key: str, metadata: DatasetMetadata, user_id: int | None
) -> Dataset:
    name = metadata.name or slugify(metadata.title, fallback="dataset")
    taken = set(session.scalars(select(Dataset.name).where(Dataset.name.startswith(name))))
    if metadata.name and name in taken:
        raise InvalidInput("That URL name is taken.", {"name": f"{name!r} is already used"})
    unique = unique_slug(name, taken)
    organisation = owner_for_new_dataset(session, metadata.organisation, user_id)
    dataset = Dataset(
        key=key,
        name=unique,
        title=metadata.title.strip(),
        description=metadata.description.strip(),
        licence_id=metadata.licence_id,
        source_url=metadata.source_url.strip(),
        organisation=organisation,
        tags=[_tag(session, t) for t in _clean_tags(metadata.tags)],
        creator_id=user_id,
        created=utcnow(),
        version=metadata.version.strip(),
        author=metadata.author.strip(),
        author_email=metadata.author_email.strip(),
        maintainer=metadata.maintainer.strip(),
        maintainer_email=metadata.maintainer_email.strip(),
        private=metadata.private,
        extras_json=json.dumps(metadata.extras, ensure_ascii=False, sort_keys=True),
    )
    session.add(dataset)
    try:
        session.flush()
    except IntegrityError:
        raise InvalidInput("That URL name was taken a moment ago; try again.") from None
    return dataset


def apply_metadata(
    session: Session,
    dataset: Dataset,
    metadata: DatasetMetadata,
    organisation: Organisation | None,
) -> None:
    """Change an existing dataset's details (its URL name and files stay as they are)."""
    dataset.title = metadata.title.strip()
    dataset.description = metadata.description.strip()
    dataset.licence_id = metadata.licence_id
    dataset.source_url = metadata.source_url.strip()
    dataset.organisation = organisation
    dataset.tags = [_tag(session, t) for t in _clean_tags(metadata.tags)]
    dataset.version = metadata.version.strip()
    dataset.author = metadata.author.strip()
    dataset.author_email = metadata.author_email.strip()
    dataset.maintainer = metadata.maintainer.strip()
    dataset.maintainer_email = metadata.maintainer_email.strip()
    dataset.private = metadata.private
    dataset.extras_json = json.dumps(metadata.extras, ensure_ascii=False, sort_keys=True)
    dataset.modified = utcnow()


def _new_version(dataset: Dataset, result: IngestResult, user_id: int | None) -> Version:
    assert result.version is not None
    facts = result.facts
    return Version(
        dataset=dataset,
        number=result.version.number,
        created=dt.datetime.fromisoformat(facts["created"]).replace(tzinfo=None),
        original_name=facts["original_name"],
        bytes=facts["bytes"],
        sha256=facts["sha256"],
        encoding=facts["encoding"],
        delimiter=facts["delimiter"],
        rows=facts["rows"],
        schema_json=json.dumps(result.schema, ensure_ascii=False),
        creator_id=user_id,
    )


def _clean_tags(tags: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for tag in tags:
        for part in tag.split(","):
            cleaned = re.sub(r"\s+", " ", part).strip().lower()
            if cleaned:
                seen[cleaned] = None
    return list(seen)


def _tag(session: Session, name: str) -> Tag:
    tag = session.scalar(select(Tag).where(Tag.name == name))
    if tag is None:
        tag = Tag(name=name)
        session.add(tag)
    return tag
