"""CKAN's dataset actions: package_list, package_search (q, fq, facets), package_show,
current_package_list_with_resources, resource_show, and the writes, which need an API
token (catalog/api/auth.py): package_create, package_update, package_patch,
package_delete, resource_create."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO, cast

from flask import request
from sqlalchemy import select

from catalog.api import ckan
from catalog.api.auth import caller_id, require_token, token_viewer
from catalog.api.registry import action
from catalog.context import current_site, current_viewer, request_session
from catalog.datasets import reading
from catalog.datasets.editing import (
    KEEP,
    change_dataset,
    current_metadata,
    delete_dataset,
    editable_dataset,
    restore_dataset,
)
from catalog.datasets.indexing import search_index
from catalog.datasets.licences import LICENCES
from catalog.datasets.permissions import (
    can_publish_in,
    require_editor,
    require_visible,
    visible_datasets,
    visible_organisations,
)
from catalog.datasets.publishing import DatasetMetadata, create_dataset, publish_file
from catalog.datasets.tables import find_resource
from catalog.db.models import Dataset
from catalog.errors import BadParameter, Conflict, InvalidInput, NotAuthorised, NotFound
from catalog.params import parse_bool, parse_int, parse_json
from catalog.site import Site
from catalog.viewer import Viewer
from ingest.compressed import CompressedError
from ingest.limits import unpack_within
from ingest.recipe import check_recipe
from ingest.suggest import suggest_for_file


@action
def package_list(params: dict[str, Any]) -> list[str]:
    return reading.dataset_names(request_session(), current_viewer())


@action
def package_search(params: dict[str, Any]) -> dict[str, Any]:
    """Search datasets: q, fq (organization:, tags:, license_id:, res_format:), facet.field,
    facet.limit, rows (up to 1000), start, sort."""
    site, db = current_site(), request_session()
    rows = parse_int(params, "rows", 10, maximum=1000, cap=True)
    start = parse_int(params, "start", 0, maximum=10**9, cap=True)
    filters = ckan.search_filters(str(params.get("fq") or ""))
    sort = ckan.search_sort(str(params.get("sort") or ""))
    visible: set[str] | None = set()  # public datasets only, unless asked (CKAN's default)
    viewer = Viewer.anonymous()
    if parse_bool(params, "include_private", False):
        viewer = current_viewer()
        visible = visible_organisations(db, viewer)
    limit = parse_int(params, "facet.limit", 50, maximum=1000, cap=True)
    wanted = ckan.facet_fields(params.get("facet.field"))
    found = search_index(
        site, str(params.get("q") or ""), filters, start, rows, sort, visible, facet_limit=limit
    )
    found_datasets = reading.found_datasets(site, db, found.dataset_ids, viewer)
    results = [ckan.package(d) for d in found_datasets]
    search_facets: dict[str, Any] = {}
    facets: dict[str, Any] = {}
    for ckan_name in wanted:
        counts = found.facets.get(ckan.FACET_NAMES[ckan_name], [])[:limit]
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
        raise BadParameter("Give the dataset's name as id.", {"id": "Missing value"})
    db = request_session()
    dataset = ckan.find_dataset(db, name)
    require_visible(db, current_viewer(), dataset)
    return ckan.package(dataset)


@action
def current_package_list_with_resources(params: dict[str, Any]) -> list[dict[str, Any]]:
    limit = parse_int(params, "limit", 10, maximum=1000, cap=True)
    offset = parse_int(params, "offset", 0, maximum=10**9, cap=True)
    db = request_session()
    datasets = db.scalars(
        select(Dataset)
        .where(visible_datasets(db, Viewer.anonymous()))  # public ones only, as CKAN lists them
        .order_by(Dataset.modified.desc())
        .offset(offset)
        .limit(limit)
    )
    return [ckan.package(d) for d in datasets]


@action
def resource_show(params: dict[str, Any]) -> dict[str, Any]:
    """One version's table: `<dataset name>-v<n>`, or a dataset's name for its latest."""
    resource_id = str(params.get("id") or "")
    db = request_session()
    found = find_resource(current_site(), db, resource_id, current_viewer())
    for resource in ckan.package(ckan.find_dataset(db, found.dataset), True)["resources"]:
        if resource["id"] == found.id:
            return dict(resource)
    raise NotFound(f"There is no resource {resource_id!r}.")


@action
def package_create(params: dict[str, Any]) -> dict[str, Any]:
    """Make a dataset (no table yet: resource_create uploads one). owner_org must be an
    organisation the token's user is an editor or admin of."""
    viewer = require_token()
    metadata = ckan.metadata_from_params(params, DatasetMetadata(title=""))
    if metadata.licence_id not in {item.id for item in LICENCES}:
        raise InvalidInput("Unknown licence.", {"license_id": "Not a licence in license_list"})
    problems = metadata.problems()
    if problems:
        raise InvalidInput("The dataset's details are not complete.", problems)
    db = request_session()
    organisation = _owner(db, params)
    if not can_publish_in(db, viewer, organisation):
        raise NotAuthorised("You may not publish datasets for this organization.")
    if organisation is not None:
        metadata.organisation = organisation.name
    name = create_dataset(current_site(), db, metadata, viewer.id)
    return ckan.package(ckan.find_dataset(db, name))


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
    """Mark a dataset deleted: it leaves search and listings; its files are kept, and
    package_patch with state "active" restores it (catalog/datasets/editing.py)."""
    viewer = require_token()
    delete_dataset(current_site(), request_session(), viewer, str(params.get("id") or ""))


@action
def resource_create(params: dict[str, Any]) -> dict[str, Any]:
    """Upload a table to a dataset: it is checked, and published as the next version.
    `recipe` (optional, JSON): fixes to apply first, as a dataset page's recipe.json.

    The publication is its own unit of work (catalog/datasets/publishing.py: files and
    rows together, or neither), as it is for an upload from the web page."""
    viewer = require_token()
    name = str(params.get("package_id") or "")
    upload = request.files.get("upload")
    if upload is None or not upload.filename:
        raise BadParameter("Send the file as the multipart field upload.", {"upload": "Missing"})
    recipe = params.get("recipe")
    recipe = check_recipe(parse_json(recipe, "recipe")) if recipe not in (None, "") else None
    db = request_session()
    dataset = ckan.find_dataset(db, name)
    require_visible(db, viewer, dataset)
    require_editor(db, viewer, dataset)
    # Let go of the database while the file is read and checked (the publication commits
    # in its own session, and SQLite lets one writer at a time); the token's use is
    # recorded again afterwards.
    db.rollback()
    outcome = publish_file(
        current_site(),
        cast(BinaryIO, upload.stream),
        original_name=upload.filename,
        schema=None,
        dataset_name=name,
        user_id=caller_id(),
        recipe=recipe,
    )
    if not outcome.published:
        report = outcome.result.report
        task = (report.get("tasks") or [{}])[0]
        errors = [e.get("message", e.get("type")) for e in task.get("errors", [])[:20]]
        details: dict[str, Any] = {"report": report}  # the whole report, as the page shows it
        kept = outcome.result.kept_at
        if recipe is None and kept is not None:  # the fixes the upload page would offer
            details |= _fixes_offered(current_site(), kept)
        raise Conflict(
            "The file does not match its schema; nothing was published. The error's recipe "
            "holds the fixes we would make: send it back as recipe to apply them.",
            {"upload": "; ".join(str(e) for e in errors) or "invalid"},
            details=details,
        )
    token_viewer()
    return resource_show({"id": f"{outcome.dataset_name}-v{outcome.version_number}"})


def _fixes_offered(site: Site, kept: Path) -> dict[str, Any]:
    """The recipe and questions the upload page would offer for the kept original (for a
    compressed one, for the table it holds); none when it is an archive we do not read."""
    original = site.store.kept_original(kept.name)
    with site.store.staging() as scratch:
        try:
            table = unpack_within(original, scratch.folder, site.table_limits).path
        except CompressedError:
            return {}
        found = suggest_for_file(table, legacy_encodings=site.settings.legacy_encoding_list)
    return {
        "recipe": found.steps,
        "questions": [{"key": q.key, "chosen": q.chosen} for q in found.questions],
    }


def _owner(db: Any, params: dict[str, Any]) -> Any:
    owner = str(params.get("owner_org") or "").strip()
    if not owner:
        return None
    try:
        return ckan.find_organisation(db, owner)
    except NotFound:
        raise InvalidInput(
            f"There is no organization {owner!r}.", {"owner_org": "Organization does not exist"}
        ) from None


def _change(params: dict[str, Any], *, replace: bool) -> dict[str, Any]:
    """package_update and package_patch, through editing.change_dataset as the edit page;
    state "active" restores a deleted dataset first (CKAN's way), "deleted" deletes it."""
    viewer = require_token()
    db, site = request_session(), current_site()
    name = str(params.get("id") or params.get("name") or "")
    dataset = editable_dataset(db, viewer, name)
    state = params.get("state")
    if state not in (None, "", "active", "deleted"):
        raise BadParameter("state is active or deleted.", {"state": "Not active or deleted"})
    if state == "active":
        restore_dataset(site, db, viewer, dataset.name)
    changes = {k: v for k, v in params.items() if k not in ("name", "id", "state")}
    if changes or state != "active":
        current = DatasetMetadata(title="") if replace else current_metadata(dataset)
        current.name = dataset.name
        if not params.get("title") and not replace:
            current.title = dataset.title
        metadata = ckan.metadata_from_params(changes, current)
        metadata.title = metadata.title if params.get("title") else dataset.title
        organisation = _owner(db, params) if "owner_org" in params else KEEP
        change_dataset(site, db, viewer, dataset, metadata, organisation)
    if state == "deleted":
        delete_dataset(site, db, viewer, dataset.name)
    return ckan.package(dataset)
