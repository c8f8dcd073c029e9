"""The datastore's own exceptions."""


class DatastoreError(Exception):
    """Something went wrong storing or reading a table."""


class NotFound(DatastoreError):
    """The version or file asked for does not exist."""
