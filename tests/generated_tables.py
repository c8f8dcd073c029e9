"""Generated tables with seeded, injected errors, for the engine parity tests.

Each scenario is one kind of problem a volunteer's file can have: a small table whose good
rows come from a seeded random.Random, with errors (and awkward values that are *not*
errors) put in at seeded places. `build_scenarios()` returns them all, the same bytes on
every run; `Scenario.write(folder)` puts a scenario's files on disk.

What frictionless 5.21 counts as an error is not always what a reader expects; the
surprises the scenarios rely on are written beside the values (the `odd` tuples hold values
it accepts, the `bad` tuples values it rejects).
"""

from __future__ import annotations

import inspect
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

SEED = 2024
SCHEMA_V2 = "https://datapackage.org/profiles/2.0/tableschema.json"

Row = list[str] | None  # None is an empty line
CellError = tuple[str, int, str]  # (type, rowNumber, fieldName)
Make = Callable[[random.Random], str]


@dataclass(frozen=True)
class Table:
    """One file: its resource name, rows, Table Schema and how it is written."""

    name: str
    rows: list[Row]  # the header line included
    schema: dict[str, Any]
    delimiter: str = ","
    newline: str = "\n"
    encoding: str = "utf-8"  # a Python codec; utf-8-sig writes a byte order mark
    suffix: str = ".csv"
    spaced: bool = False  # a space after every delimiter

    @property
    def filename(self) -> str:
        return self.name + self.suffix

    @property
    def data(self) -> bytes:
        separator = self.delimiter + " " if self.spaced else self.delimiter
        lines = ["" if row is None else separator.join(map(self.quote, row)) for row in self.rows]
        return "".join(line + self.newline for line in lines).encode(self.encoding)

    def quote(self, cell: str) -> str:
        if any(c in cell for c in (self.delimiter, '"', "\r", "\n")):
            return '"' + cell.replace('"', '""') + '"'
        return cell


@dataclass(frozen=True)
class Scenario:
    """A table (and, for foreign keys, the rest of its data package) and what is wrong in it."""

    table: Table
    kinds: frozenset[str]  # error types frictionless reports for it
    others: tuple[Table, ...] = ()  # the other resources of its data package
    limit_errors: int | None = None  # None: validate_file's default (1000)
    cells: frozenset[CellError] | None = None  # every type/constraint error, where known
    labels: tuple[str, ...] | None = None  # the header as frictionless reads it, where odd
    id: str = ""
    doc: str = ""

    @property
    def in_package(self) -> bool:
        """Validated as a resource of a data package (a reference to another or itself by name)."""
        return bool(self.others) or any(
            fk["reference"].get("resource") for fk in self.table.schema.get("foreignKeys", [])
        )

    def write(self, folder: Path) -> dict[str, Path]:
        """Write every file; {resource name: path}, the validated resource first."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = {}
        for table in (self.table, *self.others):
            paths[table.name] = folder / table.filename
            paths[table.name].write_bytes(table.data)
        return paths


@dataclass(frozen=True)
class Column:
    """A field, how to make a good value for it, and the values put in at random rows."""

    field: dict[str, Any]
    good: Make
    odd: tuple[str, ...] = ()  # awkward values frictionless accepts: no error
    bad: tuple[str, ...] = ()  # values frictionless rejects, each with `error`
    error: str = "type-error"


@dataclass
class Filled:
    rows: list[Row]
    schema: dict[str, Any]
    cells: frozenset[CellError] = field(default_factory=frozenset)


# Good values -------------------------------------------------------------------------------

NAMES = (
    "Ann Lee",
    "Zoë Brontë",
    "O'Brien & Sons",
    "Smith, John",  # the delimiter inside a quoted cell
    'The "Corner" Shop',  # quotes inside a quoted cell
    "Flat 2\n10 High St",  # a newline inside a quoted cell
    "  padded  ",
    "Ünïcödé Ltd",
    "naïve café",
)


def pick(*values: str) -> Make:
    return lambda rng: rng.choice(values)


def integers(low: int, high: int) -> Make:
    return lambda rng: str(rng.randint(low, high))


def decimals(low: float, high: float, template: str = "{:.2f}") -> Make:
    return lambda rng: template.format(rng.uniform(low, high))


def dates(template: str = "%Y-%m-%d", start: date = date(2001, 1, 1), days: int = 7000) -> Make:
    return lambda rng: (start + timedelta(days=rng.randrange(days))).strftime(template)


def datetimes(template: str = "%Y-%m-%dT%H:%M:%S") -> Make:
    start = datetime(2001, 1, 1)
    return lambda rng: (start + timedelta(seconds=rng.randrange(600_000_000))).strftime(template)


def words(rng: random.Random) -> str:
    return rng.choice(NAMES)


def header(schema: dict[str, Any]) -> list[str]:
    return [f["name"] for f in schema["fields"]]


def fill(rng: random.Random, columns: list[Column], n_rows: int, **schema: Any) -> Filled:
    """An `id` column then `columns`: good values, with each odd and bad one at a random row."""
    fields = [{"name": "id", "type": "integer"}] + [c.field for c in columns]
    table_schema = {**schema, "fields": fields}
    rows: list[list[str]] = [
        [str(number)] + [c.good(rng) for c in columns] for number in range(1, n_rows + 1)
    ]
    cells = set()
    for index, column in enumerate(columns, start=1):
        values = column.odd + column.bad
        places = rng.sample(range(n_rows), len(values))
        for value, place in zip(values, places, strict=True):
            rows[place][index] = value
        for place in places[len(column.odd) :]:
            cells.add((column.error, place + 2, column.field["name"]))
    return Filled([header(table_schema), *rows], table_schema, frozenset(cells))


def simple_rows(rng: random.Random, n_rows: int) -> Filled:
    """id, name, amount: all good, the names full of quotes, commas and newlines."""
    return fill(
        rng,
        [
            Column({"name": "name", "type": "string"}, words),
            Column({"name": "amount", "type": "number"}, decimals(0, 5000)),
        ],
        n_rows,
    )


def with_header(filled: Filled, labels: list[str]) -> list[Row]:
    return [labels, *filled.rows[1:]]


def put(rows: list[Row], rng: random.Random, new: list[Row]) -> list[int]:
    """Put each of `new` at its own random place among the data rows; their row numbers."""
    places = sorted(rng.sample(range(1, len(rows) + 1), len(new)))
    for offset, (place, row) in enumerate(zip(places, new, strict=True)):
        rows.insert(place + offset, row)
    return [place + offset + 1 for offset, place in enumerate(places)]


# Header ------------------------------------------------------------------------------------


def header_blank_label(rng: random.Random) -> Scenario:
    """The second column has no name, the third only spaces (labels are stripped, so blank too)."""
    filled = simple_rows(rng, 20)
    rows = with_header(filled, ["id", "", "  "])
    return Scenario(
        Table("header-blank-label", rows, filled.schema),
        frozenset({"blank-label"}),
        labels=("id", "", ""),
    )


def header_duplicate_label(rng: random.Random) -> Scenario:
    """Two columns are both called "name" (the schema's third field is "alias")."""
    filled = fill(rng, [Column({"name": "name", "type": "string"}, words)] * 2, 20)
    filled.schema["fields"][2] = {"name": "alias", "type": "string"}
    rows = with_header(filled, ["id", "name", "name"])
    return Scenario(
        Table("header-duplicate-label", rows, filled.schema), frozenset({"duplicate-label"})
    )


def header_missing_label(rng: random.Random) -> Scenario:
    """The schema's last field, "notes", has no column; one row still has a fourth cell."""
    filled = simple_rows(rng, 20)
    schema = {"fields": filled.schema["fields"] + [{"name": "notes", "type": "string"}]}
    rows = filled.rows
    rows[5] = [*rows[5], "a stray note"]  # type: ignore[misc]
    return Scenario(
        Table("header-missing-label", rows, schema), frozenset({"missing-label", "extra-cell"})
    )


def header_extra_label(rng: random.Random) -> Scenario:
    """The file has a "notes" column the schema lacks; one row is a cell short, one a cell long."""
    filled = simple_rows(rng, 20)
    rows: list[Row] = [[*row, words(rng)] for row in filled.rows if row is not None]
    rows[0] = [*filled.rows[0], "notes"]  # type: ignore[misc]
    rows[4] = rows[4][:3]  # type: ignore[index]
    rows[9] = [*rows[9], "one too many"]  # type: ignore[misc]
    return Scenario(
        Table("header-extra-label", rows, filled.schema),
        frozenset({"extra-label", "extra-cell"}),
    )


def header_incorrect_label(rng: random.Random) -> Scenario:
    """A label differs from its field's name by case ("Name").

    " amount " is not wrong: frictionless strips the labels.
    """
    filled = simple_rows(rng, 20)
    rows = with_header(filled, ["id", "Name", " amount "])
    return Scenario(
        Table("header-incorrect-label", rows, filled.schema),
        frozenset({"incorrect-label"}),
        labels=("id", "Name", "amount"),
    )


def header_blank(rng: random.Random) -> Scenario:
    """A one-column file whose header line is empty.

    frictionless 5.21 never reports blank-header (its check sits after an early return for
    a missing header). Its header detector picks the first row whose width is near the
    average, here the empty line, so the file has no labels at all and the real header
    line, "count", is read as a data row: a type-error in row 2.
    """
    rows: list[Row] = [None, ["count"]] + [[str(rng.randint(0, 99))] for _ in range(20)]
    schema = {"fields": [{"name": "count", "type": "integer"}]}
    return Scenario(
        Table("header-blank", rows, schema),
        frozenset({"type-error"}),
        cells=frozenset({("type-error", 2, "count")}),
        labels=(),
    )


def header_after_title_lines(rng: random.Random) -> Scenario:
    """Two title lines and an empty line above the header; one amount is not a number.

    frictionless takes the header to be the first row about as wide as the average row, so
    the title lines are skipped and the header is row 4 (row numbers still count them).
    """
    filled = fill(
        rng, [Column({"name": "amount", "type": "number"}, decimals(0, 99), bad=("n/a",))], 20
    )
    filled.schema["fields"].insert(1, {"name": "payee", "type": "string"})
    data = [[row[0], words(rng), row[1]] for row in filled.rows[1:] if row is not None]
    rows: list[Row] = [["Spend over £25k"], ["Published 2020"], None, header(filled.schema), *data]
    cells = frozenset((kind, number + 3, name) for kind, number, name in filled.cells)
    return Scenario(
        Table("header-after-title-lines", rows, filled.schema),
        frozenset({"type-error"}),
        cells=cells,
        labels=("id", "payee", "amount"),
    )


# Row shape ---------------------------------------------------------------------------------


def rows_blank(rng: random.Random) -> Scenario:
    """An empty line in the middle, two rows of only delimiters; a row of spaces is not blank."""
    filled = simple_rows(rng, 30)
    rows = filled.rows
    put(rows, rng, [None, ["", "", ""], ["", "", ""], ["", " ", " "]])
    filled.schema["fields"][2]["type"] = "string"  # so the row of spaces is valid
    return Scenario(
        Table("rows-blank", rows, filled.schema), frozenset({"blank-row"}), cells=frozenset()
    )


def rows_extra_cell(rng: random.Random) -> Scenario:
    """Rows with one or two cells too many, one of them only a trailing delimiter."""
    filled = simple_rows(rng, 30)
    rows = filled.rows
    put(rows, rng, [["1", "a", "5", ""], ["2", "b", "6", "x", "y"], ["3", "c,d", "7", '"q"']])
    return Scenario(Table("rows-extra-cell", rows, filled.schema), frozenset({"extra-cell"}))


def rows_missing_cell(rng: random.Random) -> Scenario:
    """Rows a cell or two short; a missing cell in a required field is a constraint-error too."""
    filled = simple_rows(rng, 30)
    filled.schema["fields"][2]["constraints"] = {"required": True}
    rows = filled.rows
    numbers = put(rows, rng, [["1", "a"], ["2"], ["3", "b", "4"], ["4", "c,d"]])
    cells = {("constraint-error", n, "amount") for n in (numbers[0], numbers[1], numbers[3])}
    return Scenario(
        Table("rows-missing-cell", rows, filled.schema),
        frozenset({"missing-cell", "constraint-error"}),
        cells=frozenset(cells),
    )


# Types -------------------------------------------------------------------------------------


def typed(rng: random.Random, name: str, columns: list[Column], **schema: Any) -> Scenario:
    filled = fill(rng, columns, 50, **schema)
    kinds = frozenset(c.error for c in columns if c.bad)
    return Scenario(Table(name, filled.rows, filled.schema), kinds, cells=filled.cells)


def type_number(rng: random.Random) -> Scenario:
    """Numbers: plain, with groupChar ",", with decimalChar "," and groupChar ".", not bare."""
    plain = Column(
        {"name": "plain", "type": "number"},
        decimals(-100, 100),
        odd=(" 5", "5 ", "+5", "007", "1e3", "1_000", ".5", "5.", "-0", "NaN", "inf", "١٢"),
        bad=("1,234.50", "12%", "  ", "1.2.3", "0x10", "--5", "5-"),
    )
    grouped = Column(
        {"name": "grouped", "type": "number", "groupChar": ","},
        lambda rng: f"{rng.uniform(1000, 9e6):,.2f}",
        odd=("1,234.50", "12,34", "1,,234", "1.234,50"),  # every "," is dropped
        bad=("1 234", "12%", "abc"),
    )
    european = Column(
        {"name": "european", "type": "number", "decimalChar": ",", "groupChar": "."},
        lambda rng: f"{rng.uniform(1000, 9e6):,.2f}".translate(str.maketrans(",.", ".,")),
        odd=("1.234,50", "1234,5", "1.234.567,89", " 1.234,50", "1,234.50"),
        bad=("1,2,3", "12,5%", "abc"),
    )
    money = Column(
        {"name": "money", "type": "number", "bareNumber": False},
        decimals(0, 999, "£{:.2f}"),
        odd=("£1234", "12%", "€ 5", "5 EUR", "$-5", "%12"),
        bad=("£1,234", "-$5", "abc"),  # no groupChar here, so the "," is not allowed
    )
    money_grouped = Column(
        {"name": "money_grouped", "type": "number", "bareNumber": False, "groupChar": ","},
        lambda rng: f"£{rng.uniform(1000, 9e6):,.2f}",
        odd=("£1,234", "12%"),
        bad=("£ twelve",),
    )
    return typed(rng, "type-number", [plain, grouped, european, money, money_grouped])


def type_integer(rng: random.Random) -> Scenario:
    """Integers, bare and with bareNumber false."""
    plain = Column(
        {"name": "plain", "type": "integer"},
        integers(-1000, 1000),
        odd=(" 5", "5 ", "+5", "007", "-0", "1_000", "١٢"),
        bad=("1e3", "5.0", "1,000", "0x10", "five", "  "),
    )
    decorated = Column(
        {"name": "decorated", "type": "integer", "bareNumber": False},
        integers(0, 100),
        odd=("£12", "12%", "EUR 5", "1_0"),
        bad=("5.5%", "abc"),
    )
    return typed(rng, "type-integer", [plain, decorated])


def type_boolean(rng: random.Random) -> Scenario:
    """Booleans with the default true/false values and with trueValues/falseValues of their own."""
    plain = Column(
        {"name": "plain", "type": "boolean"},
        pick("true", "false"),
        odd=("True", "TRUE", "False", "FALSE", "1", "0"),
        bad=("tRuE", "yes", " true", "t", "no"),
    )
    custom = Column(
        {
            "name": "custom",
            "type": "boolean",
            "trueValues": ["Y", "oui"],
            "falseValues": ["N", "non"],
        },
        pick("Y", "N"),
        odd=("oui", "non"),
        bad=("y", "OUI", "true", "1"),
    )
    return typed(rng, "type-boolean", [plain, custom])


def type_date(rng: random.Random) -> Scenario:
    """Dates in the default (ISO), "any" and "%d/%m/%Y" formats."""
    iso = Column(
        {"name": "iso", "type": "date"},
        dates(),
        odd=("2020-1-5", "2020-02-29"),
        bad=("2020-02-30", "2019-02-29", " 2020-01-05", "2020-01-05 ", "20200105", "05/01/2020"),
    )
    # "any" fills what a value leaves out from today's date, so no value here lacks a year.
    anything = Column(
        {"name": "anything", "type": "date", "format": "any"},
        dates(),
        odd=("5/1/2020", " 5/1/2020", "Jan 5 2020", "5 January 2020", "2020-01-05T10:00"),
        bad=("2020-02-30", "tomorrow", "1e3"),
    )
    british = Column(
        {"name": "british", "type": "date", "format": "%d/%m/%Y"},
        dates("%d/%m/%Y"),
        odd=("5/1/2020", " 5/1/2020", "29/02/2020"),  # strptime's %d takes " 5"
        bad=("5/1/20", "30/02/2020", "29/02/2019", "2020-01-05", "05/01/2020 "),
    )
    return typed(rng, "type-date", [iso, anything, british])


def type_time(rng: random.Random) -> Scenario:
    """Times in the default, "any" and "%H:%M" formats."""
    iso = Column(
        {"name": "iso", "type": "time"},
        datetimes("%H:%M:%S"),
        odd=("24:00:00", "10:00:00Z", "10:00:00+01:00", "10:00:00.123"),
        bad=("10:00", "23:59:60", "25:00:00", "1:2:3", "10:00:00 "),
    )
    anything = Column(
        {"name": "anything", "type": "time", "format": "any"},
        datetimes("%H:%M:%S"),
        odd=("10:00", "10am", "10:00 PM"),
        bad=("24:00", "ten"),
    )
    clock = Column(
        {"name": "clock", "type": "time", "format": "%H:%M"},
        datetimes("%H:%M"),
        odd=("9:05",),
        bad=("10:00:00", "24:00", "10:61"),
    )
    return typed(rng, "type-time", [iso, anything, clock])


def type_datetime(rng: random.Random) -> Scenario:
    """Datetimes in the default, "any" and "%d/%m/%y %H:%M" formats."""
    iso = Column(
        {"name": "iso", "type": "datetime"},
        datetimes(),
        odd=(
            "2020-01-05T10:00:00Z",
            "2020-01-05T10:00:00+01:00",
            "2020-01-05T10:00:00.5Z",
            "2020-01-05T10:00:00.123456",
            "2020-01-05 10:00:00",
            "2020-01-05T24:00:00",
            "2020-01-05T10:00:00+0100",
        ),
        bad=("2020-01-05T10:00", "2020-01-05", "2020-02-30T10:00:00", "2020-1-5T10:00:00"),
    )
    anything = Column(
        {"name": "anything", "type": "datetime", "format": "any"},
        datetimes(),
        odd=("2020-01-05 10:00", "5/1/2020 10:00", "2020-01-05", "2020-01-05T10:00:00Z"),
        bad=("nonsense", "2020-02-30 10:00"),
    )
    british = Column(
        {"name": "british", "type": "datetime", "format": "%d/%m/%y %H:%M"},
        datetimes("%d/%m/%y %H:%M"),
        odd=("5/1/20 9:05",),
        bad=("05/01/2020 10:00", "05/01/20 10:00:00", "30/02/20 10:00", "05/01/20 24:00"),
    )
    return typed(rng, "type-datetime", [iso, anything, british])


def type_year_yearmonth(rng: random.Random) -> Scenario:
    """Years and year-months."""
    year = Column(
        {"name": "year", "type": "year"},
        integers(1900, 2100),
        odd=("٢٠٢٠",),
        bad=("0", "-5", "20200", "+2020", " 2020", "2020.0", "99"),
    )
    yearmonth = Column(
        {"name": "yearmonth", "type": "yearmonth"},
        dates("%Y-%m"),
        odd=("2020-1", " 2020-01"),  # a leading space is fine here, unlike for year
        bad=("2020-13", "2020-00", "202001", "2020/01", "2020-01-05"),
    )
    return typed(rng, "type-year-yearmonth", [year, yearmonth])


def type_duration(rng: random.Random) -> Scenario:
    """ISO 8601 durations."""
    duration = Column(
        {"name": "duration", "type": "duration"},
        lambda rng: f"P{rng.randint(0, 9)}DT{rng.randint(0, 23)}H{rng.randint(0, 59)}M",
        odd=("PT", "P1W", "PT0.5S", "-P1D", "P1DT", "P1.5Y", "P1Y2M3DT4H5M6S"),
        bad=("P", "1 day", "p1d"),
    )
    return typed(rng, "type-duration", [duration])


def type_geopoint(rng: random.Random) -> Scenario:
    """Geopoints in the default ("lon, lat"), "array" and "object" formats."""

    def lon_lat(rng: random.Random) -> tuple[float, float]:
        return round(rng.uniform(-180, 180), 4), round(rng.uniform(-90, 90), 4)

    plain = Column(
        {"name": "plain", "type": "geopoint"},
        lambda rng: "{}, {}".format(*lon_lat(rng)),
        odd=("90,45", " 90,45", "180,90", "-180,-90"),
        bad=("181,0", "0,91", "a,b", "90", "90;45", "90,45,0"),
    )
    array = Column(
        {"name": "array", "type": "geopoint", "format": "array"},
        lambda rng: "[{}, {}]".format(*lon_lat(rng)),
        odd=('["90","45"]', "[90,45]"),
        bad=("[181,0]", "[1,2,3]", "90,45", "[]"),
    )
    obj = Column(
        {"name": "object", "type": "geopoint", "format": "object"},
        lambda rng: '{{"lon": {}, "lat": {}}}'.format(*lon_lat(rng)),
        odd=('{"lon":"90","lat":"45"}',),
        bad=('{"lat":45}', '{"lon":181,"lat":45}', '{"lon":90,"lat":45,"x":1}', "90,45"),
    )
    return typed(rng, "type-geopoint", [plain, array, obj])


def type_object_array(rng: random.Random) -> Scenario:
    """JSON objects and arrays in cells."""
    obj = Column(
        {"name": "object", "type": "object"},
        lambda rng: f'{{"a": {rng.randint(0, 9)}, "b": "x,y"}}',
        odd=("{}", ' {"a": 1} '),
        bad=("[]", '"x"', "1", "{a:1}", "null", '{"a":1,}'),
    )
    array = Column(
        {"name": "array", "type": "array"},
        lambda rng: f"[{rng.randint(0, 9)}, {rng.randint(0, 9)}]",
        odd=("[]", '[{"a": [1]}]'),
        bad=("{}", '"x"', "[1,", "null", "1,2"),
    )
    return typed(rng, "type-object-array", [obj, array])


def type_string_formats(rng: random.Random) -> Scenario:
    """Strings in the email, uri and uuid formats."""
    email = Column(
        {"name": "email", "type": "string", "format": "email"},
        lambda rng: f"{rng.choice(['ann', 'bo.lee', 'x+y'])}@example.org",
        bad=("a@b", "@b.com", "a b@c.com", " a@b.com", "Ann <a@b.com>", "a@@b.com", "a@b.c"),
    )
    uri = Column(
        {"name": "uri", "type": "string", "format": "uri"},
        lambda rng: f"https://example.org/{rng.randint(0, 999)}?q=a,b",
        odd=("mailto:a@b.com", "urn:isbn:123", "http://x y.org", "ftp://x", "http://"),
        bad=("x.org", "/path"),
    )
    identifier = Column(
        {"name": "identifier", "type": "string", "format": "uuid"},
        lambda rng: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        odd=(
            "123E4567-E89B-12D3-A456-426614174000",
            "123e4567e89b12d3a456426614174000",
            "{123e4567-e89b-12d3-a456-426614174000}",
            "urn:uuid:123e4567-e89b-12d3-a456-426614174000",
        ),
        bad=("123e4567-e89b-12d3-a456-42661417400", "xyz"),
    )
    return typed(rng, "type-string-formats", [email, uri, identifier])


# Constraints -------------------------------------------------------------------------------


def constraint_required(rng: random.Random) -> Scenario:
    """Required cells left empty; a cell of spaces and "NA" are not missing by default."""
    required = {"required": True}
    name = Column(
        {"name": "name", "type": "string", "constraints": required},
        words,
        odd=(" ", "NA"),
        bad=("", ""),
        error="constraint-error",
    )
    amount = Column(
        {"name": "amount", "type": "number", "constraints": required},
        decimals(0, 100),
        bad=("", "", ""),
        error="constraint-error",
    )
    return typed(rng, "constraint-required", [name, amount])


def constraint_string(rng: random.Random) -> Scenario:
    """pattern, minLength, maxLength and enum on strings."""
    code = Column(
        {"name": "code", "type": "string", "constraints": {"pattern": "[A-Z]{2}[0-9]{3}"}},
        lambda rng: f"{rng.choice(['AB', 'XY', 'QQ'])}{rng.randint(100, 999)}",
        odd=("AB123\n",),  # the pattern becomes ^...$, and Python's $ matches before a final \n
        bad=("ab123", " AB123", "AB123 ", "AB1234"),
        error="constraint-error",
    )
    name = Column(
        {"name": "name", "type": "string", "constraints": {"minLength": 2, "maxLength": 10}},
        pick("Ann", "Bob", "Zoë", "Ünïcödé"),
        odd=("  ", "١٢", "naïve café"),
        bad=("A", "Bartholomew", "Flat 2\n10 High"),
        error="constraint-error",
    )
    status = Column(
        {"name": "status", "type": "string", "constraints": {"enum": ["open", "closed"]}},
        pick("open", "closed"),
        bad=("Open", "open ", "pending"),
        error="constraint-error",
    )
    return typed(rng, "constraint-string", [code, name, status])


def constraint_integer(rng: random.Random) -> Scenario:
    """minimum, maximum and enum on integers."""
    score = Column(
        {"name": "score", "type": "integer", "constraints": {"minimum": 0, "maximum": 100}},
        integers(0, 100),
        odd=("007", "+5", "-0", "100", "0"),
        bad=("-1", "101", "+101", "1_000"),
        error="constraint-error",
    )
    level = Column(
        {"name": "level", "type": "integer", "constraints": {"enum": [1, 2, 3]}},
        integers(1, 3),
        odd=("01", "+3", " 2"),
        bad=("4", "0", "-1"),
        error="constraint-error",
    )
    return typed(rng, "constraint-integer", [score, level])


def constraint_number(rng: random.Random) -> Scenario:
    """minimum, maximum and enum on numbers; NaN breaks both bounds at once."""
    ratio = Column(
        {"name": "ratio", "type": "number", "constraints": {"minimum": 0.5, "maximum": 1000}},
        decimals(0.5, 1000),
        odd=("1e3", ".5", "5.", "1_000"),
        bad=("0.49", "1000.01", "NaN", "inf", "-inf", "1e4"),
        error="constraint-error",
    )
    step = Column(
        {"name": "step", "type": "number", "constraints": {"enum": [0.1, 0.25, 1.5]}},
        pick("0.1", "0.25", "1.5"),
        odd=("1.50", ".25", "0.10"),
        bad=("0.2", "2"),
        error="constraint-error",
    )
    return typed(rng, "constraint-number", [ratio, step])


def constraint_date(rng: random.Random) -> Scenario:
    """minimum, maximum and enum on dates, the bounds written in the field's own format."""
    iso = Column(
        {
            "name": "iso",
            "type": "date",
            "constraints": {"minimum": "2020-01-01", "maximum": "2020-12-31"},
        },
        dates(start=date(2020, 1, 1), days=366),
        odd=("2020-1-1", "2020-12-31"),
        bad=("2019-12-31", "2021-01-01", "2021-1-1"),
        error="constraint-error",
    )
    british = Column(
        {
            "name": "british",
            "type": "date",
            "format": "%d/%m/%Y",
            "constraints": {"enum": ["01/01/2020", "05/01/2020"]},
        },
        pick("01/01/2020", "05/01/2020"),
        odd=("1/1/2020", " 5/1/2020"),
        bad=("06/01/2020", "01/05/2020"),
        error="constraint-error",
    )
    year = Column(
        {"name": "year", "type": "year", "constraints": {"minimum": 2000}},
        integers(2000, 2030),
        bad=("1999",),
        error="constraint-error",
    )
    return typed(rng, "constraint-date", [iso, british, year])


def constraint_exclusive_bounds(rng: random.Random) -> Scenario:
    """exclusiveMinimum and exclusiveMaximum, in a schema that declares Table Schema v2.

    frictionless 5.21 rejects them all the same: the resource around the schema declares no
    "$schema", so it is v1, and an ancestor's version wins. Each bounded field is a
    field-error and no row is read (no labels, no row count); the values below that break
    the bounds are what an engine that did read them would have to report.
    """
    count = Column(
        {
            "name": "count",
            "type": "integer",
            "constraints": {"exclusiveMinimum": 0, "exclusiveMaximum": 10},
        },
        integers(1, 9),
        bad=("0", "10", "-0"),
        error="constraint-error",
    )
    share = Column(
        {"name": "share", "type": "number", "constraints": {"exclusiveMaximum": 1}},
        decimals(0, 0.99),
        odd=("0.999", "-inf"),
        bad=("1", "1.0", "inf", "NaN"),
        error="constraint-error",
    )
    day = Column(
        {"name": "day", "type": "date", "constraints": {"exclusiveMinimum": "2020-01-01"}},
        dates(start=date(2020, 1, 2)),
        bad=("2020-01-01", "2019-06-01"),
        error="constraint-error",
    )
    scenario = typed(
        rng, "constraint-exclusive-bounds", [count, share, day], **{"$schema": SCHEMA_V2}
    )
    return replace(scenario, kinds=frozenset({"field-error"}), cells=frozenset(), labels=())


# Unique and primary keys -------------------------------------------------------------------


def unique_error(rng: random.Random) -> Scenario:
    """Repeated values in unique fields, compared as typed values: "007" repeats "7".

    "-0" repeats "0" and "1.0" repeats "1"; empty cells never clash, "abc " is not "abc", and
    two "NaN"s do not clash in frictionless.
    """
    schema = {
        "fields": [
            {"name": "id", "type": "integer", "constraints": {"unique": True}},
            {"name": "code", "type": "string", "constraints": {"unique": True}},
            {"name": "amount", "type": "number", "constraints": {"unique": True}},
        ]
    }
    ids = rng.sample(range(100, 999), 40)
    rows: list[Row] = [header(schema)] + [
        [str(i), f"C{i}", f"{i}.{rng.randint(10, 99)}"] for i in ids
    ]
    put(
        rows,
        rng,
        [
            ["7", "abc", "1"],
            ["007", "abc ", "1.0"],  # unique-error on id and amount
            ["+7", "abc", "NaN"],  # unique-error on id and code
            ["", "", "NaN"],
            ["", "", "0"],
            ["8", "", "-0"],  # unique-error on amount
        ],
    )
    return Scenario(
        Table("unique-error", rows, schema), frozenset({"unique-error"}), cells=frozenset()
    )


def keys_after_title_lines(rng: random.Random) -> Scenario:
    """A title line above the header, a repeated unique code and a row with no primary key.

    Row numbers count the title line, so the checks across rows must too.
    """
    schema = {
        "fields": [
            {"name": "id", "type": "string"},
            {"name": "code", "type": "integer", "constraints": {"unique": True}},
            {"name": "amount", "type": "number"},
        ],
        "primaryKey": ["id"],
    }
    codes = rng.sample(range(100, 999), 30)
    rows: list[Row] = [header(schema)] + [
        [f"G{code}", str(code), f"{rng.randint(1, 999)}.50"] for code in codes
    ]
    put(rows, rng, [["G1", "5", "1"], ["G2", "05", "2"], ["", "6", "3"]])
    return Scenario(
        Table("keys-after-title-lines", [["Grants paid in 2023"], *rows], schema),
        frozenset({"unique-error", "primary-key"}),
        cells=frozenset(),
        labels=("id", "code", "amount"),
    )


def primary_key_single(rng: random.Random) -> Scenario:
    """A repeated id ("+41" repeats "41") and rows whose id is empty, one of them blank."""
    filled = simple_rows(rng, 40)
    filled.schema["primaryKey"] = "id"
    rows = filled.rows
    put(
        rows,
        rng,
        [["41", "again", "1"], ["+41", "and again", "2"], ["", "no id", "3"], ["", "", ""]],
    )
    return Scenario(
        Table("primary-key-single", rows, filled.schema),
        frozenset({"primary-key", "blank-row"}),
        cells=frozenset(),
    )


def primary_key_composite(rng: random.Random) -> Scenario:
    """(region, year) repeats, a row with both key cells empty, and rows with one of them empty."""
    schema = {
        "fields": [
            {"name": "region", "type": "string"},
            {"name": "year", "type": "year"},
            {"name": "total", "type": "integer"},
        ],
        "primaryKey": ["region", "year"],
    }
    pairs = [
        (region, year)
        for region in ("North", "South", "East", "West")
        for year in range(2001, 2021)
    ]
    rows: list[Row] = [header(schema)] + [
        [region, str(year), str(rng.randint(0, 999))] for region, year in rng.sample(pairs, 40)
    ]
    put(
        rows,
        rng,
        [
            ["North", "1999", "1"],
            ["North", "1999", "2"],  # repeats the row above
            ["", "", "3"],  # both key cells empty
            ["", "2005", "4"],
            ["", "2005", "5"],  # repeats ("", 2005): an empty cell is part of the key
            ["South", "", "6"],
            ["north", "1999", "7"],  # not a repeat: case matters
        ],
    )
    return Scenario(
        Table("primary-key-composite", rows, schema), frozenset({"primary-key"}), cells=frozenset()
    )


# Foreign keys ------------------------------------------------------------------------------


def foreign_key_package(rng: random.Random) -> Scenario:
    """Orders naming customers that the package's customers resource does not have.

    The keys are compared as typed values: "007" finds customer 7; a customer row whose id
    is not an integer is not in the lookup, and an empty reference is not checked.
    """
    customers_schema = {
        "fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}],
        "primaryKey": "id",
    }
    customer_ids = rng.sample(range(1, 60), 30)
    customers: list[Row] = [header(customers_schema)] + [[str(i), words(rng)] for i in customer_ids]
    customers.append(["x99", "Not a number"])
    schema = {
        "fields": [
            {"name": "id", "type": "integer"},
            {"name": "customer", "type": "integer"},
            {"name": "amount", "type": "number"},
        ],
        "foreignKeys": [
            {"fields": "customer", "reference": {"resource": "customers", "fields": "id"}}
        ],
    }
    rows: list[Row] = [header(schema)] + [
        [str(n), str(rng.choice(customer_ids)), decimals(0, 500)(rng)] for n in range(1, 41)
    ]
    unknown = next(i for i in range(1, 60) if i not in customer_ids)
    put(
        rows,
        rng,
        [
            ["41", str(unknown), "1"],
            ["42", "0" + str(customer_ids[0]), "2"],  # found
            ["43", "", "3"],  # not checked
            ["44", "99", "4"],
            ["45", "x99", "5"],  # a type-error, so not checked either
        ],
    )
    return Scenario(
        Table("orders", rows, schema),
        frozenset({"foreign-key", "type-error"}),
        others=(Table("customers", customers, customers_schema),),
        cells=None,
    )


def foreign_key_self(rng: random.Random) -> Scenario:
    """Employees whose manager is not an employee (the reference names no resource: itself)."""
    schema = {
        "fields": [
            {"name": "id", "type": "integer"},
            {"name": "name", "type": "string"},
            {"name": "manager", "type": "integer"},
        ],
        "foreignKeys": [{"fields": "manager", "reference": {"resource": "", "fields": "id"}}],
    }
    rows: list[Row] = [header(schema), ["1", "Boss", ""]]
    for n in range(2, 41):
        rows.append([str(n), words(rng), str(rng.randint(1, n - 1))])
    put(
        rows,
        rng,
        [["41", "New", "99"], ["42", "Odd", "+2"], ["43", "Self", "43"], ["44", "Gone", "0"]],
    )
    return Scenario(Table("employees", rows, schema), frozenset({"foreign-key"}), cells=frozenset())


def foreign_key_self_composite(rng: random.Random) -> Scenario:
    """Places whose (parent country, parent code) is not a place.

    The reference names the resource itself, so it is validated as part of a package. One
    parent has its code empty: frictionless looks up ("FR", None) and does not find it.
    """
    schema = {
        "fields": [
            {"name": "country", "type": "string"},
            {"name": "code", "type": "integer"},
            {"name": "parent_country", "type": "string"},
            {"name": "parent_code", "type": "integer"},
        ],
        "primaryKey": ["country", "code"],
        "foreignKeys": [
            {
                "fields": ["parent_country", "parent_code"],
                "reference": {"resource": "places", "fields": ["country", "code"]},
            }
        ],
    }
    places = [(country, code) for country in ("FR", "DE", "UK") for code in range(1, 14)]
    rows: list[Row] = [header(schema)]
    for index, (country, code) in enumerate(places):
        parent = ("", "") if index < 3 else rng.choice(places[:index])
        rows.append([country, str(code), parent[0], str(parent[1])])
    put(
        rows,
        rng,
        [
            ["FR", "100", "FR", "99"],  # no such parent
            ["FR", "101", "DE", "1"],
            ["FR", "102", "FR", ""],  # half a reference
            ["FR", "103", "", ""],  # no reference
            ["FR", "104", "fr", "1"],  # case matters
        ],
    )
    return Scenario(Table("places", rows, schema), frozenset({"foreign-key"}), cells=frozenset())


def foreign_key_composite(rng: random.Random) -> Scenario:
    """Sales whose (region, year) is not in the package's targets resource."""
    targets_schema = {
        "fields": [
            {"name": "region", "type": "string"},
            {"name": "year", "type": "integer"},
            {"name": "target", "type": "number"},
        ],
        "primaryKey": ["region", "year"],
    }
    keys = [(region, year) for region in ("North", "South") for year in range(2010, 2021)]
    targets: list[Row] = [header(targets_schema)] + [
        [region, str(year), decimals(0, 1e6)(rng)] for region, year in keys
    ]
    schema = {
        "fields": [
            {"name": "id", "type": "integer"},
            {"name": "region", "type": "string"},
            {"name": "year", "type": "integer"},
            {"name": "sold", "type": "number"},
        ],
        "foreignKeys": [
            {
                "fields": ["region", "year"],
                "reference": {"resource": "targets", "fields": ["region", "year"]},
            }
        ],
    }
    rows: list[Row] = [header(schema)]
    for n in range(1, 41):
        region, year = rng.choice(keys)
        rows.append([str(n), region, str(year), decimals(0, 1e4)(rng)])
    put(
        rows,
        rng,
        [
            ["41", "North", "2009", "1"],
            ["42", "East", "2010", "2"],
            ["43", "South", "02015", "3"],  # found: the year is an integer
            ["44", "South ", "2015", "4"],
            ["45", "", "2015", "5"],
        ],
    )
    return Scenario(
        Table("sales", rows, schema),
        frozenset({"foreign-key"}),
        others=(Table("targets", targets, targets_schema),),
        cells=frozenset(),
    )


# Missing values ----------------------------------------------------------------------------


def missing_values_schema(rng: random.Random) -> Scenario:
    """missingValues ["", "NA", "-"]: "NA" in a required field is missing; " NA" and "n/a" are not.

    A row whose every cell is a missing value is a blank row.
    """
    columns = [
        Column(
            {"name": "name", "type": "string", "constraints": {"required": True}},
            words,
            odd=(" NA", "n/a"),
            bad=("NA", "-", ""),
            error="constraint-error",
        ),
        Column(
            {"name": "amount", "type": "number"},
            decimals(0, 100),
            odd=("NA", "-", ""),
            bad=(" NA", "n/a", "- "),
        ),
    ]
    filled = fill(rng, columns, 40, missingValues=["", "NA", "-"])
    numbers = put(filled.rows, rng, [["NA", "-", ""], ["-", "NA", "NA"]])
    return Scenario(
        Table("missing-values-schema", filled.rows, filled.schema),
        frozenset({"constraint-error", "type-error", "blank-row"}),
        cells=shift(filled.cells, numbers),
    )


def missing_values_field(rng: random.Random) -> Scenario:
    """A field's missingValues replace the schema's: for "amount" only "-" is missing, so "" and
    "NA" are type-errors; for "note" nothing is, so an empty required note is fine."""
    columns = [
        Column(
            {"name": "name", "type": "string", "constraints": {"required": True}},
            words,
            bad=("NA", ""),
            error="constraint-error",
        ),
        Column(
            {"name": "amount", "type": "number", "missingValues": ["-"]},
            decimals(0, 100),
            odd=("-",),
            bad=("", "NA"),
        ),
        Column(
            {
                "name": "note",
                "type": "string",
                "missingValues": [],
                "constraints": {"required": True},
            },
            words,
            odd=("", "NA", "-"),
        ),
    ]
    filled = fill(rng, columns, 40, missingValues=["", "NA"])
    return Scenario(
        Table("missing-values-field", filled.rows, filled.schema),
        frozenset({"constraint-error", "type-error"}),
        cells=filled.cells,
    )


def shift(cells: frozenset[CellError], inserted: list[int]) -> frozenset[CellError]:
    """Cell errors' row numbers after rows were inserted at `inserted` (ascending row numbers)."""
    moved = set()
    for kind, number, name in cells:
        for place in inserted:
            if place <= number:
                number += 1
        moved.add((kind, number, name))
    return frozenset(moved)


# Encodings and dialects --------------------------------------------------------------------


def dialect_table(
    rng: random.Random,
    name: str,
    bad_dates: tuple[str, ...] = ("31/02/2020",),
    payees: Make = words,
    **dialect: Any,
) -> Scenario:
    """A few typed columns with a type-error or two, written in the given dialect."""
    columns = [
        Column({"name": "payee", "type": "string"}, payees),
        Column(
            {"name": "paid", "type": "date", "format": "%d/%m/%Y"}, dates("%d/%m/%Y"), bad=bad_dates
        ),
        Column({"name": "amount", "type": "number"}, decimals(0, 1e5), odd=("1e3",), bad=("£5",)),
    ]
    filled = fill(rng, columns, 40)
    return Scenario(
        Table(name, filled.rows, filled.schema, **dialect),
        frozenset({"type-error"}),
        cells=filled.cells,
    )


def dialect_crlf(rng: random.Random) -> Scenario:
    """Windows line endings, a quoted cell holding a line break, and an empty line (blank-row)."""
    scenario = dialect_table(rng, "dialect-crlf", newline="\r\n")
    numbers = put(scenario.table.rows, rng, [["1", "Two\r\nlines", "01/01/2020", "1"], None])
    return replace(
        scenario,
        kinds=scenario.kinds | {"blank-row"},
        cells=shift(scenario.cells or frozenset(), numbers),
    )


def dialect_lone_cr(rng: random.Random) -> Scenario:
    """Old Mac line endings: a lone carriage return ends each line.

    No cell holds a line feed: one would make sniff_file call the line endings "\n".
    """
    payees = pick(*(name for name in NAMES if "\n" not in name))
    return dialect_table(rng, "dialect-lone-cr", payees=payees, newline="\r")


def encoding_bom(rng: random.Random) -> Scenario:
    """UTF-8 with a byte order mark; the first label must still be "id"."""
    scenario = dialect_table(rng, "encoding-bom", encoding="utf-8-sig")
    return replace(scenario, labels=("id", "payee", "paid", "amount"))


def encoding_cp1252_pounds(rng: random.Random) -> Scenario:
    """A Windows-1252 file with £ and € signs, and a £ in a column name."""
    columns = [
        Column(
            {"name": "payee", "type": "string"},
            pick("Café Zoë", "Crème Brûlée Ltd", "Ça va €", "Smith, John"),
        ),
        Column(
            {"name": "Amount £", "type": "number", "bareNumber": False, "groupChar": ","},
            lambda rng: f"£{rng.uniform(0, 1e5):,.2f}",
            odd=("£5", "5 £"),
            bad=("£ five", "££"),
        ),
    ]
    filled = fill(rng, columns, 40)
    return Scenario(
        Table("encoding-cp1252-pounds", filled.rows, filled.schema, encoding="cp1252"),
        frozenset({"type-error"}),
        cells=filled.cells,
        labels=("id", "payee", "Amount £"),
    )


def dialect_tsv(rng: random.Random) -> Scenario:
    """Tab-separated, with unquoted commas in the cells."""
    return dialect_table(rng, "dialect-tsv", delimiter="\t", suffix=".tsv")


def dialect_semicolon(rng: random.Random) -> Scenario:
    """Semicolon-separated with decimal commas, as European spreadsheets save it."""
    columns = [
        Column({"name": "payee", "type": "string"}, pick("Müller; Söhne", "Dupont", "Ørsted")),
        Column(
            {"name": "amount", "type": "number", "decimalChar": ",", "groupChar": "."},
            lambda rng: f"{rng.uniform(0, 1e6):,.2f}".translate(str.maketrans(",.", ".,")),
            odd=("5", "0,5"),
            bad=("1,2,3", "5 €", "12,5%"),
        ),
    ]
    filled = fill(rng, columns, 40)
    return Scenario(
        Table("dialect-semicolon", filled.rows, filled.schema, delimiter=";"),
        frozenset({"type-error"}),
        cells=filled.cells,
    )


def dialect_space_after_delimiter(rng: random.Random) -> Scenario:
    """A space after every comma, as some tools write CSV.

    frictionless lets Python's csv.Sniffer see the first lines, and the sniffer turns on
    skipinitialspace: every cell loses its leading spaces, so " 5/1/2020" is a fine date and
    the labels have no spaces, but a trailing space still makes a type-error.
    """
    scenario = dialect_table(
        rng, "dialect-space-after-delimiter", bad_dates=("31/02/2020", "05/01/2020 "), spaced=True
    )
    rows = scenario.table.rows
    put(rows, rng, [["41", "Zoë", " 5/1/2020", "  7"]])
    numbers = [n for n, row in enumerate(rows, start=1) if row and row[0] == "41"]
    return replace(
        scenario,
        cells=shift(scenario.cells or frozenset(), numbers),
        labels=("id", "payee", "paid", "amount"),
    )


# Error limits ------------------------------------------------------------------------------


def limit_errors_7(rng: random.Random) -> Scenario:
    """An incorrect label, then rows of two or three errors: the limit falls inside row 13.

    1 + 2 (row 6) + 3 (row 10) errors, then row 13's three errors, of which one is kept.
    """
    columns = [
        Column({"name": "count", "type": "integer"}, integers(0, 9)),
        Column(
            {"name": "score", "type": "integer", "constraints": {"maximum": 10}}, integers(0, 10)
        ),
        Column({"name": "when", "type": "date"}, dates()),
    ]
    filled = fill(rng, columns, 30)
    rows = with_header(filled, ["id", "Count", "score", "when"])
    rows[5] = ["5", "x", "11", "2020-02-29"]
    for index in (9, 12, 20):
        rows[index] = [str(index), "x", "11", "2020-02-30"]
    return Scenario(
        Table("limit-errors-7", rows, filled.schema),
        frozenset({"incorrect-label", "type-error", "constraint-error"}),
        limit_errors=7,
    )


def limit_errors_default(rng: random.Random) -> Scenario:
    """3000 rows, half with a bad amount and a third with a bad date: past the 1000-error limit."""
    columns = [
        Column({"name": "payee", "type": "string"}, words),
        Column({"name": "paid", "type": "date"}, dates()),
        Column({"name": "amount", "type": "number"}, decimals(0, 1e4)),
    ]
    filled = fill(rng, columns, 3000)
    for row in filled.rows[1:]:
        assert row is not None
        if rng.random() < 0.5:
            row[3] = rng.choice(["n/a", "£5", "1,000", "five"])
        if rng.random() < 0.3:
            row[2] = rng.choice(["2020-02-30", "31/01/2020", "soon"])
    return Scenario(
        Table("limit-errors-default", filled.rows, filled.schema), frozenset({"type-error"})
    )


# All of them -------------------------------------------------------------------------------

BUILDERS: list[Callable[[random.Random], Scenario]] = [
    header_blank_label,
    header_duplicate_label,
    header_missing_label,
    header_extra_label,
    header_incorrect_label,
    header_blank,
    header_after_title_lines,
    rows_blank,
    rows_extra_cell,
    rows_missing_cell,
    type_number,
    type_integer,
    type_boolean,
    type_date,
    type_time,
    type_datetime,
    type_year_yearmonth,
    type_duration,
    type_geopoint,
    type_object_array,
    type_string_formats,
    constraint_required,
    constraint_string,
    constraint_integer,
    constraint_number,
    constraint_date,
    constraint_exclusive_bounds,
    unique_error,
    keys_after_title_lines,
    primary_key_single,
    primary_key_composite,
    foreign_key_package,
    foreign_key_self,
    foreign_key_self_composite,
    foreign_key_composite,
    missing_values_schema,
    missing_values_field,
    dialect_crlf,
    dialect_lone_cr,
    encoding_bom,
    encoding_cp1252_pounds,
    dialect_tsv,
    dialect_semicolon,
    dialect_space_after_delimiter,
    limit_errors_7,
    limit_errors_default,
]


def build_scenarios(seed: int = SEED) -> list[Scenario]:
    """Every scenario, each from a random.Random seeded with `seed` and its own name."""
    scenarios = []
    for build in BUILDERS:
        name = build.__name__.replace("_", "-")
        scenario = build(random.Random(f"{seed}:{name}"))
        scenarios.append(replace(scenario, id=name, doc=inspect.getdoc(build) or ""))
    return scenarios
