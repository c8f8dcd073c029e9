"""One JSON error body for the API, the datastore paths and every JSON twin of a page:
CKAN's envelope, pinned here for each status (datasette's test_error_shape.py is the
model). The same bad parameter answers the same status on a page, its twin and the API."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from catalog.accounts.tokens import create_token
from catalog.accounts.users import create_user
from catalog.errors import BadParameter
from catalog.params import parse_json

API = "/api/3/action"


def shape(answer: Any) -> dict[str, Any]:
    body = answer.get_json()
    assert set(body) == {"help", "success", "error"}, body
    assert body["success"] is False
    assert body["help"].startswith("http://localhost/")
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return dict(body["error"])


@pytest.fixture
def token(site: Any) -> str:
    with site.session() as session:
        user = create_user(session, "writer", "a long enough password")
        _, secret = create_token(session, user.id, "tests")
        session.commit()
    return secret


def test_400_names_the_parameter(client: Any) -> None:
    answer = client.get(f"{API}/package_search?rows=lots")
    assert answer.status_code == 400
    error = shape(answer)
    assert error["__type"] == "Validation Error"
    assert error["rows"] == ["Invalid integer"]
    assert set(error) == {"__type", "message", "rows"}


def test_403_without_a_token(client: Any) -> None:
    answer = client.post(f"{API}/package_create", json={"title": "Trees"})
    assert answer.status_code == 403
    assert shape(answer) == {
        "__type": "Authorization Error",
        "message": "This action needs an API token in the Authorization header.",
    }


def test_404_for_what_is_not_there(client: Any) -> None:
    for path in (f"{API}/package_show?id=nope", f"{API}/no_such_action", "/dataset/nope.json"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert shape(answer)["__type"] == "Not Found Error"


def test_409_for_a_name_that_is_taken(client: Any, token: str) -> None:
    headers = {"Authorization": token}
    made = client.post(f"{API}/organization_create", json={"name": "parks"}, headers=headers)
    assert made.status_code == 200
    again = client.post(f"{API}/organization_create", json={"name": "parks"}, headers=headers)
    assert again.status_code == 409
    assert shape(again) == {
        "__type": "Validation Error",
        "message": "That name is taken.",
        "name": ["Group name already exists in database"],
    }


def test_413_for_a_body_too_large(client: Any) -> None:
    body = '{"q": "' + "x" * 2_100_000 + '"}'
    answer = client.post(
        f"{API}/package_search", data=body, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    assert shape(answer)["__type"] == "Validation Error"


def test_500_says_so_and_keeps_the_envelope(client: Any, site: Any) -> None:
    with site.engine.begin() as connection:  # a catalogue whose tags table has gone
        connection.execute(text("DROP TABLE dataset_tags"))
        connection.execute(text("DROP TABLE tags"))
    answer = client.get(f"{API}/tag_list")
    assert answer.status_code == 500
    assert shape(answer) == {
        "__type": "Internal Error",
        "message": "Something went wrong on our side. Nothing you sent was published.",
    }
    page = client.get("/dataset/anything.json")
    assert page.status_code in (404, 500)  # the twin answers in the same envelope
    shape(page)


@pytest.mark.parametrize(
    ("page", "twin", "api"),
    [
        ("/search?page=x", "/search.json?page=x", f"{API}/package_search?start=x"),
        ("/search?page=%C2%B2", "/search.json?page=%C2%B2", f"{API}/package_search?rows=%C2%B2"),
        ("/requests?page=x", "/requests.json?page=x", f"{API}/foi_request_list?page=x"),
        (
            "/organisation/o?page=-1",
            "/organisation/o.json?page=-1",
            f"{API}/package_search?start=-1",
        ),
    ],
)
def test_the_same_bad_parameter_gets_the_same_status_everywhere(
    client: Any, page: str, twin: str, api: str
) -> None:
    statuses = {client.get(page).status_code, client.get(twin).status_code}
    statuses.add(client.get(api).status_code)
    assert statuses == {400}


def test_a_number_in_a_url_too_long_for_the_database_is_no_page(client: Any) -> None:
    # Once a 500: the number reached SQLite, which holds 64 bits.
    for path in ("/request/99999999999999999999", "/request/99999999999999999999.json"):
        assert client.get(path).status_code == 404, path
    assert client.get("/dataset/x/v99999999999999999999/data.csv").status_code == 404


def test_the_api_takes_no_more_than_the_web_form(client: Any, token: str) -> None:
    # Once 10 MB of notes, 10,000 tags or 100,000 extras were taken as they came.
    headers = {"Authorization": token}
    cases = [
        ({"notes": "x" * 20_001}, "notes", "A description has at most 20,000 characters."),
        ({"tags": [f"t{i}" for i in range(101)]}, "tags", "A dataset has at most 100 tags."),
        (
            {"extras": [{"key": f"k{i}", "value": "v"} for i in range(101)]},
            "extras",
            "A dataset has at most 100 extra fields.",
        ),
    ]
    for extra, field, message in cases:
        body = {"title": "Trees", "license_id": "uk-ogl", **extra}
        answer = client.post(f"{API}/package_create", json=body, headers=headers)
        assert answer.status_code == 400, field
        assert shape(answer)[field] == [message], field
    fine = {"title": "Trees", "license_id": "uk-ogl", "tags": [f"t{i}" for i in range(100)]}
    assert client.post(f"{API}/package_create", json=fine, headers=headers).status_code == 200


def test_nan_and_infinity_are_not_json(client: Any, app: Any) -> None:
    # Once echoed back as a bare NaN in a 200, which no JSON client can read.
    for body in ('{"q": NaN}', '{"rows": Infinity}'):
        answer = client.post(f"{API}/package_search", data=body, content_type="application/json")
        assert answer.status_code == 400, body
        assert shape(answer)["body"] == ["Not a JSON object"]
    with pytest.raises(BadParameter, match="filters is not valid JSON"):
        parse_json('{"a": NaN}', "filters")
    with app.test_request_context():
        assert app.json.dumps({"x": float("nan"), "y": [float("inf"), 1.5]}) == (
            '{"x": null, "y": [null, 1.5]}'
        )


def test_a_nul_character_in_a_parameter_is_a_400_naming_it(client: Any) -> None:
    # Found by the sweep: PostgreSQL refuses NUL in text, so it was a 500 there.
    for path in ("/requests?authority=%00", "/search?q=a%00b", f"{API}/package_search?q=%00"):
        answer = client.get(path)
        assert answer.status_code == 400, path
    answer = client.post(f"{API}/package_search", json={"q": "\x00"})
    assert answer.status_code == 400
    assert shape(answer)["q"] == ["Contains a NUL character"]
