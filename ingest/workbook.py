"""Excel and OpenDocument workbooks: telling one from its bytes, listing its sheets, and
writing one sheet as a UTF-8 CSV file that the rest of ingest reads like any upload.

pandas reads the cells, with the engine each format needs, named explicitly: openpyxl for
.xlsx, python-calamine for .xls (pandas 3.1 deprecates xlrd), odfpy for .ods.

Every cell is written as text, as a person reads it:
- text as it is, leading and trailing spaces included;
- numbers in plain decimals (1E+16 is 10000000000000000), without float arithmetic's
  noise: a number whose shortest exact reading has more than 12 significant digits is
  written as the shortest decimal (at most 15 digits, a spreadsheet's precision) within
  1e-13 of it, relative to it: 29386.499999999996 is 29386.5, 0.2000099999999918 (what
  100.20001 - 100 leaves) is 0.20001, as the sheet shows them; 13 significant digits always
  survive, more than any amount of money or measurement in a council file needs;
- dates and times in ISO 8601: 2010-11-01, 2010-11-01T13:05:00, 13:05:00. The format a sheet
  displays a date in is not carried through pandas (and Excel's default date format is the
  reader's locale), so ISO is the one reading nobody can take the wrong way round; a schema
  of the file's dates says "format": "default";
- TRUE and FALSE for booleans, as the spreadsheet shows them;
- empty cells, and cells holding a formula error (#N/A, #DIV/0!, which pandas reads as
  missing), empty.
Title lines and blank rows above the table are kept: ingest.layout finds the header.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from ingest.errors import WorkbookError

# What a stranger may send: a sheet past these is refused, not read.
DEFAULT_MAX_ROWS = 200_000
DEFAULT_MAX_COLUMNS = 500
# .xlsx and .ods are zip files of XML; a small upload can unpack to gigabytes.
DEFAULT_MAX_UNZIPPED_BYTES = 512 * 1024 * 1024

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# The name of the stream an Excel 97-2003 file keeps its sheets in (Book before Excel 97),
# as the OLE2 directory spells it, in UTF-16; a Word document has neither.
_XLS_STREAMS = ("Workbook".encode("utf-16-le"), "Book\x00".encode("utf-16-le"))
_ENGINES = {"xlsx": "openpyxl", "xls": "calamine", "ods": "odf"}
_SIGNIFICANT_DIGITS = 15  # what a spreadsheet keeps
_CLEAN_DIGITS = 12  # a float whose shortest reading is this short is taken as it is
_NOISE = 1e-13  # relative error below which a longer reading is float arithmetic's noise


@dataclass(frozen=True)
class SheetInfo:
    """One sheet of a workbook, as workbook_sheets() found it."""

    name: str
    rows: int  # rows down to the last non-empty one (at most max_rows + 1 are read)
    columns: int
    refused: str | None = None  # why sheet_to_csv() would refuse it, in words

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rows": self.rows,
            "columns": self.columns,
            "refused": self.refused,
        }


def workbook_kind(path: Path) -> str | None:
    """ "xlsx", "xls" or "ods" when the file's bytes are that kind of workbook, else None.

    Decided by content, not by the name: a zip holding xl/ is an Excel workbook, a zip
    whose mimetype (or content.xml) says spreadsheet is an OpenDocument one, and an OLE2
    compound file holding a Workbook stream is an Excel 97-2003 one.
    """
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(ZIP_SIGNATURE) and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if any(name.startswith("xl/") for name in names):
                return "xlsx"
            if "mimetype" in names:
                return "ods" if archive.read("mimetype").strip() == ODS_MIMETYPE else None
            return "ods" if "content.xml" in names else None
    if head == OLE2_SIGNATURE and _holds_xls_stream(path):
        return "xls"
    return None


def is_workbook(path: Path) -> bool:
    """Whether the file is an .xlsx, .xls or .ods workbook, whatever its name says."""
    return workbook_kind(path) is not None


def workbook_sheets(
    path: Path,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_columns: int = DEFAULT_MAX_COLUMNS,
    max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED_BYTES,
) -> list[SheetInfo]:
    """Every sheet of the workbook in its order, with its size; a sheet over the caps is
    listed with the reason sheet_to_csv() would refuse it, so a caller can offer the rest."""
    kind = _checked_kind(path, max_unzipped_bytes)
    sheets = []
    with open(path, "rb") as handle, _open_book(handle, kind) as book:
        for name in book.sheet_names:
            rows = _read_rows(book, str(name), max_rows)
            columns = max((len(row) for row in rows), default=0)
            refused = _refusal(str(name), len(rows), columns, max_rows, max_columns)
            sheets.append(SheetInfo(str(name), len(rows), columns, refused))
    return sheets


def sheet_to_csv(
    path: Path,
    sheet: str,
    dest: Path,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_columns: int = DEFAULT_MAX_COLUMNS,
    max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED_BYTES,
) -> Path:
    """Write the named sheet to `dest` as UTF-8 CSV, every cell as text (see the module's
    notes), rows down to the last non-empty one, and return `dest`.

    Raises WorkbookError, with a message for the person who sent the file, when the file
    is not a workbook, has no such sheet, cannot be read, or the sheet is over the caps.
    """
    kind = _checked_kind(path, max_unzipped_bytes)
    with open(path, "rb") as handle, _open_book(handle, kind) as book:
        names = [str(name) for name in book.sheet_names]
        if sheet not in names:
            listed = ", ".join(f'"{name}"' for name in names)
            raise WorkbookError(f'The workbook has no sheet named "{sheet}"; it has {listed}.')
        rows = _read_rows(book, sheet, max_rows)
    columns = max((len(row) for row in rows), default=0)
    refused = _refusal(sheet, len(rows), columns, max_rows, max_columns)
    if refused:
        raise WorkbookError(refused)
    with open(dest, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        for row in rows:
            writer.writerow([format_cell(value) for value in row])
    return dest


def format_cell(value: object) -> str:
    """A cell's value as text, the way a person reads it in the sheet (module notes)."""
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _format_number(value)
    if isinstance(value, dt.datetime):
        value = _to_second(value)
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        moment = _to_second(dt.datetime.combine(dt.date(2000, 1, 1), value))
        return moment.time().isoformat(timespec="seconds")
    if isinstance(value, dt.timedelta):
        seconds = round(value.total_seconds())
        sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
        return f"{sign}{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return str(value)


def _format_number(value: float) -> str:
    if math.isnan(value):
        return ""
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    if value == 0:
        return "0"
    text = repr(value)  # the shortest text that reads back as the same float
    if len(text.lstrip("-").replace(".", "").lstrip("0").split("e")[0]) > _CLEAN_DIGITS:
        for digits in range(1, _SIGNIFICANT_DIGITS + 1):  # noise: the shortest close one
            text = format(value, f".{digits}g")
            if abs(float(text) - value) <= abs(value) * _NOISE:
                break
    text = format(Decimal(text), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _to_second(moment: dt.datetime) -> dt.datetime:
    """Round to the nearest second: a time stored as a fraction of a day comes back as
    13:04:59.999998 for the 13:05:00 the sheet shows."""
    if moment.microsecond:
        moment = moment + dt.timedelta(microseconds=500_000)
        return moment.replace(microsecond=0)
    return moment


def _checked_kind(path: Path, max_unzipped_bytes: int) -> str:
    kind = workbook_kind(path)
    if kind is None:
        raise WorkbookError(
            "This file is not an Excel (.xlsx, .xls) or OpenDocument (.ods) workbook."
        )
    if kind in ("xlsx", "ods"):
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(member.file_size for member in archive.infolist())
        if unzipped > max_unzipped_bytes:
            raise WorkbookError(
                f"This workbook unpacks to {unzipped // (1024 * 1024):,} MB, more than the "
                f"{max_unzipped_bytes // (1024 * 1024):,} MB we read; save the sheet you want "
                "as CSV and send that instead."
            )
    return kind


def _open_book(handle: Any, kind: str) -> pd.ExcelFile:
    """The workbook opened on a file handle we close ourselves (odfpy, given a path,
    leaves its file open)."""
    try:
        return pd.ExcelFile(handle, engine=_ENGINES[kind])
    except Exception as error:  # each engine raises its own kinds for a broken file
        raise WorkbookError(f"This workbook could not be read ({error}).") from error


def _read_rows(book: pd.ExcelFile, sheet: str, max_rows: int) -> list[list[object]]:
    """The sheet's rows as the engine gives them, at most max_rows + 1 of them (one more
    than allowed tells a sheet over the cap, without reading the rest)."""
    try:
        frame = pd.read_excel(
            book, sheet_name=sheet, header=None, dtype=object, na_filter=False, nrows=max_rows + 1
        )
    except Exception as error:  # each engine raises its own kinds for a broken sheet
        raise WorkbookError(f'The sheet "{sheet}" could not be read ({error}).') from error
    return [list(row) for row in frame.itertuples(index=False, name=None)]


def _refusal(sheet: str, rows: int, columns: int, max_rows: int, max_columns: int) -> str | None:
    if rows > max_rows:
        return (
            f'The sheet "{sheet}" has more than {max_rows:,} rows, more than we take from a '
            "workbook; split it, or send it as CSV."
        )
    if columns > max_columns:
        return (
            f'The sheet "{sheet}" has {columns:,} columns, more than the {max_columns:,} we '
            "take; delete the columns you do not need, or send it as CSV."
        )
    return None


def _holds_xls_stream(path: Path) -> bool:
    """Whether an OLE2 file's directory names a Workbook (or Book) stream, read in 1 MB
    blocks with an overlap so a name across two blocks is found."""
    longest = max(len(name) for name in _XLS_STREAMS)
    tail = b""
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            window = tail + block
            if any(name in window for name in _XLS_STREAMS):
                return True
            tail = window[-longest:]
    return False
