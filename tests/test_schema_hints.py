"""The upload page's hint before the file is sent: the ready schemas the first 64 kB of a
file look like (ingest.schema_hints), and the endpoint the page's script asks
(POST /upload/schema-hint.json), on the real files of tests/data."""

from __future__ import annotations

import codecs
import io
from pathlib import Path
from typing import Any

import pytest

from ingest.schema_hints import HEAD_BYTES, hint_schemas, whole_lines
from ingest.suggest import suggest_for_file
from tests.conftest import DATA
from tests.factories import spend_workbook
from tests.test_web import csrf_token, sign_in

SPEND = sorted((DATA / "invalid").glob("uk-*/*.csv")) + [
    DATA / "derived/uk-rpa-spend-feb-2011-cp850/rpa-over-25k-1102-cp850.csv",
    DATA / "made/uk-spend-swapped-amount-description.csv",
]
CLEAN = [
    DATA / "valid/gdp/data/gdp.csv",
    DATA / "valid/uk-house-prices-nationwide/data/data.csv",
    DATA / "valid/uk-public-bodies/data/gb.csv",
    DATA / "valid/uk-local-authorities/uk_local_authorities_future.csv",
    DATA / "valid/s-and-p-500-companies/data/constituents.csv",
    DATA / "made/personal-data.csv",
]
HINT = "/upload/schema-hint.json"


def head_of(path: Path) -> bytes:
    """What the page's script sends: the first 64 kB of the file."""
    with path.open("rb") as handle:
        return handle.read(HEAD_BYTES)


# The function, without Flask --------------------------------------------------------------


@pytest.mark.parametrize("path", SPEND, ids=lambda p: p.name)
def test_each_spend_file_is_hinted_the_spend_schema_as_the_review_page_would_say(path: Path):
    (hint,) = hint_schemas(head_of(path))
    assert hint.entry_name == "uk-spend-over-25k"
    assert hint.total == 15
    # The same words the review page shows once the whole file is uploaded.
    assert f"Your file {hint.summary}. To check it" in " ".join(suggest_for_file(path).notes)


def test_title_lines_above_the_header_are_skipped():
    gla = DATA / "invalid/uk-gla-payments-dec-2009/gla-december_2009.csv"
    assert gla.read_bytes().startswith(b",,\r\nReport of All Payments")
    (hint,) = hint_schemas(head_of(gla))
    assert (hint.matched, hint.required_missing[:2]) == (3, ["Department family", "Entity"])


def test_a_file_cut_at_64_kb_is_read_up_to_its_last_whole_line():
    bbsrc = DATA / "invalid/uk-spend-bbsrc-nov-2010/1011-bbsrc-25k-spend-return.csv"
    assert bbsrc.stat().st_size > HEAD_BYTES
    (hint,) = hint_schemas(bbsrc.read_bytes())  # more than 64 kB given: only 64 kB read
    assert hint.summary.endswith("9 of 15 columns match")
    assert whole_lines(b"a,b\r\n1,2\r\n3,") == b"a,b\r\n1,2\r\n"
    assert whole_lines(b"a,b\rc,d") == b"a,b\r"  # old Mac line ends
    assert whole_lines(b"a,b") == b"a,b"  # one line: all of it
    pound = "Amount £,Date\n1,2\n£3".encode()
    assert whole_lines(pound[:-1]).decode() == "Amount £,Date\n1,2\n"  # a £ cut in two
    text = "Supplier,Amount £\r\n£1,2\r\nx"
    for codec in ("utf-16", "utf_16_le", "utf_16_be"):
        cut = whole_lines(text.encode(codec)[:-1])
        assert codecs.decode(cut, codec) == "Supplier,Amount £\r\n£1,2\r\n", codec


@pytest.mark.parametrize("path", CLEAN, ids=lambda p: p.name)
def test_a_clean_file_about_something_else_gets_no_hint(path: Path):
    assert hint_schemas(head_of(path)) == []


def test_a_workbook_and_an_empty_file_say_nothing(tmp_path: Path):
    book = spend_workbook(tmp_path / "spend.xlsx")  # holds the spend file, on a sheet
    assert hint_schemas(book.read_bytes()[:HEAD_BYTES]) == []
    assert hint_schemas((DATA / "workbooks/xlrd-samples/profiles.xls").read_bytes()) == []
    assert hint_schemas(b"") == []
    assert hint_schemas(b"\r\n,,,\r\n") == []


def test_a_header_of_thousands_of_columns_is_no_hint():
    wide = ",".join(f"Supplier {i}" for i in range(6000)).encode()[:HEAD_BYTES]
    assert hint_schemas(wide) == []


# The endpoint -----------------------------------------------------------------------------


def ask(client: Any, body: bytes, token: str | None, **more: Any) -> Any:
    headers = {"X-CSRFToken": token} if token else {}
    return client.post(
        HINT, data=body, content_type="application/octet-stream", headers=headers, **more
    )


@pytest.fixture
def token(client: Any, site: Any) -> str:
    """A signed-in volunteer's CSRF token, from the upload page."""
    sign_in(client, site)
    return csrf_token(client, "/upload")


def test_the_upload_page_has_the_hint_beside_the_schema_choice(client: Any, token: str):
    page = client.get("/upload").text
    assert 'id="schema-hint" class="schema-hint" role="status" aria-live="polite"' in page
    assert f'data-hint-url="{HINT}"' in page
    assert "schema_hint.js" in page
    # "Work it out from the file" stays the default.
    assert 'checked id="schema_source-2" name="schema_source" type="radio" value="infer"' in page


@pytest.mark.parametrize(
    "path",
    [SPEND[0], DATA / "invalid/uk-gla-payments-dec-2009/gla-december_2009.csv"],
    ids=lambda p: p.name,
)
def test_a_spend_file_is_answered_with_the_spend_schema(client: Any, token: str, path: Path):
    response = ask(client, head_of(path), token)
    assert response.status_code == 200
    (hint,) = response.json["suggestions"]
    (expected,) = hint_schemas(head_of(path))
    assert hint == {
        "name": "uk-spend-over-25k",
        "title": "UK central government spend over £25,000",
        "matched": expected.matched,
        "total": 15,
        "fit": expected.fit,
        "missingRequired": expected.required_missing,
        "message": f"This file {expected.summary}.",
    }
    assert hint["message"].startswith(
        "This file looks like UK central government spend over £25,000: "
    )


def test_a_clean_file_about_something_else_is_answered_with_nothing(client: Any, token: str):
    response = ask(client, head_of(DATA / "valid/gdp/data/gdp.csv"), token)
    assert (response.status_code, response.json) == (200, {"suggestions": []})


def test_a_body_over_64_kb_is_refused_before_it_is_read(client: Any, token: str):
    spend = head_of(SPEND[0])
    response = ask(client, spend + b"x" * HEAD_BYTES, token)
    assert response.status_code == 413
    assert response.json["error"]["message"] == (
        "Send only the start of the file: at most its first 64 kB (65,536 bytes)."
    )
    assert ask(client, b"x" * HEAD_BYTES, token).status_code == 200  # 64 kB is fine
    # Sent in chunks, with no length to check first: read up to the cap, then refused.
    chunked = client.post(
        HINT,
        input_stream=io.BytesIO(b"Supplier,Amount\n" * 5000),
        content_type="application/octet-stream",
        headers={"X-CSRFToken": token, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert chunked.status_code == 413


def test_the_form_token_is_required(client: Any, token: str):
    spend = head_of(SPEND[0])
    for sent in (None, "not-the-token"):
        response = ask(client, spend, sent)
        assert response.status_code == 400
        assert response.json["error"]["message"].startswith("The form had expired")


def test_a_visitor_who_is_not_signed_in_is_refused(client: Any):
    token = csrf_token(client, "/login")
    response = ask(client, head_of(SPEND[0]), token)
    assert response.status_code == 403
    assert response.json["error"]["message"] == "Sign in first: this needs an account."
