"""The datastore's own exceptions."""


class DatastoreError(Exception):
    """Something went wrong storing or reading a table."""


class NotFound(DatastoreError):
    """The version or file asked for does not exist."""


class QueryError(DatastoreError):
    """A query the table cannot answer; `parameter` names the part that is wrong."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


class QueryTooLarge(DatastoreError):
    """A sort or distinct that needs more memory and spill space than its QueryLimits."""
