"""The catalogue database's migrations (Alembic), applied at start-up by catalog.site.

A new one: change catalog/models.py, then generate the difference against a database at the
previous head and review it (see docs/migrations.md).
"""
