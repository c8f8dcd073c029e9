"""The answer to an FOI request, published here as a dataset: who may add it and when, what
the upload form starts with, and the link between the request and the dataset (which
makes the request successful). The caller commits, except in link_uploaded_answer, which
runs in the upload job as its own unit of work."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db.models import Dataset, InfoRequest, RequestEvent, User, utcnow
from catalog.errors import CatalogError, InvalidInput, NotFound
from catalog.foi.deadlines import uk_today
from catalog.foi.permissions import require_manager
from catalog.foi.states import settle_request
from catalog.viewer import Viewer

log = logging.getLogger(__name__)


def check_answerable(viewer: Viewer, request: InfoRequest) -> None:
    """Raise unless `viewer` may add the answer to this request as a dataset now."""
    require_manager(viewer, request)
    if request.state == "draft":
        raise InvalidInput(
            "Only a request that has been sent can have an answer: record the day you sent it."
        )
    if request.state == "withdrawn":
        raise InvalidInput(
            "This request was withdrawn, so it cannot have an answer. Publish the data from "
            "the upload page without linking it, or make a new request."
        )


def answer_metadata(request: InfoRequest) -> dict[str, str]:
    """What the upload form starts with when the answer is added as a dataset: its title,
    the body as its publisher, the Open Government Licence (what UK public bodies release
    under), and where it came from."""
    authority = request.authority.name
    period = " to ".join(p for p in (request.date_from, request.date_to) if p)
    return {
        "title": request.title,
        "organisation": authority,
        "author": authority,
        "licence": "uk-ogl",
        "description": (
            f"Released by {authority} in answer to a Freedom of Information request"
            f"{f' covering {period}' if period else ''}. The request, its letter's "
            "history and the body's reply dates are linked from this page."
        ),
    }


def link_answer(
    session: Session,
    viewer: Viewer,
    request: InfoRequest,
    dataset: Dataset,
    today: dt.date,
) -> None:
    """The answer was published as `dataset`: the request is successful and links to it."""
    check_answerable(viewer, request)
    request.dataset_id = dataset.id
    if request.state != "successful":
        request.events.append(
            RequestEvent(
                state="successful",
                happened_on=max(today, request.events[-1].happened_on),
                note="The answer was published here as a dataset.",
                user_id=viewer.id,
            )
        )
    settle_request(request)
    request.modified = utcnow()


def link_published_answer(
    session: Session, request_id: int, user_id: int, dataset_name: str, today: dt.date
) -> None:
    """After an upload made from the request's "Add the answer" button is published."""
    found = session.get(InfoRequest, request_id)
    dataset = session.scalar(select(Dataset).where(Dataset.name == dataset_name))
    user = session.get(User, user_id)
    if found is None or dataset is None or user is None:
        raise NotFound("The request or the dataset has gone.")
    link_answer(session, Viewer.user(user.id, user.username, user.is_admin), found, dataset, today)


def link_uploaded_answer(
    sessions: sessionmaker[Session], request_id: int, user_id: int | None, dataset_name: str
) -> str:
    """The upload job's last step when its file answers a request (a unit of work of its
    own, in the background): link the two; what went wrong, if anything. The dataset stays
    published whatever happened to the request meanwhile."""
    failed = f"It could not be linked to FOI request #{request_id}"
    if user_id is None:
        return f"{failed}: nobody uploaded it."
    try:
        with sessions() as session:
            link_published_answer(session, request_id, user_id, dataset_name, uk_today())
            session.commit()
    except CatalogError as error:
        return f"{failed}: {error.message}"
    except Exception:
        log.exception("could not link dataset %s to FOI request %s", dataset_name, request_id)
        return f"{failed}: something went wrong."
    return ""
