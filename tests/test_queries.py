"""Queries over a version's Parquet (datastore/query.py), compared with plain Python."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from datastore.query import Filter, Query, QueryError, iter_query, output_schema, run_query

NAMES = ["Alice", "bob", "Carol", None, "dave", "Eve", "alice", "Bob", "Zoë", "x"]
ROWS = [
    {
        "id": i + 1,
        "name": NAMES[i % len(NAMES)],
        "amount": None if i % 7 == 3 else round((i * 37 % 101) - 50.5, 2),
        "day": dt.date(2024, 1, 1) + dt.timedelta(days=i % 40),
        "paid": i % 3 == 0,
        'odd "name"': f"note {i}",
    }
    for i in range(250)
]


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("query") / "data.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), path, row_group_size=32)
    return path


def ids(result: Any) -> list[int]:
    return [row["id"] for row in result.records()]


def expect(keep: Any, key: Any = None, reverse: bool = False) -> list[int]:
    rows = [r for r in ROWS if keep(r)]
    if key:
        rows = sorted(rows, key=key, reverse=reverse)
    return [r["id"] for r in rows]


@pytest.mark.parametrize(
    ("item", "keep"),
    [
        (Filter("name", "eq", "bob"), lambda r: r["name"] == "bob"),
        (Filter("name", "ne", "bob"), lambda r: r["name"] is not None and r["name"] != "bob"),
        (Filter("amount", "gt", "10"), lambda r: r["amount"] is not None and r["amount"] > 10),
        (Filter("amount", "ge", 10.5), lambda r: r["amount"] is not None and r["amount"] >= 10.5),
        (Filter("amount", "lt", -40), lambda r: r["amount"] is not None and r["amount"] < -40),
        (Filter("amount", "le", "-40.5"), lambda r: (r["amount"] or 0) <= -40.5),
        (Filter("day", "ge", "2024-02-05"), lambda r: r["day"] >= dt.date(2024, 2, 5)),
        (Filter("id", "in", ["3", 4, 250, 999]), lambda r: r["id"] in (3, 4, 250)),
        (Filter("name", "contains", "LI"), lambda r: r["name"] and "li" in r["name"].lower()),
        (Filter("name", "starts", "a"), lambda r: r["name"] and r["name"].lower().startswith("a")),
        (Filter("name", "null"), lambda r: r["name"] is None),
        (Filter("amount", "notnull"), lambda r: r["amount"] is not None),
        (Filter("paid", "eq", "true"), lambda r: r["paid"]),
        (Filter('odd "name"', "eq", "note 7"), lambda r: r["id"] == 8),
    ],
)
def test_every_filter(table: Path, item: Filter, keep: Any) -> None:
    result = run_query(table, Query(filters=(item,), limit=1000))
    assert ids(result) == expect(keep)
    assert result.total == len(expect(keep))


def test_filters_combine_and_q_searches_every_text_field(table: Path) -> None:
    query = Query(filters=(Filter("paid", "eq", True),), q="ALI", limit=1000)
    assert ids(run_query(table, query)) == expect(
        lambda r: r["paid"] and r["name"] is not None and "ali" in r["name"].lower()
    )
    assert ids(run_query(table, Query(q="note 12", limit=1000))) == expect(
        lambda r: "note" in r['odd "name"'] and "12" in r['odd "name"']
    )
    assert ids(run_query(table, Query(q={"name": "zo"}, limit=1000))) == expect(
        lambda r: r["name"] == "Zoë"
    )


def test_sort_on_several_fields_keeps_nulls_last(table: Path) -> None:
    query = Query(sort=(("paid", True), ("amount", False)), limit=1000)
    got = ids(run_query(table, query))

    def key(r: dict[str, Any]) -> Any:
        return (not r["paid"], r["amount"] is None, r["amount"] or 0, r["id"])

    assert got == [r["id"] for r in sorted(ROWS, key=key)]


def test_pages_by_offset_and_beyond_the_end(table: Path) -> None:
    page = run_query(table, Query(limit=10, offset=245))
    assert ids(page) == [246, 247, 248, 249, 250]
    assert page.total == 250
    assert [r["_id"] for r in page.records()] == [246, 247, 248, 249, 250]
    beyond = run_query(table, Query(limit=10, offset=10_000))
    assert beyond.records() == [] and beyond.total == 250
    filtered = run_query(table, Query(filters=(Filter("paid", "eq", True),), offset=10_000))
    assert filtered.records() == [] and filtered.total == len(expect(lambda r: r["paid"]))


def test_keyset_pages_walk_the_whole_sorted_table(table: Path) -> None:
    sort = (("amount", True), ("name", False))
    seen: list[int] = []
    after = ""
    while True:
        page = run_query(table, Query(sort=sort, limit=17, after=after))
        seen += ids(page)
        after = page.next_cursor
        if not after:
            break
    everything = ids(run_query(table, Query(sort=sort, limit=1000)))
    assert seen == everything and len(seen) == 250


def test_fields_and_distinct(table: Path) -> None:
    result = run_query(table, Query(fields=("name", "id"), limit=2))
    assert [name for name, _ in result.fields] == ["name", "id"]
    distinct = run_query(table, Query(fields=("name",), distinct=True, limit=100))
    names = [r["name"] for r in distinct.records()]
    assert sorted(n for n in names if n) == sorted({n for n in NAMES if n})
    assert names[-1] is None and distinct.total == len(set(NAMES))


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        (Query(filters=(Filter("nope", "eq", 1),)), "filters"),
        (Query(filters=(Filter("amount", "gt", "lots"),)), "filters"),
        (Query(filters=(Filter("day", "eq", "31/02/2024"),)), "filters"),
        (Query(filters=(Filter("amount", "between", 1),)), "filters"),
        (Query(sort=(("nope", False),)), "sort"),
        (Query(fields=("nope",)), "fields"),
        (Query(q={"nope": "x"}), "q"),
        (Query(sort=(("id", False),), after="not-a-cursor"), "after"),
        (Query(fields=("name",), sort=(("amount", True),)), "sort"),
        (Query(distinct=True, fields=("name",), sort=(("name", False),), after="x"), "after"),
    ],
)
def test_bad_parameters_name_themselves(table: Path, query: Query, parameter: str) -> None:
    with pytest.raises(QueryError) as caught:
        run_query(table, query)
    assert caught.value.parameter == parameter
    assert caught.value.message


def test_whole_query_streams_in_batches(table: Path) -> None:
    query = Query(filters=(Filter("paid", "eq", True),), sort=(("id", True),), limit=0)
    batches = list(iter_query(table, query, batch_rows=16))
    got = [row["id"] for batch in batches for row in batch.to_pylist()]
    assert got == sorted(expect(lambda r: r["paid"]), reverse=True)
    assert all(batch.schema.names == output_schema(table).names for batch in batches)
    plain = list(iter_query(table, Query(limit=0), batch_rows=100))
    assert sum(b.num_rows for b in plain) == 250


def test_a_download_given_up_halfway_never_blocks_the_next_query(table: Path) -> None:
    query = Query(filters=(Filter("paid", "eq", True),), limit=0)
    batches = iter_query(table, query, batch_rows=8)
    next(batches)  # the client went away after the first batch
    assert run_query(table, Query(filters=(Filter("id", "eq", 5),))).total == 1
    batches.close()
    assert run_query(table, Query(sort=(("id", True),), limit=1)).records()[0]["id"] == 250


@pytest.mark.parametrize(
    "sort",
    [(("amount", True),), (("name", False), ("id", True)), (("paid", False),), (("day", True),)],
)
def test_sorted_pages_by_offset_join_up(table: Path, sort: tuple[tuple[str, bool], ...]) -> None:
    """A sorted page fetches only rows up to its last key's value; pages must still join up,
    with ties and nulls at the edges of a page."""
    whole = ids(run_query(table, Query(sort=sort, limit=1000)))
    pages: list[int] = []
    for offset in range(0, 260, 23):
        page = run_query(table, Query(sort=sort, limit=23, offset=offset))
        assert page.total == 250
        pages += ids(page)
    assert pages == whole
    paid = (Filter("paid", "eq", True),)
    filtered = ids(run_query(table, Query(filters=paid, sort=sort, limit=1000)))
    assert (
        ids(run_query(table, Query(filters=paid, sort=sort, limit=10, offset=5)))
        == (filtered[5:15])
    )
