"""A request as plain data with the addresses of its pages: what its page, its JSON twin and
the API's foi_request_show all answer. The caller passes its `url_for` (Flask's), so this
room knows nothing of the web."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from catalog.foi.reading import get_request, request_summary
from catalog.viewer import ANONYMOUS, Viewer

UrlFor = Callable[..., str]


def request_data(
    session: Session,
    request_id: int,
    today: dt.date,
    url_for: UrlFor,
    *,
    viewer: Viewer = ANONYMOUS,
) -> dict[str, Any]:
    """The request as `viewer` may see it (a visitor unless told), with the addresses of
    its pages."""
    found = get_request(session, request_id, viewer=viewer)
    data = request_summary(session, found, today, viewer=viewer)
    data["url"] = url_for("requests.show", request_id=request_id, _external=True)
    data["authority"]["url"] = url_for(
        "authorities.authority", slug=data["authority"]["slug"], _external=True
    )
    if data["due"]:
        data["deadline_url"] = url_for("requests.deadline", request_id=request_id, _external=True)
    if data["dataset"]:
        data["dataset"]["url"] = url_for(
            "pages.dataset", name=data["dataset"]["name"], _external=True
        )
    return data
