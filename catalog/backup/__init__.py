"""Backups that restore: `datastore backup DEST` and `datastore restore SRC` (docs/operations.md).

A backup is a folder:

    manifest.json              what it holds, the sha256 of every file, checked before a restore
    database/<table>.jsonl     every row of every catalogue table, one JSON array a line
    files/datasets/<key>/<n>/  each recorded version's folder: table, original, derived files
    files/rejected/<ref>/      the originals an upload's review is waiting on
    secret_key                 the site's generated key (0600), when it has one

Why it is consistent while the site runs. An ingest renames a finished version into
datasets/<key>/<n>/ and only then commits its rows (catalog/jobs/recovery.py); a version
folder, once recorded, never changes except for derived files (profile, changes, value
indexes) written beside it whole, by rename. So the database is read first, as of one
moment (snapshot.py), and then only the files that moment knows are copied: every version
it records is already whole on disk, and a version committed after that moment, or an
upload still in flight (its staging folder, its saved file under uploads/), is simply not
in the backup. The upload's job row is, as "running"; restoring it marks it failed ("the
server stopped during this upload"), as a restart would.

The rows are written in a portable form rather than as a SQLite file or a pg_dump: one
format restores into either database, so a SQLite site's backup is also how it moves to
PostgreSQL, and a backup made by an older version of the code restores into a newer one
(the rows are loaded at the migration they were read at, then migrated up).
"""
