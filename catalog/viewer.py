"""Who is looking: one frozen Viewer, built once per web request, API call or CLI command and
passed to every function that decides what may be seen or changed.

A function that is not told who is looking sees as a visitor (`Viewer.anonymous()`): a
forgotten viewer shows nothing private. The command line and the app's own work
(publishing, reindexing, recovery) ask for `Viewer.system()` by name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Viewer:
    id: int | None = None  # the user's id; None for a visitor and for the system
    username: str = ""
    is_admin: bool = False

    @classmethod
    def anonymous(cls) -> Viewer:
        return ANONYMOUS

    @classmethod
    def system(cls) -> Viewer:
        """The site itself (the CLI, background work): sees and may change everything."""
        return cls(id=None, username="", is_admin=True)

    @classmethod
    def user(cls, id: int, username: str, is_admin: bool = False) -> Viewer:
        return cls(id=id, username=username, is_admin=is_admin)

    @property
    def signed_in(self) -> bool:
        return self.id is not None


ANONYMOUS = Viewer()
