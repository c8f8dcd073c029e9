"""The PostgreSQL search backend's tables, indexes, text search configurations and
extensions, made by the backend itself the first time it is used (not by a migration):
they exist only on a site that chose this backend, hold nothing but a cache of the
catalogue that `datastore reindex` refills, and are dropped and made afresh when LAYOUT
changes, so a whoosh site on PostgreSQL needs neither the extensions nor the tables.

Needs the `unaccent` and `pg_trgm` extensions (PostgreSQL's contrib, trusted since
PostgreSQL 13: a database owner may create them; otherwise a superuser runs
`CREATE EXTENSION unaccent; CREATE EXTENSION pg_trgm;` once). They are made in the
`public` schema when missing, so that every schema of the database shares one copy.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

LAYOUT = 4  # bump when the tables below change: the backend then remakes and refills them
LOCK = 1_702_417  # pg_advisory_xact_lock key: one process sets up at a time
EXTENSIONS = ("unaccent", "pg_trgm")

TABLES = """
CREATE TABLE search_state (
    only_row boolean PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    layout integer NOT NULL,
    generation bigint NOT NULL,  -- counts rebuilds
    changes bigint NOT NULL      -- counts writes; a document's revision is its write's count
);
CREATE TABLE search_documents (
    dataset_id bigint PRIMARY KEY,
    revision bigint NOT NULL,
    document tsvector NOT NULL,  -- weighted: title A, tags B, columns C, all text D
    heading tsvector NOT NULL,   -- title A and tags B alone: ranked first at scale
    words tsvector NOT NULL,     -- the unstemmed words, for "did you mean"
    title_sort text NOT NULL,
    modified timestamp NOT NULL,
    private boolean NOT NULL,
    organisation text NOT NULL,
    licence text NOT NULL,
    tags text[] NOT NULL,
    formats text[] NOT NULL,
    columns text[] NOT NULL
) WITH (toast_tuple_target = 256);
-- The long vectors live out of line (TOAST): a row in the table itself is then a tenth of
-- the size, and reading the ids of 50,000 matches reads a tenth of the pages.
ALTER TABLE search_documents ALTER COLUMN heading SET STORAGE MAIN;
CREATE INDEX search_documents_document ON search_documents USING gin (document);
CREATE INDEX search_documents_heading ON search_documents USING gin (heading);
CREATE INDEX search_documents_words ON search_documents USING gin (words);
CREATE INDEX search_documents_tags ON search_documents USING gin (tags);
CREATE INDEX search_documents_columns ON search_documents USING gin (columns);
CREATE INDEX search_documents_revision ON search_documents (revision);
CREATE INDEX search_documents_title ON search_documents (title_sort, dataset_id);
CREATE INDEX search_documents_modified ON search_documents (modified DESC, dataset_id);
CREATE TABLE search_words (word text COLLATE "C" PRIMARY KEY);  -- C: LIKE 'lond%' uses it
CREATE INDEX search_words_trigrams ON search_words USING gin (word {trgm}.gin_trgm_ops);
"""
DROP = """
DROP TABLE IF EXISTS search_words, search_documents, search_state;
DROP TEXT SEARCH CONFIGURATION IF EXISTS datastore_english;
DROP TEXT SEARCH CONFIGURATION IF EXISTS datastore_simple;
"""
CONFIGURATIONS = """
CREATE TEXT SEARCH CONFIGURATION datastore_english (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION datastore_english
    ALTER MAPPING FOR hword, hword_part, word WITH {unaccent}.unaccent, english_stem;
CREATE TEXT SEARCH CONFIGURATION datastore_simple (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION datastore_simple
    ALTER MAPPING FOR hword, hword_part, word WITH {unaccent}.unaccent, simple;
"""


class SearchSetupError(Exception):
    """The database cannot hold the search tables (an extension missing, say)."""


def extension_schemas(connection: Connection) -> dict[str, str]:
    rows = connection.execute(
        text(
            "SELECT e.extname, n.nspname FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = ANY(:names)"
        ),
        {"names": list(EXTENSIONS)},
    )
    return {name: schema for name, schema in rows}


def current_layout(connection: Connection) -> int | None:
    """The layout of the search tables in this schema; None when there are none."""
    if connection.scalar(text("SELECT to_regclass('search_state')")) is None:
        return None
    value = connection.scalar(text("SELECT layout FROM search_state"))
    return None if value is None else int(value)


def set_up(engine: Engine) -> dict[str, str]:
    """Make the extensions, configurations and tables if missing or of an older layout.
    Returns each extension's schema (its functions are called by that name)."""
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK})
        schemas = extension_schemas(connection)
        for name in EXTENSIONS:
            if name in schemas:
                continue
            try:
                with connection.begin_nested():
                    connection.execute(
                        text(f"CREATE EXTENSION IF NOT EXISTS {name} WITH SCHEMA public")
                    )
            except Exception as error:
                raise SearchSetupError(
                    f"The PostgreSQL search backend needs the {name} extension, which this "
                    f"database has not got and this user may not create ({error.__class__.__name__}"
                    f"). Ask the database's administrator to run CREATE EXTENSION {name}; "
                    "in it (it comes with PostgreSQL's contrib package), or set "
                    "DATASTORE_SEARCH_BACKEND=whoosh."
                ) from error
        schemas = extension_schemas(connection)
        if current_layout(connection) == LAYOUT:
            return schemas
        quoted = {name: '"' + schema.replace('"', '""') + '"' for name, schema in schemas.items()}
        for statement in _statements(DROP):
            connection.execute(text(statement))
        for statement in _statements(CONFIGURATIONS.format(unaccent=quoted["unaccent"])):
            connection.execute(text(statement))
        for statement in _statements(TABLES.format(trgm=quoted["pg_trgm"])):
            connection.execute(text(statement))
        connection.execute(
            text("INSERT INTO search_state (layout, generation, changes) VALUES (:l, 0, 0)"),
            {"l": LAYOUT},
        )
    return schemas


def _statements(script: str) -> list[str]:
    lines = [line.split("--")[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
