"""Which processes have this data folder open, told by locks the system drops when they die.

Every process that opens the catalogue (the web app, `datastore ingest`, ...) holds an
exclusive lock on processes/<its id>.lock for as long as it lives. Anyone can tell whether
that process is still running by trying the same lock: it is taken while the process
lives and free the moment it ends, however it ends (kill -9 included). A pid would not do
(pids are reused, and in a container the app is pid 1 on every start), nor would a
heartbeat (a long validation writes nothing for minutes).

Locks are flock(2) locks, so every process must see the data folder through one kernel,
or through a network file system that passes flock on (NFS v4 does).
"""

from __future__ import annotations

import fcntl
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_ID = re.compile(r"^[0-9a-f]{32}$")


class ProcessRegistry:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.id = uuid.uuid4().hex
        self._fd: int | None = None

    @contextmanager
    def startup(self) -> Iterator[None]:
        """Held while a process registers and sweeps up after dead ones: no other process
        can register (and so begin writing) in the middle of a sweep."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / "startup.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # which releases the lock

    def register(self) -> None:
        """Say that this process is alive until it closes (or dies). Call inside startup()."""
        if self._fd is not None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path(self.id), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._fd = fd

    def close(self) -> None:
        if self._fd is not None:
            self._path(self.id).unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None

    def is_alive(self, process_id: str) -> bool:
        if process_id == self.id:
            return True  # whoever asks is
        if not _ID.fullmatch(process_id):
            return False
        try:
            fd = os.open(self._path(process_id), os.O_RDONLY)
        except FileNotFoundError:
            return False
        try:
            # Shared, so that two processes asking at once do not mistake each other's
            # question for a live owner.
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    def others_alive(self) -> bool:
        """Whether another process has the data folder open; forgets the dead ones' files.
        Call inside startup()."""
        alive = False
        for path in self.folder.glob("*.lock"):
            if path.stem == self.id or not _ID.fullmatch(path.stem):
                continue
            if self.is_alive(path.stem):
                alive = True
            else:
                path.unlink(missing_ok=True)
        return alive

    def _path(self, process_id: str) -> Path:
        return self.folder / f"{process_id}.lock"
