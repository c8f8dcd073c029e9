"""Inference from every value of a file: each real file validates against the schema inferred
for it, by frictionless and by our engine, except exactly at the odd values reported; UK
dates, money, missing tokens and codes in the forms council files have them; plain words.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from frictionless import Resource, Schema, formats

from ingest import flatten_errors, sniff_file, validate_file
from ingest.validate import Engine
from schemas import check_schema, infer_table
from schemas.shapes import shape_of

DATA = Path(__file__).parent / "data"
CASES: list[dict[str, Any]] = json.loads((DATA / "cases.json").read_text(encoding="utf-8"))
FILES = sorted({c["data"] for c in CASES})
# Errors of the file's shape, which no schema causes or cures.
STRUCTURAL = {"blank-row", "blank-label", "duplicate-label", "extra-cell", "missing-cell"}
ENGINES: tuple[Engine, ...] = ("arrow", "frictionless")


def infer_and_validate(path: Path) -> tuple[Any, dict[str, list[list[Any]]]]:
    """The inference for a file and the flattened errors of both validators against it."""
    sniffed = sniff_file(path)
    inference = infer_table(path, encoding=sniffed.encoding, delimiter=sniffed.delimiter)
    errors = {}
    for engine in ENGINES:
        report = validate_file(path, inference.schema, sniffed, engine=engine, limit_errors=10**6)
        errors[engine] = [list(e) for e in flatten_errors(report)]
    return inference, errors


def assert_only_odd_values_fail(inference: Any, errors: dict[str, list[list[Any]]]) -> None:
    assert errors["arrow"] == errors["frictionless"]
    numbers = {f["name"]: i for i, f in enumerate(inference.schema["fields"], start=1)}
    cells = [e for e in errors["frictionless"] if e[0] not in STRUCTURAL]
    odd = [["type-error", row, numbers[name], name] for row, name, _ in inference.odd_values]
    assert cells == odd
    assert sum(c.odd_count for c in inference.columns) == len(odd)  # none left unlisted


@pytest.mark.parametrize("data", FILES)
def test_every_real_file_validates_against_its_inferred_schema(data):
    inference, errors = infer_and_validate(DATA / data)
    assert check_schema(inference.schema) == []
    assert_only_odd_values_fail(inference, errors)


def test_a_file_with_title_lines_validates_once_they_are_skipped(tmp_path):
    # The GLA file has title and blank lines above its header (line 6); without them, its
    # amounts are numbers with "," thousands, and the file is valid.
    source = DATA / "invalid/uk-gla-payments-dec-2009/gla-december_2009.csv"
    trimmed = tmp_path / "gla-without-title-lines.csv"
    trimmed.write_bytes(b"".join(source.read_bytes().splitlines(keepends=True)[5:]))
    inference, errors = infer_and_validate(trimmed)
    assert errors == {"arrow": [], "frictionless": []}
    amount = inference.columns[2]
    assert (amount.name, amount.kind_label) == ("Amount Paid", "numbers with decimals")
    assert amount.field == {"name": "Amount Paid", "type": "number", "groupChar": ",",
                            "constraints": {"required": True}}  # fmt: skip


def fields(inference: Any) -> dict[str, dict[str, Any]]:
    """Each field's descriptor by name, without the name."""
    found = {f["name"]: dict(f) for f in inference.schema["fields"]}
    return {name: {k: v for k, v in f.items() if k != "name"} for name, f in found.items()}


def columns(inference: Any) -> dict[str, Any]:
    return {c.name: c for c in inference.columns}


# The UK spend files ------------------------------------------------------------------------


def test_rpa_spend_aug_2010_has_two_digit_year_dates_and_amounts_with_spaces():
    inference, errors = infer_and_validate(
        DATA / "invalid/uk-rpa-spend-aug-2010/rpa-over-25k-1008.csv"
    )
    assert fields(inference)["Date"] == {"type": "date", "format": "%d-%b-%y"}
    assert fields(inference)["Amount"] == {"type": "number"}  # "31350.76 ": frictionless strips it
    assert columns(inference)["Date"].kind_label == "dates like 31-Jan-24"
    assert {e[0] for e in errors["frictionless"]} == {"blank-row"}  # its 51 blank rows


def test_cabinet_office_spend_has_uk_dates_and_thousands():
    inference, errors = infer_and_validate(
        DATA / "invalid/uk-cabinet-office-spend-nov-2010/co-spend-data-nov2010.csv"
    )
    assert fields(inference)["Date"] == {"type": "date", "format": "%d/%m/%Y"}
    assert fields(inference)["Amount £"] == {"type": "number", "groupChar": ","}
    assert columns(inference)["Amount £"].examples[0] == "29,386.50"
    assert {e[0] for e in errors["frictionless"]} == {"blank-row"}


def test_cefas_spend_is_semicolon_delimited_and_all_required():
    inference, errors = infer_and_validate(
        DATA / "invalid/uk-cefas-spend-aug-2010/cefas-over-25k-1008.csv"
    )
    assert errors["frictionless"] == []
    assert fields(inference)["Pay date"] == {
        "type": "date",
        "format": "%d/%m/%Y",
        "constraints": {"required": True},
    }
    assert fields(inference)["TransNo"]["type"] == "integer"
    assert fields(inference)["Amount"]["type"] == "number"
    vat = columns(inference)["VAT Registration Number"]
    assert (vat.kind_label, vat.values, vat.empty) == ("empty (no values yet)", 0, 11)


def test_rpa_spend_feb_2011_has_money_in_pounds_and_months():
    inference, _ = infer_and_validate(DATA / "invalid/uk-rpa-spend-feb-2011/rpa-over-25k-1102.csv")
    assert fields(inference)["Gross2"] == {"type": "number", "groupChar": ",", "bareNumber": False}
    assert columns(inference)["Gross2"].kind_label == "money in £"
    assert fields(inference)["Month"] == {"type": "date", "format": "%b-%y"}
    assert columns(inference)["Month"].kind_label == "months like Jan-24"
    assert fields(inference)["Transaction Date"]["format"] == "%d-%b-%y"


def test_bbsrc_dates_in_two_forms_keep_the_commoner_and_report_the_rest():
    inference, errors = infer_and_validate(
        DATA / "invalid/uk-spend-bbsrc-nov-2010/1011-bbsrc-25k-spend-return.csv"
    )
    date = columns(inference)["Date"]
    assert date.field == {"name": "Date", "type": "date", "format": "%d/%m/%Y"}
    assert date.odd_count == 24
    assert date.odd_values[:2] == [(4, "03-NOV-2010"), (5, "03-NOV-2010")]
    assert all(value.endswith("-NOV-2010") for _, value in date.odd_values)
    assert "24 dates are written another way, such as 03-NOV-2010" in date.notes
    assert [e for e in errors["frictionless"] if e[0] == "type-error"][0] == [
        "type-error",
        4,
        3,
        "Date",
    ]


# Missing tokens, flights-like -------------------------------------------------------------


def test_na_in_numeric_columns_is_missing_and_the_columns_are_numbers(tmp_path):
    path = tmp_path / "flights-with-na.csv"
    rows = ["year,month,day,dep_time,dep_delay,arr_delay,carrier,tailnum,air_time,distance"]
    for i in range(2000):
        na = i % 37 == 5
        delay = "NA" if na else str(i % 90 - 10)
        rows.append(
            f"2013,{i % 12 + 1},{i % 28 + 1},{'NA' if na else 500 + i % 1400},{delay},"
            f"{'NA' if na or i % 101 == 3 else f'{i % 70 - 20}.5'},UA,"
            f"{'NA' if i % 211 == 7 else f'N{100 + i % 800}UA'},{'NA' if na else 30 + i % 300},"
            f"{1400 + i % 1000}"
        )
    path.write_text("\n".join(rows) + "\n")
    inference, errors = infer_and_validate(path)
    assert errors == {"arrow": [], "frictionless": []}
    assert inference.schema["missingValues"] == ["", "NA"]
    found = fields(inference)
    for name in ("dep_time", "dep_delay", "air_time"):
        assert found[name] == {"type": "integer"}
    assert found["arr_delay"] == {"type": "number"}
    assert found["distance"] == {"type": "integer", "constraints": {"required": True}}
    # A text column's "NA" is a value (its field keeps missingValues [""]), not a blank.
    assert found["tailnum"] == {
        "type": "string",
        "missingValues": [""],
        "constraints": {"required": True},
    }
    delays = columns(inference)["arr_delay"]
    assert delays.missing_tokens == [("NA", 74)]
    assert (delays.values, delays.empty, delays.kind_label) == (1926, 74, "numbers with decimals")
    assert '"NA" (74 cells) taken to mean no value' in delays.description


def test_missing_tokens_count_only_in_typed_columns(tmp_path):
    path = tmp_path / "tokens.csv"
    lines = ["amount,when,note"]
    lines += [f"{i}.25,0{i % 9 + 1}/02/2024,fine" for i in range(40)]
    lines += ["-,n/a,none", "n/a,-,none", " ,..,-"]
    path.write_text("\n".join(lines) + "\n")
    inference, errors = infer_and_validate(path)
    assert errors == {"arrow": [], "frictionless": []}
    assert set(inference.schema["missingValues"]) == {"", "-", "n/a", " ", ".."}
    assert columns(inference)["amount"].missing_tokens == [(" ", 1), ("-", 1), ("n/a", 1)]
    note = columns(inference)["note"]
    assert (note.kind_label, note.missing_tokens, note.values, note.empty) == ("text", [], 43, 0)
    schema = Schema.from_descriptor(inference.schema)
    resource = Resource(path=path.name, basepath=str(tmp_path), format="csv", schema=schema)
    assert [row["note"] for row in resource.read_rows()][-3:] == ["none", "none", "-"]


# Numbers, codes, dates, yes/no ------------------------------------------------------------


def test_codes_with_leading_zeros_stay_text(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("code,count\n007,1\n0123,2\n5,3\n42,\n")
    inference, _ = infer_and_validate(path)
    code = columns(inference)["code"]
    assert (code.kind_label, code.field["type"]) == ("codes (kept as text)", "string")
    assert code.field["constraints"] == {"required": True}
    assert fields(inference)["count"] == {"type": "integer"}  # a blank cell: not required


def test_percentages_and_money(tmp_path):
    path = tmp_path / "shares.csv"
    path.write_text('share,paid\n12.5%,"£1,200.00"\n3%,£-45.10\n100 %,£ 7\n')
    inference, errors = infer_and_validate(path)
    assert errors == {"arrow": [], "frictionless": []}
    assert columns(inference)["share"].kind_label == "percentages"
    assert fields(inference)["share"]["bareNumber"] is False
    assert fields(inference)["paid"] == {
        "type": "number",
        "groupChar": ",",
        "bareNumber": False,
        "constraints": {"required": True},
    }


def test_ambiguous_dates_are_read_day_first_and_say_so(tmp_path):
    path = tmp_path / "ambiguous.csv"
    path.write_text("day\n01/02/2024\n03/04/2024\n12/11/2023\n")
    inference, errors = infer_and_validate(path)
    assert errors["frictionless"] == []
    day = columns(inference)["day"]
    assert day.field["format"] == "%d/%m/%Y"
    assert any("read day first, the UK way" in note for note in day.notes)


def test_us_dates_are_read_month_first(tmp_path):
    path = tmp_path / "us-dates.csv"
    path.write_text("day\n01/31/2024\n03/04/2024\n")
    inference, _ = infer_and_validate(path)
    assert columns(inference)["day"].field["format"] == "%m/%d/%Y"


@pytest.mark.parametrize(
    ("value", "form"),
    [
        ("31/01/2024", "date:%d/%m/%Y"),
        ("01-Aug-2013", "date:%d-%b-%Y"),
        ("02-Aug-10", "date:%d-%b-%y"),
        ("1 August 2013", "date:%d %B %Y"),
        ("03-NOV-2010", "date:%d-%b-%Y"),  # CPython's strptime reads month names in any case
        ("2024-01-31", "date:%Y-%m-%d"),
        ("31/01/2024 14:30", "datetime:%d/%m/%Y %H:%M"),
        ("2024-01-31T14:30:00", "datetime:%Y-%m-%dT%H:%M:%S"),
        ("14:30", "time:%H:%M"),
    ],
)
def test_date_forms(value, form):
    assert form in shape_of(value)


def test_date_kinds_and_formats_validate(tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text(
        "iso,named,upper,stamp,ok\n"
        "2024-01-31,1 August 2013,03-NOV-2010,31/01/2024 14:30,Yes\n"
        "2024-02-29,12 May 2014,01-DEC-2010,01/02/2024 09:05,No\n"
    )
    inference, errors = infer_and_validate(path)
    assert errors == {"arrow": [], "frictionless": []}
    found = fields(inference)
    assert "format" not in found["iso"]  # ISO dates are frictionless's default
    assert found["named"]["format"] == "%d %B %Y"
    assert found["upper"]["format"] == "%d-%b-%Y"
    assert found["stamp"] == {
        "type": "datetime",
        "format": "%d/%m/%Y %H:%M",
        "constraints": {"required": True},
    }
    assert found["ok"] == {
        "type": "boolean",
        "trueValues": ["Yes"],
        "falseValues": ["No"],
        "constraints": {"required": True},
    }
    labels = [c.kind_label for c in inference.columns]
    assert labels == [
        "dates like 2024-01-31",
        "dates like 31 January 2024",
        "dates like 31-Jan-2024",
        "dates and times",
        "yes or no",
    ]


def test_a_few_words_among_numbers_are_odd_values_with_their_rows(tmp_path):
    path = tmp_path / "mostly-numbers.csv"
    lines = ["id,amount"] + [f"{i},{i * 3}" for i in range(1, 200)]
    lines[50] = "50,about ten"  # row 51: the header is row 1
    lines[120] = "120,TBC."
    path.write_text("\n".join(lines) + "\n")
    inference, errors = infer_and_validate(path)
    amount = columns(inference)["amount"]
    assert amount.field["type"] == "integer"
    assert amount.odd_values == [(51, "about ten"), (121, "TBC.")]
    assert '2 values do not fit: "about ten" (row 51), "TBC." (row 121)' in amount.description
    assert_only_odd_values_fail(inference, errors)


def test_inference_of_a_file_its_encoding_cannot_read_raises(tmp_path):
    path = tmp_path / "bad-bytes.csv"
    path.write_bytes(b"name\nCaf\xe9\n")
    with pytest.raises(UnicodeDecodeError):
        infer_table(path, encoding="utf-8")


def test_frictionless_reads_what_the_inference_promises(tmp_path):
    # A file of every kind, read by frictionless itself row by row with the schema.
    path = tmp_path / "every-kind.csv"
    path.write_text('n,when,paid\n1,31/01/2024,"£1,000.50"\nNA,-,£2\n')
    inference = infer_table(path)
    resource = Resource(
        path=path.name,
        basepath=str(tmp_path),
        format="csv",
        control=formats.CsvControl(delimiter=","),
        schema=Schema.from_descriptor(inference.schema),
    )
    rows = [dict(r) for r in resource.read_rows()]
    assert [r["n"] for r in rows] == [1, None]
    assert str(rows[0]["when"]) == "2024-01-31" and rows[1]["when"] is None
    assert [str(r["paid"]) for r in rows] == ["1000.50", "2"]
