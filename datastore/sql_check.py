"""Which SQL a stranger may run over the catalogue's tables, told by DuckDB's own parser.

One statement, a SELECT (WITH ... SELECT, VALUES, FROM ..., DESCRIBE and SUMMARIZE of a
table are SELECTs to DuckDB); anything else (COPY, ATTACH, INSTALL, LOAD, PRAGMA, SET,
CALL, EXPORT, CREATE ...) is refused by its statement type. The SELECT's parse tree
(DuckDB's `json_serialize_sql`) is then walked, and refused where it reaches past the
tables by name:

- a table named with a schema or catalogue (`information_schema.tables`,
  `pg_catalog.pg_class`, `system.main.x`), or a name that is neither a table the caller
  resolves nor a CTE in scope (`duckdb_settings`, `sqlite_master`, `'/etc/passwd'`,
  `'../data.parquet'`: a quoted path is a table name to DuckDB);
- a table function other than range, generate_series, unnest, json_each and json_tree
  (read_parquet, read_csv, glob, query, duckdb_tables(), pragma_version() ...);
- a scalar function that reads DuckDB's state or waits (current_setting, getvariable,
  pg_get_viewdef, duckdb_*, pragma_*, sleep_ms ...), or any function named with a schema;
- `SHOW TABLES` and the like, and any part of the tree of a kind it does not know.

This is the first wall, there to refuse clearly and with the position; the second is
what the query runs in (datastore/sql.py): a DuckDB holding views of the tables this
query names, and the caller may see, and nothing else, with no file access and its
configuration locked. A private table is never in it, so no listing, error or "did you
mean" can name it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import duckdb

from datastore.errors import QueryError

TABLE_FUNCTIONS = ("range", "generate_series", "unnest", "json_each", "json_tree")
_STATE_FUNCTIONS = {
    "current_setting", "getvariable", "getenv", "current_query", "sleep_ms",
    "col_description", "obj_description", "shobj_description", "which_secret",
    "json_serialize_sql", "json_deserialize_sql", "json_serialize_plan",
    "json_execute_serialized_sql", "parse_duckdb_log_message", "query", "query_table",
}  # fmt: skip
_STATE_PREFIXES = ("duckdb_", "pragma_", "pg_", "read_", "parquet_", "sniff_", "glob")
_FILE_FUNCTIONS = ("read_", "parquet_", "glob", "sniff_csv")
# Functions that make one value as long as a number says: DuckDB allocates such a value
# outside its memory limit, so the number must be written out and small (the argument's
# place); printf and format, a width or precision of five digits or more.
_GROWING = {"repeat": 1, "lpad": 1, "rpad": 1, "list_resize": 1, "array_resize": 1}
_FORMATTING = ("printf", "format")
# range() and generate_series() as values (lists): their length from written-out numbers.
# As tables (FROM range(...)) they stream, and the time limit bounds them.
_SERIES = ("range", "generate_series")
# A width given as an argument (printf's *, format's {:>{}}) is a number nobody wrote out.
_WIDE_FORMAT = re.compile(r"\d{5,}|\*|\{[^{}]*\{")
MAX_GROWN = 10_000
_QUERY_NODES = {"SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE"}
_TABLE_REFS = {
    "BASE_TABLE", "TABLE_FUNCTION", "JOIN", "SUBQUERY", "EXPRESSION_LIST", "EMPTY",
    "PIVOT", "SHOW_REF",
}  # fmt: skip
_UNKNOWN = 2**64 - 1  # DuckDB's "no location"
_STATEMENTS = {
    "COPY": "COPY writes and reads files",
    "ATTACH": "ATTACH opens another database",
    "DETACH": "DETACH closes a database",
    "LOAD": "INSTALL and LOAD add extensions",
    "PRAGMA": "PRAGMA reads and changes DuckDB's settings",
    "SET": "SET and USE change DuckDB's settings",
    "CALL": "CALL runs DuckDB's own functions",
    "EXPORT": "EXPORT writes files",
    "EXPLAIN": "EXPLAIN shows DuckDB's plan, not the data",
    "MULTI": "a PIVOT statement is several statements to DuckDB (write it in a SELECT: "
    "SELECT * FROM t PIVOT (count(*) FOR c IN ('a', 'b')))",
}
LIST_HINT = "the tables you may query are listed on the SQL page (/sql)"


class SqlError(QueryError):
    """SQL that may not or cannot run: `reason` in plain words, and where in the query
    (`position`, a character offset; None when DuckDB does not say)."""

    def __init__(self, reason: str, position: int | None = None, sql: str = "") -> None:
        # DuckDB's advice to change a setting is no help here: settings are locked.
        reason = re.sub(r'\s*Use "SET [^"]*" to [^.]*\.', " Simplify the query.", reason)
        self.reason = reason
        self.position = position
        self.line, self.column = where(sql, position) if position is not None else (0, 0)
        at = f" (line {self.line}, column {self.column})" if position is not None else ""
        super().__init__("sql", reason + at)


class SqlTimeLimit(SqlError):
    """The query ran past its time limit and was stopped."""


@dataclass(frozen=True)
class TableRef:
    """A table the query names (lower case: DuckDB's names ignore case), and where."""

    name: str
    position: int | None


def where(sql: str, position: int) -> tuple[int, int]:
    """(line, column), both from 1, of a character offset into `sql`."""
    before = sql[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def check_sql(con: duckdb.DuckDBPyConnection, sql: str, max_chars: int) -> list[TableRef]:
    """The tables a query names, once it is known to be one SELECT that reaches nothing
    else; SqlError says what is wrong otherwise. `con` parses it (any locked DuckDB)."""
    if len(sql) > max_chars:
        raise SqlError(
            f"A query may be at most {max_chars:,} characters; this one has {len(sql):,}. "
            "Shorten it (a CTE said once, not repeated, often helps)."
        )
    if not sql.strip():
        raise SqlError(f"Write a query (one SELECT); {LIST_HINT}.")
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as error:
        raise SqlError(*_parser_message(con, sql, error), sql) from None
    if len(statements) != 1:
        raise SqlError(
            f"Send one statement at a time; this has {len(statements)} (a semicolon ends one)."
        )
    kind = statements[0].type.name
    if kind != "SELECT":
        what = _STATEMENTS.get(kind, f"{kind} changes or reaches past the tables")
        raise SqlError(
            f"Only a read-only SELECT (or WITH ... SELECT) may run here; {what}, so it may not.",
            0,
            sql,
        )
    [[text]] = con.execute("SELECT json_serialize_sql(?)", [sql]).fetchall()
    try:
        tree = json.loads(text)
    except RecursionError:
        raise SqlError("The query is nested too deeply to check; simplify it.") from None
    if tree.get("error"):
        raise SqlError(str(tree.get("error_message")), _int(tree.get("position")), sql)
    walk = _Walk(sql)
    try:
        walk.visit(tree["statements"][0]["node"], frozenset())
    except RecursionError:
        raise SqlError("The query is nested too deeply to check; simplify it.") from None
    return walk.tables


def char_offset(sql: str, byte_offset: int | None) -> int | None:
    """DuckDB's offsets count UTF-8 bytes; ours count characters."""
    if byte_offset is None or byte_offset >= _UNKNOWN:
        return None
    return len(sql.encode("utf-8")[:byte_offset].decode("utf-8", "ignore"))


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _parser_message(
    con: duckdb.DuckDBPyConnection, sql: str, error: duckdb.Error
) -> tuple[str, int | None]:
    """A syntax error in words, and its place (from the parser's own report)."""
    [[text]] = con.execute("SELECT json_serialize_sql(?)", [sql]).fetchall()
    found = json.loads(text)
    if found.get("error"):
        reason = str(found.get("error_message") or "").strip()
        position = char_offset(sql, _int(found.get("position")))
        return _capital(reason) + _hyphen_hint(sql, reason, position), position
    return _capital(str(error).split("\n", 1)[0].removeprefix("Parser Error: ")), None


# A table name as a dataset's (house-prices), written without the double quotes it needs.
_HYPHENATED = re.compile(r'(?<![\w"\'.])[A-Za-z_]\w*(?:-\w+)+')


def _hyphen_hint(sql: str, reason: str, position: int | None) -> str:
    """What to do when the syntax error is the minus sign of an unquoted hyphenated name."""
    if 'near "-"' not in reason or position is None:
        return ""
    for name in _HYPHENATED.finditer(sql):
        if name.start() <= position < name.end():
            return (
                f': a name with a hyphen needs double quotes, as in "{name[0]}", or the '
                "hyphen is read as a minus sign"
            )
    return ""


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Walk:
    """Every node of one SELECT's parse tree, the CTE names in scope carried down."""

    def __init__(self, sql: str) -> None:
        self.sql = sql
        self.tables: list[TableRef] = []
        self.streamed: set[int] = set()  # range() and the like used as tables, not as values

    def refuse(self, reason: str, node: dict[str, Any]) -> SqlError:
        position = char_offset(self.sql, _int(node.get("query_location")))
        return SqlError(reason, position, self.sql)

    def visit(self, node: Any, scope: frozenset[str]) -> None:
        if isinstance(node, list):
            for item in node:
                self.visit(item, scope)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if "class" in node:  # an expression
            if node["class"] in ("FUNCTION", "WINDOW") and id(node) not in self.streamed:
                self.function(node)
        elif isinstance(kind, str) and kind.endswith("_NODE"):
            if kind not in _QUERY_NODES:
                raise self.refuse(f"This kind of query ({kind}) cannot run here.", node)
        elif "sample" in node and "query_location" in node:  # a table reference
            self.table_ref(node, scope)
        if isinstance(node.get("cte_map"), dict):
            scope = self.ctes(node["cte_map"], scope)
        for key, value in node.items():
            if key != "cte_map":
                self.visit(value, scope)

    def ctes(self, cte_map: dict[str, Any], scope: frozenset[str]) -> frozenset[str]:
        """Each CTE's body sees the CTEs before it (and itself, when recursive)."""
        for entry in cte_map.get("map") or []:
            name = str(entry.get("key", "")).lower()
            body = (entry.get("value") or {}).get("query_node")
            recursive = isinstance(body, dict) and body.get("type") == "RECURSIVE_CTE_NODE"
            self.visit(entry.get("value"), scope | {name} if recursive else scope)
            scope = scope | {name}
        return scope

    def table_ref(self, node: dict[str, Any], scope: frozenset[str]) -> None:
        kind = node.get("type")
        if kind not in _TABLE_REFS:
            raise self.refuse(f"This kind of table ({kind}) cannot be used here.", node)
        if kind == "BASE_TABLE":
            name = str(node.get("table_name", ""))
            qualified = ".".join(
                p for p in (node.get("catalog_name"), node.get("schema_name")) if p
            )
            if qualified:
                raise self.refuse(
                    f'Name a table by itself, not in a schema: "{qualified}.{name}" is part '
                    f"of DuckDB, not of the catalogue; {LIST_HINT}.",
                    node,
                )
            if name.lower() not in scope:
                position = char_offset(self.sql, _int(node.get("query_location")))
                self.tables.append(TableRef(name.lower(), position))
        elif kind == "TABLE_FUNCTION":
            function = node.get("function") or {}
            name = str(function.get("function_name", "")).lower()
            if function.get("schema") or function.get("catalog") or name not in TABLE_FUNCTIONS:
                raise self.refuse(_table_function_refused(name), node)
            self.streamed.add(id(function))  # its arguments are still checked
        elif kind == "SHOW_REF" and node.get("query") is None:
            raise self.refuse(f"SHOW lists DuckDB's own tables; {LIST_HINT}.", node)

    def function(self, node: dict[str, Any]) -> None:
        name = str(node.get("function_name", "")).lower()
        if node.get("schema") or node.get("catalog"):
            raise self.refuse(
                f"Call a function by its name alone, not in a schema "
                f'("{node.get("schema") or node.get("catalog")}.{name}").',
                node,
            )
        self.growing(name, node)
        if name in _STATE_FUNCTIONS or name.startswith(_STATE_PREFIXES):
            if name.startswith(_FILE_FUNCTIONS):
                raise self.refuse(_table_function_refused(name), node)
            raise self.refuse(
                f"{name}() is not available here: it reads DuckDB's own state, not the "
                "catalogue's tables.",
                node,
            )

    def growing(self, name: str, node: dict[str, Any]) -> None:
        """A repeat(), lpad() or rpad() of a count written as a number up to MAX_GROWN; a
        printf() or format() whose format, written out, has no width of 5 digits or more."""
        arguments = [
            a.get("expression", a) for a in node.get("arguments") or node.get("children") or []
        ]
        if name in _GROWING:
            place = _GROWING[name]
            literal = (arguments[place] if len(arguments) > place else {}).get("literal") or {}
            text = str(literal.get("text", ""))
            if not (
                literal.get("kind") in ("INTEGER", "BIGINT")
                and text.isdigit()
                and int(text) <= MAX_GROWN
            ):
                raise self.refuse(
                    f"{name}() here takes its length written as a number up to {MAX_GROWN:,} "
                    "(a longer value would not fit in a query's memory).",
                    node,
                )
        elif name in _SERIES:
            count = _series_length(name, arguments)
            if count is None or count > MAX_GROWN:
                raise self.refuse(
                    f"{name}() as a list here takes its bounds written as whole numbers, for "
                    f"at most {MAX_GROWN:,} values; for more, use it as a table: "
                    f"FROM {name}(...).",
                    node,
                )
        elif name in _FORMATTING:
            literal = (arguments[0] if arguments else {}).get("literal") or {}
            if literal.get("kind") != "STRING" or _WIDE_FORMAT.search(str(literal.get("text"))):
                raise self.refuse(
                    f"{name}() here takes its format written out in quotes, with widths under "
                    "10,000 characters written in it (not given as arguments by * or {}).",
                    node,
                )


def _series_length(name: str, arguments: list[dict[str, Any]]) -> int | None:
    """How many values range() or generate_series() makes from written-out whole numbers
    (None when a bound is not one)."""
    numbers = []
    for argument in arguments:
        literal = argument.get("literal") or {}
        text = str(literal.get("text", ""))
        if literal.get("kind") not in ("INTEGER", "BIGINT") or not text.lstrip("-").isdigit():
            return None
        numbers.append(int(text))
    if len(numbers) == 1:
        start, stop, step = 0, numbers[0], 1
    elif len(numbers) == 2:
        start, stop, step = numbers[0], numbers[1], 1
    elif len(numbers) == 3:
        start, stop, step = numbers
    else:
        return None
    if step == 0:
        return 0
    inclusive = 1 if name == "generate_series" else 0
    return max(0, (stop - start) // step + inclusive)


def _table_function_refused(name: str) -> str:
    if name.startswith(_FILE_FUNCTIONS) or re.fullmatch(r"(parquet|csv|json)_scan", name):
        return (
            f"{name}() reads files, and SQL here reads the catalogue's tables by name only: "
            f'write FROM "dataset-name"; {LIST_HINT}.'
        )
    if name.startswith(("duckdb_", "pragma_")) or name in ("query", "query_table"):
        return f"{name}() describes or runs DuckDB itself and is not available here; {LIST_HINT}."
    allowed = ", ".join(f"{n}()" for n in TABLE_FUNCTIONS)
    return f"{name}() is not available here; the table functions you may use are {allowed}."
