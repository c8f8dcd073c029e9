"""What a starting process puts right after a crash (a kill -9, a power cut) of another.

An ingest writes in the store's staging/ folder, renames the finished version into
datasets/<key>/<n>/, and only then commits the dataset and version rows. A crash can
therefore leave three kinds of litter, none of it visible in the catalogue (every page
and download starts from the database):

- a staging folder, from a crash before the rename;
- an orphan version folder, from a crash between the rename and the commit;
- an upload job left "queued" or "running", with its file in <data>/uploads/<job id>/.

The danger in sweeping is another live process: its ingest in flight owns a staging
folder, and for the few milliseconds between its rename and its commit, a version folder
the database does not know yet. Neither carries its owner's name (the datastore library
knows nothing of processes), so the rule is:

- If no other process has the data folder open (catalog.jobs.processes: the lock of every
  process that ever opened it is free), everything in flight was the dead's: sweep it all,
  at once.
- Otherwise sweep only what nobody has written for an hour (GRACE_SECONDS). A live ingest
  writes its staging folder as it goes, and an orphan's files were last written just
  before its rename; an hour is far beyond the time from that last write to the commit.
  Their rare litter waits for a start with the folder to itself, or for the hour.

No other process can register while we sweep (ProcessRegistry.startup), so "alone" stays
true until we are done. Jobs are judged by their own process's lock, whatever else runs.
"""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db.models import Dataset, Version
from catalog.jobs.processes import ProcessRegistry
from catalog.jobs.runner import JobRunner
from datastore import Store, VersionRef

log = logging.getLogger(__name__)

GRACE_SECONDS = 3600
_KEY = re.compile(r"^[0-9a-f]{32}$")


def sweep_spill(spill_dir: Path, registry: ProcessRegistry) -> int:
    """Delete the query spill folders of processes that are gone (each process spills in
    <spill_dir>/<its id>/, catalog/site.py). Returns how many went."""
    if not spill_dir.is_dir():
        return 0
    removed = 0
    for folder in spill_dir.iterdir():
        if not registry.is_alive(folder.name):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def recover(store: Store, sessions: sessionmaker[Session], runner: JobRunner, alone: bool) -> None:
    """Sweep up after crashed processes; `alone` says no other process is alive."""
    staging = store.sweep_staging(older_than_seconds=0 if alone else GRACE_SECONDS)
    orphans = remove_orphan_versions(store, sessions, alone)
    jobs = runner.recover()
    if staging or orphans or jobs:
        log.warning(
            "swept up after a crash: %d staging folders, %d unrecorded versions, %d uploads",
            staging,
            orphans,
            jobs,
        )


def remove_orphan_versions(store: Store, sessions: sessionmaker[Session], alone: bool) -> int:
    """Remove version folders that the database does not know (see the module's rule).
    Returns how many went."""
    root = store.root / "datasets"
    # The disk is read before the database: a version committed in between is then known.
    on_disk = {
        folder.name: store.version_numbers(folder.name)
        for folder in root.iterdir()
        if folder.is_dir() and _KEY.fullmatch(folder.name)
    }
    with sessions() as session:
        keys = set(session.scalars(select(Dataset.key)))
        rows = session.execute(select(Dataset.key, Version.number).join(Version.dataset))
        known = {(key, number) for key, number in rows}
    cutoff = time.time() - GRACE_SECONDS
    removed = 0
    for key, numbers in on_disk.items():
        for number in numbers:
            folder = root / key / str(number)
            if (key, number) in known or (not alone and _last_written(folder) > cutoff):
                continue
            log.warning("removing version %d of %s: the database never recorded it", number, key)
            store.remove_version(VersionRef(key, number, folder))
            removed += 1
        # An empty dataset folder may be about to receive a live ingest's first version.
        if alone and key not in keys:
            with contextlib.suppress(OSError):  # not empty: something we do not own
                (root / key).rmdir()
    return removed


def _last_written(folder: Path) -> float:
    try:
        return max([folder.stat().st_mtime, *(e.stat().st_mtime for e in folder.iterdir())])
    except OSError:  # changing under us: someone is at work in it
        return time.time()
