"""Which upload runs next, and on which thread: lanes, taken fairly.

A process runs its uploads in threads of its own, in two lanes:

- the general lane: `workers` threads, which take any upload;
- the quick lane: one more thread that takes only small files (up to `quick_bytes`, which
  the runner says), so that a huge or slow upload (or several) never keeps an ordinary
  spreadsheet waiting. A `quick_bytes` of 0 turns it off.

Within a lane, the next upload is that of the uploader with the fewest uploads running, and
among those, of the one whose last turn is longest ago (oldest first within an uploader): one
volunteer's twenty files are taken in turn with another's one, not all before it.

Threads are started when there is work and end when there is none, so an idle process holds
none. They are not daemons: a process that ends lets its running uploads finish first.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

GENERAL, QUICK = "general", "quick"


@dataclass(eq=False)  # one upload is itself, whatever its fields
class Waiting:
    """An upload in the queue. `run` does its work; `ended` is set once it has."""

    job_id: str
    uploader: Any  # whose turn it is: the user id (None: anonymous, the CLI)
    quick: bool  # the quick lane may take it
    run: Callable[[], None]
    seq: int = 0
    ended: threading.Event = field(default_factory=threading.Event)


class Lanes:
    def __init__(self, workers: int, quick_bytes: int) -> None:
        self.capacity = {GENERAL: max(1, workers), QUICK: 1 if quick_bytes > 0 else 0}
        self._busy = Counter[str]()
        self._running: dict[str, Waiting] = {}
        self._waiting: list[Waiting] = []
        self._by_uploader = Counter[Any]()  # uploads running, per uploader
        self._last_turn: dict[Any, int] = {}  # when each uploader's last upload started
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()
        self._seq = itertools.count()
        self._turns = itertools.count()
        self._closed = False

    def add(self, item: Waiting) -> None:
        """Queue an upload; it starts at once if a lane it may use is free."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the upload queue is closed")
            item.seq = next(self._seq)
            self._waiting.append(item)
            for lane in (GENERAL, QUICK):
                if self._busy[lane] < self.capacity[lane]:
                    first = self._take(lane)
                    if first is not None:
                        self._start(lane, first)

    def find(self, job_id: str) -> Waiting | None:
        """The upload, if this process has it waiting or running."""
        with self._lock:
            if job_id in self._running:
                return self._running[job_id]
            return next((w for w in self._waiting if w.job_id == job_id), None)

    def idle(self) -> bool:
        with self._lock:
            return not self._waiting and not self._running

    def close(self) -> list[Waiting]:
        """Take no more uploads, let the running ones finish, and return those that never
        started (they cannot run any more)."""
        with self._lock:
            self._closed = True
            never, self._waiting = self._waiting, []
            threads = list(self._threads)
        for item in never:
            item.ended.set()
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join()
        return never

    def _start(self, lane: str, first: Waiting) -> None:
        self._busy[lane] += 1
        thread = threading.Thread(
            target=self._serve, args=(lane, first), name=f"ingest-{lane}", daemon=False
        )
        self._threads.add(thread)
        thread.start()

    def _serve(self, lane: str, item: Waiting | None) -> None:
        while item is not None:
            try:
                item.run()
            finally:
                with self._lock:
                    self._running.pop(item.job_id, None)
                    self._by_uploader[item.uploader] -= 1
                    item.ended.set()
                    item = None if self._closed else self._take(lane)
                    if item is None:
                        self._busy[lane] -= 1
                        self._threads.discard(threading.current_thread())

    def _take(self, lane: str) -> Waiting | None:
        """The next upload for the lane (call with the lock held), now counted as running."""
        fits = [w for w in self._waiting if lane == GENERAL or w.quick]
        if not fits:
            return None
        item = min(
            fits,
            key=lambda w: (
                self._by_uploader[w.uploader],
                self._last_turn.get(w.uploader, -1),
                w.seq,
            ),
        )
        self._waiting = [w for w in self._waiting if w is not item]
        self._running[item.job_id] = item
        self._by_uploader[item.uploader] += 1
        self._last_turn[item.uploader] = next(self._turns)
        return item
