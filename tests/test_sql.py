"""Issue 16, point 5: the SQL page (/sql, /sql.csv) and CKAN's datastore_search_sql, over
real sample datasets published through our own functions, on SQLite and PostgreSQL.

Two public tables (UK house prices, quarter by quarter; UK 10-year gilt yields, year by
year) and a private one (the World Bank's GDP by country, in Hidden Council, which only
its member may see). Every answer a visitor or an outsider gets is read for the private
table's name, its column names and its rows, and every escape (files, DuckDB's own
tables and settings, other statements) is refused in words, with where.
"""

# ruff: noqa: S608 (the SQL here is the test: queries a stranger would type)
from __future__ import annotations

import csv
import html
import io
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import ckanapi
import pytest
from werkzeug.serving import make_server

from catalog.accounts.tokens import create_token
from catalog.accounts.users import create_user
from catalog.app import create_app
from catalog.datasets.publishing import publish_file
from catalog.datasets.reading import version_files
from catalog.datasets.samples import CORPUS, SAMPLES
from catalog.viewer import Viewer
from schemas import load_schema
from tests.private_site import sign_in
from tests.test_web import PASSWORD

API = "/api/3/action/datastore_search_sql"
PRIVATE = "world-gdp-hidden"
# What no one outside Hidden Council may read: the table's name, its columns, its rows.
SECRETS = (PRIVATE, "Country Name", "Country Code", "Afghanistan", "AFG")
HOUSES, GILTS = "houses", "gilts"


def publish_sample(site: Any, index: int, name: str, user_id: int, **more: Any) -> str:
    sample = SAMPLES[index]
    data = CORPUS / sample.data
    schema = load_schema(CORPUS / sample.schema, data_name=data.name)
    metadata = replace(sample.metadata, name=name, **more)
    outcome = publish_file(
        site, data, original_name=data.name, schema=schema, metadata=metadata, user_id=user_id
    )
    assert outcome.published and outcome.dataset_name == name
    return name


@pytest.fixture
def world(app: Any, site: Any) -> dict[str, Any]:
    """The member (of Hidden Council), an outsider (signed in, no membership) and a
    visitor; each a test client, the first two with an API token too."""
    with site.session() as db:
        member = create_user(db, "member", PASSWORD)
        outsider = create_user(db, "outsider", PASSWORD)
        db.flush()
        tokens = {
            "member": create_token(db, member.id, "sql")[1],
            "outsider": create_token(db, outsider.id, "sql")[1],
        }
        member_id = member.id
        db.commit()
    publish_sample(site, 0, HOUSES, member_id)
    publish_sample(site, 1, GILTS, member_id)
    publish_sample(site, 2, PRIVATE, member_id, organisation="Hidden Council", private=True)
    clients = {who: app.test_client() for who in ("member", "outsider", "visitor")}
    sign_in(clients["member"], "member")
    sign_in(clients["outsider"], "outsider")
    return {"clients": clients, "tokens": tokens}


def api(world: dict[str, Any], who: str, sql: str, status: int = 200) -> dict[str, Any]:
    token = world["tokens"].get(who)
    headers = {"Authorization": token} if token else {}
    answer = world["clients"]["visitor"].get(API, query_string={"sql": sql}, headers=headers)
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.get_json()
    assert body["success"] is (status == 200)
    if who != "member":
        assert_no_secret(answer.get_data(as_text=True), sql)
    return body


def page(world: dict[str, Any], who: str, sql: str, status: int = 200) -> str:
    answer = world["clients"][who].get("/sql", query_string={"q": sql})
    assert answer.status_code == status, answer.text[:2000]
    text: str = answer.get_data(as_text=True)
    if who != "member":
        assert_no_secret(text, sql)
    return text


def assert_no_secret(text: str, sql: str) -> None:
    """No secret in the answer, once the query's own words (echoed back) are struck out."""
    shown = text.replace(sql, "").replace(sql.replace('"', "&#34;"), "")
    for word in SECRETS:
        if word.lower() in sql.lower():
            shown = shown.replace(word, "").replace(word.lower(), "")
        assert word not in shown, (word, sql, shown[:3000])


YEARLY = f"""
SELECT extract(year FROM "Date") AS year, round(avg("Price (All)")) AS price, count(*) AS quarters
FROM "{HOUSES}"
WHERE "Date" >= DATE '2000-01-01' AND "Date" < DATE '2003-01-01'
GROUP BY year ORDER BY year
"""
JOINED = f"""
WITH yearly AS (
  SELECT extract(year FROM "Date") AS year, avg("Price (All)") AS price FROM "{HOUSES}" GROUP BY 1
)
SELECT y.year, round(y.price) AS price, g."Rate" AS gilt_yield
FROM yearly y JOIN "{GILTS}-v1" g ON extract(year FROM g."Year") = y.year
WHERE y.year BETWEEN 2000 AND 2002 ORDER BY y.year
"""


def test_group_by_answers_on_the_page_and_through_the_api(world: dict[str, Any]) -> None:
    result = api(world, "visitor", YEARLY)["result"]
    assert result["sql"] == YEARLY
    assert result["fields"] == [
        {"id": "year", "type": "int"},
        {"id": "price", "type": "numeric"},
        {"id": "quarters", "type": "int"},
    ]
    assert [r["year"] for r in result["records"]] == [2000, 2001, 2002]
    assert all(r["quarters"] == 4 for r in result["records"])
    assert "records_truncated" not in result
    shown = page(world, "visitor", YEARLY)
    assert "3 rows" in shown and '<th scope="col">quarters</th>' in shown
    assert f"<td>{int(result['records'][0]['price'])}" in shown


def test_a_join_of_two_visible_tables_by_name_and_resource_id(world: dict[str, Any]) -> None:
    records = api(world, "outsider", JOINED)["result"]["records"]
    assert [r["year"] for r in records] == [2000, 2001, 2002]
    assert all(isinstance(r["gilt_yield"], float) for r in records)
    assert "2002" in page(world, "visitor", JOINED)


def test_the_member_queries_the_private_table_and_others_cannot(world: dict[str, Any]) -> None:
    sql = f'SELECT "Country Name", "Value" FROM "{PRIVATE}" WHERE "Country Code" = \'AFG\' LIMIT 2'
    rows = api(world, "member", sql)["result"]["records"]
    assert rows and rows[0]["Country Name"] == "Afghanistan"
    assert "Afghanistan" in page(world, "member", sql)
    unknown = sql.replace(PRIVATE, "no-such-table")
    for who in ("visitor", "outsider"):
        refused = api(world, who, sql, 400)["error"]["message"]
        never_was = api(world, who, unknown, 400)["error"]["message"]
        assert refused == never_was.replace("no-such-table", PRIVATE)  # the same answer
        assert "There is no table" in refused and "line 1, column" in refused
        page(world, who, sql, 400)
        for variant in (PRIVATE.upper(), f"{PRIVATE}-v1", PRIVATE[:-1]):  # case, version, typo
            api(world, who, sql.replace(PRIVATE, variant), 400)


def test_the_page_lists_the_tables_each_viewer_may_query(world: dict[str, Any]) -> None:
    for who in ("visitor", "outsider"):
        listing = page(world, who, "")
        assert f'"{HOUSES}"' in listing and f'"{GILTS}-v1"' in listing
    member = page(world, "member", "")
    assert f'"{PRIVATE}"' in member and "Country Code" in member
    dataset = world["clients"]["visitor"].get(f"/dataset/{HOUSES}").get_data(as_text=True)
    link = re.search(r'href="(/sql\?q=[^"]+)">Query this table with SQL', dataset)
    assert link, "the dataset page links its table's SQL"
    shown = world["clients"]["visitor"].get(html.unescape(link[1]))
    assert shown.status_code == 200 and "10 rows" in shown.text


ESCAPES = {
    "SELECT * FROM read_parquet('{parquet}')": "reads files",
    "SELECT * FROM read_parquet('{houses}')": "reads files",
    "SELECT * FROM '{parquet}'": "There is no table",
    'SELECT * FROM "{folder}/../../{key}/1/data.parquet"': "There is no table",
    "SELECT * FROM '../{key}/1/data.parquet'": "There is no table",
    "SELECT * FROM 'data.parquet'": "There is no table",
    "SELECT * FROM read_csv('/etc/passwd')": "reads files",
    "SELECT * FROM read_csv_auto('{folder}/original.csv')": "reads files",
    "SELECT * FROM glob('{folder}/*')": "reads files",
    "SELECT * FROM read_text('/etc/hostname')": "reads files",
    "SELECT * FROM parquet_metadata('{parquet}')": "reads files",
    f"SELECT * FROM \"{HOUSES}\", glob('*')": "reads files",
    "COPY (SELECT 1) TO '/tmp/sql-escape.csv'": "COPY writes and reads files",
    f"COPY \"{HOUSES}\" TO '/tmp/sql-escape.csv'": "COPY writes and reads files",
    "ATTACH '/tmp/sql-escape.duckdb' AS other": "ATTACH opens another database",
    "INSTALL httpfs": "INSTALL and LOAD add extensions",
    "LOAD httpfs": "INSTALL and LOAD add extensions",
    "PRAGMA database_list": "PRAGMA",
    "PRAGMA show_tables": "PRAGMA",
    "SET enable_external_access = true": "SET and USE",
    "CALL pragma_version()": "CALL",
    "SELECT * FROM pragma_table_info('{private}')": "describes or runs DuckDB itself",
    "SELECT * FROM duckdb_tables()": "describes or runs DuckDB itself",
    "SELECT * FROM duckdb_views()": "describes or runs DuckDB itself",
    "SELECT * FROM duckdb_columns()": "describes or runs DuckDB itself",
    "SELECT * FROM duckdb_settings()": "describes or runs DuckDB itself",
    "SELECT * FROM information_schema.tables": "not in a schema",
    "SELECT * FROM information_schema.columns": "not in a schema",
    "SELECT * FROM pg_catalog.pg_class": "not in a schema",
    "SELECT * FROM sqlite_master": "There is no table",
    "SELECT * FROM duckdb_settings": "There is no table",
    "WITH sqlite_master AS (SELECT * FROM sqlite_master) SELECT * FROM sqlite_master": (
        "There is no table"
    ),
    "SELECT current_setting('allowed_paths')": "reads DuckDB's own state",
    "SELECT pg_get_viewdef('{houses_name}')": "reads DuckDB's own state",
    "SELECT * FROM query('SELECT * FROM duckdb_tables()')": "describes or runs DuckDB itself",
    "SELECT * FROM query_table('{private}')": "describes or runs DuckDB itself",
    "SHOW TABLES": "SHOW lists DuckDB's own tables",
    "SHOW ALL TABLES": "SHOW lists DuckDB's own tables",
    'DESCRIBE "{private}"': "There is no table",
    'SELECT 1; DROP VIEW "{houses_name}"': "one statement at a time",
    "CREATE TABLE x AS SELECT 1": "Only a read-only SELECT",
    "EXPORT DATABASE '/tmp/sql-escape'": "EXPORT writes files",
    f'SELECT "Country Name" FROM "{HOUSES}"': "not found",
}


def test_every_escape_is_refused_in_words(world: dict[str, Any], site: Any) -> None:
    with site.session() as db:
        ref, _ = version_files(site, db, PRIVATE, None, Viewer.system())
        houses, _ = version_files(site, db, HOUSES, None, Viewer.system())
    folder = Path(ref.parquet).parent
    values = {
        "parquet": ref.parquet,
        "houses": houses.parquet,
        "folder": folder,
        "key": folder.parent.name,
        "private": PRIVATE,
        "houses_name": HOUSES,
    }
    for template, words in ESCAPES.items():
        sql = template.format(**values)
        for who in ("visitor", "outsider"):
            message = api(world, who, sql, 400)["error"]["message"]
            assert words in message, (sql, message)
            echoed = [str(v) for v in values.values() if str(v) in sql]
            for typed in sorted(echoed, key=len, reverse=True):  # the name asked for, echoed
                message = message.replace(typed.lower(), "")
            assert str(site.settings.data_dir) not in message, (sql, message)
        page(world, "visitor", sql, 400)
    assert not Path("/tmp/sql-escape.csv").exists() and not Path("/tmp/sql-escape").exists()


def test_an_error_says_where_with_a_caret(world: dict[str, Any]) -> None:
    sql = f'SELECT "Date",\n  "Pricee" FROM "{HOUSES}"'
    message = api(world, "visitor", sql, 400)["error"]["message"]
    assert 'Referenced column "Pricee" not found' in message and "(line 2, column 3)" in message
    shown = page(world, "visitor", sql, 400)
    assert "At line 2, column 3:" in shown
    assert "  &#34;Pricee&#34; FROM &#34;houses&#34;\n  ^</pre>" in shown
    syntax = api(world, "visitor", "SELECT 1 +", 400)["error"]["message"]
    assert syntax == 'Syntax error at or near "+" (line 1, column 10)'
    wrong_type = api(world, "visitor", f'SELECT "Date" + \'x\'::INT FROM "{HOUSES}"', 400)
    assert "Could not convert string 'x' to INT32" in wrong_type["error"]["message"]


@contextmanager
def houses_site(settings: Any, **changes: Any) -> Iterator[Any]:
    """A test client of a site with `changes` to its settings and house prices published."""
    app = create_app(replace(settings, **changes))
    try:
        site = app.extensions["site"]
        with site.session() as db:
            user_id = create_user(db, "member", PASSWORD).id
            db.commit()
        publish_sample(site, 0, HOUSES, user_id)
        yield app.test_client()
    finally:
        app.extensions["site"].close()


def test_the_row_limit_and_the_whole_answer_as_csv(settings: Any, tmp_path: Path) -> None:
    with houses_site(settings, sql_row_limit=10) as client:
        sql = f'SELECT "Date", "Price (All)" FROM "{HOUSES}" ORDER BY "Date"'
        result = client.get(API, query_string={"sql": sql}).get_json()["result"]
        assert len(result["records"]) == 10 and result["records_truncated"] is True
        shown = client.get("/sql", query_string={"q": sql}).get_data(as_text=True)
        assert "the first 10; there are more" in shown
        download = client.get("/sql.csv", query_string={"q": sql})
        assert download.status_code == 200 and download.mimetype == "text/csv"
        assert "query.csv" in download.headers["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
        assert rows[0] == ["Date", "Price (All)"] and len(rows) > 200
        assert rows[1][0] == "1953-02-01"
        # Over HTTP/1.0 (nginx's default to the app) it is made whole first, with its length.
        whole = client.get(
            "/sql.csv",
            query_string={"q": sql},
            environ_overrides={"SERVER_PROTOCOL": "HTTP/1.0"},
            buffered=True,  # read whole and closed, as a server does
        )
        assert whole.headers["Content-Length"] == str(len(download.get_data()))
        assert (
            whole.get_data() == download.get_data()
            and "query.csv" in whole.headers["Content-Disposition"]
        )
        refused = client.get("/sql.csv", query_string={"q": "SELECT * FROM duckdb_tables()"})
        assert refused.status_code == 400


def test_a_runaway_query_stops_at_the_time_limit(settings: Any) -> None:
    with houses_site(settings, sql_time_limit=1) as client:
        runaway = (
            f'SELECT count(*) FROM "{HOUSES}" a, "{HOUSES}" b, "{HOUSES}" c, "{HOUSES}" d '
            'WHERE a."Price (All)" + b."Price (All)" > c."Price (All)" + d."Price (All)"'
        )
        started = time.monotonic()
        answer = client.get(API, query_string={"sql": runaway})
        assert time.monotonic() - started < 10
        assert answer.status_code == 400
        assert "stopped after 1 second," in answer.get_json()["error"]["message"]
        shown = client.get("/sql", query_string={"q": runaway})
        assert shown.status_code == 400 and "stopped after 1 second," in shown.text


def test_a_query_too_long_is_refused_before_it_runs(world: dict[str, Any], site: Any) -> None:
    long = "SELECT 1" + " " * site.settings.sql_max_chars
    assert "at most 10,000 characters" in api(world, "visitor", long, 400)["error"]["message"]
    assert world["clients"]["visitor"].get("/sql", query_string={"q": long}).status_code == 400
    missing = api(world, "visitor", "", 400)["error"]
    assert missing["sql"] == ["Missing value"]


def test_ckanapi_calls_datastore_search_sql(world: dict[str, Any], app: Any) -> None:
    """The real client (ckanapi.RemoteCKAN, from PyPI) against a live server, with a token."""
    live = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=live.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{live.server_port}"
        ckan = ckanapi.RemoteCKAN(url, apikey=world["tokens"]["member"])
        found = ckan.action.datastore_search_sql(sql=f'SELECT count(*) AS n FROM "{PRIVATE}"')
        assert found["records"][0]["n"] > 1000 and found["fields"] == [{"id": "n", "type": "int"}]
        outsider = ckanapi.RemoteCKAN(url, apikey=world["tokens"]["outsider"])
        with pytest.raises(ckanapi.ValidationError) as refused:
            outsider.action.datastore_search_sql(sql=f'SELECT * FROM "{PRIVATE}"')
        assert "There is no table" in str(refused.value)
    finally:
        live.shutdown()
        thread.join(timeout=10)
