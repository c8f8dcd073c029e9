"""The database schema comes from the migrations, and they match the models."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from catalog.db.engine import MIGRATIONS, make_engine, migrate
from catalog.db.models import Base
from catalog.site import Site


def alembic_config(connection: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def test_the_migrations_make_exactly_the_models_tables(settings: Any) -> None:
    engine = make_engine(settings.resolved().database_url)
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_a_database_from_before_migrations_is_upgraded_in_place(settings: Any) -> None:
    resolved = settings.resolved()
    resolved.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(resolved.database_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")  # the tables create_all used to make
        connection.execute(text("DROP TABLE alembic_version"))
        # The first catalogue made only these; tokens and upload jobs came later.
        connection.execute(text("DROP TABLE api_tokens"))
        connection.execute(text("DROP TABLE ingest_jobs"))
        connection.execute(text("INSERT INTO organisations (name, title) VALUES ('w', 'W')"))
        connection.execute(
            text(
                "INSERT INTO datasets (key, name, title, description, licence_id, source_url,"
                " created, modified) VALUES ('0123456789abcdef0123456789abcdef', 'old', 'Old',"
                " '', 'cc-by', '', '2024-01-01', '2024-01-01')"
            )
        )
    engine.dispose()
    site = Site(settings)
    migrate(site.engine)  # what starting up does first
    try:
        with site.engine.connect() as connection:
            row = connection.execute(text("SELECT private, state, version FROM datasets")).one()
            assert (bool(row[0]), row[1], row[2]) == (False, "active", "")
            assert {"memberships", "api_tokens", "ingest_jobs"} <= set(
                inspect(connection).get_table_names()
            )
            context = MigrationContext.configure(connection)
            assert compare_metadata(context, Base.metadata) == []
            version = connection.execute(text("SELECT version_num FROM alembic_version")).one()
            head = ScriptDirectory.from_config(alembic_config(connection)).get_current_head()
            assert version[0] == head
    finally:
        site.engine.dispose()
