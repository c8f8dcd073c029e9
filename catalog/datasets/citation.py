"""How to cite a version of a dataset: a sentence to paste, BibTeX and RIS.

A citation names the title, who published it, the version, the date it was published,
its stable address (the version's page; with the preview's filters, sort and columns when
the reader cites what they filtered) and the sha256 of the file as it was uploaded, so a
reader can check they hold the same bytes. BibTeX's `@misc` with `version` and `urldate`
is what biblatex and Zotero read for data; RIS's `TY  - DATA` is the data set type.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog.datasets.permissions import require_visible
from catalog.datasets.preview import MAX_COLUMNS, PARAMETERS
from catalog.db.models import Dataset, Version
from catalog.errors import NotFound
from catalog.viewer import Viewer

# What the address's own parts are called (they cannot be a view's parameters too).
NOT_THE_VIEW = frozenset({"name", "number", "fmt", "version", "offset"})
_BIBTEX_SPECIAL = re.compile(r"([&%$#_{}~^\\])")
_BIBTEX_WORDS = {"~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}"}


def view_of(args: Mapping[str, Any]) -> dict[str, Any]:
    """The preview's state in a page's query parameters (catalog/datasets/preview.py's
    own, with the columns chosen; paging and anything else are not part of what is cited)."""
    view: dict[str, Any] = {
        k: str(args[k]) for k in PARAMETERS if k not in NOT_THE_VIEW and args.get(k)
    }
    getlist = getattr(args, "getlist", None)
    columns = [str(c) for c in (getlist("columns") if getlist else []) if c][:MAX_COLUMNS]
    if columns:
        view["columns"] = columns
    return view


def cited_version(session: Session, name: str, number: int, viewer: Viewer) -> dict[str, Any]:
    """What a citation of version `number` of the dataset needs, in dataset_details' shape
    (for the BibTeX and RIS downloads, which need no preview). Not visible: NotFound."""
    dataset = session.scalar(
        select(Dataset)
        .where(Dataset.name == name)
        .options(
            selectinload(Dataset.organisation),
            selectinload(Dataset.versions).selectinload(Version.creator),
        )
    )
    if dataset is None:
        raise NotFound(f"There is no dataset called {name!r}.")
    require_visible(session, viewer, dataset)
    version = next((v for v in dataset.versions if v.number == number), None)
    if version is None:
        raise NotFound(f"{dataset.title!r} has no version {number}.")
    creator = version.creator
    return {
        "name": dataset.name,
        "title": dataset.title,
        "author": dataset.author,
        "organisation": {"title": dataset.organisation.title} if dataset.organisation else None,
        "version": {
            "number": version.number,
            "created": version.created.isoformat(timespec="seconds"),
            "sha256": version.sha256,
            "published_by": (creator.display_name or creator.username) if creator else None,
        },
    }


def citation(dataset: Mapping[str, Any], url: str, view: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of a citation of the dataset's shown version (from dataset_details), at
    `url`, the version's stable address (with the view's parameters when it has any)."""
    version = dataset["version"]
    organisation = dataset.get("organisation") or {}
    publisher = organisation.get("title") or ""
    author = dataset.get("author") or publisher  # the uploader is not the data's author
    published = version["created"][:10]
    parts = {
        "title": dataset["title"],
        "author": author,
        "publisher": publisher,
        "version": version["number"],
        "date": published,
        "year": published[:4],
        "url": url,
        "sha256": version["sha256"],
        "view": dict(view),
        "key": re.sub(r"[^a-z0-9]+", "_", f"{dataset['name']}_v{version['number']}".lower()),
    }
    return {**parts, "text": citation_text(parts)}


def citation_text(parts: Mapping[str, Any]) -> str:
    """One sentence to paste: author (year). Title (version N) [Data set]. Publisher. URL."""
    who = parts["author"] or parts["publisher"]
    filtered = " (the rows shown by the filters in the address)" if parts["view"] else ""
    sentence = f"{who + ' ' if who else ''}({parts['year']}). {parts['title']} "
    sentence += f"(version {parts['version']}) [Data set]{filtered}. "
    if parts["publisher"] and parts["publisher"] != who:
        sentence += f"{parts['publisher']}. "
    return sentence + f"{parts['url']} (published {parts['date']}; sha256 {parts['sha256']})"


def bibtex(parts: Mapping[str, Any]) -> str:
    """The citation as a BibTeX @misc entry, every value escaped for TeX."""
    fields = [
        ("title", parts["title"]),
        ("author", parts["author"]),
        ("publisher", parts["publisher"]),
        ("version", str(parts["version"])),
        ("year", parts["year"]),
        ("date", parts["date"]),
        ("url", parts["url"]),
        ("note", f"sha256: {parts['sha256']}" + ("; filtered view" if parts["view"] else "")),
    ]
    lines = [f"@misc{{{parts['key']},"]
    for name, value in fields:
        if value:
            # A URL is read verbatim by the url package; only its braces need care.
            text = _tex_url(value) if name == "url" else _tex(value)
            lines.append(f"  {name} = {{{text}}},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def ris(parts: Mapping[str, Any]) -> str:
    """The citation as an RIS record (TY DATA), one tag a line, CRLF as the format says."""
    tags = [
        ("TY", "DATA"),
        ("TI", parts["title"]),
        ("AU", parts["author"]),
        ("PB", parts["publisher"]),
        ("ET", f"version {parts['version']}"),
        ("PY", parts["year"]),
        ("DA", parts["date"].replace("-", "/")),
        ("UR", parts["url"]),
        ("N1", f"sha256: {parts['sha256']}" + ("; filtered view" if parts["view"] else "")),
    ]
    lines = [f"{tag}  - {_one_line(value)}" for tag, value in tags if value]
    return "\r\n".join([*lines, "ER  - ", ""])


def _tex(value: str) -> str:
    escaped = _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_WORDS.get(m[1], "\\" + m[1]), value)
    return _one_line(escaped)


def _tex_url(value: str) -> str:
    return _one_line(value.replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C"))


def _one_line(value: str) -> str:
    return " ".join(str(value).split())
