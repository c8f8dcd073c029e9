"""Issue 14, point 3: a private dataset's words, a deleted one's and an FOI draft's reach no
one who may not see them, on any read path. As an anonymous visitor and as an outsider
(signed in, a member of another organisation; a browser session for the pages, an API
token for the API), the sweep asks for every GET route of the app (the url_map, its
arguments filled with the public, private and deleted datasets' names, versions, formats,
resource ids, the draft and a sent request, the upload job), every API action (the
writes too, aimed at what they may not see), and search (pages, JSON, package_search with
facets, the ask form) for each secret word, a misspelling and a start of it, so that "did
you mean" and prefix matches are tried. No answer's body (a zip's files included) or
headers holds a secret word, and every count is the count of what the viewer may see.

The site is tests/private_site.py. Queries are sent in capitals and every secret word in
capitals is struck out of an answer before it is read: an echo of what was asked is not a
leak, while the catalogue's own words are lower case. The member, who may see it all, finds
every secret word on a few of the same paths, so the words are where the sweep looks.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import zipfile
from typing import Any

from catalog.api.registry import ACTIONS
from datastore import FORMATS
from tests.private_site import (
    DELETED,
    PRIVATE,
    PUBLIC,
    SEARCHED_PLACES,
    SECRETS,
    Hidden,
    make_hidden,
)

API = "/api/3/action"
DATASETS = ("public-one", "private-one", "deleted-one")
ORGANISATIONS = {"openshire": 1, "hidden-council": 0, "elsewhere": 0}  # datasets seen
FACETS = json.dumps(["organization", "tags", "license_id"])
FOUND_BY = ("", "ZETA", "ZETAPUB", "FIGURES")  # queries that find the public dataset
# API actions that change things, and what they are tried with: each aimed at what the
# viewer may not see, so must be refused without a word of it. (The ones that only make
# something new of the caller's own are not tried: ().)
WRITES: dict[str, Any] = {
    "package_patch": lambda h: [{"id": n, "notes": "x"} for n in DATASETS[1:]],
    "package_update": lambda h: [{"id": n, "title": "x"} for n in DATASETS[1:]],
    "package_delete": lambda h: [{"id": n} for n in DATASETS[1:]],
    "resource_create": lambda h: [{"package_id": n} for n in DATASETS[1:]],
    "organization_member_create": lambda h: [
        {"id": "hidden-council", "username": "outsider", "role": "admin"}
    ],
    "organization_member_delete": lambda h: [{"id": "hidden-council", "username": "member"}],
    "foi_request_update": lambda h: [{"id": h.draft_id, "letter": "x"}],
    "package_create": lambda h: (),
    "organization_create": lambda h: (),
    "foi_request_create": lambda h: (),
    "api_token_create": lambda h: (),
    "api_token_revoke": lambda h: (),
}


# SQL that would list or read every table if it could (issue 16: the SQL page and API).
SQL_PROBES = (
    "SELECT * FROM information_schema.columns",
    "SELECT * FROM duckdb_views()",
    "SELECT * FROM duckdb_columns()",
    'SELECT * FROM "private-on"',  # a "did you mean" would name it
    'SELECT "ZETAPRIVCOL" FROM "public-one"',  # echoed in capitals only
    "SHOW ALL TABLES",
)


def secret_words(response: Any) -> list[str]:
    """The secret words in an answer's headers and body (and in a zip's files)."""
    body = response.get_data()
    parts = [body, str(response.headers).encode()]
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            parts += [archive.read(member) for member in archive.namelist()]
    text = b"\n".join(parts).decode("utf-8", "replace")
    for word in SECRETS:
        text = text.replace(word.upper(), "")  # the question's own words, echoed
    text = text.lower()
    return [word for word in SECRETS if word in text]


class Sweep:
    """One viewer's requests: each answer read for secret words, every leak kept."""

    def __init__(self, client: Any, token: str | None) -> None:
        self.client = client
        self.token = {"Authorization": token} if token else {}
        self.leaks: list[tuple[str, Any, list[str]]] = []
        self.requests = 0

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        headers = self.token if path.startswith("/api/") else {}
        return self._read(path, params, self.client.get(path, query_string=params, headers=headers))

    def post(self, path: str, params: dict[str, Any]) -> Any:
        return self._read(path, params, self.client.post(path, json=params, headers=self.token))

    def api(self, action: str, params: dict[str, Any] | None = None) -> Any:
        answer = self.get(f"{API}/{action}", params)
        assert answer.status_code == 200, (action, params, answer.text[:300])
        return answer.json["result"]

    def _read(self, path: str, params: Any, response: Any) -> Any:
        with response:
            self.requests += 1
            assert response.status_code < 500, (path, params, response.text[:300])
            found = secret_words(response)
            if found:
                self.leaks.append((path, params, found))
        return response


def fill(rule: Any, h: Hidden) -> list[tuple[str, bool]]:
    """A route's paths, each with whether it names something the viewer may not see."""
    names = list(ORGANISATIONS) if rule.rule.startswith("/organisation/") else list(DATASETS)
    values: dict[str, list[str]] = {
        "name": names,
        "number": ["1", "2"],
        "fmt": list(FORMATS),
        "resource_id": [f"{n}{v}" for n in DATASETS for v in ("", "-v1", "-v2")],
        "request_id": [str(h.draft_id), str(h.sent_id)],
        "slug": [h.authority],
        "job_id": [h.job_id],
        "token": ["no-such-link"],  # invitation and reset links: a wrong one shows nothing
    }
    missing = set(rule.arguments) - set(values)
    assert not missing, f"{rule.rule}: give the sweep values for {missing}"
    hidden = ("private-one", "deleted-one", f"/request/{h.draft_id}", "/uploads/")
    paths = []
    arguments = sorted(rule.arguments)
    for combination in itertools.product(*(values[a] for a in arguments)):
        if {"deleted-one", "2"} <= set(combination):
            continue  # it has one version; version 2 of the others is tried
        path = rule.rule
        for argument, value in zip(arguments, combination, strict=True):
            path = re.sub(rf"<(?:\w+:)?{argument}>", value, path)
        paths.append((path, any(word in path for word in hidden)))
    return paths


def signing_in(answer: Any) -> bool:
    return answer.status_code == 302 and "/login" in answer.headers["Location"]


def sweep_routes(app: Any, sweep: Sweep, h: Hidden) -> None:
    """Every GET route of the app; those naming what the viewer may not see are 403 or 404
    (or the sign-in page, to a visitor)."""
    rules = [r for r in app.url_map.iter_rules() if "GET" in (r.methods or ())]
    for rule in sorted(rules, key=lambda r: r.rule):
        if rule.endpoint == "static" or rule.rule.startswith("/api/"):
            continue  # the API is swept action by action
        for path, names_hidden in fill(rule, h):
            answer = sweep.get(path)
            if names_hidden and not signing_in(answer):
                assert answer.status_code in (403, 404), (path, answer.status_code)
    extras: list[tuple[str, dict[str, Any]]] = [
        ("/dataset/public-one", {"q": "ZETAPRIVCELL"}),
        ("/dataset/public-one.json", {"version": "2"}),
        ("/upload", {"dataset": "private-one"}),
        ("/upload", {"again": h.job_id}),
        ("/upload", {"request": str(h.draft_id)}),
        ("/upload", {"request": str(h.sent_id)}),
        ("/requests", {"state": "draft"}),
        ("/requests.json", {"state": "draft", "authority": h.authority}),
        ("/requests/new", {"q": "ZETAPRIVTITLE", "tags": "ZETAPRIVTAG"}),
        ("/requests/new", {"q": "zetapriv"}),
        ("/authorities.json", {"q": "zeta"}),
        ("/catalog.jsonld", {"page": "2"}),
        *(("/sql", {"q": q}) for q in SQL_PROBES),
        ("/sql", {"q": 'SELECT * FROM "private-one"'}),
        ("/sql.csv", {"q": 'SELECT * FROM "private-one-v2"'}),
        ("/no/such/page", {}),
    ]
    for path, params in extras:
        sweep.get(path, params)


def check_counts(sweep: Sweep, h: Hidden) -> None:
    """Every count is of what the viewer may see: one dataset, its two rows, its tag."""
    home = re.search(
        r"([\d,]+) datasets? from (\d+) organisations?, ([\d,]+) rows", sweep.get("/").text
    )
    assert home and home.groups() == ("1", "3", "2"), home
    catalogue = sweep.get("/catalog.jsonld").json
    assert [n["hydra:totalItems"] for n in catalogue["@graph"] if "hydra:totalItems" in n] == [1]
    for name, count in ORGANISATIONS.items():
        page = sweep.get(f"/organisation/{name}.json").json
        assert (page["total"], len(page["datasets"])) == (count, count), name
        shown = sweep.api("organization_show", {"id": name, "include_datasets": "true"})
        assert shown["package_count"] == count, name
    listed = sweep.api("organization_list", {"all_fields": "true"})
    assert {o["name"]: o["package_count"] for o in listed} == ORGANISATIONS
    assert sweep.api("package_list") == ["public-one"]
    assert [p["name"] for p in sweep.api("current_package_list_with_resources")] == ["public-one"]
    assert sweep.api("tag_list") == [PUBLIC["tag"]]
    assert sweep.get("/requests.json").json["total"] == 1  # the sent one; the draft is not
    assert sweep.api("foi_request_list")["total"] == 1


def check_search(total: int, results: list[str], q: str) -> None:
    """A search's total is the count of what it shows, and it shows only the public one."""
    expected = 1 if q in FOUND_BY else 0
    assert (total, results) == (expected, ["public-one"] * expected), (q, total, results)


def sweep_search(sweep: Sweep) -> None:
    """Search for every secret word, a misspelling and a start of it, and by filters."""
    # (query, whether the page is asked too: it adds snippets and "did you mean")
    queries = [(q, True) for q in ("", "ZETA", "ZETAPUB", "FIGURES", "ZETAPRIV", "ZETAGONE")]
    for words in (PRIVATE, DELETED):
        for place in SEARCHED_PLACES:
            word = words[place].upper()
            queries += [(word, False), (word[:-2] + word[-1] + word[-2], True), (word[:-3], True)]
    for q, page in queries:
        found = sweep.get("/search.json", {"q": q}).json
        check_search(found["total"], [r["name"] for r in found["results"]], q)
        for name, values in found["facets"].items():
            assert all(v["count"] <= found["total"] for v in values), (q, name, values)
        if page:
            sweep.get("/search", {"q": q})
        params = {"q": q, "include_private": "true", "facet.field": FACETS, "rows": "1000"}
        result = sweep.api("package_search", params)
        check_search(result["count"], [r["name"] for r in result["results"]], q)
        for name, counts in result["facets"].items():
            assert all(n <= result["count"] for n in counts.values()), (q, name, counts)
    everything = sweep.get("/search.json").json["facets"]
    counts = {name: {v["value"]: v["count"] for v in values} for name, values in everything.items()}
    assert counts["organisation"] == {"openshire": 1}
    assert counts["tags"] == {PUBLIC["tag"]: 1}
    assert counts["column"] == {PUBLIC["col"]: 1, "amount": 1}  # all three have "amount"
    for key, value in (("tags", "ZETAPRIVTAG"), ("column", "ZETAPRIVCOL"), ("tags", "ZETAGONETAG")):
        assert sweep.get("/search.json", {key: value}).json["total"] == 0
    assert sweep.get("/search.json", {"organisation": "hidden-council"}).json["total"] == 0
    for fq in ("tags:ZETAPRIVTAG", "organization:hidden-council", "tags:ZETAGONETAG"):
        assert sweep.api("package_search", {"fq": fq, "include_private": "true"})["count"] == 0


def sweep_api(sweep: Sweep, h: Hidden) -> None:
    """Every API action: the readers with every name, id and resource, the writers refused."""
    ids = [str(i) for i in h.ids.values()]
    names = [*DATASETS, *ids]
    resources = [*ids, *(f"{n}{v}" for n in DATASETS for v in ("", "-v1", "-v2"))]
    reads: dict[str, list[dict[str, Any]]] = {
        "package_list": [{}],
        "package_search": [{"q": "ZETAPRIVCELL"}],  # and sweep_search
        "package_show": [{"id": n} for n in names],
        "current_package_list_with_resources": [{"limit": "1000"}],
        "resource_show": [{"id": r} for r in resources],
        "datastore_search": [{"resource_id": r} for r in resources]
        + [{"resource_id": "public-one", "q": "ZETAPRIVCELL", "distinct": "true"}],
        "datastore_search_sql": [
            {"sql": f'SELECT * FROM "{n}{v}"'}  # noqa: S608
            for n in DATASETS
            for v in ("", "-v1", "-v2")
        ]
        + [{"sql": q} for q in SQL_PROBES],
        "tag_list": [{}, {"query": "zeta", "all_fields": "true"}],
        "license_list": [{}],
        "status_show": [{}],
        "help_show": [{"name": a} for a in ("package_show", "tag_list", "foi_request_show")],
        "organization_list": [{}, {"all_fields": "true"}],
        "organization_show": [{"id": o, "include_datasets": "true"} for o in ORGANISATIONS],
        "member_list": [{"id": o} for o in ORGANISATIONS],
        "foi_request_list": [{}, {"state": "draft"}, {"authority": h.authority, "rows": "100"}],
        "foi_request_show": [{"id": str(h.draft_id)}, {"id": str(h.sent_id)}],
        "foi_request_states": [{}],
        "api_token_list": [{}],
    }
    unswept = set(ACTIONS) - set(reads) - set(WRITES)
    assert not unswept, f"tell the sweep how to call {unswept}"
    for action, calls in reads.items():
        for params in calls:
            sweep.get(f"{API}/{action}", params)
    if sweep.token:
        assert sweep.get(f"{API}/foi_request_list", {"mine": "true"}).json["result"]["total"] == 0
    for action, make in WRITES.items():
        for params in make(h):
            refused = sweep.post(f"{API}/{action}", params)
            assert refused.status_code in (400, 403, 404), (action, params, refused.text[:300])


def member_sees_every_word(h: Hidden) -> None:
    """The member finds each secret word on the same paths: the sweep looks where they are."""
    seen = Sweep(h.member, h.member_token)
    paths = [f"/request/{h.draft_id}.json"]
    for name in DATASETS[1:]:
        paths += [f"/dataset/{name}", f"/dataset/{name}.json", f"/dataset/{name}/v1/recipe.json"]
        paths.append(f"{API}/package_show?id={name}")
    for path in paths:
        seen.get(path)
    found = {word for _, _, words in seen.leaks for word in words}
    assert found == set(SECRETS), sorted(set(SECRETS) - found)


def test_no_read_path_shows_a_private_or_deleted_word(app: Any, site: Any, tmp_path: Any) -> None:
    h = make_hidden(app, site, tmp_path)
    member_sees_every_word(h)
    sweeps = [Sweep(h.anonymous, None), Sweep(h.outsider, h.outsider_token)]
    # The routes first: the searches below count as "most wanted" searches that found
    # nothing, and that list publishes what visitors typed (the secret words, here).
    for sweep in sweeps:
        sweep_routes(app, sweep, h)
    for sweep in sweeps:
        check_counts(sweep, h)
        sweep_api(sweep, h)
    for sweep in sweeps:
        sweep_search(sweep)
    for sweep in sweeps:
        assert not sweep.leaks, sweep.leaks
    assert sum(s.requests for s in sweeps) < 1000  # 841 with the citation, charts and SQL
