"""A dataset's search document, and the snippet of its text that matched a search."""

from __future__ import annotations

import re
from datetime import datetime
from html import escape
from typing import Any

from markupsafe import Markup
from whoosh import highlight

from catalog.search.analysis import ANALYZER


class _Marks(highlight.Formatter):
    """Dataset text HTML-escaped, with the matched words in <mark>."""

    between = " … "

    def _text(self, text: str) -> str:
        return escape(text)

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{escape(highlight.get_text(text, token, replace))}</mark>"


def snippet(terms: frozenset[str], text: str, chars: int = 240) -> Markup | None:
    """The parts of `text` that hold `terms`, escaped, the terms marked; None if none."""
    if not terms or not text:
        return None
    fragmenter = highlight.ContextFragmenter(maxchars=chars, surround=chars // 3)
    marked = highlight.highlight(text, terms, ANALYZER, fragmenter, _Marks(), top=2)
    return Markup(marked) if marked and "<mark>" in marked else None  # noqa: S704 (escaped)


def column_text(fields: list[dict[str, Any]]) -> str:
    """Column names, split at _ - . : and camelCase too, with titles and descriptions."""
    parts: list[str] = []
    for item in fields:
        parts.extend(_name_words(item))
        parts.extend(str(item[k]) for k in ("title", "description") if item.get(k))
    return "\n".join(parts)


def _name_words(item: dict[str, Any]) -> list[str]:
    name = str(item.get("name", ""))
    split = re.sub(r"([a-z])([A-Z])", r"\1 \2", re.sub(r"[_\-.:/]+", " ", name))
    return [name, split] if split != name else [name]


def column_names(fields: list[dict[str, Any]]) -> str:
    """The columns' names, as column_text splits them (a field of its own for scoring)."""
    return "\n".join(word for item in fields for word in _name_words(item))


def column_descriptions(fields: list[dict[str, Any]]) -> str:
    return "\n".join(str(i[k]) for i in fields for k in ("title", "description") if i.get(k))


def search_document(
    dataset_id: int,
    title: str,
    description: str,
    organisation: str,
    organisation_title: str,
    licence: str,
    tags: list[str],
    fields: list[dict[str, Any]],
    modified: datetime,
    formats: list[str],
    private: bool = False,
) -> dict[str, Any]:
    """One dataset's index document (datasets.indexing.index_document and the benchmark)."""
    columns = column_text(fields)
    names = [str(item.get("name", "")).replace(",", " ") for item in fields]
    tag_names = [t.replace(",", " ") for t in tags]
    return {
        "id": str(dataset_id),
        "dataset_id": dataset_id,
        "text": "\n".join([title, description, " ".join(tag_names), organisation_title, columns]),
        "title": title,
        "description": description,
        "column_names": column_names(fields),
        "column_descriptions": column_descriptions(fields),
        "title_sort": title.lower(),
        "tags": ",".join(tag_names),
        "tag_text": " ".join(tag_names),
        "organisation": organisation,
        "licence": licence,
        "format": ",".join(formats),
        "column": ",".join(n for n in names if n),
        "spell": "\n".join([title, description, " ".join(tag_names), columns]),
        "private": private,
        "modified": modified,
    }
