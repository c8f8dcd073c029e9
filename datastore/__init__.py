"""Parquet storage: dataset versions written atomically, the original files, reads, downloads.

Layout under the store's root folder:

    datasets/<dataset key>/<version number>/   one published version: its table and original
                                               never change; profile, changes and value
                                               indexes are added beside them later
        original.<ext>   the file exactly as uploaded
        data.parquet     the typed table
        schema.json      the Table Schema it was validated against
        report.json      the validation report
        version.json     facts about the upload (name, size, sha256, encoding, rows)
        profile.json     each column's type, nulls, distinct values, range, top values, chart
        changes-from-<n>.json   what changed since version n (rows and columns)
        lookup-<k>.parquet      a sorted (value, row) index of column k, for id-like columns
    staging/<id>/        a version being written; renamed into datasets/ when complete
    rejected/<id>/       a failed upload: its original and report, kept for the fix
"""

from datastore.diff import diff_tables
from datastore.downloads import FORMATS, iter_csv, safe_filename, stream_table
from datastore.errors import DatastoreError, NotFound
from datastore.package import PackageResource, export_schema, stream_data_package
from datastore.profile import profile_table
from datastore.store import Staged, Store, VersionRef
from datastore.table import Page, TableWriter, read_page, table_rows, use_memory_pool

__all__ = [
    "DatastoreError",
    "FORMATS",
    "NotFound",
    "PackageResource",
    "Page",
    "Staged",
    "Store",
    "TableWriter",
    "VersionRef",
    "diff_tables",
    "export_schema",
    "iter_csv",
    "profile_table",
    "read_page",
    "safe_filename",
    "stream_data_package",
    "stream_table",
    "table_rows",
    "use_memory_pool",
]
