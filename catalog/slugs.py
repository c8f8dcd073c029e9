"""URL names (slugs) for datasets, organisations and public bodies: one rule for all."""

from __future__ import annotations

import hashlib
import re


def slugify(text: str, fallback: str, most: int = 90) -> str:
    """Lower-case letters, digits and dashes from `text`; `fallback` when that leaves
    fewer than two characters (a title in another alphabet, say)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:most].strip("-")
    return slug if len(slug) >= 2 else fallback


def unique_slug(slug: str, taken: set[str]) -> str:
    """`slug`, or `slug-2`, `slug-3`, ... : the first not in `taken`."""
    candidate, number = slug, 2
    while candidate in taken:
        candidate, number = f"{slug}-{number}", number + 1
    return candidate


def title_slug(title: str) -> str:
    """A name that belongs to this title alone, even when slugify() keeps nothing of it:
    "Αθήνα" and "Πάτρα" must not share one organisation."""
    digest = hashlib.sha256(" ".join(title.casefold().split()).encode()).hexdigest()[:10]
    return slugify(title, fallback=f"org-{digest}")
