# ruff: noqa: S608 (the SQL here is the test: queries a stranger would type)
"""The second wall of the SQL page (datastore/sql.py, datastore/duck.py): whatever the
check lets through, the query's DuckDB holds only the views it was given, reads no other
file, keeps its settings, sees none of the caller's Python variables, and stops at its
time limit. And what it answers: values as JSON carries them, positions in characters."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from datastore.duck import locked_duckdb
from datastore.sql import SqlError, SqlLimits, SqlTimeLimit, csv_ready, run_sql


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    shown, hidden = tmp_path / "shown" / "data.parquet", tmp_path / "hidden" / "data.parquet"
    for path, table in (
        (shown, pa.table({"ward_code": ["E05000026", "E05000027"], "trees": [120, 85]})),
        (hidden, pa.table({"secret_column": ["secret value"]})),
    ):
        path.parent.mkdir()
        pq.write_table(table, path)
    return {"shown": shown, "hidden": hidden}


def test_the_locked_duckdb_holds_its_views_and_reads_no_other_file(files: dict[str, Path]) -> None:
    con = locked_duckdb("64MB", views={"wards": files["shown"]})
    assert con.sql("SELECT sum(trees) FROM wards").fetchall() == [(205,)]
    assert con.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall() == [
        ("wards",)
    ]
    hidden = str(files["hidden"])
    for sql in (
        f"SELECT * FROM read_parquet('{hidden}')",
        f"SELECT * FROM '{hidden}'",
        f"SELECT * FROM read_parquet('{files['shown']}/../../hidden/data.parquet')",
        f"SELECT * FROM glob('{files['shown'].parent.parent}/*')",
        "SELECT * FROM read_csv('/etc/passwd')",
    ):
        with pytest.raises(duckdb.Error) as refused:
            con.sql(sql).fetchall()
        assert isinstance(refused.value, duckdb.PermissionException | duckdb.IOException), sql
    with pytest.raises(duckdb.Error, match="lock"):
        con.execute("SET enable_external_access = true")
    with pytest.raises(duckdb.Error):
        con.execute("SET allowed_paths = ['/']")
    secret_table = pa.table({"secret_column": [1]})  # a caller's variable, never a table
    with pytest.raises(duckdb.CatalogException):
        con.sql("SELECT * FROM secret_table").fetchall()
    assert secret_table.num_rows == 1


def resolver(files: dict[str, Path]) -> Callable[[str], Path | None]:
    return {"wards": files["shown"]}.get  # "hidden" is never given out


def test_a_table_not_given_out_is_no_table_and_never_suggested(files: dict[str, Path]) -> None:
    for sql, echoed in (
        ('SELECT * FROM "hidden"', "hidden"),
        ("SELECT * FROM hiddn", "hiddn"),  # DuckDB would say "did you mean", if it knew it
        ("SELECT secret_column FROM wards", "secret_column"),
    ):
        with pytest.raises(SqlError) as refused:
            run_sql(sql, resolver(files), SqlLimits(), 10)
        message = refused.value.message.replace(echoed, "")
        assert "hidden" not in message and "secret" not in message, message


def test_a_runaway_query_is_interrupted_at_its_time_limit(files: dict[str, Path]) -> None:
    sql = "SELECT count(*) FROM range(100000000) a, range(1000) b WHERE a.range % 7 = b.range"
    with pytest.raises(SqlTimeLimit, match="stopped after 0.5 seconds"):
        run_sql(sql, resolver(files), SqlLimits(seconds=0.5), 10)


def test_values_positions_and_the_row_limit(files: dict[str, Path]) -> None:
    result = run_sql(
        "SELECT [1, 2] AS l, {'a': 1} AS s, 'ab'::BLOB AS b, 12.50::DECIMAL(5, 2) AS d, "
        "DATE '2024-01-31' AS day, INTERVAL 1 DAY AS gap, 1 AS l",
        resolver(files),
        SqlLimits(),
        10,
    )
    assert [name for name, _ in result.fields] == ["l", "s", "b", "d", "day", "gap", "l_2"]
    assert result.records() == [
        {"l": [1, 2], "s": {"a": 1}, "b": "6162", "d": 12.5, "day": "2024-01-31",
         "gap": "P1D", "l_2": 1}
    ]  # fmt: skip
    written = csv_ready(result.table.to_batches()[0])
    assert written.column(0).to_pylist() == ["[1, 2]"]
    with pytest.raises(SqlError) as refused:
        run_sql("SELECT 'é', nope FROM wards", resolver(files), SqlLimits(), 10)
    assert (refused.value.line, refused.value.column) == (1, 13)
    limited = run_sql("SELECT * FROM range(25)", resolver(files), SqlLimits(), 10)
    assert limited.table.num_rows == 10 and limited.truncated


def test_one_value_as_long_as_a_number_says_is_refused(files: dict[str, Path]) -> None:
    """DuckDB makes such a value outside its memory limit (a 500 MB repeat() took 1 GB)."""
    for sql in (
        "SELECT length(repeat('x', 500000000))",
        "SELECT repeat('x', 10::INT * 1000000)",
        "SELECT 'x'.repeat(99999999)",
        "SELECT lpad('7', 300000000, '0')",
        "SELECT printf('%0300000000d', 1)",
        "SELECT format('{:>300000000}', 'x')",
        # A width or a length that is an argument, not written out (each passed the check
        # once and built 200 MB to 3 GB against a 64 MB limit).
        "SELECT length(printf('%*d', 200000000, 1))",
        "SELECT length(format('{:>{}}', 'x', 200000000))",
        "SELECT len(list_resize([1], 50000000))",
        "SELECT len(array_resize([1], 50000000))",
        "SELECT len(range(20000000))",
        "SELECT len(generate_series(1, 20000000))",
        "SELECT len(range(0, 10 * 100000000))",
        "SELECT sum(x) OVER () FROM (SELECT len(range(20000000)) AS x)",
    ):
        with pytest.raises(SqlError, match="here takes its"):
            run_sql(sql, resolver(files), SqlLimits(), 10)
    small = run_sql(
        "SELECT repeat('ab', 3), lpad('7', 3, '0'), printf('%05d', 7)",
        resolver(files),
        SqlLimits(),
        10,
    )
    assert small.lists() == [["ababab", "007", "00007"]]
    lists = run_sql(
        "SELECT len(range(5)), generate_series(2020, 2022), len(list_resize([1], 3)) "
        "FROM range(3) LIMIT 1",  # range() as a table streams, bounded by the time limit
        resolver(files),
        SqlLimits(),
        10,
    )
    assert lists.lists() == [[5, [2020, 2021, 2022], 3]]


def test_a_window_function_is_checked_as_any_function(files: dict[str, Path]) -> None:
    with pytest.raises(SqlError, match="current_setting"):
        run_sql("SELECT current_setting('threads') OVER ()", resolver(files), SqlLimits(), 10)


def test_a_name_with_a_hyphen_unquoted_and_an_overflow_are_said_plainly(
    files: dict[str, Path],
) -> None:
    tables = {"wards": files["shown"], "house-prices": files["shown"]}.get
    with pytest.raises(SqlError) as refused:
        run_sql("SELECT * FROM house-prices", tables, SqlLimits(), 10)
    assert 'double quotes, as in "house-prices"' in refused.value.message
    with pytest.raises(SqlError) as overflow:
        run_sql("SELECT 2147483647::INTEGER + 1::INTEGER FROM wards", tables, SqlLimits(), 10)
    assert not overflow.value.message.startswith("Out of Range Error"), overflow.value.message
    assert overflow.value.message[:1].isupper()
