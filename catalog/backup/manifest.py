"""A backup's manifest: what it holds and the size and sha256 of every file in it, so that a
restore can tell a whole backup from a damaged one before it changes anything."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from catalog.errors import CatalogError

FORMAT = "open-datastore backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 1 << 20
# The only paths a manifest may name: a manifest is read before it is trusted, and a path
# such as ../../etc/passwd must never be opened or written.
_PATH = re.compile(
    r"^(database/[a-z_]+\.jsonl"
    r"|files/datasets/[0-9a-f]{32}/[0-9]+/[A-Za-z0-9_-][A-Za-z0-9_.-]*"
    r"|files/rejected/[0-9a-f]{32}/[A-Za-z0-9_-][A-Za-z0-9_.-]*"
    r"|secret_key)$"
)

Bytes = Callable[[int], None]  # told how many more bytes were read or copied


class BackupError(CatalogError):
    """A backup that cannot be taken or restored; the message says why and what to do."""


def app_version() -> str:
    try:
        return importlib.metadata.version("open-datastore")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def copy_hashed(source: Path, target: Path, advance: Bytes) -> dict[str, Any]:
    """Copy `source` to `target` (made readable by its owner only, and synced to disk);
    the manifest's entry for it, without its path."""
    digest = hashlib.sha256()
    size = 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(source, "rb") as reader, os.fdopen(fd, "wb") as writer:
        while chunk := reader.read(CHUNK):
            writer.write(chunk)
            digest.update(chunk)
            size += len(chunk)
            advance(len(chunk))
        writer.flush()
        os.fsync(writer.fileno())
    return {"bytes": size, "sha256": digest.hexdigest()}


def hash_file(path: Path, advance: Bytes) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as reader:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            advance(len(chunk))
    return {"bytes": size, "sha256": digest.hexdigest()}


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write the manifest with a checksum of its own content, synced to disk."""
    body = {"format": FORMAT, "format_version": FORMAT_VERSION, **manifest}
    text = json.dumps({**body, "checksum": _checksum(body)}, indent=2, ensure_ascii=False)
    fd = os.open(folder / MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as writer:
        writer.write(text + "\n")
        writer.flush()
        os.fsync(writer.fileno())


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of the backup in `folder`, once it is known to be whole and ours."""
    path = folder / MANIFEST
    if not folder.is_dir():
        raise BackupError(f"There is no backup at {folder}: it is not a folder.")
    if not path.is_file():
        raise BackupError(
            f"{folder} is not a backup, or not a whole one: it has no {MANIFEST}. "
            "(`datastore backup` writes it last; a backup that stopped half way has none.)"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"The backup's {MANIFEST} is damaged: {error}.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not the manifest of an open datastore backup.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"The backup is in format {manifest.get('format_version')!r}; this version of "
            f"the datastore ({app_version()}) reads format {FORMAT_VERSION}."
        )
    body = {key: value for key, value in manifest.items() if key != "checksum"}
    if manifest.get("checksum") != _checksum(body):
        raise BackupError(f"The backup's {MANIFEST} is damaged: its checksum does not match.")
    for entry in manifest.get("files", []):
        if not _PATH.fullmatch(str(entry.get("path"))):
            raise BackupError(f"The backup's {MANIFEST} names a file it may not: {entry!r}.")
    return manifest


def verify_files(folder: Path, manifest: dict[str, Any], advance: Bytes) -> None:
    """Check every file the manifest lists against its size and sha256; raise naming the
    damaged or missing ones (up to five of them)."""
    problems = []
    for entry in manifest["files"]:
        path = folder / entry["path"]
        if not path.is_file():
            problems.append(f"{entry['path']} is missing")
            continue
        if path.stat().st_size != entry["bytes"]:
            problems.append(
                f"{entry['path']} has {path.stat().st_size:,} bytes, not {entry['bytes']:,}"
            )
            advance(entry["bytes"])
            continue
        if hash_file(path, advance)["sha256"] != entry["sha256"]:
            problems.append(f"{entry['path']} has changed (its sha256 does not match)")
    if problems:
        more = f" and {len(problems) - 5} more" if len(problems) > 5 else ""
        raise BackupError(
            f"The backup at {folder} is damaged, so nothing was restored: "
            f"{'; '.join(problems[:5])}{more}."
        )


def _checksum(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
