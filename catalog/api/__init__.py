"""The CKAN-compatible Action API: the registry of actions, token auth, CKAN's shapes, and
one module of actions per resource. Importing the package registers every action."""

from __future__ import annotations

from catalog.api import datasets, foi, meta, organisations, tokens
from catalog.api.dispatch import blueprint, unversioned
from catalog.api.registry import ACTIONS

BLUEPRINTS = (blueprint, unversioned)
RESOURCES = (datasets, foi, meta, organisations, tokens)  # each registers its actions

__all__ = ["ACTIONS", "BLUEPRINTS", "RESOURCES"]
