"""Who may see what fails closed: an anonymous request, an API call without a token and a
domain function not told who is looking all see no private dataset and no FOI draft."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.datasets import reading
from catalog.datasets.publishing import DatasetMetadata
from catalog.errors import NotFound
from catalog.viewer import Viewer
from tests.factories import new_dataset
from tests.test_requests import draft, make_authority, sign_in_as

API = "/api/3/action"


@pytest.fixture
def private(site: Any) -> str:
    """A private dataset of the Council, seen only by its members and site admins."""
    return new_dataset(
        site, DatasetMetadata(title="Staff salaries", organisation="Council", private=True)
    )


@pytest.fixture
def draft_id(client: Any, site: Any) -> int:
    """A draft FOI request, its requester's alone until sent."""
    make_authority(site)
    sign_in_as(client, site, "asker")
    request_id = draft(client, "Pothole repairs by ward")
    client.post("/logout", data={"csrf_token": _token(client)})
    return request_id


def _token(client: Any) -> str:
    from tests.test_web import csrf_token

    return csrf_token(client, "/login")


def test_an_anonymous_visitor_sees_nothing_private(
    client: Any, private: str, draft_id: int
) -> None:
    assert client.get(f"/dataset/{private}").status_code == 404
    assert client.get(f"/dataset/{private}.json").status_code == 404
    assert client.get(f"/dataset/{private}.jsonld").status_code == 404
    assert private not in client.get("/search.json?q=staff").text
    assert private not in client.get("/catalog.jsonld").text
    assert private not in client.get("/organisation/council.json").text
    assert client.get(f"/request/{draft_id}").status_code == 404
    assert client.get(f"/request/{draft_id}.json").status_code == 404
    assert "Pothole" not in client.get("/requests.json").text


def test_an_api_call_without_a_token_sees_nothing_private(
    client: Any, private: str, draft_id: int
) -> None:
    assert client.get(f"{API}/package_show?id={private}").status_code == 404
    assert private not in client.get(f"{API}/package_list").text
    assert private not in client.get(f"{API}/package_search?q=staff&include_private=true").text
    assert client.get(f"{API}/resource_show?id={private}").status_code == 404
    shown = client.get(f"{API}/foi_request_show?id={draft_id}")
    assert shown.status_code == 404 and shown.json["success"] is False
    assert "Pothole" not in client.get(f"{API}/foi_request_list").text
    # Nor does a browser's session count: the API goes by its token alone.


def test_a_signed_in_browser_session_does_not_open_the_api(
    client: Any, site: Any, draft_id: int
) -> None:
    sign_in_as(client, site, "asker")
    assert client.get(f"/request/{draft_id}.json").status_code == 200
    assert client.get(f"{API}/foi_request_show?id={draft_id}").status_code == 404


def test_a_domain_function_not_told_who_is_looking_sees_as_a_visitor(
    site: Any, private: str
) -> None:
    with site.session() as session:
        assert private not in reading.dataset_names(session)
        assert [d["name"] for d in reading.recent_datasets(session)] == []
        assert reading.search_datasets(site, session, "staff")["total"] == 0
        with pytest.raises(NotFound):
            reading.dataset_details(site, session, private)
        # Told, by name, that the site itself is looking, it sees everything.
        assert private in reading.dataset_names(session, Viewer.system())


def test_the_viewer_is_frozen_and_a_visitor_by_default() -> None:
    viewer = Viewer()
    assert viewer == Viewer.anonymous() and not viewer.signed_in and not viewer.is_admin
    with pytest.raises(AttributeError):
        viewer.is_admin = True  # type: ignore[misc]


def test_the_creator_of_a_new_organisation_is_its_admin_tags_or_none(site: Any) -> None:
    from sqlalchemy import select

    from catalog.accounts.users import create_user
    from catalog.datasets.permissions import can_edit
    from catalog.db.models import Dataset

    with site.session() as session:
        user = create_user(session, "maker", "a long enough password")
        session.commit()
        maker = Viewer.user(user.id, "maker")
    for title, tags in (("Tagged", ["parks"]), ("Untagged", [])):
        metadata = DatasetMetadata(title=title, organisation=f"{title} Team", tags=tags)
        name = new_dataset(site, metadata, maker.id)
        with site.session() as session:
            dataset = session.scalars(select(Dataset).where(Dataset.name == name)).one()
            assert can_edit(session, maker, dataset), title
