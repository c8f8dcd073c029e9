"""CKAN's shapes: a dataset as a CKAN package, an organisation as a CKAN organization, and
the package_search parameters (fq, sort, facet.field) in our index's terms.

https://docs.ckan.org/en/2.10/api/ is the reference for each action's parameters and answer.
"""

from __future__ import annotations

import json
from typing import Any

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.datasets import reading
from catalog.datasets.permissions import visible_datasets
from catalog.datasets.publishing import DatasetMetadata
from catalog.db.models import Dataset, Organisation
from catalog.errors import BadParameter, NotFound
from catalog.params import parse_bool, parse_list
from catalog.viewer import Viewer

# CKAN's facet and fq names -> our index's field names.
FACET_NAMES = {"organization": "organisation", "tags": "tags", "license_id": "licence"}


def find_dataset(session: Session, name: str) -> Dataset:
    dataset = session.scalar(select(Dataset).where(Dataset.name == name))
    if dataset is None:
        raise NotFound(f"There is no dataset called {name!r}.")
    return dataset


def find_organisation(session: Session, name: str) -> Organisation:
    """By name, or by id as CKAN's owner_org allows."""
    as_id = int(name) if name.isascii() and name.isdigit() and len(name) < 10 else -1
    found = session.scalar(
        select(Organisation).where((Organisation.name == name) | (Organisation.id == as_id))
    )
    if found is None:
        raise NotFound(f"There is no organization {name!r}.")
    return found


def package_dict(
    summary: dict[str, Any], versions: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    name = summary["name"]
    resources = []
    if versions:
        latest = versions[0]
        resources.append(
            {
                "id": f"{name}-v{latest['number']}",
                "name": latest["original_name"],
                "format": "CSV",
                "url": url_for(
                    "downloads.table",
                    name=name,
                    number=latest["number"],
                    fmt="csv",
                    _external=True,
                ),
                "size": latest["bytes"],
                "hash": f"sha256:{latest['sha256']}",
            }
        )
    return {
        "id": str(summary["id"]),
        "name": name,
        "title": summary["title"],
        "notes": summary["description"],
        "url": summary["source_url"],
        "license_id": summary["licence"]["id"],
        "license_title": summary["licence"]["title"],
        "organization": summary["organisation"],
        "tags": [{"name": t} for t in summary["tags"]],
        "num_tags": len(summary["tags"]),
        "resources": resources,
        "num_resources": len(resources),
        "metadata_created": summary["created"],
        "metadata_modified": summary["modified"],
        "private": False,
        "state": "active",
    }


def package(dataset: Dataset, all_versions: bool = False) -> dict[str, Any]:
    """A dataset as CKAN's package (package_show's answer)."""
    summary = reading.dataset_summary(dataset)
    versions = [
        {
            "number": v.number,
            "original_name": v.original_name,
            "bytes": v.bytes,
            "sha256": v.sha256,
            "created": v.created.isoformat(timespec="seconds"),
        }
        for v in reversed(dataset.versions)
    ]
    answer = package_dict(summary, versions)
    answer.update(
        {
            "version": dataset.version or None,
            "author": dataset.author or None,
            "author_email": dataset.author_email or None,
            "maintainer": dataset.maintainer or None,
            "maintainer_email": dataset.maintainer_email or None,
            "private": dataset.private,
            "state": dataset.state,
            "owner_org": str(dataset.organisation_id) if dataset.organisation_id else None,
            "extras": [
                {"key": k, "value": v}
                for k, v in sorted(json.loads(dataset.extras_json or "{}").items())
            ],
        }
    )
    if all_versions:
        answer["resources"] = [package_dict(summary, [v])["resources"][0] for v in versions]
    return answer


def organization(session: Session, organisation: Organisation, viewer: Viewer) -> dict[str, Any]:
    """An organisation as CKAN's organization, counting the datasets the viewer may see."""
    count = session.scalar(
        select(func.count())
        .select_from(Dataset)
        .where(Dataset.organisation_id == organisation.id, visible_datasets(session, viewer))
    )
    return {
        "id": str(organisation.id),
        "name": organisation.name,
        "title": organisation.title,
        "display_name": organisation.title,
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "package_count": count or 0,
    }


def metadata_from_params(params: dict[str, Any], base: DatasetMetadata) -> DatasetMetadata:
    """The details in CKAN's field names, over `base` (what is kept when not given)."""
    extras = (
        {
            str(e.get("key")): str(e.get("value"))
            for e in parse_list(params, "extras")
            if isinstance(e, dict)
        }
        if "extras" in params
        else base.extras
    )
    tags = (
        [
            str(t.get("name", "")) if isinstance(t, dict) else str(t)
            for t in parse_list(params, "tags")
        ]
        if "tags" in params
        else base.tags
    )
    return DatasetMetadata(
        title=str(params.get("title") or params.get("name") or base.title).strip(),
        description=str(params.get("notes", base.description) or ""),
        organisation=str(params.get("owner_org", base.organisation) or ""),
        licence_id=str(params.get("license_id") or base.licence_id),
        tags=tags,
        source_url=str(params.get("url", base.source_url) or ""),
        name=str(params.get("name") or base.name),
        version=str(params.get("version", base.version) or ""),
        author=str(params.get("author", base.author) or ""),
        author_email=str(params.get("author_email", base.author_email) or ""),
        maintainer=str(params.get("maintainer", base.maintainer) or ""),
        maintainer_email=str(params.get("maintainer_email", base.maintainer_email) or ""),
        private=parse_bool(params, "private", base.private),
        extras=extras,
    )


def search_filters(text: str) -> dict[str, str]:
    """CKAN's fq: `organization:x tags:"two words" res_format:CSV license_id:y`."""
    filters: dict[str, str] = {}
    for part in _fq_parts(text):
        key, _, value = part.partition(":")
        value = value.strip().strip('"')
        if key == "res_format":
            continue  # every resource here is a table, downloadable in every format
        if key not in FACET_NAMES:
            raise BadParameter(
                f"fq understands {', '.join([*FACET_NAMES, 'res_format'])}.",
                {"fq": f"Unknown field {key!r}"},
            )
        filters[FACET_NAMES[key]] = value
    return filters


def _fq_parts(text: str) -> list[str]:
    parts: list[str] = []
    current, quoted = "", False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == " " and not quoted:
            if current.strip():
                parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return [p.lstrip("+") for p in parts if ":" in p]


def search_sort(text: str) -> str:
    text = text.strip().lower()
    if text.startswith("title"):
        return "title"
    if text.startswith("metadata_modified"):
        return "modified"
    return "relevance"


def facet_fields(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    items = value
    if isinstance(value, str):
        try:
            items = json.loads(value)
        except (json.JSONDecodeError, RecursionError):
            raise BadParameter("facet.field is a JSON list.", {"facet.field": "Not JSON"}) from None
    if not isinstance(items, list) or any(i not in FACET_NAMES for i in items):
        raise BadParameter(
            f"facet.field may hold {', '.join(FACET_NAMES)}.", {"facet.field": "Unknown field"}
        )
    return [str(i) for i in items]
