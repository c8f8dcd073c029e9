"""Restoring a backup into a new site, whose database and data folder are empty.

In order, as an ingest publishes: every file of the backup is checked against its manifest
before anything changes; the version folders are copied into staging and renamed into
place; then the database is made at the backup's migration, its rows loaded and migrated up
to this code's, in one transaction; last the search index is rebuilt from the rows. A
restore that fails before the commit takes its version folders back, so it can be run
again; one killed in between leaves only what a start sweeps up (catalog/jobs/recovery.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from catalog.backup.manifest import BackupError, app_version, read_manifest, verify_files
from catalog.backup.snapshot import SEEDED, catalogue_rows, drop_catalogue, load_tables
from catalog.datasets.indexing import reindex
from catalog.db.engine import known_revisions, upgrade
from catalog.site import Site
from datastore import VersionRef

Progress = Callable[[str, int, int], None]  # (stage, done, total), as an ingest's


@dataclass(frozen=True)
class RestoreSummary:
    """What a restore brought back, for the command to say."""

    path: Path
    created: str
    datasets: int
    versions: int
    files: int
    bytes: int
    revision: str
    secret_key: Path | None  # where the backup's secret key was put, if it had one


def check_backup(source: Path, progress: Progress | None = None) -> dict[str, Any]:
    """The backup's manifest, once every file it lists is there with its size and sha256;
    raises BackupError naming what is damaged or missing."""
    tell = progress or (lambda stage, done, total: None)
    manifest = read_manifest(source)
    total = sum(int(entry["bytes"]) for entry in manifest["files"])
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        tell("checking", done, total)

    tell("checking", 0, total)
    verify_files(source, manifest, advance)
    listed = {entry["path"] for entry in manifest["files"]}
    unlisted = [name for name in manifest["tables"] if f"database/{name}.jsonl" not in listed]
    if unlisted:
        raise BackupError(f"The backup is damaged: it has no rows of {', '.join(unlisted)}.")
    return manifest


def restore_backup(site: Site, source: Path, progress: Progress | None = None) -> RestoreSummary:
    """Bring the backup in `source` into the site, which must be empty (nothing in its
    database but, perhaps, the seeded directory of public bodies; nothing in its data
    folder), with no other process using it."""
    tell = progress or (lambda stage, done, total: None)
    source = source.expanduser().absolute()
    manifest = check_backup(source, tell)
    revision = str(manifest["alembic_revision"])
    if revision not in known_revisions():
        raise BackupError(
            f"The backup was made by a newer version of the datastore "
            f"({manifest.get('app_version')}, database migration {revision}) than this one "
            f"({app_version()}). Restore it with that version or a later one."
        )
    with site.processes.startup():
        site.processes.register()
        if site.processes.others_alive():
            raise BackupError(
                f"Another process is using the data folder {site.settings.data_dir} (a "
                "running site, or a `datastore` command). Stop it, then restore."
            )
        in_the_way = _in_the_way(site)
        if in_the_way:
            raise BackupError(
                f"Nothing was restored: the site is not empty ({'; '.join(in_the_way)}). "
                "Restore into a new data folder and an empty database."
            )
        try:
            placed = _place_files(site, source, manifest, tell)
        except OSError as error:  # a full disk: what was copied has been taken back
            raise BackupError(f"The restore stopped ({error}); nothing was restored.") from None
        try:
            with site.engine.begin() as connection:
                _load_database(connection, source, manifest, revision, tell)
        except BaseException:
            _take_back(site, placed)
            raise
        secret = _restore_secret(site, source, manifest)
        site.jobs.recover()  # the uploads in flight when the backup was taken: failed
    reindex(site)
    tables = manifest["tables"]
    return RestoreSummary(
        path=source,
        created=str(manifest.get("created")),
        datasets=int(tables.get("datasets", 0)),
        versions=int(tables.get("versions", 0)),
        files=len(manifest["files"]),
        bytes=sum(int(entry["bytes"]) for entry in manifest["files"]),
        revision=revision,
        secret_key=secret,
    )


def _in_the_way(site: Site) -> list[str]:
    """What the site already holds that a restore would overwrite or mix with."""
    found = []
    with site.engine.connect() as connection:
        rows = _people_made(connection)
    if rows:
        where = site.engine.url.render_as_string(hide_password=True)
        listed = ", ".join(f"{name} ({_rows(count)})" for name, count in rows.items())
        found.append(f"the database at {where} holds {listed}")
    folders = {
        "dataset folder": site.store.root / "datasets",
        "kept upload": site.store.root / "rejected",
        "upload folder": site.settings.data_dir / "uploads",
    }
    for what, folder in folders.items():
        count = len(list(folder.iterdir())) if folder.is_dir() else 0
        if count:
            found.append(f"{folder} holds {count} {what}{'' if count == 1 else 's'}")
    return found


def _rows(count: int) -> str:
    return f"{count:,} row{'' if count == 1 else 's'}"


def _people_made(connection: Connection) -> dict[str, int]:
    return {k: v for k, v in catalogue_rows(connection).items() if k not in SEEDED}


def _place_files(
    site: Site, source: Path, manifest: dict[str, Any], tell: Progress
) -> list[VersionRef | Path]:
    """Copy the backup's version folders and kept uploads into the data folder, each
    written in staging and renamed into place whole."""
    files: dict[str, list[str]] = {}
    for entry in manifest["files"]:
        folder, _, name = entry["path"].rpartition("/")
        files.setdefault(folder, []).append(name)
    total = sum(int(e["bytes"]) for e in manifest["files"] if e["path"].startswith("files/"))
    done = 0
    placed: list[VersionRef | Path] = []
    tell("copying", 0, total)
    try:
        for key, number in manifest["versions"]:
            folder = f"files/datasets/{key}/{number}"
            with site.store.staging() as staged:
                done += _copy_folder(source / folder, staged.folder, files.get(folder, []))
                placed.append(site.store.publish_as(staged, key, int(number)))
            tell("copying", done, total)
        for reference in manifest["kept"]:
            folder = f"files/rejected/{reference}"
            if folder not in files:  # gone from the site before the backup was taken
                continue
            with site.store.staging() as staged:
                done += _copy_folder(source / folder, staged.folder, files[folder])
                placed.append(site.store.keep_as(staged, reference))
            tell("copying", done, total)
    except BaseException:
        _take_back(site, placed)
        raise
    return placed


def _take_back(site: Site, placed: list[VersionRef | Path]) -> None:
    """Remove what a restore that failed had put in place, so that it can be run again."""
    for ref in placed:
        if isinstance(ref, VersionRef):
            site.store.remove_version(ref)
            with contextlib.suppress(OSError):  # its dataset's folder, if now empty
                ref.folder.parent.rmdir()
        else:
            shutil.rmtree(ref, ignore_errors=True)


def _copy_folder(source: Path, target: Path, names: list[str]) -> int:
    copied = 0
    for name in names:
        shutil.copyfile(source / name, target / name)
        copied += (target / name).stat().st_size
    return copied


def _load_database(
    connection: Connection, source: Path, manifest: dict[str, Any], revision: str, tell: Progress
) -> None:
    rows = _people_made(connection)  # again, in the transaction that loads
    if rows:
        raise BackupError(f"Nothing was restored: the database now holds {', '.join(rows)}.")
    drop_catalogue(connection)  # empty, or only the seed: made again at the backup's revision
    upgrade(connection, revision)
    load_tables(
        connection, source / "database", manifest["tables"], lambda d, t: tell("loading", d, t)
    )
    upgrade(connection, "head")


def _restore_secret(site: Site, source: Path, manifest: dict[str, Any]) -> Path | None:
    """The backup's secret key in place of the one the new site generated, so that the
    sessions and form tokens it signed stay good (readable by this user only)."""
    if not any(entry["path"] == "secret_key" for entry in manifest["files"]):
        return None
    target = site.settings.data_dir / "secret_key"
    temporary = target.with_name(f".secret_key.{uuid.uuid4().hex}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as writer:
        writer.write((source / "secret_key").read_bytes())
        writer.flush()
        os.fsync(writer.fileno())
    os.replace(temporary, target)
    return target
