"""The registry of Action API actions: `@action` adds a function under its own name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Action = Callable[[dict[str, Any]], Any]
ACTIONS: dict[str, Action] = {}


def action(function: Action) -> Action:
    ACTIONS[function.__name__] = function
    return function
