"""Where the table starts: on every real UK spend file and every clean file in tests/data."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.layout import HeaderChoice, find_layout
from ingest.sniff import sniff_file

DATA = Path(__file__).parent / "data"
CABINET = DATA / "invalid/uk-cabinet-office-spend-nov-2010/co-spend-data-nov2010.csv"

# file: (header line, data rows, skipped lines, empty columns, empty rows, confidence)
UK_FILES = {
    "uk-cabinet-office-spend-nov-2010/co-spend-data-nov2010.csv": (1, 87, [], [], 7, "certain"),
    "uk-cefas-spend-aug-2010/cefas-over-25k-1008.csv": (1, 11, [], [], 0, "certain"),
    "uk-gla-payments-dec-2009/gla-december_2009.csv": (6, 156, [1, 2, 3, 4, 5], [], 0, "unsure"),
    "uk-rpa-spend-aug-2010/rpa-over-25k-1008.csv": (1, 23, [], [], 51, "certain"),
    "uk-rpa-spend-feb-2011/rpa-over-25k-1102.csv": (1, 30, [], list(range(10, 66)), 4, "certain"),
    "uk-spend-bbsrc-nov-2010/1011-bbsrc-25k-spend-return.csv": (1, 67, [], [], 6572, "certain"),
    "uk-spend-bis-wrong-types/invalid-on-bis-modified-schema.csv": (1, 3, [], [], 0, "certain"),
}
VALID_FILES = {
    "uk-house-prices-nationwide/data/data.csv": 288,
    "uk-gilt-yields-10y/data/quarterly.csv": 168,
    "uk-gilt-yields-10y/data/annual.csv": 42,
    "gdp/data/gdp.csv": 13979,
    "gdp/data/top-economies.csv": 230,
    "s-and-p-500-companies/data/constituents.csv": 503,
    "s-and-p-500-companies/data/sector-counts.csv": 11,
    "uk-public-bodies/data/gb.csv": 5362,
    "uk-local-authorities/uk_local_authorities_future.csv": 470,
    "ct-housing-permits-by-town/data/annual-housing-permits-by-town_2017.csv": 9492,
}


def layout_of(path: Path):
    sniffed = sniff_file(path)
    return find_layout(path, sniffed.encoding, sniffed.delimiter)


@pytest.mark.parametrize("name", UK_FILES)
def test_the_layout_of_each_real_uk_spend_file(name):
    header_row, rows, skipped, empty_columns, empty_rows, confidence = UK_FILES[name]
    layout = layout_of(DATA / "invalid" / name)
    assert layout.header_row == header_row and layout.header_rows == 1
    assert layout.rows == rows
    assert [line.line for line in layout.skipped_lines] == skipped
    assert list(layout.empty_columns) == empty_columns
    assert layout.empty_row_count == empty_rows
    assert layout.confidence == confidence


@pytest.mark.parametrize("name", VALID_FILES)
def test_on_a_clean_file_the_header_is_row_1_and_nothing_is_skipped(name):
    layout = layout_of(DATA / "valid" / name)
    assert (layout.header_row, layout.header_rows, layout.confidence) == (1, 1, "certain")
    assert layout.skipped_lines == () and layout.alternatives == ()
    assert layout.empty_columns == () and layout.empty_rows == ()
    assert layout.rows == VALID_FILES[name]


def test_the_gla_file_skips_its_title_and_offers_the_first_header_like_row():
    layout = layout_of(DATA / "invalid/uk-gla-payments-dec-2009/gla-december_2009.csv")
    assert layout.names == ("Supplier Name", "Expense Code Description", "Amount Paid")
    assert [(line.line, line.text) for line in layout.skipped_lines] == [
        (1, ",,"),
        (
            2,
            "Report of All Payments Made By GLA in Period 09 ( December 2009) of Value Equal "
            "to or Greater than £ 1000.00 Inc. VAT,,",
        ),
        (3, ",,"),
        (4, "Supplier,Expense Description,Amount"),
        (5, ""),
    ]
    assert layout.alternatives == (
        HeaderChoice(4, 1, ("Supplier", "Expense Description", "Amount")),
    )
    assert layout.to_dict()["headerRow"] == 6


def test_the_rpa_file_counts_its_empty_columns_and_rows():
    layout = layout_of(DATA / "invalid/uk-rpa-spend-feb-2011/rpa-over-25k-1102.csv")
    assert layout.names[7:10] == ("Month", "Gross ", "Gross")  # "Gross " is named: kept
    assert len(layout.names) == 66 and len(layout.empty_columns) == 56
    assert layout.empty_rows == (32, 33, 34, 35)  # rows of commas only


def test_a_unit_on_a_second_header_row_is_joined_to_the_name_above(tmp_path):
    """The Cabinet Office file with its "Amount £" header split as councils often do."""
    header, body = CABINET.read_text(encoding="cp1252").split("\n", 1)
    split = tmp_path / "two-row-header.csv"
    units = ",,,,,,,£,"
    split.write_text(header.replace("Amount £", "Amount") + "\n" + units + "\n" + body)
    layout = find_layout(split, "utf-8", ",")
    assert (layout.header_row, layout.header_rows) == (1, 2)
    assert layout.names[6:9] == ("Transaction Number", "Amount £", "Description")
    assert layout.rows == 87 and layout.confidence == "unsure"
    assert layout.alternatives[0].header_rows == 1


def test_a_label_over_a_group_of_columns_makes_one_header_with_it(tmp_path):
    text = CABINET.read_text(encoding="cp1252")
    grouped = tmp_path / "grouped-header.csv"
    grouped.write_text("Who,,When,,,,,Paid,\n" + text, encoding="cp1252")
    layout = find_layout(grouped, "cp1252", ",")
    assert (layout.header_row, layout.header_rows) == (1, 2)
    assert layout.names[:3] == ("Who Departmental Family", "Entity", "When Date")
    assert layout.names[7] == "Paid Amount £"
    assert layout.alternatives[0] == HeaderChoice(2, 1, tuple(text.split("\n", 1)[0].split(",")))


def test_a_byte_order_mark_is_not_part_of_the_first_name():
    layout = layout_of(DATA / "invalid/frictionless-bom/bom.csv")
    assert layout.header_row == 1 and layout.names[0] == "id"


def test_a_file_of_blank_lines_has_no_header(tmp_path):
    blank = tmp_path / "blank.csv"
    blank.write_text(",,\n\n,,\n")
    layout = find_layout(blank, "utf-8", ",")
    assert (layout.header_row, layout.names, layout.rows) == (0, (), 0)
    assert layout.empty_rows == (1, 2, 3)
