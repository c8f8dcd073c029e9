"""A report's problems grouped by kind (ingest/report_groups.py), on real messy files: one
group per kind of error and column, said once in plain words with a few example rows."""

from __future__ import annotations

import re
from typing import Any

from ingest import group_errors, sniff_file, validate_file
from schemas import library_schema, load_schema
from tests.conftest import DATA
from tests.test_web import finished, reviewed, sign_in, upload

RPA = DATA / "invalid/uk-rpa-spend-aug-2010/rpa-over-25k-1008.csv"


def report_of(path: Any, schema: dict[str, Any] | None) -> dict[str, Any]:
    return validate_file(path, schema, sniff_file(path))


def test_date_problems_are_said_with_an_example_date_not_the_formats_codes():
    report = report_of(RPA, library_schema("uk-spend-over-25k"))
    errors = report["tasks"][0]["errors"]
    date = next(e for e in errors if e["type"] == "type-error" and e["fieldName"] == "Date")
    assert date["message"] == 'Row 2, column 3 ("Date"): "02-Aug-10" is not a date like 31/01/2024.'
    assert date["fix"].startswith("Write it as a date like 31/01/2024, or leave the cell empty")
    assert not [e for e in errors if "%" in e["message"] + e["fix"]]


def flat(groups: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(g["type"], g["field"], g["count"]) for g in groups]


def marked(example: dict[str, Any]) -> list[Any]:
    return [cell["value"] for cell in example["cells"] if cell["bad"]]


def test_a_spend_files_problems_come_one_group_per_kind_and_column():
    report = report_of(RPA, library_schema("uk-spend-over-25k"))
    groups = group_errors(report)
    assert flat(groups) == [
        ("missing-label", None, 7),
        ("type-error", "Date", 23),
        ("constraint-error", "Expense area", 6),
        ("constraint-error", "Expense type", 2),
        ("blank-row", None, 51),
    ]
    assert sum(g["count"] for g in groups) == len(report["tasks"][0]["errors"])
    dates = groups[1]
    assert dates["heading"] == "Date: 23 values are not dates like 31/01/2024"
    assert dates["fix"] == (
        "Write it as a date like 31/01/2024, or leave the cell empty if the value is unknown."
    )
    assert [x["row"] for x in dates["examples"]] == [2, 3, 4, 5, 6]
    assert [marked(x) for x in dates["examples"]] == [["02-Aug-10"]] * 4 + [["03-Aug-10"]]
    assert [c["label"] for c in dates["columns"]][2] == "Date"
    assert dates["examples"][0]["cells"][1]["value"] == "Rural Payments Agency"
    assert (dates["more"], dates["unit"], dates["marked"]) == (18, "row", True)
    empty = groups[2]
    assert empty["heading"] == "Expense area: 6 cells are empty, but this column must have a value"
    assert [marked(x) for x in empty["examples"]] == [[""]] * 5
    # The fixes that name their row ("Correct the value in row 7") are said once for all.
    assert empty["fix"] == (
        "Correct the values in these rows, or change the rule in the schema if it is wrong."
    )
    blank = groups[4]
    assert (blank["heading"], blank["columns"], blank["more"]) == ("51 empty rows", [], 46)
    assert [x["message"] for x in blank["examples"]][:2] == [
        "Row 25 has no values in it.",
        "Row 26 has no values in it.",
    ]
    columns = groups[0]
    assert columns["heading"] == "7 columns the schema expects are missing"
    assert (columns["columns"], columns["more"], columns["unit"]) == ([], 2, "column")
    assert columns["examples"][0]["message"] == (
        'The schema expects column 9 to be "Description", but the file has no column there.'
    )


def test_both_engines_reports_make_the_same_groups():
    folder = DATA / "invalid/uk-cabinet-office-spend-nov-2010"
    path, schema = (
        folder / "co-spend-data-nov2010.csv",
        load_schema(folder / "spend-publishing-schema.json"),
    )
    arrow = group_errors(validate_file(path, schema, sniff_file(path)))
    frictionless = group_errors(
        validate_file(path, schema, sniff_file(path), engine="frictionless")
    )
    assert flat(arrow) == [
        ("missing-label", None, 6),
        ("incorrect-label", None, 5),
        ("type-error", "Date", 87),
        ("type-error", "Amount", 87),
        ("blank-row", None, 7),
    ]
    assert frictionless == arrow
    # An old-style date format is said as the schema has it, with the schema's warning above.
    assert arrow[2]["heading"] == "Date: 87 values are not dates in the form DD/MM/YYYY"
    assert arrow[3]["heading"] == "Amount: 87 values are not numbers"


def test_a_wide_tables_examples_show_the_columns_around_the_bad_one():
    path = DATA / "invalid/uk-rpa-spend-feb-2011/rpa-over-25k-1102.csv"
    report = report_of(path, library_schema("uk-spend-over-25k"))
    assert len(report["tasks"][0]["labels"]) == 66
    groups = {(g["type"], g["field"]): g for g in group_errors(report)}
    description = groups["constraint-error", "Description"]
    assert [c["number"] for c in description["columns"]] == list(range(5, 14))
    assert [cell["bad"] for cell in description["examples"][0]["cells"]].index(True) == 4
    assert groups["type-error", "Date"]["columns"][0]["number"] == 1
    assert groups["extra-label", None]["count"] == 51


def test_rows_that_stop_short_or_run_past_the_header():
    path = DATA / "invalid/frictionless-invalid-csv/invalid.csv"
    groups = group_errors(report_of(path, None))
    assert flat(groups) == [
        ("blank-label", None, 1),
        ("duplicate-label", None, 1),
        ("missing-cell", "field3", 2),
        ("missing-cell", "name2", 2),
        ("blank-row", None, 1),
        ("extra-cell", "", 1),
    ]
    short = groups[2]
    assert short["heading"] == "field3: 2 rows stop before this column"
    assert [marked(x) for x in short["examples"]] == [[None], [None]]  # no cell there at all
    extra = groups[5]
    assert extra["heading"] == "Column 5: 1 row has a value past the last named column"
    assert (marked(extra["examples"][0]), extra["columns"][-1]["label"]) == (["3"], "")
    # One error of its kind keeps its own fix, which names its row.
    assert groups[4]["fix"].startswith("Delete row 4.")


def test_a_report_cut_at_the_limit_is_grouped_as_far_as_it_goes():
    folder = DATA / "invalid/ct-alcohol-use"
    path = folder / "data/alcohol-use-2016.csv"
    report = report_of(path, load_schema(DATA / "cases/ct-alcohol-use--resource0.schema.json"))
    groups = group_errors(report)
    assert sum(g["count"] for g in groups) == 1000
    assert flat(groups)[2] == ("constraint-error", "Age Range", 249)
    assert groups[2]["heading"].startswith("Age Range: 249 values are not one of the allowed")
    assert all(
        len(g["examples"]) <= 5 and g["more"] == g["count"] - len(g["examples"]) for g in groups
    )


def test_long_cells_are_cut_in_the_examples(tmp_path):
    """A real row with a 250-character description, first in a file of its own."""
    source = DATA / "invalid/uk-cabinet-office-spend-nov-2010/co-spend-data-nov2010.csv"
    lines = source.read_bytes().splitlines(keepends=True)
    path = tmp_path / "long-description.csv"
    path.write_bytes(lines[0] + lines[11])
    schema = load_schema(source.parent / "spend-publishing-schema.json")
    dates = next(g for g in group_errors(report_of(path, schema)) if g["field"] == "Date")
    description = dates["examples"][0]["cells"][8]["value"]
    assert len(description) == 200 and description.endswith("…")
    assert description.startswith("Capital Investment Programme Strand C")


def test_the_report_page_shows_a_column_of_bad_dates_as_one_group_of_examples(client, site):
    sign_in(client, site)
    response = upload(
        client,
        "invalid/uk-rpa-spend-aug-2010/rpa-over-25k-1008.csv",
        None,
        schema_source="library",
        library_name="uk-spend-over-25k",
    )
    page = reviewed(client, site, finished(client, site, response), fix=[])  # no fixes
    text = page.text
    assert "We found 89 problems." in text
    headings = re.findall(r"<h3 id=\"problem-\d+\">([^<]*)</h3>", text)
    assert headings == [
        "7 columns the schema expects are missing",
        "Date: 23 values are not dates like 31/01/2024",
        "Expense area: 6 cells are empty, but this column must have a value",
        "Expense type: 2 cells are empty, but this column must have a value",
        "51 empty rows",
    ]
    dates = text.split("Date: 23 values", 1)[1].split("</section>", 1)[0]
    assert dates.count("How to fix it") == 1
    rows = re.findall(r'<tr><th scope="row">(\d+)</th>(.*?)</tr>', dates, re.S)
    assert [number for number, _ in rows] == ["2", "3", "4", "5", "6"]
    for _, cells in rows:  # the bad cell marked, in words as well as in colour
        (bad,) = re.findall(r'<td class="bad"><mark>(.*?)</mark></td>', cells)
        assert re.fullmatch(
            r'<span aria-hidden="true">⚠ </span><span class="visually-hidden">To put right: '
            r"</span>0[23]-Aug-10",
            bad,
        )
    assert 'tabindex="0" role="region"' in dates and "and 18 more rows" in dates
    assert "%d" not in text and "%m" not in text
    assert "Put these cells right here" in text.split("</section>")[-1]
