"""The catalogue's exceptions, and the one map from every exception we raise (ours and the
lower packages') to an HTTP status and a message. The app's one error handler
(catalog/app.py) asks `describe_error` and answers a page or the API's JSON body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exc as database_errors

import datastore
import schemas
from datastore.query import QueryError, QueryTooLarge
from ingest.recipe import RecipeError


class CatalogError(Exception):
    """Base class: `status` is the HTTP status the web answers with."""

    status = 400

    def __init__(
        self,
        message: str,
        fields: dict[str, str] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.details = details or {}  # more for the API's error body (a validation report)


class InvalidInput(CatalogError):
    """What was sent cannot be used as it is; `fields` says what is wrong with each."""

    status = 400


class BadParameter(InvalidInput):
    """A query or API parameter that is not what it must be (catalog/params.py)."""


class Conflict(CatalogError):
    """What was sent is well-formed but clashes with what is there (a name taken, a file
    that does not match its schema, a request already in that state)."""

    status = 409


class NotAuthorised(CatalogError):
    status = 403


class NotFound(CatalogError):
    status = 404


class Unavailable(CatalogError):
    """A part of the site that cannot answer now (a damaged search index, being rebuilt)."""

    status = 503


class TooLarge(CatalogError):
    status = 413


@dataclass(frozen=True)
class ErrorAnswer:
    status: int
    message: str
    fields: dict[str, str] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


# The lower packages' exceptions, by class; the most specific class found first wins.
_LOWER: dict[type[Exception], int] = {
    QueryError: 400,  # a filter, sort or field the table cannot answer
    QueryTooLarge: 507,  # a sort or distinct beyond the memory and spill a query may use
    datastore.NotFound: 404,  # a version or file that is not there
    datastore.DatastoreError: 500,
    schemas.SchemaError: 400,  # a schema that was sent is not a valid Table Schema
    RecipeError: 400,  # a recipe of fixes that cannot be applied; says which step
}


DATABASE_DOWN = (
    "The catalogue's database is not answering; try again in a minute. Nothing you sent "
    "was published. (If you run this site: PostgreSQL is stopped, restarting or out of "
    "reach; the site carries on by itself as soon as it answers again.)"
)


def database_down(error: Exception) -> bool:
    """Whether `error` says PostgreSQL cannot be reached or is going down or starting up
    (not that a query was wrong or cancelled, nor SQLite's "database is locked")."""
    if not isinstance(error, database_errors.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    if not type(original).__module__.startswith("psycopg"):
        return False
    # No SQLSTATE: the client could not connect or lost the connection; class 08 is a
    # connection exception; 57P01-57P03: the server is shutting down or starting up.
    state = getattr(original, "sqlstate", None) or ""
    kinds = (database_errors.OperationalError, database_errors.InterfaceError)
    return isinstance(error, kinds) and (not state or state.startswith(("08", "57P")))


def describe_error(error: Exception) -> ErrorAnswer | None:
    """The status and words for an exception we know; None for anything unexpected."""
    if isinstance(error, CatalogError):
        return ErrorAnswer(error.status, error.message, error.fields, error.details)
    if database_down(error):
        return ErrorAnswer(503, DATABASE_DOWN)
    for kind in type(error).__mro__:
        status = _LOWER.get(kind)
        if status is None:
            continue
        if isinstance(error, QueryTooLarge):
            return ErrorAnswer(status, str(error))
        if status >= 500:
            return None  # our own failure: logged and answered as "something went wrong"
        if isinstance(error, QueryError):
            return ErrorAnswer(status, error.message, {error.parameter: error.message})
        if isinstance(error, RecipeError):
            return ErrorAnswer(status, str(error), {"recipe": str(error)})
        if isinstance(error, datastore.NotFound):
            return ErrorAnswer(status, "That file is not in the datastore.")
        return ErrorAnswer(status, str(error))
    return None


_ERROR_TYPES = {
    400: "Validation Error",
    403: "Authorization Error",
    404: "Not Found Error",
    409: "Validation Error",
    413: "Validation Error",
}


def error_body(
    status: int, message: str, fields: dict[str, str] | None, help_url: str
) -> dict[str, Any]:
    """CKAN's error envelope, for the API and every JSON twin of a page."""
    error: dict[str, Any] = {
        "__type": _ERROR_TYPES.get(status, "Internal Error"),
        "message": message,
    }
    for name, problem in (fields or {}).items():
        error[name] = [problem]
    return {"help": help_url, "success": False, "error": error}
