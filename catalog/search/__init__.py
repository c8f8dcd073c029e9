"""The search index (Whoosh): a cache of the database, rebuilt with one command."""
