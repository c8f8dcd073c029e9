"""The browser path, through the Flask test client: sign in, upload, report, pages, downloads.

An upload answers with a redirect to its job page and is published in the background by
the app's own threads; `finished()` waits for the job and then opens that page.
"""

from __future__ import annotations

import gc
import io
import re
from typing import Any

import pyarrow.parquet as pq
import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from catalog.accounts.users import create_user
from catalog.app import create_app
from tests.conftest import DATA
from tests.factories import new_dataset

PASSWORD = "a long enough password"


def csrf_token(client: Any, path: str) -> str:
    page = client.get(path)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text) or re.search(
        r'name="csrf_token" value="([^"]+)"', page.text
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: Any, site: Any, username: str = "volunteer") -> None:
    with site.session() as session:
        create_user(session, username, PASSWORD)
        session.commit()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def post_multipart(client: Any, path: str, form: dict[str, Any]) -> Any:
    """POST a form with files, encoded in memory (werkzeug's test client spools bodies over
    500 kB to a temporary file it never closes, which fails a suite where warnings are errors)."""
    values = {
        key: FileStorage(value[0], filename=value[1]) if isinstance(value, tuple) else value
        for key, value in form.items()
    }
    boundary, body = encode_multipart(values)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def upload(client: Any, data_path: str, schema_path: str | None, **fields: Any) -> Any:
    form = {
        "csrf_token": csrf_token(client, "/upload"),
        "file": (io.BytesIO((DATA / data_path).read_bytes()), data_path.rsplit("/", 1)[-1]),
        "schema_source": "upload" if schema_path else "infer",
        "library_name": "uk-spend-over-25k",
        "title": "A title",
        "licence": "uk-ogl",
        **fields,
    }
    if schema_path:
        form["schema_file"] = (io.BytesIO((DATA / schema_path).read_bytes()), "schema.json")
    return post_multipart(client, "/upload", form)


def reviewed(client: Any, site: Any, page: Any, **choices: Any) -> Any:
    """Past the review page, if the upload stopped there: its fixes accepted as offered
    (or as `choices` say: fix=[...], q-<key>=..., drop=[...], personal_ok="y"), then the
    page of the upload checked again."""
    if "before publishing</h1>" not in page.text:
        return page
    action = re.search(r'action="(/uploads/[0-9a-f]{32}/fix)"', page.text)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    assert action and token, page.text
    form: dict[str, Any] = {"csrf_token": token.group(1)}
    form["fix"] = re.findall(r'name="fix" value="([^"]+)" checked', page.text)
    for key, value in re.findall(r'name="q-([a-z]+)" value="([^"]*)" checked', page.text):
        form[f"q-{key}"] = value
    form.update(choices)
    return finished(client, site, client.post(action.group(1), data=form))


def finished(client: Any, site: Any, response: Any) -> Any:
    """The job page an upload redirected to, once its background job has ended."""
    assert response.status_code == 303, response.text
    location = response.headers["Location"]
    assert site.jobs.wait(location.rsplit("/", 1)[-1], timeout=60), "the upload never ended"
    return client.get(location)


def published(client: Any, site: Any, response: Any) -> str:
    """The URL name of the dataset an upload published."""
    page = finished(client, site, response)
    job = client.get(response.headers["Location"] + ".json").json
    assert job["state"] == "published", page.text
    return str(job["dataset_name"])


def test_upload_needs_sign_in(client):
    response = client.get("/upload")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_wrong_password_is_refused(client, site):
    with site.session() as session:
        create_user(session, "someone", PASSWORD)
        session.commit()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"username": "someone", "password": "wrong password", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "do not match" in response.text


def test_upload_without_csrf_token_is_refused(client, site):
    sign_in(client, site)
    form = {"file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv"), "schema_source": "infer", "title": "x"}
    response = client.post("/upload", data=form, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "expired" in response.text
    assert client.get("/api/3/action/package_list").json["result"] == []


def test_valid_upload_publishes_and_shows_the_dataset(client, site):
    sign_in(client, site)
    response = upload(
        client,
        "valid/uk-public-bodies/data/gb.csv",
        "valid/uk-public-bodies/data/public-body-schema.json",
        title="Public bodies <script>alert(1)</script>",
        organisation="Open Knowledge",
        tags="government, FOI",
        description="Bodies you can ask for information.",
        source_url="https://github.com/datasets/publicbodies",
    )
    job_page = finished(client, site, response)
    assert "Published version 1 of" in job_page.text
    name = published(client, site, response)
    page = client.get(f"/dataset/{name}")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text  # escaped
    assert "&lt;script&gt;" in page.text
    assert "Rows 1 to 20 of 5,362" in page.text
    assert "2010 Rotherham Limited" in page.text  # the preview
    assert "jurisdiction_code" in page.text  # the schema table

    second = client.get(f"/dataset/{name}?offset=5360")
    assert "Rows 5,361 to 5,362 of 5,362" in second.text
    beyond = client.get(f"/dataset/{name}?offset=999999")
    assert beyond.status_code == 200
    assert client.get(f"/dataset/{name}?offset=abc").status_code == 400

    csv = client.get(f"/dataset/{name}/v1/data.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.data.count(b"\n") == 5363
    with client.get(f"/dataset/{name}/v1/data.parquet") as parquet:
        assert pq.read_table(io.BytesIO(parquet.data)).num_rows == 5362
    with client.get(f"/dataset/{name}/v1/original") as original:
        assert original.data == (DATA / "valid/uk-public-bodies/data/gb.csv").read_bytes()
        assert "filename=gb.csv" in original.headers["Content-Disposition"]
    schema = client.get(f"/dataset/{name}/v1/schema.json").json
    assert [f["name"] for f in schema["fields"]][:2] == ["id", "name"]
    assert client.get(f"/dataset/{name}/v9/data.csv").status_code == 404

    results = client.get("/search?q=bodies")
    assert name in results.text and "Open Knowledge" in results.text
    facet = client.get("/search?tags=foi")
    assert name in facet.text
    assert client.get("/search?tags=nothing-like-this").text.count("/dataset/") == 0
    assert client.get("/").status_code == 200


def test_invalid_upload_shows_report_by_row_and_column_and_publishes_nothing(
    client, site, settings
):
    sign_in(client, site)
    response = upload(
        client,
        "invalid/uk-spend-bis-wrong-types/invalid-on-bis-modified-schema.csv",
        "invalid/uk-spend-bis-wrong-types/bis-modified.json",
    )
    page = reviewed(client, site, finished(client, site, response))
    assert page.status_code == 200
    text = page.text
    assert "was not published" in text
    # type-error at row 3, column 3 "Date of Payment"; row 4, column 8 "Amount": each a
    # group of its own, its row shown with the bad cell marked
    date_of_payment, amount = text.split("<h3 ")[1:3]
    assert "Date of Payment: 1 value is not a date" in date_of_payment
    assert re.search(r'<th scope="row">3</th>.*<mark>.*Some Date</mark>', date_of_payment)
    assert "Amount: 1 value is not a number" in amount
    assert re.search(r'<th scope="row">4</th>.*<mark>.*Five Hundred</mark>', amount)
    assert "How to fix it" in text
    assert client.get("/api/3/action/package_list").json["result"] == []
    # Kept twice: as it came, while the fixes were offered; and with the report, after them.
    rejected = list((settings.resolved().files_dir / "rejected").iterdir())
    assert len(rejected) == 2 and any(folder.name in text for folder in rejected)


def test_library_schema_choice_and_schema_problems(client, site):
    sign_in(client, site)
    form_page = client.get("/upload")
    assert "uk-spend-over-25k" in form_page.text
    # A file that does not fit the chosen ready schema gets a report, not a publication.
    response = upload(client, "valid/gdp/data/gdp.csv", None, schema_source="library")
    page = reviewed(client, site, finished(client, site, response), **{"q-required": "stop"})
    assert "was not published" in page.text
    assert "missing" in page.text.lower()
    bad = {"schema_source": "upload"}
    response = client.post(
        "/upload",
        data={
            "csrf_token": csrf_token(client, "/upload"),
            "file": (io.BytesIO(b"a\n1\n"), "x.csv"),
            "schema_file": (io.BytesIO(b'{"fields": [{"name": "a", "type": "nmber"}]}'), "s.json"),
            "title": "x",
            "licence": "uk-ogl",
            **bad,
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "fields[1] &#34;a&#34;.type" in response.text or 'fields[1] "a".type' in response.text


def test_new_version_upload(client, site):
    sign_in(client, site)
    first = upload(client, "valid/gdp/data/top-economies.csv", None, title="Top economies")
    name = published(client, site, first)
    second = upload(client, "valid/gdp/data/top-economies.csv", None, dataset=name)
    assert "Published version 2 of" in finished(client, site, second).text
    page = client.get(f"/dataset/{name}")
    assert "Version 2" in page.text
    old = client.get(f"/dataset/{name}?version=1")
    assert "You are looking at version 1" in old.text
    assert client.get(f"/dataset/{name}/v1/data.csv").status_code == 200


def test_metadata_problems_are_named(client, site):
    sign_in(client, site)
    response = upload(
        client, "valid/gdp/data/top-economies.csv", None, title="", source_url="javascript:alert(1)"
    )
    assert response.status_code == 400
    assert "Give the dataset a title" in response.text
    assert "http://" in response.text


def test_upload_size_is_capped(tmp_path, database_url):
    from catalog.app import create_app
    from catalog.config import Settings

    settings = Settings(
        data_dir=tmp_path / "d", database_url=database_url, secret_key="k" * 32, max_upload_mb=1
    )
    app = create_app(settings)
    try:
        client = app.test_client()
        sign_in(client, app.extensions["site"])
        form = {
            "csrf_token": csrf_token(client, "/upload"),
            "file": (io.BytesIO(b"a,b\n" + b"1,2\n" * 400_000), "big.csv"),
            "schema_source": "infer",
            "title": "Big",
        }
        response = post_multipart(client, "/upload", form)
        assert response.status_code == 413
        assert "1 MB" in response.text
        assert client.get("/api/3/action/package_list").json["result"] == []
    finally:
        app.extensions["site"].close()


def test_api_errors_use_ckan_envelope(client):
    missing = client.get("/api/3/action/package_show?id=nope")
    assert missing.status_code == 404
    assert missing.json["success"] is False
    assert missing.json["error"]["__type"] == "Not Found Error"
    unknown = client.get("/api/3/action/no_such_action")
    assert unknown.status_code == 404
    bad = client.get("/api/3/action/package_search?rows=lots")
    assert (
        bad.status_code == 400 and "rows" in bad.json["error"]
    )  # CKAN's Validation Error, as a 400
    assert bad.json["error"]["__type"] == "Validation Error"
    assert client.get("/api/3/action/status_show").json["success"] is True


def test_pages_escape_and_404(client):
    response = client.get("/dataset/missing")
    assert response.status_code == 404
    assert "no dataset called" in response.text
    assert "<b>" not in client.get("/search?q=<b>x</b>").text


def test_missing_search_index_is_rebuilt_at_start_up(settings, runner):
    import shutil

    from catalog.app import create_app

    data = DATA / "valid/gdp/data/gdp.csv"
    assert (
        runner(
            "ingest", data, "--schema", DATA / "valid/gdp/datapackage.json", "--title", "GDP"
        ).exit_code
        == 0
    )
    shutil.rmtree(settings.resolved().index_dir)
    app = create_app(settings)
    try:
        found = app.test_client().get("/api/3/action/package_search?q=GDP").json["result"]
        assert found["count"] == 1
    finally:
        app.extensions["site"].close()


def test_api_tokens_are_made_and_revoked_on_a_page(client, site):
    assert client.get("/account/tokens").status_code == 302  # sign in first
    sign_in(client, site)
    made = client.post(
        "/account/tokens",
        data={"name": "my script", "csrf_token": csrf_token(client, "/account/tokens")},
    )
    assert made.status_code == 200 and "Copy it now" in made.text
    token = re.search(r'<code class="token">([^<]+)</code>', made.text).group(1)
    listed = client.get("/api/3/action/api_token_list", headers={"Authorization": token})
    assert [t["name"] for t in listed.json["result"]] == ["my script"]
    assert token not in client.get("/account/tokens").text  # shown once only
    token_id = listed.json["result"][0]["id"]
    forged = client.post(f"/account/tokens/{token_id}/revoke")  # no CSRF token
    assert forged.status_code in (302, 400)
    assert client.get("/api/3/action/api_token_list", headers={"Authorization": token}).json[
        "success"
    ]
    revoked = client.post(
        f"/account/tokens/{token_id}/revoke",
        data={"csrf_token": csrf_token(client, "/account/tokens")},
    )
    assert revoked.status_code == 302
    after = client.get("/api/3/action/api_token_list", headers={"Authorization": token})
    assert after.status_code == 403


def test_notes_are_markdown_rendered_safely(app, site):
    from catalog.datasets.publishing import DatasetMetadata

    notes = (
        "Spending by **ward**, see [the council](https://example.org/spend).\n\n"
        "<script>alert(1)</script> [click](javascript:alert(1)) ![x](https://evil.example/x.png)"
    )
    name = new_dataset(site, DatasetMetadata(title="Ward spending", description=notes), None)
    page = app.test_client().get(f"/dataset/{name}").text
    assert "<strong>ward</strong>" in page
    assert '<a rel="nofollow noopener" href="https://example.org/spend">the council</a>' in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert 'href="javascript:' not in page and "<img" not in page


def test_web_uploads_follow_organisation_roles(app, site):
    owner, other = app.test_client(), app.test_client()
    sign_in(owner, site, "owner")
    made = upload(owner, "valid/gdp/data/top-economies.csv", None, organisation="Parks Team")
    name = published(owner, site, made)
    sign_in(other, site, "other")
    into_org = upload(other, "valid/gdp/data/top-economies.csv", None, organisation="Parks Team")
    assert into_org.status_code == 403
    assert "Only editors of Parks Team may publish" in into_org.text
    new_version = upload(other, "valid/gdp/data/top-economies.csv", None, dataset=name)
    assert new_version.status_code == 403
    again = upload(owner, "valid/gdp/data/top-economies.csv", None, dataset=name)
    assert again.status_code == 303  # the creator of the organisation is its admin
    assert site.jobs.wait(again.headers["Location"].rsplit("/", 1)[-1], timeout=60)


def test_web_upload_takes_ckans_details_and_private(app, site):
    owner = app.test_client()
    sign_in(owner, site, "clerk")
    made = upload(
        owner,
        "valid/gdp/data/top-economies.csv",
        None,
        organisation="Town Clerk",
        version="2024 Q1",
        author="Finance team",
        private="y",
    )
    name = published(owner, site, made)
    page = owner.get(f"/dataset/{name}").text
    assert "version 2024 Q1" in page and "by Finance team" in page and "private" in page
    assert app.test_client().get(f"/dataset/{name}").status_code == 404
    assert f"/dataset/{name}" not in app.test_client().get("/search?q=economies").text


def test_a_private_dataset_is_in_no_public_list_feed_or_count(app, site):
    owner = app.test_client()
    sign_in(owner, site, "clerk")
    name = published(
        owner,
        site,
        upload(
            owner,
            "valid/gdp/data/top-economies.csv",
            None,
            title="Secret economies",
            organisation="Town Clerk",
            private="y",
        ),
    )
    visitor = app.test_client()
    assert "Secret economies" not in visitor.get("/").text
    assert "Secret economies" in owner.get("/").text
    assert "Secret economies" not in visitor.get("/catalog.jsonld").text
    assert visitor.get(f"/dataset/{name}.jsonld").status_code == 404
    api = "/api/3/action/"
    assert name not in visitor.get(f"{api}package_list").json["result"]
    assert visitor.get(f"{api}resource_show?id={name}-v1").status_code == 404
    assert visitor.get(f"{api}resource_show?id={name}").status_code == 404
    shown = visitor.get(f"{api}organization_show?id=town-clerk").json["result"]
    assert shown["package_count"] == 0


def test_organisations_in_other_alphabets_stay_apart(client, site):
    sign_in(client, site, "clerk")
    first = published(
        client,
        site,
        upload(client, "valid/gdp/data/gdp.csv", None, title="Α", organisation="Αθήνα"),
    )
    second = published(
        client,
        site,
        upload(
            client, "valid/gdp/data/gdp.csv", None, title="Π", organisation="Πάτρα", allow_copy="y"
        ),
    )
    one = client.get(f"/dataset/{first}.json").json["organisation"]
    two = client.get(f"/dataset/{second}.json").json["organisation"]
    assert (one["title"], two["title"]) == ("Αθήνα", "Πάτρα")
    assert one["name"] != two["name"]


def test_upload_problems_are_shown_beside_their_fields(client, site):
    sign_in(client, site)
    private = upload(client, "valid/gdp/data/gdp.csv", None, private="y")
    assert private.status_code == 400
    assert "A private dataset belongs to an organisation." in private.text
    long_version = upload(client, "valid/gdp/data/gdp.csv", None, version="v" * 101)
    assert long_version.status_code == 400
    assert "100 characters" in long_version.text


def test_an_api_body_that_is_not_a_json_object_is_named(client):
    answer = client.post("/api/3/action/package_search", json=[1, 2])
    assert answer.status_code == 400
    assert answer.json["error"]["body"] == ["Not a JSON object"]


def test_no_ready_schema_is_chosen_until_the_volunteer_chooses_one(client, site):
    sign_in(client, site)
    page = client.get("/upload").text
    ready = page.split('name="library_name">')[1].split("</select>")[0]
    assert ready.lstrip().startswith('<option value="">Choose a ready schema…</option>')
    assert "selected" not in ready
    sent = upload(client, "valid/gdp/data/gdp.csv", None, schema_source="library", library_name="")
    assert sent.status_code == 400
    assert "Choose a ready schema from the list, or pick another option." in sent.text
    assert 'name="title" type="text" value="A title"' in sent.text  # what was typed stays


def test_pages_say_how_browsers_must_treat_them(client, site):
    page = client.get("/")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert "no-store" not in page.headers.get("Cache-Control", "")
    sign_in(client, site)
    tokens = client.get("/account/tokens")
    assert tokens.status_code == 200 and tokens.headers["Cache-Control"] == "no-store"
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    api = client.get("/api/3/action/package_list")
    assert api.headers["X-Content-Type-Options"] == "nosniff"


def test_a_session_cookie_kept_from_before_sign_out_signs_nobody_in(client, site):
    sign_in(client, site)
    assert client.get("/account/tokens").status_code == 200
    kept = client.get_cookie("session").value  # a copy, as a thief would keep it
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/tokens")})
    client.set_cookie("session", kept)
    again = client.get("/account/tokens")
    assert again.status_code == 302 and "/login" in again.headers["Location"]
    sign_in_again = client.post(
        "/login",
        data={
            "username": "volunteer",
            "password": PASSWORD,
            "csrf_token": csrf_token(client, "/login"),
        },
    )
    assert sign_in_again.status_code == 302  # signing in afresh works
    assert client.get("/account/tokens").status_code == 200


def test_a_password_change_signs_out_every_session_of_the_account(client, site, runner):
    sign_in(client, site)
    kept = client.get_cookie("session").value  # a thief's copy
    new = "a brand new passphrase"
    changed = runner("user", "password", "volunteer", "--password-stdin", input=new + "\n")
    assert changed.exit_code == 0 and "browser sessions are signed out" in changed.output
    client.set_cookie("session", kept)
    again = client.get("/account/tokens")
    assert again.status_code == 302 and "/login" in again.headers["Location"]
    form = {"username": "volunteer", "csrf_token": csrf_token(client, "/login")}
    assert client.post("/login", data={**form, "password": PASSWORD}).status_code == 401
    assert client.post("/login", data={**form, "password": new}).status_code == 302
    assert client.get("/account/tokens").status_code == 200
    short = runner("user", "password", "volunteer", "--password-stdin", input="short\n")
    assert short.exit_code == 2 and "at least 10 characters" in short.output
    nobody = runner("user", "password", "nobody", "--password-stdin", input=new + "\n")
    assert nobody.exit_code != 0 and "no user called 'nobody'" in nobody.output


def test_wrong_passwords_are_limited_per_address_and_per_account(settings):
    import dataclasses

    app = create_app(
        dataclasses.replace(settings, sign_in_limit="3/minute", sign_in_account_limit="5/hour")
    )
    site = app.extensions["site"]
    try:
        with site.session() as session:
            create_user(session, "volunteer", PASSWORD)
            session.commit()

        def try_sign_in(password: str, address: str) -> Any:
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = address
            token = csrf_token(client, "/login")
            form = {"username": "volunteer", "password": password, "csrf_token": token}
            return client.post("/login", data=form)

        assert try_sign_in(PASSWORD, "10.0.0.1").status_code == 302
        for _ in range(3):
            assert try_sign_in("wrong password", "10.0.0.1").status_code == 401
        refused = try_sign_in(PASSWORD, "10.0.0.1")  # the right one waits too
        assert refused.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        assert "Too many wrong passwords. Try again in" in refused.text
        # Another address may still try, until the account's own limit is used up.
        assert try_sign_in(PASSWORD, "10.0.0.2").status_code == 302
        for address in ("10.0.0.2", "10.0.0.3"):
            assert try_sign_in("wrong password", address).status_code == 401
        assert try_sign_in(PASSWORD, "10.0.0.4").status_code == 429
    finally:
        site.close()


def test_sign_in_limits_are_shared_through_redis_by_several_processes():
    import uuid

    from catalog.accounts.sign_in_limits import SignInLimits

    url = "redis://127.0.0.1:6379"
    try:
        first = SignInLimits(url, "2/minute", "10/hour")
        # Keys of its own in the shared Redis, which keeps them past the test.
        name, address = f"someone-{uuid.uuid4().hex}", f"test-{uuid.uuid4().hex}"
        first.failed(address, name)
    except Exception as error:  # noqa: BLE001 (whatever the client says: no Redis here)
        pytest.skip(f"Redis is not answering at {url}: {error.__class__.__name__}")
    second = SignInLimits(url, "2/minute", "10/hour")  # another app process
    assert second.wait(address, name) is None
    second.failed(address, name)
    assert first.wait(address, name) is not None


def test_behind_a_proxy_cookies_are_secure_and_addresses_real(settings):
    import dataclasses

    app = create_app(dataclasses.replace(settings, secure_cookies=True, proxy_hops=1))
    site = app.extensions["site"]
    try:
        client = app.test_client()
        forwarded = {
            "X-Forwarded-For": "203.0.113.7",
            "X-Forwarded-Proto": "https",
            "Referer": "https://localhost/login",  # as a browser sends it, over https
        }
        https = {"base_url": "https://localhost", "headers": forwarded}
        shown = client.get("/login", **https)
        cookie = shown.headers.get("Set-Cookie", "")
        assert "Secure" in cookie and "HttpOnly" in cookie
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', shown.text)[1]
        sent = {"username": "nobody", "password": "wrong password", "csrf_token": token}
        answer = client.post("/login", data=sent, **https)
        assert answer.status_code == 401
        limits = app.extensions["sign_in_limits"]
        assert limits.wait("203.0.113.7", "nobody") is None  # one failure counted there
        for _ in range(9):
            limits.failed("203.0.113.7", "someone else")
        assert limits.wait("203.0.113.7", "anybody") is not None  # the proxy's client
        assert limits.wait("127.0.0.1", "anybody") is None  # not the proxy's own address
    finally:
        site.close()


# werkzeug drops the half-read file part of a cut-off body without closing its spooled file.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_upload_cut_off_before_its_end_says_so(client, site):
    sign_in(client, site)
    token = csrf_token(client, "/upload")
    head = (
        f'--XYZ\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
        "Content-Type: text/csv\r\n\r\na,b\n1,2\n"
    ).encode()
    kind = "multipart/form-data; boundary=XYZ"
    cut = client.post("/upload", data=head, content_type=kind)  # no closing boundary
    assert cut.status_code == 400
    assert "The upload arrived incomplete: its end is missing" in cut.text
    # A whole form without its token is still what it is: expired, or forged.
    whole = (
        b'--XYZ\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\nforged\r\n--XYZ--\r\n'
    )
    forged = client.post("/upload", data=whole, content_type=kind)
    assert forged.status_code == 400 and "The form had expired" in forged.text
    gc.collect()  # the dropped spooled file is collected here, where its warning is ignored
