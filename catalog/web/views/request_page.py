"""One FOI request's page, on the "requests" blueprint of catalog/web/views/requests.py:
draft and check the letter, send it yourself (copy, mailto, .txt, .eml), record what
happened (or take a step back), follow it, and its due date as a calendar event. The page
and its JSON twin are built from the same data (catalog.foi.links.request_data)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, jsonify, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from catalog.context import current_viewer, request_session
from catalog.errors import InvalidInput, NotAuthorised
from catalog.foi.deadlines import uk_today
from catalog.foi.drafting import MAX_LETTER, update_letter
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
from catalog.foi.reading import get_request
from catalog.foi.states import parse_day
from catalog.foi.steps import MAX_NOTE, change_state, undo_step
from catalog.web.views.requests import ButtonForm, blueprint, check_button
from catalog.web.views.sign_in import login_required


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


def _summary(request_id: int) -> dict[str, Any]:
    return request_data(request_session(), request_id, uk_today(), url_for, viewer=current_viewer())


@blueprint.route("/request/<id:request_id>")
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


@blueprint.route("/request/<id:request_id>.json")
def show_json(request_id: int) -> Any:
    return jsonify(_summary(request_id))


@blueprint.route("/request/<id:request_id>/letter", methods=["POST"])
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


@blueprint.route("/request/<id:request_id>/state", methods=["POST"])
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


@blueprint.route("/request/<id:request_id>/undo", methods=["POST"])
@login_required
def undo(request_id: int) -> Any:
    check_button(ButtonForm())
    db = request_session()
    found = get_request(db, request_id, viewer=current_viewer())
    undo_step(db, current_viewer(), found)
    return redirect(url_for("requests.show", request_id=request_id), code=303)


@blueprint.route("/request/<id:request_id>/follow", methods=["POST"])
@login_required
def follow(request_id: int) -> Any:
    check_button(ButtonForm())
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


@blueprint.route("/request/<id:request_id>/letter.txt")
@login_required
def letter_txt(request_id: int) -> Any:
    data = _letter(request_id)
    body = letter_text(data["letter"])
    return _file(body, "text/plain; charset=utf-8", f"foi-request-{request_id}.txt")


@blueprint.route("/request/<id:request_id>/letter.eml")
@login_required
def letter_eml(request_id: int) -> Any:
    data = _letter(request_id)
    body = letter_email(data["letter"], data["foi_email"], _subject(data))
    return _file(body, "message/rfc822", f"foi-request-{request_id}.eml")


@blueprint.route("/request/<id:request_id>/deadline.ics")
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
