"""Parquet storage: dataset versions written atomically, the original files, reads, downloads.

Layout under the store's root folder:

    datasets/<dataset key>/<version number>/   one published version (never changed again)
        original.<ext>   the file exactly as uploaded
        data.parquet     the typed table
        schema.json      the Table Schema it was validated against
        report.json      the validation report
        version.json     facts about the upload (name, size, sha256, encoding, rows)
    staging/<id>/        a version being written; renamed into datasets/ when complete
    rejected/<id>/       a failed upload: its original and report, kept for the fix
"""

from datastore.errors import DatastoreError, NotFound
from datastore.store import Staged, Store, VersionRef
from datastore.table import Page, TableWriter, iter_csv, read_page, table_rows

__all__ = [
    "DatastoreError",
    "NotFound",
    "Page",
    "Staged",
    "Store",
    "TableWriter",
    "VersionRef",
    "iter_csv",
    "read_page",
    "table_rows",
]
