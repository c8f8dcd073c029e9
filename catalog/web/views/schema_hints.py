"""The upload page's hint, before the file is sent: the ready schemas its header looks like.

When a volunteer picks a CSV, the page's script (static/schema_hint.js) sends its first
64 kB, with the form's CSRF token in the X-CSRFToken header, to POST
/upload/schema-hint.json, and shows the answer beside the schema choice with a button that
picks the schema; it never changes the choice itself. Without JavaScript nothing asks and
the page is as it was. The work is ingest.schema_hints.hint_schemas; this view only checks
who is asking and caps the body before reading it.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from catalog.context import current_site, current_viewer
from catalog.errors import NotAuthorised, TooLarge
from catalog.web.views.uploads import blueprint
from ingest.schema_hints import HEAD_BYTES, hint_schemas

TOO_LARGE = (
    f"Send only the start of the file: at most its first {HEAD_BYTES // 1024} kB "
    f"({HEAD_BYTES:,} bytes)."
)


@blueprint.route("/upload/schema-hint.json", methods=["POST"])
def schema_hint() -> Any:
    """{"suggestions": [...]}, best fit first; empty when the file looks like no ready
    schema (or is a workbook). The body is the start of the file, as bytes."""
    if not current_viewer().signed_in:
        raise NotAuthorised("Sign in first: this needs an account.")
    if request.content_length is not None and request.content_length > HEAD_BYTES:
        raise TooLarge(TOO_LARGE)
    head = request.stream.read(HEAD_BYTES + 1)  # sent in chunks, it has no length to check
    if len(head) > HEAD_BYTES:
        raise TooLarge(TOO_LARGE)
    found = hint_schemas(head, legacy_encodings=current_site().settings.legacy_encoding_list)
    suggestions = [
        {
            "name": hint.entry_name,
            "title": hint.title,
            "matched": hint.matched,
            "total": hint.total,
            "fit": hint.fit,
            "missingRequired": hint.required_missing,
            "message": f"This file {hint.summary}.",
        }
        for hint in found
    ]
    return jsonify({"suggestions": suggestions})
