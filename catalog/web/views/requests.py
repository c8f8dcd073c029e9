"""FOI request pages: ask (from a search that found little), draft and check the letter,
send it yourself (copy, mailto, .txt, .eml), record what happened, follow, and add the
answer as a dataset. Every page has a JSON twin built from the same data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import Length

from catalog.context import current_site, current_viewer, request_session
from catalog.db.models import Organisation
from catalog.errors import InvalidInput, NotAuthorised
from catalog.foi import authorities
from catalog.foi.asking import similar_requests, topic_words
from catalog.foi.deadlines import uk_today
from catalog.foi.drafting import MAX_LETTER, Draft, create_request, update_letter
from catalog.foi.followers import follow as follow_request
from catalog.foi.followers import unfollow as unfollow_request
from catalog.foi.links import request_data
from catalog.foi.outputs import (
    deadline_calendar,
    letter_email,
    letter_text,
    mailto_fits,
    mailto_url,
    split_subject,
)
from catalog.foi.reading import get_request, list_requests
from catalog.foi.states import STATES, parse_day
from catalog.foi.steps import MAX_NOTE, change_state, undo_step
from catalog.foi.wanted import hide_miss, most_wanted
from catalog.params import parse_int
from catalog.search.index import FACETS
from catalog.web.views.sign_in import login_required

blueprint = Blueprint("requests", __name__)


KEPT_FIELDS = ("title", "authority", "date_from", "date_to", "breakdown")


class RequestForm(FlaskForm):
    title = StringField("What information do you want?", validators=[Length(max=300)])
    authority = StringField("Which public body holds it?", validators=[Length(max=300)])
    date_from = StringField("From (e.g. April 2022)", validators=[Length(max=100)])
    date_to = StringField("To (e.g. March 2024)", validators=[Length(max=100)])
    breakdown = StringField(
        "Broken down by (e.g. by ward and by month)", validators=[Length(max=1000)]
    )
    search_query = HiddenField()
    confirm_new = BooleanField("None of these asks for what I want: draft a new request")


class LetterForm(FlaskForm):
    letter = TextAreaField(
        "The letter",
        validators=[
            Length(
                max=MAX_LETTER,
                message=f"it is longer than {MAX_LETTER:,} characters; a shorter, more "
                "focused request is answered sooner",
            )
        ],
    )


class StateForm(FlaskForm):
    state = StringField("What happened")
    on = StringField("On (YYYY-MM-DD)")
    note = TextAreaField("Note (optional)", validators=[Length(max=MAX_NOTE)])


class ButtonForm(FlaskForm):
    """A form with nothing in it but its CSRF token: follow, unfollow, hide."""


# Lists ------------------------------------------------------------------------------------


def _list_data() -> dict[str, Any]:
    db = request_session()
    data = list_requests(
        db,
        uk_today(),
        viewer=current_viewer(),
        authority=_authority_slug(db, request.args.get("authority", "")[:300]),
        state=request.args.get("state", ""),
        mine=request.args.get("mine") == "1",
        following=request.args.get("following") == "1",
        page=parse_int(request.args, "page", 1, minimum=1),
    )
    for card in data["results"]:
        card["url"] = url_for("requests.show", request_id=card["id"], _external=True)
    return data


def _authority_slug(db: Any, text: str) -> str:
    """The filter's body: its URL name, or a name picked from the type-ahead."""
    if not text:
        return ""
    found = authorities.resolve_authority(db, text)
    return found.slug if found is not None else text


@blueprint.route("/requests")
def index() -> Any:
    data = _list_data()
    own = {k: "1" for k in ("mine", "following") if request.args.get(k) == "1"}
    return render_template(
        "requests.html",
        **data,
        keep={**data["filters"], **own},
        states=STATES,
        wanted=_wanted(5, with_requests=False),
        mine=request.args.get("mine") == "1",
        following=request.args.get("following") == "1",
    )


@blueprint.route("/requests.json")
def index_json() -> Any:
    return jsonify(_list_data())


def _wanted(limit: int, with_requests: bool = True) -> list[dict[str, Any]]:
    site = current_site()

    def still_missing(query: str) -> bool:
        # Public datasets only: the list is public, and private data answers no one else.
        return site.index.search(query, limit=0, visible_organisations=set()).total == 0

    db = request_session()
    found = most_wanted(db, still_missing, limit)
    today = uk_today()
    for item in found:
        item["ask_url"] = url_for("requests.new", q=item["query"])
        if with_requests:  # the request already made on it, if any
            item["requests"] = similar_requests(
                db, item["query"], today, viewer=current_viewer(), limit=1
            )
    return found


@blueprint.route("/requests/wanted")
def wanted() -> Any:
    return render_template("requests_wanted.html", wanted=_wanted(30), form=ButtonForm())


@blueprint.route("/requests/wanted.json")
def wanted_json() -> Any:
    return jsonify(_wanted(30))


@blueprint.route("/requests/wanted/<int:miss_id>/hide", methods=["POST"])
@login_required
def hide_wanted(miss_id: int) -> Any:
    form = ButtonForm()
    if not form.validate_on_submit():
        raise InvalidInput("The form had expired. Reload the page and try again.")
    db = request_session()
    hide_miss(db, current_viewer(), miss_id)
    return redirect(url_for("requests.wanted"), code=303)


# Asking -----------------------------------------------------------------------------------


@blueprint.route("/requests/new", methods=["GET", "POST"])
def new() -> Any:
    """Ask for data: pre-filled from the search (q and its filters); shows requests on the
    same topic to follow instead, and suggests the body from the catalogue's publishers."""
    site = current_site()
    form = RequestForm()
    filters = {k: request.args.get(k, "")[:200] for k in FACETS if request.args.get(k)}
    if request.method == "GET":
        query = request.args.get("q", "")[:300].strip()
        form.search_query.data = query
        form.title.data = request.args.get("title", "")[:300] or _topic(query, filters)
        for name in ("authority", "date_from", "date_to", "breakdown"):
            if request.args.get(name):  # from a suggestion's link, or back from signing in
                getattr(form, name).data = request.args[name][:300]
    topic = form.title.data or ""
    today = uk_today()
    db = request_session()
    similar = similar_requests(db, topic, today, viewer=current_viewer()) if topic else []
    for card in similar:
        card["url"] = url_for("requests.show", request_id=card["id"])
    publishers = _publishers(site, db, form.search_query.data or topic, filters)
    suggested = authorities.suggest_authorities(db, publishers, form.search_query.data or topic)
    if request.method == "POST":
        if not current_viewer().signed_in:  # sign in, then come back to the form as it was
            kept: dict[str, Any] = {
                "q": form.search_query.data or "",
                **{n: getattr(form, n).data or "" for n in KEPT_FIELDS},
                **filters,
            }
            back = url_for("requests.new", **{k: v for k, v in kept.items() if v})
            flash("Sign in to save your request; the form keeps what you wrote.", "info")
            return redirect(url_for("auth.login", next=back), code=303)
        created = _create(db, form, similar, today)
        if created is not None:
            return redirect(url_for("requests.show", request_id=created), code=303)
    return render_template(
        "request_new.html",
        form=form,
        similar=similar,
        suggested=suggested,
        filters=filters,
        signed_in=current_viewer().signed_in,
    ), (400 if request.method == "POST" else 200)


def _create(db: Any, form: RequestForm, similar: list[Any], today: Any) -> int | None:
    """The new draft's number, or None with the form's errors set."""
    if not form.validate():
        return None
    if similar and not form.confirm_new.data:
        form.confirm_new.errors = [
            "Requests on much the same topic are listed above: follow one, or tick this box."
        ]
        return None
    authority = authorities.resolve_authority(db, form.authority.data or "")
    if authority is None:
        form.authority.errors = [
            "Pick a body from the list as you type, or look it up in the directory of "
            "public bodies."
        ]
        return None
    draft = Draft(
        title=form.title.data or "",
        date_from=form.date_from.data or "",
        date_to=form.date_to.data or "",
        breakdown=form.breakdown.data or "",
        search_query=form.search_query.data or "",
    )
    try:
        created = create_request(db, current_viewer(), authority, draft, today)
    except InvalidInput as error:
        for name, problem in error.fields.items():
            getattr(form, name).errors = [problem]
        return None
    return created.id


def _topic(query: str, filters: dict[str, str]) -> str:
    """The information wanted, in words, from the search: "bus punctuality (tag: transport)"."""
    labels = {"tags": "tag", "column": "with a column", "format": "as", "licence": "licence"}
    extra = [f"{labels[k]} {v}" for k, v in filters.items() if k in labels]
    topic = query[:1].upper() + query[1:]
    return f"{topic} ({', '.join(extra)})" if topic and extra else topic


def _publishers(site: Any, db: Any, query: str, filters: dict[str, str]) -> list[str]:
    """Titles of the organisations that publish datasets on the topic here: the one the
    search was filtered by, then those publishing on any of its words."""
    names: list[str] = []
    if filters.get("organisation"):
        names.append(filters["organisation"])
    for word in sorted(topic_words(query))[:8]:
        found = site.index.search(word, limit=0, visible_organisations=set())  # public only
        for name, _count in found.facets.get("organisation", [])[:3]:
            if name not in names:
                names.append(name)
    if not names:
        return []
    rows = db.execute(
        select(Organisation.name, Organisation.title).where(Organisation.name.in_(names))
    )
    titles = {name: title for name, title in rows}
    return [titles[n] for n in names if n in titles]


# One request --------------------------------------------------------------------------------


def _summary(request_id: int) -> dict[str, Any]:
    return request_data(request_session(), request_id, uk_today(), url_for, viewer=current_viewer())


@blueprint.route("/request/<int:request_id>")
def show(request_id: int) -> Any:
    return _page(request_id)


def _page(
    request_id: int,
    letter_form: LetterForm | None = None,
    state_form: StateForm | None = None,
    problem: str = "",
) -> Any:
    """The request's page; after a form it could not take, that form again as it was sent,
    with what was wrong (a 400), so nothing typed is lost."""
    data = _summary(request_id)
    letter_form = letter_form or LetterForm(letter=data.get("letter", ""))
    state_form = state_form or StateForm(on=uk_today().isoformat())
    mailto = None
    if data.get("letter") is not None:
        subject, body = split_subject(data["letter"], _subject(data))
        url = mailto_url(data.get("foi_email", ""), subject, body)
        mailto = url if mailto_fits(url) else None
    return render_template(
        "request.html",
        r=data,
        letter_form=letter_form,
        state_form=state_form,
        button_form=ButtonForm(),
        mailto=mailto,
        today=uk_today().isoformat(),
        problem=problem,
    ), (400 if problem else 200)


@blueprint.route("/request/<int:request_id>.json")
def show_json(request_id: int) -> Any:
    return jsonify(_summary(request_id))


@blueprint.route("/request/<int:request_id>/letter", methods=["POST"])
@login_required
def save_letter(request_id: int) -> Any:
    form = LetterForm()
    if not form.validate_on_submit():
        return _page(request_id, letter_form=form, problem=_form_problem(form))
    try:
        db = request_session()
        found = get_request(db, request_id, viewer=current_viewer())
        update_letter(db, current_viewer(), found, form.letter.data or "")
    except InvalidInput as error:
        return _page(request_id, letter_form=form, problem=error.message)
    return redirect(url_for("requests.show", request_id=request_id, _anchor="letter"), code=303)


@blueprint.route("/request/<int:request_id>/state", methods=["POST"])
@login_required
def record_state(request_id: int) -> Any:
    form = StateForm()
    if not form.validate_on_submit():
        return _page(request_id, state_form=form, problem=_form_problem(form))
    try:
        on = parse_day(form.on.data or "")
        db = request_session()
        found = get_request(db, request_id, viewer=current_viewer())
        change_state(
            db, current_viewer(), found, form.state.data or "", on, uk_today(), form.note.data or ""
        )
    except InvalidInput as error:  # nothing was recorded: the form comes back as it was
        return _page(request_id, state_form=form, problem=error.message)
    return redirect(url_for("requests.show", request_id=request_id), code=303)


def _form_problem(form: FlaskForm) -> str:
    if "csrf_token" in form.errors:
        return "The form had expired. Check it and send it again."
    return " ".join(
        f"{getattr(form, name).label.text}: {' '.join(errors)}."
        for name, errors in form.errors.items()
    )


@blueprint.route("/request/<int:request_id>/undo", methods=["POST"])
@login_required
def undo(request_id: int) -> Any:
    form = ButtonForm()
    if not form.validate_on_submit():
        raise InvalidInput("The form had expired. Reload the page and try again.")
    db = request_session()
    found = get_request(db, request_id, viewer=current_viewer())
    undo_step(db, current_viewer(), found)
    return redirect(url_for("requests.show", request_id=request_id), code=303)


@blueprint.route("/request/<int:request_id>/follow", methods=["POST"])
@login_required
def follow(request_id: int) -> Any:
    form = ButtonForm()
    if not form.validate_on_submit():
        raise InvalidInput("The form had expired. Reload the page and try again.")
    db = request_session()
    found = get_request(db, request_id, viewer=current_viewer())
    if request.form.get("action") == "unfollow":
        unfollow_request(db, current_viewer(), found)
    else:
        follow_request(db, current_viewer(), found)
    return redirect(url_for("requests.show", request_id=request_id), code=303)


# The letter and the deadline as files ---------------------------------------------------------


def _letter(request_id: int) -> dict[str, Any]:
    data = _summary(request_id)
    if "letter" not in data:
        raise NotAuthorised("Only the person who made this request can download its letter.")
    return data


def _subject(data: dict[str, Any]) -> str:
    return f"Freedom of Information request: {data['title']}"


@blueprint.route("/request/<int:request_id>/letter.txt")
@login_required
def letter_txt(request_id: int) -> Any:
    data = _letter(request_id)
    body = letter_text(data["letter"])
    return _file(body, "text/plain; charset=utf-8", f"foi-request-{request_id}.txt")


@blueprint.route("/request/<int:request_id>/letter.eml")
@login_required
def letter_eml(request_id: int) -> Any:
    data = _letter(request_id)
    body = letter_email(data["letter"], data["foi_email"], _subject(data))
    return _file(body, "message/rfc822", f"foi-request-{request_id}.eml")


@blueprint.route("/request/<int:request_id>/deadline.ics")
def deadline(request_id: int) -> Any:
    data = _summary(request_id)
    if not data["due"]:
        raise InvalidInput("This request has no due date: record the day it was sent first.")
    body = deadline_calendar(
        uid=f"foi-request-{request_id}@{request.host.split(':')[0]}",
        title=f"{data['title']} ({data['authority']['name']})",
        due=dt.date.fromisoformat(data["due"]),
        url=data["url"],
        description=(
            f"The reply from {data['authority']['name']} to the FOI request "
            f"“{data['title']}” is due today: 20 working days after it was received. "
            f"If nothing has come, record it on {data['url']} and ask for an internal review."
        ),
        stamp=dt.datetime.now(dt.UTC),
    )
    return _file(body, "text/calendar; charset=utf-8", f"foi-request-{request_id}-due.ics")


def _file(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
