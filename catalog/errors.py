"""The catalogue's exceptions. One handler in app.py turns each into an HTTP answer."""

from __future__ import annotations

from typing import Any


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


class Conflict(CatalogError):
    status = 409


class NotAuthorised(CatalogError):
    status = 403


class NotFound(CatalogError):
    status = 404
