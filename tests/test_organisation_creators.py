"""Whoever makes an organisation is its admin, however it was made: an upload on the web
page, the API's organization_create; package_create names an organisation that exists. One
made from the command line has no admin until a site admin names one. And an upload whose
new organisation someone else made while its file was being checked is refused, saying who
to ask, instead of slipping into the other's organisation."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from catalog.accounts.tokens import create_token
from catalog.accounts.users import create_user
from catalog.datasets.members import find_organisation, members_of
from catalog.datasets.publishing import DatasetMetadata, check_publish_request, publish_file
from catalog.db.models import Dataset, Organisation
from catalog.errors import NotAuthorised
from catalog.viewer import Viewer
from tests.conftest import DATA
from tests.test_web import published, sign_in, upload

API = "/api/3/action"
GDP = DATA / "valid/gdp/data/gdp.csv"


def roles_in(site: Any, name: str) -> dict[str, str]:
    with site.session() as session:
        found = members_of(session, Viewer.system(), find_organisation(session, name))
    return {m["username"]: m["role"] for m in found}


def token_for(site: Any, username: str, admin: bool = False) -> str:
    with site.session() as session:
        user = create_user(session, username, "a long enough password", is_admin=admin)
        secret = create_token(session, user.id, "tests")[1]
        session.commit()
    return secret


def call(client: Any, token: str, action: str, **body: Any) -> Any:
    return client.post(f"{API}/{action}", json=body, headers={"Authorization": token})


def test_an_upload_on_the_web_page_makes_its_new_organisation_with_its_uploader_admin(
    app: Any, site: Any
) -> None:
    client = app.test_client()
    sign_in(client, site, "priya")
    published(
        client, site, upload(client, "valid/gdp/data/gdp.csv", None, organisation="Parks Team")
    )
    assert roles_in(site, "parks-team") == {"priya": "admin"}


def test_organization_create_makes_its_caller_admin(client: Any, site: Any) -> None:
    key = token_for(site, "sam")
    made = call(client, key, "organization_create", name="library", title="Library")
    assert made.status_code == 200, made.get_json()
    assert roles_in(site, "library") == {"sam": "admin"}
    listed = call(client, key, "member_list", id="library").get_json()["result"]
    assert listed == [["sam", "user", "admin"]]


def test_package_create_names_an_organisation_that_exists_and_says_so_plainly(
    client: Any, site: Any
) -> None:
    key = token_for(site, "sam")
    refused = call(client, key, "package_create", title="Trees", owner_org="no-such-team")
    assert refused.status_code == 400
    assert "There is no organization 'no-such-team'" in refused.get_json()["error"]["message"]
    assert call(client, key, "organization_create", name="trees").status_code == 200
    made = call(client, key, "package_create", title="Trees", owner_org="trees")
    assert made.status_code == 200
    assert roles_in(site, "trees") == {"sam": "admin"}  # the dataset changed no one's role


def test_an_organisation_made_from_the_command_line_has_no_admin_until_one_is_named(
    runner: Any, client: Any, site: Any
) -> None:
    made = runner("ingest", GDP, "--schema", "infer", "--title", "GDP", "--org", "Town Hall")
    assert made.exit_code == 0, made.output
    assert roles_in(site, "town-hall") == {}
    volunteer = token_for(site, "volunteer")
    refused = call(client, volunteer, "organization_member_create", id="town-hall",
                   username="volunteer", role="admin")  # fmt: skip
    assert refused.status_code == 403
    message = refused.get_json()["error"]["message"]
    assert "Town Hall has no admin yet: ask the site's organiser" in message
    organiser = token_for(site, "organiser", admin=True)
    named = call(client, organiser, "organization_member_create", id="town-hall",
                 username="volunteer", role="admin")  # fmt: skip
    assert named.status_code == 200, named.get_json()
    assert roles_in(site, "town-hall") == {"volunteer": "admin"}


def test_an_organisation_made_while_a_file_was_checked_is_not_slipped_into(site: Any) -> None:
    with site.session() as session:
        first = create_user(session, "first", "a long enough password")
        second = create_user(session, "second", "a long enough password")
        session.commit()
        first_id, second_id = first.id, second.id
    late = DatasetMetadata(title="Trees", organisation="Parks Team")
    with site.session() as session:  # the upload page asks first: no such organisation yet
        check_publish_request(session, late, None, Viewer.user(second_id, "second"))
    # ... and while the second volunteer's file is checked, the first makes "Parks Team".
    publish_file(site, GDP, original_name="gdp.csv", schema=None,
                 metadata=DatasetMetadata(title="GDP", organisation="Parks Team"),
                 user_id=first_id)  # fmt: skip
    with pytest.raises(NotAuthorised) as refused:
        publish_file(site, GDP, original_name="gdp.csv", schema=None, metadata=late,
                     user_id=second_id)  # fmt: skip
    message = refused.value.message
    assert message.startswith("Nothing was published: the organisation Parks Team is run by")
    assert "Ask first (its admin) to add you as an editor." in message
    with site.session() as session:
        assert session.scalar(select(Dataset).where(Dataset.title == "Trees")) is None
        assert len(list(session.scalars(select(Organisation)))) == 1
    assert roles_in(site, "parks-team") == {"first": "admin"}
    # The command line (the site itself) may still publish there.
    publish_file(site, GDP, original_name="gdp.csv", schema=None, metadata=late)
