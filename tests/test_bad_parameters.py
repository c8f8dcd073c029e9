"""Every bad parameter is a 4xx naming it, never a 500: Hypothesis throws arbitrary strings,
Unicode digits, huge and negative numbers, NaN and Infinity and deep JSON at the query
parameters of every page, JSON twin and API action (a bounded number of examples, so that
`make test` stays quick); a JSON answer keeps the pinned error shape (test_error_shape.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.api.registry import ACTIONS
from catalog.datasets.publishing import DatasetMetadata, publish_file
from tests.conftest import DATA
from tests.test_error_shape import shape

# The query parameters the pages and the API read (found in catalog/ by their names).
PARAMETERS = (
    "q", "page", "offset", "limit", "rows", "start", "sort", "version", "filters", "fields",
    "distinct", "include_total", "records_format", "fq", "id", "resource_id", "name",
    "include_private", "all_fields", "state", "authority", "tags", "organization", "format",
    "license_id", "res_format", "field", "op", "value", "date_from", "date_to", "mine",
    "following", "nation", "defunct", "after", "jti", "request", "dataset", "again",
)  # fmt: skip
NASTY = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "²", "٣", "１２", "-1", "0", "9" * 25, "9" * 5000, "NaN", "Infinity", "-Infinity",
            "1e400", "1.5", "true", "null", "[]", "{}", '{"a": 1}', "[" * 5000 + "]" * 5000,
            '{"a":' * 3000 + "1" + "}" * 3000, '"x"', "\x00", "%", "../../etc/passwd",
            '[{"field": "id", "op": "gt", "value": "x"}]', '{"supplier": "Acme"}',
        ]
    ),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)  # fmt: skip


@pytest.fixture
def routes(app: Any, site: Any, tmp_path: Path) -> list[str]:
    """Every GET page and twin, with a real dataset in its path, and every API action."""
    source = DATA / "valid/gdp/data/gdp.csv"
    outcome = publish_file(
        site, source, original_name=source.name, schema=None, metadata=DatasetMetadata("GDP")
    )
    assert outcome.published
    values = {"name": outcome.dataset_name, "fmt": "csv", "number": "1"}
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<{argument}>", values.get(argument, "1"))
            for converter in ("id", "path", "string"):
                path = path.replace(f"<{converter}:{argument}>", values.get(argument, "1"))
        paths.append(path)
    paths += [f"/api/3/action/{action}" for action in sorted(ACTIONS)]
    return sorted(set(paths))


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_parameter_makes_a_500(client: Any, routes: list[str], data: Any) -> None:
    path = data.draw(st.sampled_from(routes), label="path")
    names = data.draw(st.lists(st.sampled_from(PARAMETERS), min_size=1, max_size=3, unique=True))
    query = {name: data.draw(NASTY, label=name) for name in names}
    with client.get(f"{path}?{urlencode(query)}") as answer:  # a download is a stream
        assert answer.status_code < 500, (path, query, answer.text[:500])
        if answer.status_code >= 400 and answer.is_json:
            shape(answer)


def test_a_json_body_too_deep_or_too_large_is_refused_naming_the_limit(
    client: Any, routes: list[str]
) -> None:
    action = "/api/3/action/package_search"
    for depth in (33, 100_000):  # past the setting; and past Python's own recursion limit
        body = '{"q": ' + "[" * depth + "]" * depth + "}"
        answer = client.post(action, data=body, content_type="application/json")
        assert answer.status_code == 400, answer.text[:300]
        shape(answer)
        assert (
            "nested more than 32 deep (DATASTORE_MAX_JSON_DEPTH)" in answer.json["error"]["message"]
        )
    ok = '{"q": ' + "[" * 10 + "]" * 10 + "}"  # a few levels are fine (and q is then a list)
    assert client.post(action, data=ok, content_type="application/json").status_code < 500
    huge = '{"q": "' + "x" * 2_000_001 + '"}'
    answer = client.post(action, data=huge, content_type="application/json")
    assert answer.status_code == 413 and "DATASTORE_MAX_API_BODY_BYTES" in answer.text
    shape(answer)
    resource = client.get("/api/3/action/package_show?id=gdp").json["result"]["resources"][0]
    deep_filter = {"resource_id": resource["id"], "filters": "[" * 40 + "]" * 40}
    answer = client.get(f"/api/3/action/datastore_search?{urlencode(deep_filter)}")
    assert answer.status_code == 400 and "nested more than 32 deep" in answer.text, answer.text
