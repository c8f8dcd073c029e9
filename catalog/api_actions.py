"""More of CKAN's Action API: listings, search with fq and facets, and the writes, which
need an API token in the Authorization header (never a browser session, so a page on
another site cannot make a signed-in visitor's browser write through the API).

https://docs.ckan.org/en/2.10/api/ is the reference for each action's parameters and answer.
"""

from __future__ import annotations

import json
import re
from typing import Any, BinaryIO, cast

from flask import request
from sqlalchemy import func, select

from catalog import browse
from catalog.api import _site, action, package_dict
from catalog.errors import Conflict, NotAuthorised, NotFound
from catalog.licences import LICENCES
from catalog.models import ROLES, Dataset, Membership, Organisation, Tag, User, utcnow
from catalog.permissions import (
    can_manage,
    can_publish_in,
    require_editor,
    require_visible,
    visible_datasets,
    visible_organisations,
)
from catalog.publishing import (
    DatasetMetadata,
    apply_metadata,
    create_dataset,
    dataset_document,
    publish_file,
    refresh_index,
)
from catalog.tables import find_resource, int_param
from catalog.tokens import create_token, list_tokens, revoke_token, user_for_header
from catalog.viewer import current_viewer

# CKAN's facet and fq names -> our index's field names.
FACET_NAMES = {"organization": "organisation", "tags": "tags", "license_id": "licence"}


# Reading ----------------------------------------------------------------------------------


@action
def package_search(params: dict[str, Any]) -> dict[str, Any]:
    """Search datasets: q, fq (organization:, tags:, license_id:, res_format:), facet.field,
    facet.limit, rows (up to 1000), start, sort."""
    site = _site()
    rows = int_param(params, "rows", 10, 1000, cap=True)
    start = int_param(params, "start", 0, 10**9, cap=True)
    filters = _fq(str(params.get("fq") or ""))
    sort = _sort(str(params.get("sort") or ""))
    visible: set[str] | None = set()  # public datasets only, unless asked (CKAN's default)
    if _true(params.get("include_private")):
        with site.session() as db:
            visible = visible_organisations(db, current_viewer())
    limit = int_param(params, "facet.limit", 50, 1000, cap=True)
    found = site.index.search(
        str(params.get("q") or ""), filters, start, rows, sort, visible, facet_limit=limit
    )
    with site.session() as db:
        datasets = {
            d.id: d for d in db.scalars(select(Dataset).where(Dataset.id.in_(found.dataset_ids)))
        }
        results = [_package(db, datasets[i]) for i in found.dataset_ids if i in datasets]
    wanted = _facet_fields(params.get("facet.field"))
    search_facets: dict[str, Any] = {}
    facets: dict[str, Any] = {}
    for ckan_name in wanted:
        counts = found.facets.get(FACET_NAMES[ckan_name], [])[:limit]
        facets[ckan_name] = dict(counts)
        search_facets[ckan_name] = {
            "title": ckan_name,
            "items": [{"name": v, "display_name": v, "count": n} for v, n in counts],
        }
    return {
        "count": found.total,
        "results": results,
        "sort": params.get("sort") or "score desc, metadata_modified desc",
        "facets": facets,
        "search_facets": search_facets,
    }


@action
def package_show(params: dict[str, Any]) -> dict[str, Any]:
    name = str(params.get("id") or params.get("name") or "")
    if not name:
        raise Conflict("Give the dataset's name as id.", {"id": "Missing value"})
    user = _optional_user()
    with _site().session() as db:
        dataset = _dataset(db, name)
        require_visible(db, user, dataset)
        return _package(db, dataset)


@action
def current_package_list_with_resources(params: dict[str, Any]) -> list[dict[str, Any]]:
    limit = int_param(params, "limit", 10, 1000, cap=True)
    offset = int_param(params, "offset", 0, 10**9, cap=True)
    with _site().session() as db:
        datasets = db.scalars(
            select(Dataset)
            .where(visible_datasets(db, None))  # public ones only, as CKAN lists them
            .order_by(Dataset.modified.desc())
            .offset(offset)
            .limit(limit)
        )
        return [_package(db, d) for d in datasets]


@action
def resource_show(params: dict[str, Any]) -> dict[str, Any]:
    """One version's table: `<dataset name>-v<n>`, or a dataset's name for its latest."""
    resource_id = str(params.get("id") or "")
    with _site().session() as db:
        found = find_resource(_site(), db, resource_id)  # only what the viewer may see
        for resource in _package(db, _dataset(db, found.dataset), all_versions=True)["resources"]:
            if resource["id"] == found.id:
                return dict(resource)
    raise NotFound(f"There is no resource {resource_id!r}.")


@action
def tag_list(params: dict[str, Any]) -> list[str]:
    with _site().session() as db:
        return list(db.scalars(select(Tag.name).order_by(Tag.name)))


@action
def license_list(params: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": item.id,
            "title": item.title,
            "url": item.url,
            "od_conformance": ("approved" if item.open else "not reviewed"),
        }
        for item in LICENCES
    ]


@action
def organization_list(params: dict[str, Any]) -> list[Any]:
    with _site().session() as db:
        organisations = list(db.scalars(select(Organisation).order_by(Organisation.name)))
        if not _true(params.get("all_fields")):
            return [o.name for o in organisations]
        return [_organization(db, o) for o in organisations]


@action
def organization_show(params: dict[str, Any]) -> dict[str, Any]:
    name = str(params.get("id") or "")
    with _site().session() as db:
        found = db.scalar(select(Organisation).where(Organisation.name == name))
        if found is None:
            raise NotFound(f"There is no organization {name!r}.")
        return _organization(db, found)


@action
def help_show(params: dict[str, Any]) -> str:
    from catalog.api import ACTIONS

    name = str(params.get("name") or "")
    if name not in ACTIONS:
        raise NotFound(f"There is no action called {name!r}.")
    return (ACTIONS[name].__doc__ or f"CKAN's {name}.").strip()


# Writing ----------------------------------------------------------------------------------


@action
def package_create(params: dict[str, Any]) -> dict[str, Any]:
    """Make a dataset (no table yet: resource_create uploads one). owner_org must be an
    organisation the token's user is an editor or admin of."""
    user = _token_user()
    metadata = _metadata(params, DatasetMetadata(title=""))
    if metadata.licence_id not in {item.id for item in LICENCES}:
        raise Conflict("Unknown licence.", {"license_id": "Not a licence in license_list"})
    problems = metadata.problems()
    if problems:
        raise Conflict("The dataset's details are not complete.", problems)
    with _site().session() as db:
        organisation = _owner(db, params)
        if not can_publish_in(db, user, organisation):
            raise NotAuthorised("You may not publish datasets for this organization.")
        if organisation is not None:
            metadata.organisation = organisation.name
    name = create_dataset(_site(), metadata, user["id"])
    with _site().session() as db:
        return _package(db, _dataset(db, name))


@action
def package_update(params: dict[str, Any]) -> dict[str, Any]:
    """Replace a dataset's details (fields not given go back to their defaults)."""
    return _change(params, replace=True)


@action
def package_patch(params: dict[str, Any]) -> dict[str, Any]:
    """Change only the details given."""
    return _change(params, replace=False)


@action
def package_delete(params: dict[str, Any]) -> None:
    """Mark a dataset deleted: it leaves search and listings; its files are kept."""
    user = _token_user()
    site = _site()
    with site.session() as db:
        dataset = _dataset(db, str(params.get("id") or ""))
        require_visible(db, user, dataset)
        require_editor(db, user, dataset)
        dataset.state = "deleted"
        dataset.modified = utcnow()  # its search document becomes visible to admins only
        db.commit()
        document = dataset_document(dataset)
    refresh_index(site, document)


@action
def organization_create(params: dict[str, Any]) -> dict[str, Any]:
    """Make an organization; the token's user becomes its admin."""
    user = _token_user()
    name = str(params.get("name") or "").strip()
    title = str(params.get("title") or name).strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{1,99}", name):
        raise Conflict(
            "An organization's name is 2 to 100 lower-case letters, digits, - or _.",
            {"name": "Must be purely lowercase alphanumeric (ascii) characters and - _"},
        )
    with _site().session() as db:
        if db.scalar(select(Organisation.id).where(Organisation.name == name)) is not None:
            raise Conflict("That name is taken.", {"name": "Group name already exists in database"})
        organisation = Organisation(name=name, title=title or name)
        db.add(organisation)
        db.flush()
        db.add(Membership(organisation_id=organisation.id, user_id=user["id"], role="admin"))
        db.commit()
        return _organization(db, organisation)


@action
def organization_member_create(params: dict[str, Any]) -> dict[str, Any]:
    """Give a user a role (admin, editor or member) in an organization; its admins only."""
    user = _token_user()
    role = str(params.get("role") or "member")
    if role not in ROLES:
        raise Conflict(f"role is one of {', '.join(ROLES)}.", {"role": "Unknown role"})
    with _site().session() as db:
        organisation = _organisation(db, str(params.get("id") or ""))
        if not can_manage(db, user, organisation):
            raise NotAuthorised("Only the organization's admins may change its members.")
        username = str(params.get("username") or "")
        member = db.scalar(select(User).where(User.username == username))
        if member is None:
            raise NotFound(f"There is no user called {username!r}.")
        found = db.get(Membership, (organisation.id, member.id))
        if found is None:
            db.add(Membership(organisation_id=organisation.id, user_id=member.id, role=role))
        else:
            found.role = role
        db.commit()
        return {"organization": organisation.name, "username": username, "role": role}


@action
def resource_create(params: dict[str, Any]) -> dict[str, Any]:
    """Upload a table to a dataset: it is checked, and published as the next version."""
    user = _token_user()
    name = str(params.get("package_id") or "")
    upload = request.files.get("upload")
    if upload is None or not upload.filename:
        raise Conflict("Send the file as the multipart field upload.", {"upload": "Missing"})
    site = _site()
    with site.session() as db:
        dataset = _dataset(db, name)
        require_visible(db, user, dataset)
        require_editor(db, user, dataset)
    outcome = publish_file(
        site,
        cast(BinaryIO, upload.stream),
        original_name=upload.filename,
        schema=None,
        dataset_name=name,
        user_id=user["id"],
    )
    if not outcome.published:
        report = outcome.result.report
        task = (report.get("tasks") or [{}])[0]
        errors = [e.get("message", e.get("type")) for e in task.get("errors", [])[:20]]
        raise Conflict(
            "The file does not match its schema; nothing was published.",
            {"upload": "; ".join(str(e) for e in errors) or "invalid"},
            details={"report": report},  # the whole validation report, as the page shows it
        )
    resource_id = f"{outcome.dataset_name}-v{outcome.version_number}"
    return resource_show({"id": resource_id})


@action
def api_token_create(params: dict[str, Any]) -> dict[str, Any]:
    user = _token_user()
    with _site().session() as db:
        _, secret = create_token(db, user["id"], str(params.get("name") or ""))
        db.commit()
    return {"token": secret}


@action
def api_token_list(params: dict[str, Any]) -> list[dict[str, Any]]:
    user = _token_user()
    with _site().session() as db:
        return list_tokens(db, user["id"])


@action
def api_token_revoke(params: dict[str, Any]) -> None:
    user = _token_user()
    try:
        token_id = int(str(params.get("jti") or params.get("id") or ""))
    except ValueError:
        raise Conflict("Give the token's id as jti.", {"jti": "Missing value"}) from None
    with _site().session() as db:
        revoke_token(db, user["id"], token_id)
        db.commit()


# Helpers ----------------------------------------------------------------------------------


def _optional_user() -> dict[str, Any] | None:
    """The token's user if a token was sent; a wrong token is CKAN's 403."""
    if not request.headers.get("Authorization"):
        return None
    return _token_user()


def _dataset(db: Any, name: str) -> Dataset:
    dataset = db.scalar(select(Dataset).where(Dataset.name == name))
    if dataset is None:
        raise NotFound(f"There is no dataset called {name!r}.")
    return dataset


def _organisation(db: Any, name: str) -> Organisation:
    found = db.scalar(
        select(Organisation).where((Organisation.name == name) | (Organisation.id == _id(name)))
    )
    if found is None:
        raise NotFound(f"There is no organization {name!r}.")
    return found


def _id(text: str) -> int:
    return int(text) if text.isdigit() else -1


def _owner(db: Any, params: dict[str, Any]) -> Organisation | None:
    owner = str(params.get("owner_org") or "").strip()
    if not owner:
        return None
    try:
        return _organisation(db, owner)
    except NotFound:
        raise Conflict(
            f"There is no organization {owner!r}.", {"owner_org": "Organization does not exist"}
        ) from None


def _metadata(params: dict[str, Any], base: DatasetMetadata) -> DatasetMetadata:
    """The details in CKAN's field names, over `base` (what is kept when not given)."""
    extras = (
        {
            str(e.get("key")): str(e.get("value"))
            for e in _list(params, "extras")
            if isinstance(e, dict)
        }
        if "extras" in params
        else base.extras
    )
    tags = (
        [str(t.get("name", "")) if isinstance(t, dict) else str(t) for t in _list(params, "tags")]
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
        private=_true(params.get("private", base.private)),
        extras=extras,
    )


def _change(params: dict[str, Any], *, replace: bool) -> dict[str, Any]:
    user = _token_user()
    site = _site()
    with site.session() as db:
        dataset = _dataset(db, str(params.get("id") or params.get("name") or ""))
        require_visible(db, user, dataset)
        require_editor(db, user, dataset)
        current = DatasetMetadata(title="") if replace else _current(dataset)
        current.name = dataset.name
        if not params.get("title") and not replace:
            current.title = dataset.title
        metadata = _metadata({k: v for k, v in params.items() if k != "name"}, current)
        metadata.title = metadata.title if params.get("title") else dataset.title
        problems = metadata.problems()
        if problems:
            raise Conflict("The dataset's details are not right.", problems)
        organisation = _owner(db, params) if "owner_org" in params else dataset.organisation
        if organisation is not dataset.organisation and not can_publish_in(db, user, organisation):
            raise NotAuthorised("You may not move datasets into this organization.")
        apply_metadata(db, dataset, metadata, organisation)
        db.commit()
        document = dataset_document(dataset)
        answer = _package(db, dataset)
    refresh_index(site, document)
    return answer


def _current(dataset: Dataset) -> DatasetMetadata:
    return DatasetMetadata(
        title=dataset.title,
        description=dataset.description,
        organisation=dataset.organisation.name if dataset.organisation else "",
        licence_id=dataset.licence_id,
        tags=[t.name for t in dataset.tags],
        source_url=dataset.source_url,
        name=dataset.name,
        version=dataset.version,
        author=dataset.author,
        author_email=dataset.author_email,
        maintainer=dataset.maintainer,
        maintainer_email=dataset.maintainer_email,
        private=dataset.private,
        extras=json.loads(dataset.extras_json or "{}"),
    )


def _token_user() -> dict[str, Any]:
    """The user whose token came in the Authorization header; CKAN's 403 otherwise."""
    with _site().session() as db:
        user = user_for_header(db, request.headers.get("Authorization"))
        if user is None:
            raise NotAuthorised("This action needs an API token in the Authorization header.")
        db.commit()  # the token's last use
        return {"id": user.id, "username": user.username, "is_admin": user.is_admin}


def _package(db: Any, dataset: Dataset, all_versions: bool = False) -> dict[str, Any]:
    summary = browse.dataset_summary(dataset)
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


def _organization(db: Any, organisation: Organisation) -> dict[str, Any]:
    count = db.scalar(
        select(func.count())
        .select_from(Dataset)
        .where(
            Dataset.organisation_id == organisation.id,
            visible_datasets(db, current_viewer()),
        )
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


def _fq(text: str) -> dict[str, str]:
    """CKAN's fq: `organization:x tags:"two words" res_format:CSV license_id:y`."""
    filters: dict[str, str] = {}
    for part in _fq_parts(text):
        key, _, value = part.partition(":")
        value = value.strip().strip('"')
        if key == "res_format":
            continue  # every resource here is a table, downloadable in every format
        if key not in FACET_NAMES:
            raise Conflict(
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


def _sort(text: str) -> str:
    text = text.strip().lower()
    if text.startswith("title"):
        return "title"
    if text.startswith("metadata_modified"):
        return "modified"
    return "relevance"


def _facet_fields(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    items = value
    if isinstance(value, str):
        try:
            items = json.loads(value)
        except json.JSONDecodeError:
            raise Conflict("facet.field is a JSON list.", {"facet.field": "Not JSON"}) from None
    if not isinstance(items, list) or any(i not in FACET_NAMES for i in items):
        raise Conflict(
            f"facet.field may hold {', '.join(FACET_NAMES)}.", {"facet.field": "Unknown field"}
        )
    return [str(i) for i in items]


def _list(params: dict[str, Any], name: str) -> list[Any]:
    value = params.get(name) or []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            value = [v for v in value.split(",") if v.strip()]
    return value if isinstance(value, list) else [value]


def _true(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")
