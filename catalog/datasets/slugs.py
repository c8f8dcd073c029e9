"""URL names (slugs) for datasets, organisations and public bodies: one rule for all."""

from __future__ import annotations

import hashlib
import re

from catalog.errors import InvalidInput


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


# The one rule for a URL name given by a person or a client: lower-case letters, digits,
# dashes and underscores (CKAN's alphabet), starting with a letter or digit.
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]+")
MOST = 100  # datasets and organisations; public bodies' names are longer (200)


def is_slug(text: str, most: int = MOST) -> bool:
    return len(text) <= most and _SLUG.fullmatch(text) is not None


def slug_rule(most: int = MOST) -> str:
    """The rule in words, for the message beside a field."""
    return f"2 to {most} lower-case letters, digits, dashes or underscores"


def check_slug(text: str, field: str, what: str, most: int = MOST) -> None:
    """Raise a 400 naming `field` unless `text` follows the rule."""
    if not is_slug(text, most):
        raise InvalidInput(f"{what} is {slug_rule(most)}.", {field: slug_rule(most)})
