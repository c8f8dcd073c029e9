"""The catalogue database: SQLAlchemy models, the engine and Alembic migrations."""
