"""Every page fits a phone (issue 15, point 5), in a real browser: a site with real data in it
(a published dataset with two versions, an upload waiting for a fix with its report, an
organisation, FOI requests, a public body, API tokens), every HTML page of the app's URL
map visited as the person who would see it, at 1280 px and 390 px. axe-core finds no
violation (none of any impact, as check_page, so none serious or critical); at 390 px
no page is wider than the screen, every data table scrolls in a labelled box of its own
that the keyboard can reach, a report's "How to fix it" is on the screen without
scrolling sideways, and search shows its first result before the filters.

The pages come from `app.url_map`: a GET rule that is neither visited (VISITS) nor named
as not a page (NOT_PAGES, NOT_PAGE_ENDINGS) fails the test, so a page added later is
checked as soon as it is given who visits it. As the other browser tests, it runs once, on
SQLite: what the pages read from each database is tested on both by tests/test_web.py and
the rest; this one tests how the pages look.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from catalog.accounts.one_time_links import create_invitations, create_reset_link
from catalog.accounts.sign_up import set_event_code
from catalog.accounts.tokens import create_token
from catalog.accounts.users import create_user
from catalog.datasets.editing import delete_dataset
from catalog.datasets.publishing import DatasetMetadata
from catalog.foi.deadlines import uk_today
from catalog.viewer import Viewer
from tests.browser_support import browser_page, database_url, live_server, shots  # noqa: F401
from tests.conftest import DATA
from tests.factories import new_dataset
from tests.test_requests import draft, make_authority, record
from tests.test_web import PASSWORD, csrf_token, finished, post_multipart, reviewed, upload

pytestmark = pytest.mark.browser
ANONYMOUS, VOLUNTEER, ADMIN = "", "priya", "organiser"
ORGANISATION = "Birmingham Open Data volunteers"
WRONG_TYPES = "invalid/uk-spend-bis-wrong-types/invalid-on-bis-modified-schema.csv"
WRONG_SCHEMA = "invalid/uk-spend-bis-wrong-types/bis-modified.json"
LONG_DESCRIPTION = (
    "Gross domestic product by country and year, from "
    "https://data.worldbank.org/indicator/NY.GDP.MKTP.CD?locations=1W&most_recent_year_desc=true"
    "&view=chart&an_unbroken_query_string_that_goes_on_and_on, with "
    "Supercalifragilisticexpialidocious_column_names_that_never_break."
)

# GET rules that answer no HTML page, and why (a rule ending in NOT_PAGE_ENDINGS needs no
# entry: it is a file, a JSON twin or a feed by its name).
NOT_PAGES = {
    "/static/<path:filename>": "the style sheet and scripts",
    "/api/3/action/<name>": "the CKAN Action API: JSON",
    "/api/action/<name>": "the CKAN Action API: JSON",
    "/dataset/<name>/v<id:number>/data.<fmt>": "a table's download, in each format",
    "/dataset/<name>/v<id:number>/original": "the file as it was uploaded",
    "/datastore/dump/<resource_id>": "CKAN's download of a table as CSV",
    "/dataset/<name>/v<id:number>/citation.<fmt>": "a version's citation as BibTeX or RIS",
}
NOT_PAGE_ENDINGS = (".json", ".jsonld", ".zip", ".csv", ".ics", ".eml", ".txt")


def sql_visits(table: str) -> list[tuple[str, dict[str, Any]]]:
    """The SQL page, empty and with an answer (its errors, a 400: test_browser_sql.py)."""
    grouped = f'SELECT "Country Name", max("Value") AS top FROM "{table}" GROUP BY 1'  # noqa: S608
    return [(ANONYMOUS, {}), (ANONYMOUS, {"q": grouped})]


def visits(facts: dict[str, Any]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Who visits each page, with the arguments its rule needs beyond `arguments()`'s (a
    page may be visited more than once: each state that looks different)."""
    return {
        "/": [(ANONYMOUS, {}), (VOLUNTEER, {})],
        "/search": [
            (ANONYMOUS, {"q": "gdp"}),
            (ANONYMOUS, {}),
            (ANONYMOUS, {"q": "bus punctuality"}),  # nothing found: ask for it
        ],
        "/schemas": [(ANONYMOUS, {})],
        "/sql": sql_visits(facts["dataset"]),
        "/dataset/<name>": [
            (ANONYMOUS, {}),
            (VOLUNTEER, {"name": facts["empty"]}),
            # a view: its downloads, its address and the columns chosen
            (
                ANONYMOUS,
                {
                    "field": "Year",
                    "op": "ge",
                    "value": "2,010",
                    "sort": "-Value",
                    "columns": ["Country Name", "Year", "Value"],
                },
            ),
            # "is" found nothing that "is, ignoring case" finds
            (ANONYMOUS, {"field": "Country Name", "op": "eq", "value": "afghanistan"}),
        ],
        "/organisation/<name>": [(ANONYMOUS, {})],
        "/login": [(ANONYMOUS, {})],
        "/upload": [(VOLUNTEER, {})],
        "/uploads/<job_id>": [
            (VOLUNTEER, {}),  # the report of the upload waiting for a fix
            (VOLUNTEER, {"job_id": facts["review_job"]}),  # the columns before publishing
            (VOLUNTEER, {"job_id": facts["published_job"]}),
            (VOLUNTEER, {"job_id": facts["questions_job"]}),  # its fixes, answered
        ],
        "/account/datasets": [(VOLUNTEER, {})],
        "/account/uploads": [(VOLUNTEER, {})],
        "/account/password": [(VOLUNTEER, {})],
        "/account/tokens": [(VOLUNTEER, {})],
        "/requests": [(ANONYMOUS, {})],
        "/requests/new": [(ANONYMOUS, {}), (VOLUNTEER, {"q": "bus punctuality"})],
        "/requests/wanted": [(ANONYMOUS, {}), (ADMIN, {})],
        "/request/<id:request_id>": [
            (ANONYMOUS, {}),  # sent, so public
            (VOLUNTEER, {"request_id": facts["draft_request"]}),  # a draft: its letter
        ],
        "/authorities": [(ANONYMOUS, {})],
        "/authority/<slug>": [(ANONYMOUS, {})],
        "/authorities/new": [(ADMIN, {})],
        "/authority/<slug>/edit": [(ADMIN, {})],
        "/account/profile": [(VOLUNTEER, {})],
        "/register": [(ANONYMOUS, {})],
        "/register/<token>": [(ANONYMOUS, {})],
        "/reset/<token>": [(ANONYMOUS, {"token": facts["reset"]})],
        "/dataset/<name>/edit": [(VOLUNTEER, {})],
        "/dataset/<name>/delete": [(VOLUNTEER, {})],
        "/organisation/<name>/members": [(VOLUNTEER, {})],  # its maker, so its admin
        "/organisation/<name>/deleted": [(VOLUNTEER, {})],
        "/admin/users": [(ADMIN, {})],
        "/admin/invitations": [(ADMIN, {})],
        "/admin/sign-up": [(ADMIN, {})],
        "/admin/sign-up/screen": [(ADMIN, {})],
        "/admin/deleted": [(ADMIN, {})],
        "/admin": [(ADMIN, {})],
        "/admin/board": [(ADMIN, {})],  # today's uploads: published, needing a fix
        "/admin/organisations": [(ADMIN, {})],
    }


def arguments(rule: str, facts: dict[str, Any]) -> dict[str, Any]:
    """The usual value of each of a rule's arguments, from the site built."""
    organisation = rule.startswith("/organisation")
    return {
        "name": facts["organisation"] if organisation else facts["dataset"],
        "number": 1,
        "job_id": facts["rejected_job"],
        "request_id": facts["sent_request"],
        "slug": facts["authority"],
        "resource_id": facts["dataset"],
        "miss_id": 1,
        "user_id": facts["volunteer_id"],
        "username": VOLUNTEER,
        "token": facts["invitation"],
    }


def build_site(app: Any, site: Any) -> dict[str, Any]:
    """The volunteer's work made through the site's own pages (as a browser would send it)
    and functions; what the pages need to be found."""
    with site.session() as session:
        volunteer = create_user(session, VOLUNTEER, PASSWORD)
        admin = create_user(session, ADMIN, PASSWORD, is_admin=True)
        forgot = create_user(session, "sam", PASSWORD)
        create_token(session, volunteer.id, "my laptop's ckanapi")
        set_event_code(session, "BRUM-2026")
        (invitation,) = create_invitations(session, admin.id, ["Ade Okafor"])
        reset = create_reset_link(session, admin.id, forgot.id)
        volunteer_id = volunteer.id
        session.commit()
    client = app.test_client()
    login = {
        "username": VOLUNTEER,
        "password": PASSWORD,
        "csrf_token": csrf_token(client, "/login"),
    }
    assert client.post("/login", data=login).status_code == 302
    gdp = "valid/gdp/data/gdp.csv"
    fields = {"organisation": ORGANISATION, "tags": "economy, world bank"}
    sent = upload(client, gdp, None, title="GDP by country", description=LONG_DESCRIPTION, **fields)
    published = reviewed(client, site, finished(client, site, sent))
    assert "Published version 1" in published.text, published.text
    first = client.get("/account/uploads.json").json["uploads"][0]
    dataset = first["dataset_name"]
    second = post_multipart(
        client,
        "/upload",
        {
            "csrf_token": csrf_token(client, "/upload"),
            "file": (io.BytesIO((DATA / gdp).read_bytes()[:40_000]), "gdp-2024.csv"),
            "schema_source": "infer",
            "dataset": dataset,
        },
    )
    assert "Published version 2" in reviewed(client, site, finished(client, site, second)).text
    review = upload(client, gdp, None, title="GDP again", show_columns="y", allow_copy="y")
    review_job = review.headers["Location"].rsplit("/", 1)[-1]
    assert "before publishing" in finished(client, site, review).text
    rejected = upload(client, WRONG_TYPES, WRONG_SCHEMA, title="Spend over £25,000", **fields)
    report = reviewed(client, site, finished(client, site, rejected))  # the fixes offered
    assert "was not published" in report.text, report.text
    rejected_job = client.get("/account/uploads.json").json["uploads"][0]["id"]
    empty = new_dataset(site, DatasetMetadata(title="Bus stops, to come"), volunteer_id)
    mistake = DatasetMetadata(title="Uploaded by mistake", organisation=ORGANISATION)
    with site.session() as session:  # a deleted dataset, for the lists of deleted ones
        gone = new_dataset(site, mistake, volunteer_id)
        delete_dataset(site, session, Viewer.system(), gone)
        session.commit()

    authority = make_authority(site, "Birmingham City Council")
    request_draft = draft(client, "Pothole repairs by ward", "Birmingham City Council")
    sent_request = draft(client, "Library opening hours", "Birmingham City Council")
    record(client, sent_request, "sent", uk_today())
    for searcher in (app.test_client(), app.test_client()):  # a most wanted search
        searcher.get("/search?q=bus+punctuality")
    return {
        "dataset": dataset,
        "empty": empty,
        "organisation": dataset_org(client, dataset),
        "published_job": first["id"],
        "review_job": review_job,
        "rejected_job": rejected_job,
        "questions_job": rejected.headers["Location"].rsplit("/", 1)[-1],
        "draft_request": request_draft,
        "sent_request": sent_request,
        "authority": authority,
        "volunteer_id": volunteer_id,
        "invitation": invitation.token,
        "reset": reset.token,
    }


def dataset_org(client: Any, dataset: str) -> str:
    return str(client.get(f"/dataset/{dataset}.json").json["organisation"]["name"])


def planned(app: Any, facts: dict[str, Any]) -> list[tuple[str, str]]:
    """(who, URL) for every HTML GET rule of the URL map; fails on a rule nobody visits."""
    table = visits(facts)
    adapter = app.url_map.bind("localhost")
    unvisited, done = [], []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.rule in NOT_PAGES:
            continue
        if rule.rule.endswith(NOT_PAGE_ENDINGS):
            continue
        if rule.rule not in table:
            unvisited.append(rule.rule)
            continue
        for who, extra in table.pop(rule.rule):
            values = {k: v for k, v in arguments(rule.rule, facts).items() if k in rule.arguments}
            values.update(extra)
            url = adapter.build(rule.endpoint, values)
            matched, _ = adapter.match(url.split("?")[0], return_rule=True)
            assert matched.rule == rule.rule, f"{url} is not {rule.rule}"
            done.append((who, url))
    assert not unvisited, (
        f"HTML pages nobody visits here: {unvisited}; add each to visits() with who sees "
        "it, or to NOT_PAGES with why it is not a page"
    )
    assert not table, f"visits() names rules the app does not have: {sorted(table)}"
    return done


def test_a_page_nobody_visits_fails_the_check(app: Any) -> None:
    """The URL map is the list of pages: one added without saying who visits it is named."""
    facts = {
        "dataset": "gdp", "empty": "bus-stops", "organisation": "open-town",
        "published_job": "a" * 32, "review_job": "b" * 32, "rejected_job": "c" * 32,
        "questions_job": "d" * 32, "draft_request": 1, "sent_request": 2,
        "authority": "leeds-city-council", "volunteer_id": 1, "invitation": "e", "reset": "f",
    }  # fmt: skip
    assert len(planned(app, facts)) > len(visits(facts))
    app.add_url_rule("/organisation/<name>/board", "board", lambda name: name)
    app.add_url_rule("/dataset/<name>/move", "move", lambda name: name, methods=["GET", "POST"])
    app.add_url_rule("/day.csv", "export", lambda: "")  # a file, by its name
    with pytest.raises(AssertionError) as failed:
        planned(app, facts)
    assert "['/organisation/<name>/board', '/dataset/<name>/move']" in str(failed.value)


# What a data table and the report need at 390 px, checked in the page.
TABLES_IN_BOXES = """() => [...document.querySelectorAll('main table')].flatMap((table) => {
  const box = table.closest('[role=region]');
  const where = table.querySelector('th') ? table.querySelector('th').textContent.trim() : '';
  if (!box) return [`a table (${where}) is in no role=region scroll box`];
  const problems = [];
  if (!box.getAttribute('aria-label') && !box.getAttribute('aria-labelledby'))
    problems.push(`the box of a table (${where}) has no label`);
  if (box.tabIndex !== 0) problems.push(`the box of a table (${where}) cannot be focused`);
  if (!['auto', 'scroll'].includes(getComputedStyle(box).overflowX))
    problems.push(`the box of a table (${where}) does not scroll sideways`);
  if (box.getBoundingClientRect().right > innerWidth + 0.5)
    problems.push(`the box of a table (${where}) is wider than the screen`);
  return problems;
})"""
FIX_ON_SCREEN = """() => [...document.querySelectorAll('.problem-group p')]
  .filter((p) => p.textContent.includes('How to fix it'))
  .map((p) => p.getBoundingClientRect())
  .filter((box) => box.left < 0 || box.right > innerWidth)
  .map((box) => `'How to fix it' runs from ${box.left} to ${box.right}px of ${innerWidth}px`)"""


AXE = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target)}`)"""


def check_both_widths(page: Any, shots: Path | None, name: str) -> list[str]:
    """What is wrong with the page at 390 px and at 1280 px (as check_page, in one pass
    with the phone's own checks, axe-core asked for its violations alone: quicker)."""
    problems: list[str] = []
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        problems += [f"{width}px {violation}" for violation in page.evaluate(AXE)]
        if width == 390:
            wide = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
            if wide[0] > wide[1]:
                problems.append(f"390px: the page is {wide[0]}px wide")
            problems += page.evaluate(TABLES_IN_BOXES) + page.evaluate(FIX_ON_SCREEN)
        if shots is not None:
            page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    problems += [f"the Content-Security-Policy refused: {text}" for text in page.refused]
    page.refused.clear()
    page.set_viewport_size({"width": 390, "height": 900})
    return [f"{page.url}: {problem}" for problem in problems]


def sign_in_as(page: Any, server: Any, who: str) -> None:
    if page.get_by_role("button", name="Sign out").count():
        page.get_by_role("button", name="Sign out").first.click()
        page.get_by_role("link", name="Sign in", exact=True).first.wait_for()
    if who:
        page.goto(f"{server.url}/login")
        page.get_by_label("User name", exact=True).fill(who)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.get_by_role("button", name=f"Sign out {who}").wait_for()


@pytest.fixture
def app_and_page(app: Any) -> Any:
    for server in live_server(app):
        for page in browser_page():
            yield server, page


def test_every_page_fits_a_phone_and_passes_axe(
    app: Any, site: Any, app_and_page: Any, shots: Path | None
) -> None:
    server, page = app_and_page
    facts = build_site(app, site)
    plan = planned(app, facts)
    problems: list[str] = []
    seen: dict[str, int] = {}
    page.set_viewport_size({"width": 390, "height": 900})  # pages open on a phone
    for who in (ANONYMOUS, VOLUNTEER, ADMIN):
        page.goto(f"{server.url}/")
        sign_in_as(page, server, who)
        for _, url in [(w, u) for w, u in plan if w == who]:
            answer = page.goto(f"{server.url}{url}")
            name = slug(who, url, seen)
            if answer is None or answer.status != 200 or page.url != f"{server.url}{url}":
                problems.append(
                    f"{url} as {who or 'a visitor'}: {answer and answer.status} at {page.url}"
                )
                continue
            problems += check_both_widths(page, shots, name)
    problems += search_on_a_phone(page, server)
    # And the page every mistaken address gets.
    page.goto(f"{server.url}/dataset/no-such-dataset")
    problems += check_both_widths(page, shots, "not-found")
    page.goto(f"{server.url}/uploads/{facts['rejected_job']}")
    if page.get_by_text("How to fix it:").count() < 2:  # so FIX_ON_SCREEN had some to check
        problems.append("the report of the rejected upload shows no 'How to fix it'")
    assert not problems, "\n".join(problems)


FIRST_RESULT = """() => {
  const panel = document.getElementById('filters'), card = document.querySelector('.card');
  return [panel.open, card.getBoundingClientRect().top, panel.getBoundingClientRect().top];
}"""


def search_on_a_phone(page: Any, server: Any) -> list[str]:
    """Search opened on a phone: the first result on the first screen, above the filters,
    which are folded (with JavaScript) or open after the results (without)."""
    problems = []
    for script in (True, False):
        context = page.context.browser.new_context(
            viewport={"width": 390, "height": 800}, java_script_enabled=script
        )
        phone = context.new_page()
        phone.goto(f"{server.url}/search?q=gdp")
        is_open, result, filters = phone.evaluate(FIRST_RESULT)
        how = "with" if script else "without"
        if is_open == script:
            problems.append(
                f"search {how} JavaScript: the filters are {'not ' * (not is_open)}open"
            )
        if not result < min(filters, 800):
            problems.append(f"search {how} JavaScript: the first result is at {result}px")
        context.close()
    return problems


def slug(who: str, url: str, seen: dict[str, int]) -> str:
    import re

    url = re.sub(r"[0-9a-f]{32}", "job", url)
    name = (who or "visitor") + re.sub(r"[^\w]+", "-", url).rstrip("-")
    seen[name] = seen.get(name, 0) + 1
    return name if seen[name] == 1 else f"{name}-{seen[name]}"
