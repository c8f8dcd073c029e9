"""Matching a file's columns to a ready schema by name, suggesting ready schemas, and columns
whose values say they are swapped; on the real UK spend files."""

from __future__ import annotations

import copy
import csv
from pathlib import Path

import pytest

from ingest import flatten_errors, sniff_file, validate_file
from ingest.header import read_header
from schemas import library_entries, library_schema
from schemas.matching import match_columns, name_likeness, name_words, suggest_schemas
from schemas.swaps import read_number, swapped_columns

DATA = Path(__file__).parent / "data"
SPEND = library_schema("uk-spend-over-25k")

# Each real spend file: its header's line, and the pairs expected against uk-spend-over-25k
# as (column index, column name, field, how); the missing required fields; the extras.
EXPECTED = {
    "uk-cabinet-office-spend-nov-2010/co-spend-data-nov2010.csv": (
        1,
        [
            (0, "Departmental Family", "Department family", "synonym"),
            (1, "Entity", "Entity", "exact"),
            (2, "Date", "Date", "exact"),
            (3, "Expense Type", "Expense type", "same-words"),
            (4, "Expense Area", "Expense area", "same-words"),
            (5, "Supplier", "Supplier", "exact"),
            (6, "Transaction Number", "Transaction number", "same-words"),
            (7, "Amount £", "Amount", "same-words"),
            (8, "Description", "Description", "exact"),
        ],
        [],
        [],
    ),
    "uk-cefas-spend-aug-2010/cefas-over-25k-1008.csv": (
        1,
        [
            (0, "Department family(T)", "Department family", "same-words"),
            (1, "Entity(T)", "Entity", "same-words"),
            (2, "Pay date", "Date", "synonym"),
            (3, "Expense type(T)", "Expense type", "same-words"),
            (4, "Expense area(T)", "Expense area", "same-words"),
            (5, "Supplier(T)", "Supplier", "same-words"),
            (6, "TransNo", "Transaction number", "synonym"),
            (7, "Amount", "Amount", "exact"),
            (8, "VAT Registration Number", "VAT registration number", "same-words"),
        ],
        ["Description"],
        [],
    ),
    # The real header is on line 6, under a title and a second, shorter header.
    "uk-gla-payments-dec-2009/gla-december_2009.csv": (
        6,
        [
            (0, "Supplier Name", "Supplier", "synonym"),
            (1, "Expense Code Description", "Expense type", "synonym"),
            (2, "Amount Paid", "Amount", "synonym"),
        ],
        ["Department family", "Entity", "Date", "Expense area", "Transaction number"]
        + ["Description"],
        [],
    ),
    "uk-rpa-spend-aug-2010/rpa-over-25k-1008.csv": (
        1,
        [
            (0, "Department family", "Department family", "exact"),
            (1, "Entity", "Entity", "exact"),
            (2, "Date", "Date", "exact"),
            (3, "Expense type", "Expense type", "exact"),
            (4, "Expense area", "Expense area", "exact"),
            (5, "Supplier", "Supplier", "exact"),
            (6, "Transaction number", "Transaction number", "exact"),
            (7, "Amount", "Amount", "exact"),
        ],
        ["Description"],
        [],
    ),
    # "Gross " (empty) and "Gross" (the amounts): the one spelt as the synonym wins.
    "uk-rpa-spend-feb-2011/rpa-over-25k-1102.csv": (
        1,
        [
            (0, "Department Family", "Department family", "same-words"),
            (1, "Entity", "Entity", "exact"),
            (2, "Transaction Date", "Date", "synonym"),
            (3, "Expense Type (a/c)", "Expense type", "same-words"),
            (4, "Expense Area (c/c)", "Expense area", "same-words"),
            (5, "Supplier", "Supplier", "exact"),
            (6, "Invoice No.", "Transaction number", "synonym"),
            (9, "Gross", "Amount", "synonym"),
        ],
        ["Description"],
        [(7, "Month"), (8, "Gross ")] + [(i, "") for i in range(10, 66)],
    ),
    "uk-spend-bbsrc-nov-2010/1011-bbsrc-25k-spend-return.csv": (
        1,
        [
            (0, "Department Family", "Department family", "same-words"),
            (1, "Entity", "Entity", "exact"),
            (2, "Date", "Date", "exact"),
            (3, "Expense Type", "Expense type", "same-words"),
            (4, "Expense Area", "Expense area", "same-words"),
            (5, "Supplier", "Supplier", "exact"),
            (6, "Transaction Number", "Transaction number", "same-words"),
            (7, " Amount ", "Amount", "same-words"),
            (8, "VAT Registration Number", "VAT registration number", "same-words"),
        ],
        ["Description"],
        [],
    ),
    "uk-spend-bis-wrong-types/invalid-on-bis-modified-schema.csv": (
        1,
        [
            (0, "Department", "Department family", "synonym"),
            (1, "Entity", "Entity", "exact"),
            (2, "Date of Payment", "Date", "synonym"),
            (3, "Expense Type", "Expense type", "same-words"),
            (4, "Expense Area", "Expense area", "same-words"),
            (5, "Supplier", "Supplier", "exact"),
            (6, "Transaction Number", "Transaction number", "same-words"),
            (7, "Amount", "Amount", "exact"),
        ],
        ["Description"],
        [],
    ),
}
CLEAN_FILES = sorted((DATA / "valid").rglob("*.csv"))


def read_rows(path: Path) -> list[list[str]]:
    sniffed = sniff_file(path)
    with open(path, encoding=sniffed.encoding, newline="") as text:
        return list(csv.reader(text, delimiter=sniffed.delimiter))


def header_and_rows(path: Path, line: int | None = None) -> tuple[list[str], list[list[str]]]:
    """The header (on `line`, or where the ingest finds it) and the data rows below it."""
    if line is None:
        line, _cells = read_header(path, sniff_file(path))
    rows = read_rows(path)
    return rows[line - 1], rows[line:]


def spend_file(name: str) -> Path:
    return DATA / "invalid" / name


# Names as words -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Department family(T)", ("department", "family")),
        ("Expense Type (a/c)", ("expense", "type")),
        ("Amount £", ("amount",)),
        ("Amount \ufffd", ("amount",)),
        (" Amount ", ("amount",)),
        ("Invoice No.", ("invoice", "no")),
        ("TransNo", ("trans", "no")),
        ("RADARKeyNeeded", ("radar", "key", "needed")),
        ("Recipient Org:Postal Code", ("recipient", "org", "postal", "code")),
        ("(T)", ("t",)),  # brackets that are the whole name stay
    ],
)
def test_name_words_ignore_case_punctuation_brackets_and_signs(name, words):
    assert name_words(name) == words


def test_name_likeness_tolerates_small_differences_only():
    assert name_likeness(("transacton", "numbr"), ("transaction", "number")) > 0.85
    assert name_likeness(("departmental", "family"), ("department", "family")) > 0.9
    assert name_likeness(("change",), ("charge",)) == 0.0  # one letter in six is a new word
    assert name_likeness(("expense", "type"), ("expense", "area")) == 0.5


def test_names_of_very_different_lengths_are_not_compared_word_by_word():
    long = ("supplier", "name", *("word",) * 998)
    assert 0 < name_likeness(long, ("supplier", "name")) < 0.01
    assert name_likeness(long, ("supplier", "name"), at_least=0.8) == 0.0
    # The best case of three words against four reaches 0.8: compared as before.
    three, four = ("expense", "type", "code"), ("expense", "type", "code", "area")
    assert name_likeness(three, four, at_least=0.8) == name_likeness(three, four) > 0.8


# Every real spend file against uk-spend-over-25k --------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_spend_file_columns_match_the_spend_schema(name):
    line, pairs, missing, extras = EXPECTED[name]
    header, _rows = header_and_rows(spend_file(name), line)
    match = match_columns(header, SPEND)
    assert [(p.column_index, p.column_name, p.field_name, p.how) for p in match.pairs] == pairs
    assert match.missing_required == missing
    assert match.extra_columns == extras
    assert match.total == 15
    assert not {"Department family", "Amount"} & set(match.missing_optional)
    columns = [p.column_index for p in match.pairs]
    fields = [p.field_name for p in match.pairs]
    assert len(set(columns)) == len(columns) and len(set(fields)) == len(fields)


def test_the_ingest_finds_the_same_header_line_except_in_the_gla_file():
    for name, (line, *_rest) in EXPECTED.items():
        path = spend_file(name)
        found, _cells = read_header(path, sniff_file(path))
        assert found == (1 if "gla" in name else line), name
    # There it takes the blank first line, as frictionless does: nothing to match.
    gla = spend_file("uk-gla-payments-dec-2009/gla-december_2009.csv")
    header, _rows = header_and_rows(gla)
    match = match_columns(header, SPEND)
    assert match.pairs == []
    assert match.summary.endswith("; 3 columns have no name")


def test_summaries_in_plain_words():
    def summary(name: str) -> str:
        line, *_rest = EXPECTED[name]
        return match_columns(header_and_rows(spend_file(name), line)[0], SPEND).summary

    assert summary("uk-cabinet-office-spend-nov-2010/co-spend-data-nov2010.csv") == (
        "9 of 15 columns match"
    )
    assert summary("uk-rpa-spend-feb-2011/rpa-over-25k-1102.csv") == (
        "8 of 15 columns match; Description is missing; “Month” and “Gross ” are not in "
        "the schema; 56 columns have no name"
    )
    assert summary("uk-gla-payments-dec-2009/gla-december_2009.csv") == (
        "3 of 15 columns match; Department family, Entity, Date, Expense area, Transaction "
        "number and Description are missing"
    )
    everything = [f["name"] for f in SPEND["fields"]]
    assert match_columns(everything, SPEND).summary == "all 15 columns match"


def test_a_file_read_with_the_wrong_encoding_still_matches_its_amount():
    path = spend_file("uk-cabinet-office-spend-nov-2010/co-spend-data-nov2010.csv")
    header = path.read_bytes().decode("utf-8", errors="replace").splitlines()[0].split(",")
    assert header[7] == "Amount \ufffd"
    assert (7, "Amount", "same-words") in [
        (p.column_index, p.field_name, p.how) for p in match_columns(header, SPEND).pairs
    ]


# One column, one field: the ambiguous cases ------------------------------------------------


def pairs_of(header: list[str], schema: dict | None = None, synonyms=None) -> list[tuple]:
    match = match_columns(header, schema or SPEND, synonyms)
    return [(p.column_index, p.field_name, p.how) for p in match.pairs]


def test_an_exact_column_wins_over_an_earlier_synonym():
    assert pairs_of(["Supplier Name", "Supplier"]) == [(1, "Supplier", "exact")]


def test_same_words_win_over_a_synonym_and_a_similar_name():
    header = ["Departmental Family", "Department Family", "Departmentt Family"]
    assert pairs_of(header) == [(1, "Department family", "same-words")]


def test_a_repeated_column_name_matches_once_the_leftmost():
    match = match_columns(["Amount", "Amount"], SPEND)
    assert [(p.column_index, p.field_name) for p in match.pairs] == [(0, "Amount")]
    assert match.extra_columns == [(1, "Amount")]


def test_a_column_like_two_fields_takes_the_one_no_better_column_wants():
    # "Expense Typ" is similar to "Expense type"; the exact "Expense area" is taken first
    # and does not push it elsewhere.
    header = ["Expense Typ", "Expense area", "Transacton Numbr"]
    pairs = match_columns(header, SPEND).pairs
    assert [(p.column_index, p.field_name, p.how) for p in pairs] == [
        (0, "Expense type", "similar"),
        (1, "Expense area", "exact"),
        (2, "Transaction number", "similar"),
    ]
    assert all(0.8 <= p.score < 0.95 for p in pairs if p.how == "similar")


def test_order_of_the_columns_does_not_matter():
    fields = [f["name"] for f in SPEND["fields"]]
    shuffled = fields[::-1]
    match = match_columns(shuffled, SPEND)
    assert sorted((p.column_name, p.field_name) for p in match.pairs) == sorted(
        zip(fields, fields, strict=True)
    )
    assert all(p.how == "exact" for p in match.pairs)


def test_synonyms_given_add_to_the_schemas_own():
    assert pairs_of(["Ref", "Pay date"]) == [(1, "Date", "synonym")]
    assert pairs_of(["Ref", "Pay date"], synonyms={"Transaction number": ["Ref"]}) == [
        (0, "Transaction number", "synonym"),
        (1, "Date", "synonym"),
    ]


def test_a_users_schema_without_synonyms_matches_by_name_and_title():
    schema = {"fields": [{"name": "cost", "title": "Charge Amount", "type": "number"}]}
    assert pairs_of(["charge_amount"], schema) == [(0, "cost", "same-words")]
    assert pairs_of(["Cost (£)"], schema) == [(0, "cost", "same-words")]


def test_the_primary_key_counts_as_required():
    schema = {"fields": [{"name": "id"}, {"name": "note"}], "primaryKey": ["id"]}
    match = match_columns(["note"], schema)
    assert match.missing_required == ["id"]
    assert match.missing_optional == []


# Synonyms in the ready schemas ---------------------------------------------------------------


@pytest.mark.parametrize("name", [e.name for e in library_entries()])
def test_every_ready_field_with_synonyms_lists_names_that_are_not_already_its_own(name):
    for field in library_schema(name)["fields"]:
        own = {"".join(name_words(field["name"])), "".join(name_words(field.get("title", "")))}
        for synonym in field.get("x-synonyms", []):
            assert "".join(name_words(synonym)) not in own, (field["name"], synonym)


def test_synonyms_change_nothing_in_validation():
    """frictionless 5.21 ignores "x-synonyms": a report is the same with them or without."""
    path = spend_file("uk-cefas-spend-aug-2010/cefas-over-25k-1008.csv")
    bare = copy.deepcopy(SPEND)
    for field in bare["fields"]:
        field.pop("x-synonyms", None)
    assert any("x-synonyms" in field for field in SPEND["fields"])
    sniffed = sniff_file(path)
    for engine in ("arrow", "frictionless"):
        with_synonyms = validate_file(path, SPEND, sniffed, engine=engine)
        without = validate_file(path, bare, sniffed, engine=engine)
        assert flatten_errors(with_synonyms) == flatten_errors(without)
        assert flatten_errors(with_synonyms)


# Suggesting ready schemas ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_spend_files_are_suggested_the_spend_schema_only(name):
    line, pairs, *_rest = EXPECTED[name]
    header, _rows = header_and_rows(spend_file(name), line)
    suggestions = suggest_schemas(header, library_entries())
    assert [s.entry_name for s in suggestions] == ["uk-spend-over-25k"]
    (suggestion,) = suggestions
    assert suggestion.matched == len(pairs)
    assert suggestion.total == 15
    assert suggestion.summary == (
        f"looks like UK central government spend over £25,000: {len(pairs)} of 15 columns match"
    )


@pytest.mark.parametrize("path", CLEAN_FILES, ids=lambda p: p.name)
def test_clean_files_about_other_things_get_no_suggestion(path):
    header, _rows = header_and_rows(path)
    assert suggest_schemas(header, library_entries()) == []


def test_the_suggestion_threshold():
    gla = EXPECTED["uk-gla-payments-dec-2009/gla-december_2009.csv"]
    header, _rows = header_and_rows(spend_file("uk-gla-payments-dec-2009/gla-december_2009.csv"), 6)
    (suggestion,) = suggest_schemas(header, library_entries())
    assert suggestion.fit == 0.5  # (3 columns + 3 required fields) / (3 columns + 9 required)
    assert suggestion.required_missing == gla[2]
    assert suggest_schemas(header, library_entries(), least_fit=0.51) == []
    assert suggest_schemas(header[:2], library_entries()) == []  # two columns are too few
    # Three columns like the toilets' among 38 (lat, long, notes) fit 0.11: not suggested.
    local, _rows = header_and_rows(
        DATA / "valid/uk-local-authorities/uk_local_authorities_future.csv"
    )
    assert match_columns(local, library_schema("uk-public-toilets")).matched == 3
    (toilets,) = suggest_schemas(local, library_entries(), least_fit=0.1)
    assert (toilets.entry_name, toilets.fit) == ("uk-public-toilets", 0.114)


def test_a_header_too_wide_to_fit_any_schema_is_passed_over():
    spend = [f["name"] for f in SPEND["fields"]]
    # All 15 spend columns among 100 others fit (15 + 9) / (115 + 9) = 0.19 at best.
    wide = spend + [f"Column {i}" for i in range(100)]
    assert suggest_schemas(wide, library_entries()) == []
    (suggestion,) = suggest_schemas(wide, library_entries(), least_fit=0.19)
    assert suggestion.entry_name == "uk-spend-over-25k" and suggestion.matched == 15


def test_the_best_fit_comes_first():
    spend = [f["name"] for f in SPEND["fields"]]
    toilets = ["GeoX", "GeoY", "LocationText", "OrganisationLabel"]
    suggestions = suggest_schemas(spend[:9] + toilets, library_entries())
    assert [s.entry_name for s in suggestions] == ["uk-spend-over-25k", "uk-public-toilets"]
    assert suggestions[0].fit > suggestions[1].fit


# Swapped columns ----------------------------------------------------------------------------


def test_amount_and_description_swapped_are_named():
    header, rows = header_and_rows(DATA / "made/uk-spend-swapped-amount-description.csv")
    match = match_columns(header, SPEND)
    (swap,) = swapped_columns(match, rows, SPEND)
    assert swap.number_column == (7, "Amount £")
    assert swap.number_field == "Amount"
    assert swap.text_column == (8, "Description")
    assert swap.text_field == "Description"
    assert swap.message.startswith("“Amount £” and “Description” look swapped")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_real_spend_file_has_swapped_columns(name):
    line, *_rest = EXPECTED[name]
    header, rows = header_and_rows(spend_file(name), line)
    assert swapped_columns(match_columns(header, SPEND), rows[:200], SPEND) == []


def test_an_identifier_is_the_partner_only_when_nothing_else_fits():
    header = ["Transaction number", "Amount"]
    rows = [["3000012936", "Facilities management"], ["3000012960", "ICT services"]]
    (swap,) = swapped_columns(match_columns(header, SPEND), rows, SPEND)
    assert (swap.number_field, swap.text_field) == ("Amount", "Transaction number")
    header = ["Transaction number", "Amount", "Description"]
    rows = [[n, text, amount] for n, text, amount in [("88554", "Rent", "53,250.00")]]
    (swap,) = swapped_columns(match_columns(header, SPEND), rows, SPEND)
    assert swap.text_field == "Description"


def test_two_possible_partners_or_blank_columns_say_nothing():
    header = ["Amount", "Description", "Supplier"]
    rows = [["Rent", "100", "200"]]
    assert swapped_columns(match_columns(header, SPEND), rows, SPEND) == []
    rows = [["Rent", "", "ACME LTD"]]
    assert swapped_columns(match_columns(header, SPEND), rows, SPEND) == []


@pytest.mark.parametrize(
    ("text", "number"),
    [("29,386.50", True), ("£196,538.13", True), ("31350.76", True), ("(1,200.00)", True),
     ("-5", True), (".5", True), ("Five Hundred", False), ("IS1170775", False),
     ("12,34", False), ("", False)],
)  # fmt: skip
def test_read_number(text, number):
    assert read_number(text) is number
