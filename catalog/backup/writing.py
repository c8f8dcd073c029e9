"""Taking a backup of a running site: the database as of one moment, then the files that
moment knows (catalog/backup/__init__.py says why that is consistent), written into a
folder of its own that appears, whole, under its name only at the end."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from catalog.backup.manifest import (
    BackupError,
    app_version,
    copy_hashed,
    hash_file,
    write_manifest,
)
from catalog.backup.snapshot import database_snapshot, dump_tables, revision_of
from catalog.site import Site
from datastore import NotFound
from datastore.store import fsync_dir

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (stage, done, total), as an ingest's
_REFERENCE = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds, for the command to say."""

    path: Path
    datasets: int
    versions: int
    files: int
    bytes: int
    revision: str


def take_backup(site: Site, destination: Path, progress: Progress | None = None) -> BackupSummary:
    """Write a backup of the site into `destination`, a folder that must not exist yet.

    It is written beside it under a hidden name and renamed into place last, so a backup
    that stops half way (a full disk, a kill) is never mistaken for a whole one; the
    partial folder is removed when it can be. The folder and its files are readable by
    their owner only: they hold password hashes, FOI letters and the secret key.
    """
    tell = progress or (lambda stage, done, total: None)
    destination = destination.expanduser().absolute()
    if destination.exists():
        raise BackupError(
            f"{destination} already exists. A backup is written into a new folder; name "
            "each one by its date (see docs/operations.md)."
        )
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.parent / f".{destination.name}.partial-{uuid.uuid4().hex}"
    partial.mkdir(mode=0o700)
    try:
        taken = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")  # the snapshot's moment
        with database_snapshot(site.engine) as connection:
            revision = revision_of(connection)
            tables = dump_tables(
                connection, partial / "database", lambda d, t: tell("snapshot", d, t)
            )
            versions, kept = _recorded(connection)
        dumped = [f"database/{name}.jsonl" for name in sorted(tables)]
        entries = [{"path": path, **hash_file(partial / path, _no)} for path in dumped]
        entries += _copy_files(site, partial, versions, kept, tell)
        secret = site.settings.data_dir / "secret_key"
        if secret.is_file():
            entries.append(
                {"path": "secret_key", **copy_hashed(secret, partial / "secret_key", _no)}
            )
        write_manifest(
            partial,
            {
                "app_version": app_version(),
                "alembic_revision": revision,
                "created": taken,
                "database": site.engine.dialect.name,
                "tables": tables,
                "versions": [[key, number] for key, number in versions],
                "kept": kept,
                "files": entries,
            },
        )
        for folder in sorted({p.parent for p in partial.rglob("*")}, reverse=True):
            fsync_dir(folder)
        os.rename(partial, destination)
        fsync_dir(destination.parent)
    except OSError as error:  # a full disk, a folder we may not write in
        shutil.rmtree(partial, ignore_errors=True)
        raise BackupError(f"The backup could not be written ({error}); nothing was kept.") from None
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return BackupSummary(
        path=destination,
        datasets=tables.get("datasets", 0),
        versions=tables.get("versions", 0),
        files=len(entries),
        bytes=sum(entry["bytes"] for entry in entries),
        revision=revision,
    )


def _recorded(connection: Connection) -> tuple[list[tuple[str, int]], list[str]]:
    """The versions the snapshot records, and the kept uploads its jobs' reviews wait on."""
    rows = connection.execute(
        text(
            "SELECT d.key, v.number FROM versions v JOIN datasets d ON d.id = v.dataset_id "
            "ORDER BY d.key, v.number"
        )
    )
    versions = [(str(key), int(number)) for key, number in rows]
    kept = set()
    for (result,) in connection.execute(
        text("SELECT result_json FROM ingest_jobs WHERE result_json <> ''")
    ):
        try:
            reference = json.loads(result).get("kept")
        except (json.JSONDecodeError, AttributeError):
            continue
        if isinstance(reference, str) and _REFERENCE.fullmatch(reference):
            kept.add(reference)
    return versions, sorted(kept)


def _copy_files(
    site: Site, partial: Path, versions: list[tuple[str, int]], kept: list[str], tell: Progress
) -> list[dict[str, Any]]:
    """Copy each recorded version's folder and each kept upload; their manifest entries."""
    sources: list[tuple[Path, str]] = []
    for key, number in versions:
        try:
            folder = site.store.version(key, number).folder
        except NotFound:
            raise BackupError(
                f"Version {number} of the dataset kept in {key} is in the database but not in "
                f"the data folder ({site.store.root / 'datasets' / key / str(number)}): the "
                "site is damaged, and a backup of it would not restore. Nothing was written."
            ) from None
        sources += _files_of(folder, f"files/datasets/{key}/{number}")
    for reference in kept:
        try:
            folder = site.store.kept_original(reference).parent
        except NotFound:
            log.warning("upload %s is no longer kept: its review cannot be restored", reference)
            continue
        sources += _files_of(folder, f"files/rejected/{reference}")
    total = sum(path.stat().st_size for path, _ in sources)
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        tell("copying", done, total)

    tell("copying", 0, total)
    entries = []
    for path, relative in sources:
        target = partial / relative
        for folder in reversed(target.relative_to(partial).parents[:-1]):
            (partial / folder).mkdir(mode=0o700, exist_ok=True)
        entries.append({"path": relative, **copy_hashed(path, target, advance)})
    return entries


def _files_of(folder: Path, prefix: str) -> list[tuple[Path, str]]:
    """The whole files of a version or kept folder: hidden names are derived files still
    being written (they appear by rename), left for the restored site to work out."""
    return [
        (path, f"{prefix}/{path.name}")
        for path in sorted(folder.iterdir())
        if path.is_file() and not path.name.startswith(".")
    ]


def _no(count: int) -> None:
    pass
