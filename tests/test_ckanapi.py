"""The real client: ckanapi.RemoteCKAN (from PyPI) against a live server on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ckanapi
import pytest
from werkzeug.serving import make_server

from catalog.accounts.tokens import create_token
from catalog.accounts.users import create_user
from catalog.datasets.publishing import DatasetMetadata, publish_file
from tests.factories import new_dataset

DATA = Path(__file__).parent / "data"


@pytest.fixture
def server(app: Any) -> Iterator[str]:
    live = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=live.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{live.server_port}"
    finally:
        live.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def token(site: Any) -> str:
    with site.session() as db:
        user = create_user(db, "publisher", "correct horse battery")
        _, secret = create_token(db, user.id, "tests")
        db.commit()
    return secret


@pytest.fixture
def published(site: Any) -> str:
    top = DATA / "valid/gdp/data/top-economies.csv"
    outcome = publish_file(
        site,
        top,
        original_name=top.name,
        schema=None,
        metadata=DatasetMetadata(
            title="Top economies",
            description="GDP of the largest economies",
            organisation="World Bank",
            licence_id="cc-by",
            tags=["economy", "gdp"],
        ),
    )
    assert outcome.published
    return str(outcome.dataset_name)


def client(server: str, token: str | None = None) -> ckanapi.RemoteCKAN:
    return ckanapi.RemoteCKAN(server, apikey=token, user_agent="datastore-tests/1.0")


def test_search_with_facets_and_filters_then_show(server: str, published: str) -> None:
    ckan = client(server)
    facets = {"facet.field": ["organization", "tags"]}
    found = ckan.action.package_search(q="economies", fq="organization:world-bank", **facets)
    assert found["count"] == 1
    assert found["results"][0]["name"] == published
    tags = {item["name"]: item["count"] for item in found["search_facets"]["tags"]["items"]}
    assert tags == {"economy": 1, "gdp": 1}
    assert ckan.action.package_search(fq="tags:nothing-like-it")["count"] == 0
    shown = ckan.action.package_show(id=published)
    assert shown["title"] == "Top economies" and shown["license_id"] == "cc-by"
    assert shown["resources"][0]["id"] == f"{published}-v1"
    assert ckan.action.resource_show(id=f"{published}-v1")["format"] == "CSV"
    assert published in ckan.action.package_list()
    assert "economy" in ckan.action.tag_list()
    assert {"cc-by", "uk-ogl", "cc-zero", "odc-odbl"} <= {
        item["id"] for item in ckan.action.license_list()
    }
    organisations = ckan.action.organization_list(all_fields=True)
    assert [(o["name"], o["package_count"]) for o in organisations] == [("world-bank", 1)]


def test_create_upload_and_read_back(server: str, token: str, tmp_path: Path) -> None:
    ckan = client(server, token)
    created = ckan.action.package_create(
        name="school-meals", title="School meals", license_id="uk-ogl", tags=[{"name": "food"}]
    )
    assert created["name"] == "school-meals" and created["resources"] == []
    table = tmp_path / "meals.csv"
    table.write_text("school,meals\nOak Primary,120\nElm Academy,340\n", encoding="utf-8")
    with table.open("rb") as upload:
        resource = ckan.action.resource_create(package_id="school-meals", upload=upload)
    assert resource["id"] == "school-meals-v1"
    rows = ckan.action.datastore_search(resource_id=resource["id"], sort="meals desc")
    assert rows["total"] == 2
    assert [r["school"] for r in rows["records"]] == ["Elm Academy", "Oak Primary"]
    assert ckan.action.package_show(id="school-meals")["num_resources"] == 1


def test_a_bad_upload_is_a_validation_error(server: str, token: str, tmp_path: Path) -> None:
    ckan = client(server, token)
    ckan.action.package_create(name="bins", title="Bins")
    broken = tmp_path / "bins.csv"
    broken.write_text("street,bins\nHigh St,2\nLow St,2,3\n", encoding="utf-8")
    with pytest.raises(ckanapi.ValidationError) as caught, broken.open("rb") as upload:
        ckan.action.resource_create(package_id="bins", upload=upload)
    assert "upload" in caught.value.error_dict
    report = caught.value.error_dict["report"]
    assert report["valid"] is False
    assert report["tasks"][0]["errors"][0]["type"] == "extra-cell"
    assert ckan.action.package_show(id="bins")["resources"] == []  # nothing published


def test_errors_match_ckans(server: str, token: str) -> None:
    anonymous = client(server)
    with pytest.raises(ckanapi.NotAuthorized):
        anonymous.action.package_create(name="nope", title="Nope")
    with pytest.raises(ckanapi.NotAuthorized):
        client(server, "not-a-real-token").action.package_create(name="nope", title="Nope")
    with pytest.raises(ckanapi.NotFound):
        anonymous.action.package_show(id="no-such-dataset")
    with pytest.raises(ckanapi.ValidationError) as caught:
        client(server, token).action.package_create(title="")
    assert "title" in caught.value.error_dict
    with pytest.raises(ckanapi.ValidationError):
        anonymous.action.package_search(rows="lots")


def test_tokens_are_created_listed_and_revoked(server: str, token: str) -> None:
    ckan = client(server, token)
    made = ckan.action.api_token_create(name="a script")["token"]
    listed = ckan.action.api_token_list()
    assert [t["name"] for t in listed] == ["tests", "a script"]
    client(server, made).action.api_token_revoke(jti=listed[1]["id"])
    with pytest.raises(ckanapi.NotAuthorized):
        client(server, made).action.api_token_list()


def test_a_dataset_without_data_has_a_page(app: Any, site: Any) -> None:

    name = new_dataset(site, DatasetMetadata(title="Street trees", tags=["trees"]), None)
    page = app.test_client().get(f"/dataset/{name}")
    assert page.status_code == 200
    assert "No table has been uploaded to this dataset yet" in page.text
    found = app.test_client().get("/search?q=street+trees")
    assert f"/dataset/{name}" in found.text


def test_organisations_roles_and_private_datasets(server: str, site: Any, token: str) -> None:
    with site.session() as db:
        reader = create_user(db, "reader", "correct horse battery")
        outsider = create_user(db, "outsider", "correct horse battery")
        _, reader_token = create_token(db, reader.id, "tests")
        _, outsider_token = create_token(db, outsider.id, "tests")
        db.commit()
    admin = client(server, token)
    made = admin.action.organization_create(name="parks-dept", title="Parks Department")
    assert made["name"] == "parks-dept" and made["package_count"] == 0
    admin.action.organization_member_create(id="parks-dept", username="reader", role="member")
    created = admin.action.package_create(
        name="tree-survey",
        title="Tree survey",
        owner_org="parks-dept",
        private=True,
        version="2024.1",
        author="Parks team",
        extras=[{"key": "coverage", "value": "north ward"}],
    )
    assert created["private"] is True and created["version"] == "2024.1"
    assert created["extras"] == [{"key": "coverage", "value": "north ward"}]

    with pytest.raises(ckanapi.NotFound):
        client(server).action.package_show(id="tree-survey")
    with pytest.raises(ckanapi.NotFound):
        client(server, outsider_token).action.package_show(id="tree-survey")
    assert client(server, reader_token).action.package_show(id="tree-survey")["author"] == (
        "Parks team"
    )
    with pytest.raises(ckanapi.NotAuthorized):  # a member sees it but may not change it
        client(server, reader_token).action.package_patch(id="tree-survey", title="Mine")
    with pytest.raises(ckanapi.NotAuthorized):
        client(server, outsider_token).action.package_create(
            name="sneaky", title="Sneaky", owner_org="parks-dept"
        )
    assert client(server).action.package_search(q="tree survey")["count"] == 0
    assert client(server, reader_token).action.package_search(q="tree survey")["count"] == 0
    found = client(server, reader_token).action.package_search(
        q="tree survey", include_private=True
    )
    assert [p["name"] for p in found["results"]] == ["tree-survey"]
    assert (
        client(server, outsider_token).action.package_search(q="tree survey", include_private=True)[
            "count"
        ]
        == 0
    )
    patched = admin.action.package_patch(id="tree-survey", notes="All trees", private=False)
    assert patched["notes"] == "All trees" and patched["title"] == "Tree survey"
    assert client(server).action.package_show(id="tree-survey")["private"] is False
    assert client(server).action.package_search(q="tree survey")["count"] == 1
    admin.action.package_delete(id="tree-survey")
    assert client(server).action.package_search(q="tree survey")["count"] == 0
    with pytest.raises(ckanapi.NotFound):
        client(server).action.package_show(id="tree-survey")
    assert "tree-survey" not in [
        p["name"] for p in client(server).action.current_package_list_with_resources()
    ]


def test_private_datasets_are_not_shown_on_the_web(app: Any, site: Any) -> None:

    name = new_dataset(
        site,
        DatasetMetadata(title="Staff list", organisation="Council", private=True),
        None,
    )
    visitor = app.test_client()
    assert visitor.get(f"/dataset/{name}").status_code == 404
    assert f"/dataset/{name}" not in visitor.get("/search?q=staff").text
    assert f"/dataset/{name}" not in visitor.get("/search.json?q=staff").text
    assert visitor.get(f"/dataset/{name}/v1/data.csv").status_code == 404
