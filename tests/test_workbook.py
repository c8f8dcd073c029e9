"""Workbooks: told by their bytes, their sheets listed, one sheet written as CSV as it reads.

The .xlsx and .ods workbooks are written here, from real UK spend files in tests/data; the
.xls files are real ones from xlrd's test samples (tests/data/SOURCES.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ingest.errors import WorkbookError
from ingest.layout import find_layout
from ingest.workbook import (
    SheetInfo,
    format_cell,
    is_workbook,
    sheet_to_csv,
    workbook_kind,
    workbook_sheets,
)

DATA = Path(__file__).parent / "data"
CABINET = DATA / "invalid/uk-cabinet-office-spend-nov-2010/co-spend-data-nov2010.csv"
GLA = DATA / "invalid/uk-gla-payments-dec-2009/gla-december_2009.csv"
XLS = DATA / "workbooks/xlrd-samples"
TITLE = "Cabinet Office spend over £25,000, November 2010"


def read_csv(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with open(path, encoding=encoding, newline="") as text:
        return list(csv.reader(text))


def spend_rows() -> tuple[list[str], list[list[str]]]:
    """The Cabinet Office file's header and its non-blank rows."""
    header, *rows = read_csv(CABINET, "cp1252")
    return header, [row for row in rows if any(cell.strip() for cell in row)]


def amount(text: str) -> float:
    return float(text.replace(",", ""))


def write_spend_xlsx(path: Path) -> Path:
    """The Cabinet Office file as a council would keep it in Excel: a title line, a blank
    row, the header, then the rows with real dates and numbers."""
    header, rows = spend_rows()
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Spend"
    sheet.append([TITLE])
    sheet.append([])
    sheet.append(header)
    for row in rows:
        cells: list[object] = list(row)
        cells[2] = dt.datetime.strptime(row[2], "%d/%m/%Y")
        cells[7] = amount(row[7])
        sheet.append(cells)
        sheet.cell(sheet.max_row, 3).number_format = "dd/mm/yyyy"
    notes = book.create_sheet("Notes")
    notes.append(["Published under the Open Government Licence"])
    book.save(path)
    return path


def test_an_xlsx_sheet_reads_as_the_cells_read(tmp_path):
    workbook = write_spend_xlsx(tmp_path / "spend.xlsx")
    out = sheet_to_csv(workbook, "Spend", tmp_path / "spend.csv")
    header, rows = spend_rows()
    written = read_csv(out)
    width = len(header)
    assert written[0] == [TITLE] + [""] * (width - 1)  # the title line is kept
    assert written[1] == [""] * width  # and the blank row under it
    assert written[2] == header  # "Amount £" came through as UTF-8
    assert written[3][:3] == ["Cabinet Office", "CABINET OFFICE", "2010-11-01"]  # ISO dates
    assert written[3][7] == "29386.5"  # "29,386.50" in the CSV, a number in the sheet
    assert [row[7] for row in written[3:]] == [format_cell(amount(row[7])) for row in rows]
    assert [row[8] for row in written[3:]] == [row[8] for row in rows]  # newlines in cells
    assert len(written) == 3 + len(rows)


def test_the_written_sheet_has_its_header_found_on_row_3(tmp_path):
    out = sheet_to_csv(write_spend_xlsx(tmp_path / "spend.xlsx"), "Spend", tmp_path / "s.csv")
    layout = find_layout(out, "utf-8", ",")
    header, rows = spend_rows()
    assert (layout.header_row, layout.header_rows, layout.names) == (3, 1, tuple(header))
    assert [(s.line, s.text) for s in layout.skipped_lines] == [
        (1, f'"{TITLE}",,,,,,,,'),
        (2, ",,,,,,,,"),
    ]
    assert layout.rows == len(rows)


def test_a_two_sheet_workbook_lists_both_and_the_caller_names_one(tmp_path):
    workbook = write_spend_xlsx(tmp_path / "spend.xlsx")
    header, rows = spend_rows()
    assert workbook_sheets(workbook) == [
        SheetInfo("Spend", 3 + len(rows), len(header)),
        SheetInfo("Notes", 1, 1),
    ]
    out = sheet_to_csv(workbook, "Notes", tmp_path / "notes.csv")
    assert read_csv(out) == [["Published under the Open Government Licence"]]
    with pytest.raises(WorkbookError, match='no sheet named "Sheet1"; it has "Spend", "Notes"'):
        sheet_to_csv(workbook, "Sheet1", tmp_path / "x.csv")


def test_a_sheet_over_the_caps_is_refused_and_listed_as_refused(tmp_path):
    workbook = write_spend_xlsx(tmp_path / "spend.xlsx")
    with pytest.raises(WorkbookError, match='"Spend" has more than 50 rows'):
        sheet_to_csv(workbook, "Spend", tmp_path / "x.csv", max_rows=50)
    with pytest.raises(WorkbookError, match='"Spend" has 9 columns, more than the 5'):
        sheet_to_csv(workbook, "Spend", tmp_path / "x.csv", max_columns=5)
    assert not (tmp_path / "x.csv").exists()
    spend, notes = workbook_sheets(workbook, max_rows=50)
    assert spend.rows == 51 and spend.refused and "more than 50 rows" in spend.refused
    assert notes.refused is None  # the small sheet can still be taken


def test_a_workbook_that_unpacks_too_far_is_refused(tmp_path):
    workbook = write_spend_xlsx(tmp_path / "spend.xlsx")
    with pytest.raises(WorkbookError, match="unpacks to"):
        workbook_sheets(workbook, max_unzipped_bytes=1000)


def test_an_ods_sheet_keeps_the_title_lines_above_its_header(tmp_path):
    """The GLA file (title line, blank rows, two header-like rows) kept in LibreOffice."""
    rows = [(row + ["", "", ""])[:3] for row in read_csv(GLA, "cp1252")]
    cells = [[who, what, amount(paid) if paid[:1].isdigit() else paid] for who, what, paid in rows]
    workbook = tmp_path / "gla.ods"
    with pd.ExcelWriter(workbook, engine="odf") as writer:
        pd.DataFrame(cells).to_excel(writer, sheet_name="December", header=False, index=False)
        pd.DataFrame([["About"]]).to_excel(writer, sheet_name="About", header=False, index=False)
    assert workbook_kind(workbook) == "ods"
    assert [sheet.name for sheet in workbook_sheets(workbook)] == ["December", "About"]
    out = sheet_to_csv(workbook, "December", tmp_path / "gla.csv")
    written = read_csv(out)
    assert written[1][0].endswith("Greater than £ 1000.00 Inc. VAT")
    assert written[6] == ["2CL COMMUNICATIONS LTD", "Equipment Purchase/Hire", "7296.75"]
    layout = find_layout(out, "utf-8", ",")
    assert layout.header_row == 6
    assert layout.names == ("Supplier Name", "Expense Code Description", "Amount Paid")
    assert [choice.header_row for choice in layout.alternatives] == [4]


def test_real_xls_files_read_with_their_sheet_names_dates_and_times(tmp_path):
    workbook = XLS / "Formate.xls"
    names = [sheet.name for sheet in workbook_sheets(workbook)]
    assert names == ["Blätt1", "ÖÄÜ", "Blätt3", "Formate"]
    written = read_csv(sheet_to_csv(workbook, "Blätt1", tmp_path / "b.csv"))
    assert written[:7] == [
        ["Huber", "1907-07-03"],
        ["Äcker", "2005-02-23"],
        ["Öcker", "1988-05-03"],
        ["Morgen", "06:34:00"],
        ["Mittag", "12:56:00"],
        ["Abends", "17:47:13"],
        ["gut", "0.974"],
    ]


def test_float_noise_in_a_real_xls_is_written_as_the_sheet_shows_it(tmp_path):
    written = read_csv(sheet_to_csv(XLS / "profiles.xls", "TRAVERSALCHAINAGE", tmp_path / "t.csv"))
    assert written[0][:4] == ["", "a", "b", "c"]
    assert written[1][:7] == ["P8.2", "0", "0.20001", "1.10004", "2.42514", "3.35", "3.6"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (29386.499999999996, "29386.5"),
        (0.1 + 0.2, "0.3"),
        (29386.5, "29386.5"),
        (123456789012.34, "123456789012.34"),
        (1e16, "10000000000000000"),
        (1.5e-7, "0.00000015"),
        (-2.5, "-2.5"),
        (-0.0, "0"),
        (float("nan"), ""),
        (4715320649085800, "4715320649085800"),
        (True, "TRUE"),
        (None, ""),
        (pd.NaT, ""),
        ("  spaces kept ", "  spaces kept "),
        (dt.datetime(2010, 11, 1), "2010-11-01"),
        (dt.datetime(2010, 11, 1, 13, 4, 59, 999998), "2010-11-01T13:05:00"),
        (pd.Timestamp("2010-11-01 13:05"), "2010-11-01T13:05:00"),
        (dt.date(2010, 11, 1), "2010-11-01"),
        (dt.time(9, 30), "09:30:00"),
        (dt.timedelta(hours=26, minutes=3), "26:03:00"),
    ],
)
def test_cells_are_written_as_a_person_reads_them(value, text):
    assert format_cell(value) == text


def test_workbooks_are_told_by_their_bytes_not_their_names(tmp_path):
    workbook = write_spend_xlsx(tmp_path / "spend.xlsx")
    disguised = shutil.copy(workbook, tmp_path / "spend.csv")
    assert is_workbook(Path(disguised)) and workbook_kind(Path(disguised)) == "xlsx"
    assert workbook_kind(XLS / "profiles.xls") == "xls"
    misnamed = shutil.copy(CABINET, tmp_path / "spend-really-a-csv.xlsx")
    assert not is_workbook(Path(misnamed))
    archive = tmp_path / "not-a-workbook.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.write(CABINET, "spend.csv")
    assert not is_workbook(archive)
    with pytest.raises(WorkbookError, match="not an Excel"):
        workbook_sheets(Path(misnamed))


def test_a_broken_workbook_says_so(tmp_path):
    workbook = write_spend_xlsx(tmp_path / "spend.xlsx")
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(workbook) as source, zipfile.ZipFile(broken, "w") as out:
        for name in source.namelist():
            if name != "xl/workbook.xml":
                out.writestr(name, source.read(name))
    with pytest.raises(WorkbookError, match="could not be read"):
        workbook_sheets(broken)
