"""Huge cells, header cells and texts: what reads them takes time in step with their length.

Cells up to 1 MB and header cells up to 2,000 bytes are accepted, and the upload page sends
64 kB of a file for its schema hints; a pattern that backtracks from every position turns
such a value into minutes holding the GIL. Each test feeds the values that were slow and
checks the answer; the docstrings say what each took before its fix (measured on the
development machine). No test asserts a time: before the fixes they simply took minutes.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from catalog.datasets.review import describe_columns, review_upload
from catalog.errors import InvalidInput
from catalog.foi.authorities import save_authority
from catalog.foi.letters import lint_letter
from catalog.search.analysis import ANALYZER, QUERY_CHARS
from catalog.search.documents import search_document
from catalog.search.index import SearchIndex
from catalog.viewer import Viewer
from datastore import export_schema
from ingest.personal import find_personal_data
from ingest.schema_hints import hint_schemas
from ingest.sniff import DEFAULT_LEGACY_ENCODINGS
from schemas import infer_table
from schemas.kinds import kind_of
from schemas.matching import name_words

MB = 1_000_000
DIGITS_THEN_MARK = "1" * 100_000 + "!"  # a long run a pattern's first part can end anywhere in


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def test_personal_data_in_a_huge_cell() -> None:
    """The email pattern was quadratic in a run of letters: a 200 kB cell took 39 s, a 1 MB
    one about an hour (fixed before this sweep; here as the entry point's witness)."""
    found = find_personal_data(
        ["Email", "Notes"], [["jo.bloggs@example.org " + "a" * MB], ["a" * MB, "@" * MB]]
    )
    assert [(f.column, f.kind, f.examples) for f in found] == [
        ("Email", "email", ["j***@example.org"])
    ]


def test_a_huge_value_is_text_not_a_code() -> None:
    """kind_of's code pattern, ^[0-9A-Za-z]*[0-9]..., could end its first run at any digit:
    100 kB of digits and a "!" took over 20 s ("a1" repeated, 14.5 s), 1 MB about 30 min."""
    assert kind_of({"type": "string"}, [DIGITS_THEN_MARK]).key == "text"
    assert kind_of({"type": "string"}, ["a1" * 50_000 + "!"]).key == "text"
    assert kind_of({"type": "string"}, ["AB" * 50_000 + "1" * 50_000 + "-x"]).key == "codes"
    assert kind_of({"type": "string"}, ["E05000001", "007"]).key == "codes"
    assert kind_of({"type": "string"}, ["-1", "abc"]).key == "text"


def test_column_review_of_a_huge_cell(tmp_path: Path) -> None:
    """The column review reads the first values of each column as its examples: a 1 MB cell
    of digits and a "!" would have held it for about half an hour (kind_of, above)."""
    path = write_csv(tmp_path / "huge.csv", [["id", "ref"], ["1", "1" * MB + "!"], ["2", "x"]])
    columns = describe_columns(path, [], None, {}, DEFAULT_LEGACY_ENCODINGS)
    assert [(c["name"], c["kind"]) for c in columns] == [("id", "whole"), ("ref", "text")]


def test_review_of_an_upload_with_huge_cells(tmp_path: Path) -> None:
    """The whole review (fixes, schema hints, personal data) of a file with 1 MB cells:
    0.2 s before the sweep too, once the email pattern was bounded; kept as the witness."""
    rows = [["Name", "Email", "Amount"], ["Mr J Smith", "a@" * (MB // 2), "1" * MB + "!"]]
    path = write_csv(tmp_path / "huge.csv", [*rows, ["Ms A Jones", "x", "2"]])
    steps, shown = review_upload(path, schema=None, legacy_encodings=DEFAULT_LEGACY_ENCODINGS)
    assert steps == []
    assert [p["column"] for p in shown["personal"]] == ["Name"]


def test_inference_reads_a_huge_cell(tmp_path: Path) -> None:
    """infer_table on a small file with a 1 MB cell in a money column: 0.07 s before (the
    shapes are RE2 patterns over Arrow arrays); the cell is an odd value, read back whole."""
    huge = "1" + "a" * MB + "1"
    path = write_csv(tmp_path / "huge.csv", [["Amount"], ["£12.50"], [huge], *[["£1.00"]] * 30])
    found = infer_table(path)
    assert found.schema["fields"][0]["type"] == "number"
    assert found.columns[0].odd_values == [(3, huge)]


def test_names_with_many_opening_brackets() -> None:
    """The bracketed-note pattern, \\([^)]*\\), looked for the ")" from every "(": 100 kB of "("
    took 5.6 s, and the 64 kB the upload page sends for its schema hints 7.2 s."""
    assert name_words("(" * 100_000 + "Amount") == ("amount",)
    assert name_words("[" * 100_000 + "Amount (£) [a/c]") == ("amount", "a", "c")  # all in []
    assert name_words("Expense Type (a/c) (" + "(" * 1000) == ("expense", "type")
    assert name_words("Total (gross (net)) x") == ("total", "x")
    assert hint_schemas(b"a,b,c," + b"(" * 65_000 + b"\n1,2,3,4\n") == []


def test_data_package_schema_with_a_long_number_text() -> None:
    """A bareNumber-false constraint is stripped of what is around its digits as frictionless
    strips a value, ^[^-\\d]*|\\D*$, which was quadratic: "1", 100 kB of letters, "1" took
    over 20 s (1 MB: about half an hour). Schemas are small; the pattern is fixed anyway."""
    long_text = "1" + "a" * 100_000 + "1"
    field = {"name": "cost", "type": "number", "groupChar": ",", "bareNumber": False}
    for limit, exported in (("£1,234.50", "1234.50"), ("-£12", "-£12"), (long_text, long_text)):
        schema = {"fields": [{**field, "constraints": {"minimum": limit}}]}
        assert export_schema(schema)["fields"][0]["constraints"]["minimum"] == exported


def test_letters_with_long_runs() -> None:
    """The letter check's email pattern was unbounded like the personal-data one: a letter
    of the longest kind (20,000 characters) of "1-" took 1.2 s, of "a." 0.7 s."""
    for body in ("1-" * 10_000, "a." * 10_000, "a@" * 10_000):
        assert "no-contact-address" in [p.code for p in lint_letter(body)]
    signed = "Please send the 2023 budget.\n\nYours faithfully,\n\n  Jo Bloggs\njo@example.org"
    assert lint_letter(signed + "\n" + "a." * 9_900) == []


def test_an_authority_with_a_long_web_address(site: Any) -> None:
    """A body's web address was checked with a pattern quadratic in its dots whatever its
    length: "http://", 100 kB of dots and " x" took over 20 s. One over the limit is now
    refused for its length alone."""
    admin = Viewer.user(1, "admin", is_admin=True)
    with site.session() as session:
        for dots, problem in ((100_000, "at most 1000 characters"), (900, "a web address")):
            fields = {"name": "Quangoville Trust", "url": "http://" + "." * dots + " x"}
            with pytest.raises(InvalidInput) as error:
                save_authority(session, admin, fields)
            assert error.value.fields["url"].startswith(problem)


def test_search_of_a_huge_title_and_query(tmp_path: Path) -> None:
    """A 100 kB title is indexed as its words; a 1 MB query (the API's q) is read to its first
    QUERY_CHARS: parsing it whole took 2.2 s, then a search of half a million words."""
    title = "Allotment plots " + "waiting " * 13_000
    assert len(title) > 100_000
    assert [t.text for t in ANALYZER(title)][:3] == ["allot", "plot", "wait"]
    index = SearchIndex(tmp_path / "index")
    document = search_document(1, title, "", "", "", "uk-ogl", [], [], dt.datetime(2024, 1, 1), [])
    index.rebuild([document])
    assert index.search("allotment" + " -zzz" * (MB // 5)).total == 1
    assert index.search("allotment" + " " * QUERY_CHARS + "zzz").total == 1  # zzz is not read


def test_frictionless_reads_a_huge_money_cell_in_linear_time(tmp_path):
    """frictionless strips a number's non-digits (bareNumber false) with a quadratic pattern:
    "1", 100 kB of letters, "1" took over 20 s and this file's 600 kB cell many minutes,
    holding the interpreter's lock, whether our engine asked for that cell (its vectorised
    parser declines it) or frictionless read the whole file (the row is longer than the
    engine's blocks, as here). ingest.frictionless_numbers gives it a linear equivalent."""
    from datastore import Store
    from ingest import ingest_file
    from ingest.limits import TableLimits

    schema = {
        "fields": [
            {"name": "id", "type": "integer"},
            {"name": "Amount", "type": "number", "bareNumber": False},
        ]
    }
    path = tmp_path / "money.csv"
    rows = "".join(f"{i},£{i}.50\n" for i in range(1, 40))
    path.write_text(f"id,Amount\n{rows}40,1{'y' * 600_000}1\n41,£2\n", encoding="utf-8")
    store = Store(tmp_path / "files")
    result = ingest_file(
        store, "c" * 32, path, original_name="money.csv", schema=schema, limits=TableLimits()
    )
    errors = [
        (e["rowNumber"], e["fieldName"], e["type"]) for e in result.report["tasks"][0]["errors"]
    ]
    assert errors == [(41, "Amount", "type-error")]


def test_the_linear_number_strip_is_the_pattern_frictionless_uses():
    import random
    import re

    from ingest.frictionless_numbers import ORIGINAL, strip_non_digits

    original = re.compile(ORIGINAL)
    alphabet = ["1", "7", "-", "a", " ", ".", ",", "£", "%", "٣", "²", "\n", "e", "+"]
    generator = random.Random(14)
    for _ in range(20_000):
        cell = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 10)))
        assert strip_non_digits(cell) == original.sub("", cell), repr(cell)
    from frictionless.fields import number

    assert number.re.compile(ORIGINAL).sub("", "£1,000.50 GBP") == "1,000.50"
