"""Small holes an attacker or a careless client found: an editor moving a dataset out of its
organisation, a second organisation passing for the first by its title."""

from __future__ import annotations

from typing import Any

from catalog.accounts.tokens import create_token
from catalog.accounts.users import create_user

API = "/api/3/action"


def tokens(site: Any, *names: str) -> dict[str, str]:
    found = {}
    with site.session() as session:
        for name in names:
            user = create_user(session, name, "a long enough password")
            found[name] = create_token(session, user.id, "tests")[1]
        session.commit()
    return found


def call(client: Any, token: str, action: str, **body: Any) -> Any:
    return client.post(f"{API}/{action}", json=body, headers={"Authorization": token})


def test_only_an_organisations_admin_moves_a_dataset_out_of_it(client: Any, site: Any) -> None:
    keys = tokens(site, "admin1", "editor1")
    assert call(client, keys["admin1"], "organization_create", name="parks").status_code == 200
    member = {"id": "parks", "username": "editor1", "role": "editor"}
    assert call(client, keys["admin1"], "organization_member_create", **member).status_code == 200
    made = call(client, keys["editor1"], "package_create", title="Trees", owner_org="parks")
    assert made.status_code == 200, made.get_json()
    name = made.get_json()["result"]["name"]
    # The editor may change the dataset, not take it out of the organisation (once allowed).
    moved = call(client, keys["editor1"], "package_patch", id=name, owner_org="")
    assert moved.status_code == 403
    assert (
        "Only an admin of parks may move its datasets out of it"
        in moved.get_json()["error"]["message"]
    )
    assert call(client, keys["editor1"], "package_patch", id=name, notes="Oaks").status_code == 200
    shown = client.get(f"{API}/package_show?id={name}").get_json()["result"]
    assert shown["organization"]["name"] == "parks"
    assert call(client, keys["admin1"], "package_patch", id=name, owner_org="").status_code == 200


def test_an_organisation_title_is_taken_whatever_its_case_and_punctuation(
    client: Any, site: Any
) -> None:
    keys = tokens(site, "first", "outsider")
    made = call(client, keys["first"], "organization_create", name="parks", title="Parks Team")
    assert made.status_code == 200
    for title in ("parks team", "PARKS-TEAM!", " Parks  Team "):
        copy = call(client, keys["outsider"], "organization_create", name="parks2", title=title)
        assert copy.status_code == 409, title
        assert (
            "There is already an organization called Parks Team"
            in copy.get_json()["error"]["message"]
        )
    other = call(client, keys["outsider"], "organization_create", name="roads", title="Roads")
    assert other.status_code == 200


def test_a_column_named_id_is_renamed_visibly_or_refused(
    client: Any, site: Any, tmp_path: Any
) -> None:
    import io

    from catalog.datasets.publishing import DatasetMetadata, publish_file
    from tests.test_web import csrf_token, finished, post_multipart, reviewed, sign_in

    table = b"_id,name\n7,Ann\n9,Bob\n"
    # Through the web the review renames it, and says so.
    sign_in(client, site)
    form = {
        "csrf_token": csrf_token(client, "/upload"),
        "file": (io.BytesIO(table), "people.csv"),
        "schema_source": "infer",
        "title": "People",
        "licence": "uk-ogl",
    }
    page = finished(client, site, post_multipart(client, "/upload", form))
    assert "is published as &#34;_id (from the file)&#34;" in page.text
    assert "Published version 1" in reviewed(client, site, page).text
    rows = client.get(f"{API}/datastore_search?resource_id=people-v1").get_json()["result"]
    assert [(r["_id"], r["_id (from the file)"]) for r in rows["records"]] == [(1, 7), (2, 9)]
    # Without the review (a script's publish), it is refused, saying why.
    path = tmp_path / "people.csv"
    path.write_bytes(table)
    outcome = publish_file(
        site, path, original_name=path.name, schema=None, metadata=DatasetMetadata("People 2")
    )
    assert not outcome.published
    error = outcome.result.report["tasks"][0]["errors"][0]
    assert error["message"].startswith('A column is called "_id", the name the API gives')
