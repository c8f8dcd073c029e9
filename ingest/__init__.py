"""The pipeline from an uploaded file to a validated, typed table.

(a workbook's sheet as CSV -> the encoding's rival readings -> where the table starts: the
steps a caller may take first, not yet part of ingest_file) ->
sniff (encoding, delimiter, line endings) -> validate against a Table Schema -> convert to
typed Parquet -> publish through the datastore; or, when invalid, a report and the original
kept for the fix.
"""

from ingest import frictionless_numbers
from ingest.errors import WorkbookError
from ingest.layout import HeaderChoice, Layout, SkippedLine, find_layout
from ingest.messages import catalogue, describe
from ingest.package import TableFile
from ingest.personal import Finding, find_personal_data
from ingest.pipeline import IngestResult, ingest_file
from ingest.readings import EncodingChoice, EncodingChoices
from ingest.report_groups import group_errors
from ingest.sniff import Sniffed, encoding_choices, sniff_file
from ingest.validate import DEFAULT_ERROR_LIMIT, flatten_errors, validate_file
from ingest.workbook import SheetInfo, is_workbook, sheet_to_csv, workbook_sheets

frictionless_numbers.install()  # before any number is read (see its notes)

__all__ = [
    "DEFAULT_ERROR_LIMIT",
    "Finding",
    "EncodingChoice",
    "EncodingChoices",
    "HeaderChoice",
    "IngestResult",
    "Layout",
    "SheetInfo",
    "SkippedLine",
    "Sniffed",
    "TableFile",
    "WorkbookError",
    "catalogue",
    "describe",
    "find_personal_data",
    "encoding_choices",
    "find_layout",
    "flatten_errors",
    "group_errors",
    "ingest_file",
    "is_workbook",
    "sheet_to_csv",
    "sniff_file",
    "validate_file",
    "workbook_sheets",
]
