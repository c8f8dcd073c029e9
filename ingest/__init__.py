"""The pipeline from an uploaded file to a validated, typed table.

sniff (encoding, delimiter, line endings) -> validate against a Table Schema -> convert to
typed Parquet -> publish through the datastore; or, when invalid, a report and the original
kept for the fix.
"""

from ingest.messages import catalogue, describe
from ingest.package import TableFile
from ingest.personal import Finding, find_personal_data
from ingest.pipeline import IngestResult, ingest_file
from ingest.sniff import Sniffed, sniff_file
from ingest.validate import DEFAULT_ERROR_LIMIT, flatten_errors, validate_file

__all__ = [
    "DEFAULT_ERROR_LIMIT",
    "Finding",
    "IngestResult",
    "Sniffed",
    "TableFile",
    "catalogue",
    "describe",
    "find_personal_data",
    "flatten_errors",
    "ingest_file",
    "sniff_file",
    "validate_file",
]
