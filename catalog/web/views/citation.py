"""A version's citation as a file for reference managers:

/dataset/<name>/v<n>/citation.bib   BibTeX (@misc, UTF-8)
/dataset/<name>/v<n>/citation.ris   RIS (TY DATA), which Zotero, EndNote and Mendeley import

The page's own citation (the sentence to paste) is built from the same parts by
catalog/datasets/citation.py. The preview's parameters, when given, are cited with it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, request, url_for

from catalog.context import current_viewer, request_session
from catalog.datasets.citation import bibtex, citation, cited_version, ris, view_of
from datastore import safe_filename

blueprint = Blueprint("citation", __name__)

FORMATS = {
    "bib": (bibtex, "application/x-bibtex"),
    "ris": (ris, "application/x-research-info-systems"),
}


def cited_url(name: str, number: int, view: dict[str, Any]) -> str:
    """The version's stable address, with the preview's state when it has one."""
    return url_for("pages.dataset", name=name, version=number, **view, _external=True)


@blueprint.route("/dataset/<name>/v<id:number>/citation.<fmt>")
def citation_file(name: str, number: int, fmt: str) -> Any:
    if fmt not in FORMATS:
        abort(404)
    write, mimetype = FORMATS[fmt]
    view = view_of(request.args)
    found = cited_version(request_session(), name, number, current_viewer())
    parts = citation(found, cited_url(name, number, view), view)
    response = Response(write(parts), mimetype=f"{mimetype}; charset=utf-8")
    filename = safe_filename(f"{name}-v{number}.{fmt}", "citation")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
