"""The directory of public bodies that FOI requests go to: seeding it from the two real
lists in catalog/seed (see SOURCES.md there), the type-ahead search, suggestions for a
topic, and admins' additions and corrections.

Seeded bodies keep the register's id (without "gb/") as their slug, which is also their
URL name on WhatDoTheyKnow, so each can link to the body's page there.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, case, func, insert, or_, select
from sqlalchemy.orm import Session

from catalog.datasets.slugs import is_slug, slug_rule, slugify, unique_slug
from catalog.db.models import Authority, utcnow
from catalog.errors import InvalidInput, NotAuthorised, NotFound
from catalog.viewer import Viewer

SEED = Path(__file__).parent / "seed"
PUBLIC_BODIES = "uk-public-bodies"
LOCAL_AUTHORITIES = "uk-local-authorities"
ADDED_HERE = "added-here"
NATIONS = ("England", "Scotland", "Wales", "Northern Ireland")
# The register's tags that say which nation a body serves (it has no nation column).
NATION_TAGS = {
    "england": "England",
    "scotland": "Scotland",
    "scotland_council": "Scotland",
    "nhs_scotland": "Scotland",
    "wales": "Wales",
    "nhswales": "Wales",
    "ni": "Northern Ireland",
    "northernireland": "Northern Ireland",
    "nhsni": "Northern Ireland",
}
NOT_FOI_TAGS = {"foi_no", "no_foi"}
# Words too common in bodies' names (or in questions) to say which body a topic is about.
_COMMON_WORDS = (
    "about after also data from have information into many more most much over only such "
    "than that their them then there these they this those what when where which while "
    "with within would your year years number numbers total list council councils city "
    "county borough district authority authorities national service services trust "
    "office department agency board committee public local united kingdom"
)
STOP_WORDS = frozenset(_COMMON_WORDS.split())
WHATDOTHEYKNOW = "https://www.whatdotheyknow.com/body/"
SLUG_MOST = 200  # the names of public bodies are long
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def seed_authorities(session: Session) -> int:
    """Fill an empty directory from the seed lists; how many bodies were added (0 when it
    already has some). The caller commits."""
    if session.scalar(select(Authority.id).limit(1)) is not None:
        return 0
    rows = _public_bodies(SEED / f"{PUBLIC_BODIES}.csv")
    rows += _merge_local_authorities(rows, SEED / f"{LOCAL_AUTHORITIES}.csv")
    now = utcnow()
    for row in rows:
        row.update(foi_email="", foi_address="", created=now, modified=now)
    session.execute(insert(Authority), rows)
    return len(rows)


def _public_bodies(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        for item in csv.DictReader(handle):
            tags = [t.strip(",;") for t in item["tags"].split()]
            nations = [NATION_TAGS[t] for t in tags if t in NATION_TAGS]
            rows.append(
                {
                    "slug": item["id"].removeprefix("gb/"),
                    "name": item["name"].strip(),
                    "abbreviation": item["abbreviation"].strip(),
                    "other_names": item["other_names"].strip(),
                    "kind": "",
                    "nation": nations[0] if nations else "",
                    "url": item["url"].strip(),
                    "tags": " ".join(tags),
                    "subject_to_foi": not NOT_FOI_TAGS.intersection(tags),
                    "defunct": "defunct" in tags,
                    "source": PUBLIC_BODIES,
                }
            )
    return rows


def _merge_local_authorities(bodies: list[dict[str, Any]], path: Path) -> list[dict[str, Any]]:
    """Fill in nation, kind and defunct on the bodies that are councils in mySociety's list
    (matched by name, then by a council-like alternative name); the new rows for the rest."""
    with path.open(encoding="utf-8", newline="") as handle:
        councils = list(csv.DictReader(handle))
    by_name = {normalise_name(b["name"]): b for b in bodies}
    matched: dict[int, dict[str, Any]] = {}  # council's row number: body
    for number, council in enumerate(councils):  # exact names first, so they win
        body = by_name.pop(normalise_name(council["official-name"]), None)
        if body is not None:
            matched[number] = body
    for number, council in enumerate(councils):
        if number not in matched:
            for name in _other_council_names(council):
                if (body := by_name.pop(normalise_name(name), None)) is not None:
                    matched[number] = body
                    break
    slugs = {b["slug"] for b in bodies}
    added = []
    for number, council in enumerate(councils):
        names = [council["official-name"].strip(), council["nice-name"].strip()]
        current = council["current-authority"] == "True"
        if number in matched:
            body = matched[number]
            body.update(
                nation=council["nation"] or body["nation"],
                kind=council["local-authority-type-name"],
                defunct=body["defunct"] or not current,
                other_names=_join_names(body["name"], body["other_names"], *names),
                source=f"{PUBLIC_BODIES} {LOCAL_AUTHORITIES}",
            )
            continue
        slug = unique_slug(council["gov-uk-slug"] or body_slug(names[0]), slugs)
        slugs.add(slug)
        added.append(
            {
                "slug": slug,
                "name": names[0],
                "abbreviation": "",
                "other_names": _join_names(names[0], "", names[1]),
                "kind": council["local-authority-type-name"],
                "nation": council["nation"],
                "url": "",
                "tags": "local_council",
                "subject_to_foi": True,
                "defunct": not current,
                "source": LOCAL_AUTHORITIES,
            }
        )
    return added


def _other_council_names(council: dict[str, str]) -> list[str]:
    nice = council["nice-name"].strip()
    alternatives = [n for n in council["alt-names"].split(",") if "council" in n.lower()]
    suffixes = ("council", "city council", "borough council", "district council")
    return alternatives + [f"{nice} {suffix}" for suffix in suffixes]


def _join_names(name: str, other_names: str, *more: str) -> str:
    """`other_names` with `more` added, leaving out repeats and the name itself."""
    seen = {normalise_name(name)}
    kept = []
    for item in [*other_names.split(";"), *more]:
        if item.strip() and normalise_name(item) not in seen:
            seen.add(normalise_name(item))
            kept.append(item.strip())
    return ";".join(kept)


def normalise_name(name: str) -> str:
    return " ".join(name.lower().replace("&", " and ").replace(",", " ").split())


def body_slug(name: str) -> str:
    return slugify(normalise_name(name), fallback="body", most=190)


def _like(text: str) -> str:
    """`text` with LIKE's wildcards taken literally (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _ranked(text: str) -> tuple[ColumnElement[bool], ColumnElement[int]]:
    """Bodies matching `text` (case-insensitively, in the name, abbreviation or another
    name) and a rank: 0 exactly one of those, 1 one starts with it, 2 a word in one starts
    with it, 3 it is somewhere inside."""
    needle = _like(" ".join(text.lower().split()))
    name, abbreviation = func.lower(Authority.name), func.lower(Authority.abbreviation)
    others = func.lower(Authority.other_names)

    def like(column: Any, pattern: str) -> ColumnElement[bool]:
        return column.like(pattern, escape="\\")

    exact = or_(
        name == text.lower().strip(),
        abbreviation == text.lower().strip(),
        like(others, needle),
        like(others, f"{needle};%"),
        like(others, f"%;{needle}"),
        like(others, f"%;{needle};%"),
    )
    starts = or_(like(name, f"{needle}%"), like(abbreviation, f"{needle}%"))
    starts = or_(starts, like(others, f"{needle}%"), like(others, f"%;{needle}%"))
    word = or_(like(name, f"% {needle}%"), like(name, f"%({needle}%"), like(others, f"% {needle}%"))
    contains = or_(like(name, f"%{needle}%"), like(abbreviation, f"%{needle}%"))
    contains = or_(contains, like(others, f"%{needle}%"))
    rank = case((exact, 0), (starts, 1), (word, 2), else_=3)
    return contains, rank


def search_authorities(
    session: Session, text: str, limit: int = 10, include_defunct: bool = False
) -> list[dict[str, Any]]:
    """The type-ahead: bodies matching `text`, best first (see _ranked), as summaries."""
    text = " ".join(text.split())[:200]
    if not text:
        return []
    matches, rank = _ranked(text)
    query = select(Authority).where(matches)
    if not include_defunct:
        query = query.where(Authority.defunct.is_(False))
    council_first = case((Authority.kind != "", 0), else_=1)  # the bodies most asked
    order = (rank, Authority.defunct, council_first, func.length(Authority.name), Authority.name)
    found = session.scalars(query.order_by(*order).limit(limit))
    return [authority_summary(a) for a in found]


def list_authorities(
    session: Session,
    text: str = "",
    nation: str = "",
    include_defunct: bool = False,
    page: int = 1,
    per_page: int = 50,
) -> dict[str, Any]:
    """A page of the directory: by name, or best matches first when there is `text`."""
    text = " ".join(text.split())[:200]
    query = select(Authority)
    order: list[Any] = [func.lower(Authority.name), Authority.id]
    if text:
        matches, rank = _ranked(text)
        query = query.where(matches)
        order = [rank, func.length(Authority.name), *order]
    if nation:
        query = query.where(Authority.nation == nation)
    if not include_defunct:
        query = query.where(Authority.defunct.is_(False))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    found = session.scalars(query.order_by(*order).offset((page - 1) * per_page).limit(per_page))
    return {
        "q": text,
        "nation": nation,
        "defunct": include_defunct,
        "results": [authority_summary(a) for a in found],
        "total": total,
        "page": page,
        "pages": pages,
        "nations": list(NATIONS),
    }


def authority_by_slug(session: Session, slug: str) -> Authority:
    authority = session.scalar(select(Authority).where(Authority.slug == slug))
    if authority is None:
        raise NotFound(f"There is no public body called {slug!r} here.")
    return authority


def resolve_authority(session: Session, text: str) -> Authority | None:
    """The body someone picked: by slug, or by its exact name or abbreviation in any case
    (a current body before a defunct one, a name before an abbreviation)."""
    text = " ".join(text.split())
    if not text:
        return None
    by_slug = session.scalar(select(Authority).where(Authority.slug == text))
    if by_slug is not None:
        return by_slug
    name, lowered = func.lower(Authority.name), text.lower()
    query = select(Authority).where(
        or_(name == lowered, func.lower(Authority.abbreviation) == lowered)
    )
    order = (Authority.defunct, case((name == lowered, 0), else_=1), Authority.id)
    return session.scalars(query.order_by(*order).limit(1)).first()


def suggest_authorities(
    session: Session, publishers: list[str], query: str, limit: int = 5
) -> list[dict[str, Any]]:
    """Bodies to ask about a topic: first those that publish data on it here (`publishers`,
    the organisations behind the datasets the topic finds), then those whose name has a
    distinctive word of `query` in it. Defunct bodies and those not subject to FOI are left
    out. Each is a summary with a `reason`."""
    found: dict[str, dict[str, Any]] = {}

    def keep(authority: dict[str, Any], reason: str) -> None:
        usable = authority["subject_to_foi"] and not authority["defunct"]
        if usable and authority["slug"] not in found and len(found) < limit:
            found[authority["slug"]] = {**authority, "reason": reason}

    for publisher in publishers:
        match = resolve_authority(session, publisher)
        if match is not None:
            keep(authority_summary(match), "publishes data on this topic here")
    words = re.findall(r"[a-z0-9]+", query.lower())
    for word in dict.fromkeys(w for w in words if len(w) >= 4 and w not in STOP_WORDS):
        pattern = re.compile(rf"\b{re.escape(word)}")
        for authority in search_authorities(session, word, limit=limit * 4):
            names = [authority["name"], authority["abbreviation"], *authority["other_names"]]
            if any(pattern.search(n.lower()) for n in names):
                keep(authority, f"name matches '{word}'")
    return list(found.values())


def authority_summary(a: Authority) -> dict[str, Any]:
    """Plain data for pages and JSON."""
    from_register = PUBLIC_BODIES in a.source.split()
    return {
        "slug": a.slug,
        "name": a.name,
        "abbreviation": a.abbreviation,
        "other_names": [n.strip() for n in a.other_names.split(";") if n.strip()],
        "kind": a.kind,
        "nation": a.nation,
        "url": a.url,
        "foi_email": a.foi_email,
        "foi_address": a.foi_address,
        "tags": a.tags.split(),
        "subject_to_foi": a.subject_to_foi,
        "defunct": a.defunct,
        "source": a.source,
        "whatdotheyknow_url": WHATDOTHEYKNOW + a.slug if from_register else "",
    }


def save_authority(
    session: Session, viewer: Viewer, fields: dict[str, Any], slug: str | None = None
) -> Authority:
    """Add a body (no `slug`) or correct one; site admins only. `fields` are the form's:
    name, slug (when adding; empty makes one from the name), abbreviation, other_names,
    kind, nation, url, foi_email, foi_address, subject_to_foi, defunct. The caller commits."""
    if not viewer.is_admin:
        raise NotAuthorised("Only site admins can add or change public bodies.")
    authority = authority_by_slug(session, slug) if slug is not None else None
    values = {
        key: " ".join(str(fields.get(key) or "").split())
        for key in ("name", "abbreviation", "kind", "nation", "url", "foi_email")
    }
    values["other_names"] = _join_names(values["name"], str(fields.get("other_names") or ""))
    values["foi_address"] = str(fields.get("foi_address") or "").strip()
    problems = _problems(values)
    new_slug = ""
    if authority is None:
        new_slug = str(fields.get("slug") or "").strip().lower()
        if not new_slug and values["name"]:
            base = body_slug(values["name"])
            similar = Authority.slug.like(f"{_like(base)}%", escape="\\")
            new_slug = unique_slug(
                base, set(session.scalars(select(Authority.slug).where(similar)))
            )
        if not is_slug(new_slug, SLUG_MOST):
            problems["slug"] = slug_rule(SLUG_MOST)
        elif session.scalar(select(Authority.id).where(Authority.slug == new_slug)):
            problems["slug"] = "another body already has this URL name"
    if problems:
        raise InvalidInput("Some of the details need correcting.", problems)
    if authority is None:
        authority = Authority(slug=new_slug, source=ADDED_HERE, tags="", created=utcnow())
        session.add(authority)
    for key, value in values.items():
        setattr(authority, key, value)
    # A field left out keeps its value (a new body: subject to FOI, not defunct).
    adding = slug is None
    current_foi = True if adding else authority.subject_to_foi
    authority.subject_to_foi = bool(fields.get("subject_to_foi", current_foi))
    authority.defunct = bool(fields.get("defunct", False if adding else authority.defunct))
    authority.modified = utcnow()
    session.flush()
    return authority


def _problems(values: dict[str, str]) -> dict[str, str]:
    limits = {"name": 300, "abbreviation": 100, "kind": 100, "url": 1000, "foi_email": 300}
    problems = {key: f"at most {n} characters" for key, n in limits.items() if len(values[key]) > n}
    if len(values["foi_address"]) > 2000 or len(values["other_names"]) > 5000:
        key = "foi_address" if len(values["foi_address"]) > 2000 else "other_names"
        problems[key] = "too long"
    if not values["name"]:
        problems["name"] = "a name is needed"
    if values["foi_email"] and not _EMAIL.match(values["foi_email"]):
        problems["foi_email"] = "not an email address"
    # Only one within its limit: the pattern is quadratic in a long run of dots.
    if (
        values["url"]
        and "url" not in problems
        and not re.match(r"^https?://[^\s/]+\.[^\s]+$", values["url"])
    ):
        problems["url"] = "a web address starting http:// or https://"
    if values["nation"] and values["nation"] not in NATIONS:
        problems["nation"] = f"one of {', '.join(NATIONS)}"
    return problems
