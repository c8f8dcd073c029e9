"""Dataset versions on disk, written in a staging folder and published by one rename."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from datastore.diff import diff_tables
from datastore.errors import DatastoreError, NotFound
from datastore.lookup import build_lookup, lookup_path, worth_indexing
from datastore.profile import profile_table

# Keys and file names are ours, never the user's: a dataset key is a hex id the catalogue
# generates, and an original keeps one of these extensions (its real name is metadata).
_KEY = re.compile(r"^[0-9a-f]{32}$")
_REFERENCE = re.compile(r"[0-9a-f]{32}")
# A compressed upload keeps its own (spend.csv.gz is original.gz; ingest reads what it holds).
ORIGINAL_SUFFIXES: tuple[str, ...] = (".csv", ".tsv", ".txt", ".tab", ".xlsx", ".xls", ".ods")
ORIGINAL_SUFFIXES += (".gz", ".zip", ".bz2", ".xz")
PARQUET = "data.parquet"
SCHEMA = "schema.json"
REPORT = "report.json"
FACTS = "version.json"
RECIPE = "recipe.json"  # the fixes the table was published after, when there were any
PROFILE = "profile.json"


@dataclass(frozen=True)
class VersionRef:
    """Where one published version lives."""

    dataset_key: str
    number: int
    folder: Path

    @property
    def parquet(self) -> Path:
        return self.folder / PARQUET

    def original(self) -> Path:
        for path in self.folder.glob("original.*"):
            return path
        raise NotFound(f"version {self.number} has no original file")

    def read_json(self, name: str) -> Any:
        return json.loads((self.folder / name).read_text(encoding="utf-8"))

    def recipe(self) -> list[dict[str, Any]] | None:
        """The fixes the table was published after (ingest/recipe.py), if there were any."""
        path = self.folder / RECIPE
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def profile(self) -> dict[str, Any]:
        """Each column's profile (datastore/profile.py), worked out on first use."""
        return self.derived(PROFILE, lambda: profile_table(self.parquet))

    def build_lookups(self) -> list[int]:
        """Value indexes for the columns where nearly every value differs (datastore/lookup.py);
        the positions of the columns that have one."""
        positions = worth_indexing(self.profile())
        for position in positions:
            if not lookup_path(self.parquet, position).is_file():
                build_lookup(self.parquet, position)
        return positions

    def changes(self, previous: VersionRef) -> dict[str, Any]:
        """What changed since `previous` (datastore/diff.py), worked out on first use."""
        name = f"changes-from-{previous.number}.json"
        return self.derived(name, lambda: diff_tables(previous.parquet, self.parquet))

    def derived(self, name: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """A JSON file worked out from this version's table and kept beside it.

        The catalogue asks for these right after publishing; a version published before
        one existed gets it on first use. The file appears whole or not at all.
        """
        try:
            value: dict[str, Any] = self.read_json(name)
            return value
        except FileNotFoundError:
            pass
        value = compute()
        temporary = self.folder / f".{name}.{uuid.uuid4().hex}"
        try:
            write_json(temporary, value)
            os.replace(temporary, self.folder / name)
        finally:
            temporary.unlink(missing_ok=True)
        return value


@dataclass
class Staged:
    """A version being written. Nothing in it is visible until Store.publish()."""

    folder: Path

    def write_json(self, name: str, value: Any, *, compact: bool = False) -> None:
        write_json(self.folder / name, value, compact=compact)

    def original_path(self, original_name: str) -> Path:
        suffix = Path(original_name).suffix.lower()
        return self.folder / ("original" + (suffix if suffix in ORIGINAL_SUFFIXES else ".csv"))


class Store:
    """The data folder: published versions, versions being written, rejected uploads."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        for name in ("datasets", "staging", "rejected"):
            (self.root / name).mkdir(parents=True, exist_ok=True)

    @contextmanager
    def staging(self) -> Iterator[Staged]:
        """A fresh staging folder, removed again unless its content was published or kept."""
        folder = self.root / "staging" / uuid.uuid4().hex
        folder.mkdir()
        try:
            yield Staged(folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def publish(self, staged: Staged, dataset_key: str) -> VersionRef:
        """Make a staged version visible as the dataset's next version, in one rename."""
        dataset_folder = self._dataset_folder(dataset_key)
        dataset_folder.mkdir(parents=True, exist_ok=True)
        _fsync_tree(staged.folder)
        number = max(self.version_numbers(dataset_key), default=0) + 1
        while True:
            target = dataset_folder / str(number)
            try:
                os.rename(staged.folder, target)  # fails if another writer took the number
            except OSError:
                if not target.exists():
                    raise
                number += 1
                continue
            fsync_dir(dataset_folder)
            return VersionRef(dataset_key, number, target)

    def publish_as(self, staged: Staged, dataset_key: str, number: int) -> VersionRef:
        """Make a staged version visible as exactly version `number` (a restore from a
        backup, where the numbers are already known); fails if that number is taken."""
        dataset_folder = self._dataset_folder(dataset_key)
        dataset_folder.mkdir(parents=True, exist_ok=True)
        _fsync_tree(staged.folder)
        target = dataset_folder / str(int(number))
        if target.exists():
            raise DatastoreError(f"version {number} of {dataset_key} is already there")
        os.rename(staged.folder, target)
        fsync_dir(dataset_folder)
        return VersionRef(dataset_key, int(number), target)

    def keep_as(self, staged: Staged, reference: str) -> Path:
        """Keep a staged folder under rejected/ as `reference` (a restore of a kept upload)."""
        if not _REFERENCE.fullmatch(reference):
            raise DatastoreError(f"not a reference: {reference!r}")
        target = self.root / "rejected" / reference
        if target.exists():
            raise DatastoreError(f"an upload is already kept under {reference}")
        _fsync_tree(staged.folder)
        os.rename(staged.folder, target)
        return target

    def reject(self, staged: Staged) -> Path:
        """Keep a failed upload (its original and report) under rejected/ for the fix."""
        target = self.root / "rejected" / staged.folder.name
        _fsync_tree(staged.folder)
        os.rename(staged.folder, target)
        return target

    def keep_original(self, source: Path, original_name: str) -> str:
        """Keep an upload as it came under rejected/, for a fix made later; its reference."""
        with self.staging() as staged:
            copy_file(source, staged.original_path(original_name))
            return self.reject(staged).name

    def kept_original(self, reference: str) -> Path:
        """The original kept under `reference` (by reject or keep_original)."""
        if not _REFERENCE.fullmatch(reference):
            raise NotFound("there is no upload kept under that reference")
        for path in (self.root / "rejected" / reference).glob("original.*"):
            return path
        raise NotFound("there is no upload kept under that reference")

    def version(self, dataset_key: str, number: int) -> VersionRef:
        folder = self._dataset_folder(dataset_key) / str(int(number))
        if not (folder / FACTS).is_file():
            raise NotFound(f"there is no version {number} of this dataset")
        return VersionRef(dataset_key, int(number), folder)

    def version_numbers(self, dataset_key: str) -> list[int]:
        folder = self._dataset_folder(dataset_key)
        if not folder.is_dir():
            return []
        return sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit())

    def remove_version(self, ref: VersionRef) -> None:
        """Take back a version whose catalogue record could not be saved."""
        trash = self.root / "staging" / f"removing-{uuid.uuid4().hex}"
        os.rename(ref.folder, trash)
        shutil.rmtree(trash, ignore_errors=True)

    def sweep_staging(self, older_than_seconds: float = 3600) -> int:
        """Delete staging folders left by a crashed ingest. Returns how many went."""
        cutoff = time.time() - older_than_seconds
        removed = 0
        for folder in (self.root / "staging").iterdir():
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed

    def _dataset_folder(self, dataset_key: str) -> Path:
        if not _KEY.fullmatch(dataset_key):
            raise DatastoreError(f"not a dataset key: {dataset_key!r}")
        return self.root / "datasets" / dataset_key


def write_json(path: Path, value: Any, *, compact: bool = False) -> None:
    """Write `value` as UTF-8 JSON; `compact` (no indent) lets json use its C encoder, which
    matters for a report of many thousand errors."""
    text = json.dumps(value, indent=None if compact else 2, ensure_ascii=False, default=str)
    path.write_text(text, encoding="utf-8")


def copy_file(source: Path | BinaryIO, target: Path) -> int:
    """Copy a file or stream to `target` (the kernel copies files); returns its size."""
    if isinstance(source, Path):
        shutil.copyfile(source, target)
    else:
        with open(target, "wb") as writer:
            shutil.copyfileobj(source, writer, 1 << 20)
    return target.stat().st_size


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    fsync_dir(folder)


def fsync_dir(folder: Path) -> None:
    """Make a folder's entries (a rename into it, a new file) durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
