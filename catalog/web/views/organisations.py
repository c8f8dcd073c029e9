"""An organisation's page and its JSON twin, /organisation/<name>[.json]; its members page
for its admins, /organisation/<name>/members[.json]; and the forms that ask to join,
answer a request, add, change and remove members, and leave. Each form calls one function
of catalog/datasets/members.py, which checks the right; a refusal is a 403 page saying who
can grant it, a mistake (a user name that does not exist, the last admin) is a message
on the page the form came from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from catalog.context import current_site, current_viewer, request_session
from catalog.datasets import members
from catalog.datasets.organisations import members_page, organisation_details
from catalog.datasets.permissions import can_manage
from catalog.db.models import ROLES
from catalog.errors import Conflict, InvalidInput
from catalog.params import parse_int
from catalog.web.answers import json_answer
from catalog.web.views.sign_in import login_required

blueprint = Blueprint("organisations", __name__)
ROLE_CHOICES = [SelectChoice(r, r.capitalize()) for r in ROLES]  # the pages say what each means


class AddMemberForm(FlaskForm):
    username = StringField(
        "User name", validators=[DataRequired(), Length(max=members.MAX_USERNAME)]
    )
    role = SelectField("Role", choices=ROLE_CHOICES, default="editor")


class MemberForm(FlaskForm):
    """A change to one member: their user name, and a role when it is a change of role."""

    username = HiddenField(validators=[DataRequired(), Length(max=members.MAX_USERNAME)])
    role = SelectField(choices=ROLE_CHOICES, validate_choice=False)


class JoinForm(FlaskForm):
    note = TextAreaField(
        f"A note for its admins (optional, up to {members.MAX_NOTE} characters)",
        validators=[Length(max=members.MAX_NOTE)],
    )


class AnswerForm(FlaskForm):
    """Approve or decline a request: the role it is approved with."""

    role = SelectField(choices=ROLE_CHOICES, default="editor")


class PlainForm(FlaskForm):
    """Only the CSRF token: what the form does is in its URL."""


@blueprint.route("/organisation/<name>")
def organisation(name: str) -> Any:
    return render_template(
        "organisation.html", o=_organisation_data(name), join=JoinForm(), csrf=PlainForm()
    )


@blueprint.route("/organisation/<name>.json")
def organisation_json(name: str) -> Any:
    return json_answer(_organisation_data(name))


@blueprint.route("/organisation/<name>/members")
@login_required
def members_list(name: str) -> Any:
    data = members_page(request_session(), name, current_viewer())
    return render_template("organisation_members.html", o=data, add=AddMemberForm())


@blueprint.route("/organisation/<name>/members.json")
def members_json(name: str) -> Any:
    return json_answer(members_page(request_session(), name, current_viewer()))


@blueprint.route("/organisation/<name>/members", methods=["POST"])
@login_required
def add_member(name: str) -> Any:
    form = AddMemberForm()
    return _act(
        name,
        form,
        lambda db, o: members.add_member(
            db, current_viewer(), o, form.username.data or "", form.role.data or ""
        ),
        lambda done: f"{done['name']} is now its {done['role']}.",
        back="members",
    )


@blueprint.route("/organisation/<name>/members/role", methods=["POST"])
@login_required
def change_role(name: str) -> Any:
    form = MemberForm()
    return _act(
        name,
        form,
        lambda db, o: members.change_role(
            db, current_viewer(), o, form.username.data or "", form.role.data or ""
        ),
        lambda done: f"{done['name']} is now its {done['role']}.",
        back="members",
    )


@blueprint.route("/organisation/<name>/members/remove", methods=["POST"])
@login_required
def remove_member(name: str) -> Any:
    form = MemberForm()
    username = form.username.data or ""
    return _act(
        name,
        form,
        lambda db, o: members.remove_member(db, current_viewer(), o, username),
        lambda _: f"{username} is no longer a member.",
        back="members",
    )


@blueprint.route("/organisation/<name>/join", methods=["POST"])
@login_required
def ask_to_join(name: str) -> Any:
    form = JoinForm()
    return _act(
        name,
        form,
        lambda db, o: members.ask_to_join(db, current_viewer(), o, form.note.data or ""),
        lambda _: "Your request to join is sent; its admins will see it on this page.",
    )


@blueprint.route("/organisation/<name>/join/withdraw", methods=["POST"])
@login_required
def withdraw(name: str) -> Any:
    return _act(
        name,
        PlainForm(),
        lambda db, o: members.withdraw_request(db, current_viewer(), o),
        lambda _: "Your request to join is withdrawn.",
    )


@blueprint.route("/organisation/<name>/requests/<id:request_id>/approve", methods=["POST"])
@login_required
def approve(name: str, request_id: int) -> Any:
    form = AnswerForm()
    return _act(
        name,
        form,
        lambda db, o: members.approve_request(
            db, current_viewer(), o, request_id, form.role.data or "editor"
        ),
        lambda done: f"{done['name']} is now its {done['role']}.",
    )


@blueprint.route("/organisation/<name>/requests/<id:request_id>/decline", methods=["POST"])
@login_required
def decline(name: str, request_id: int) -> Any:
    return _act(
        name,
        PlainForm(),
        lambda db, o: members.decline_request(db, current_viewer(), o, request_id),
        lambda _: "The request to join is declined.",
    )


@blueprint.route("/organisation/<name>/leave", methods=["POST"])
@login_required
def leave(name: str) -> Any:
    return _act(
        name,
        PlainForm(),
        lambda db, o: members.leave_organisation(db, current_viewer(), o),
        lambda _: "You have left the organisation.",
    )


def _act(
    name: str,
    form: FlaskForm,
    work: Callable[[Any, Any], Any],
    said: Callable[[Any], str],
    back: str = "organisation",
) -> Any:
    """Run one form's operation and go back to its page (303), saying what happened, or
    what to fix. A refusal (NotAuthorised) or an organisation that is not there raises."""
    db = request_session()
    organisation = members.find_organisation(db, name)
    if not form.validate_on_submit():
        problems = [e for errors in form.errors.values() for e in errors]
        flash(" ".join(str(p) for p in problems) or "That form had expired; try again.", "error")
    else:
        try:
            flash(said(work(db, organisation)), "success")
        except (InvalidInput, Conflict) as error:
            flash(error.message, "error")
    if back == "members" and can_manage(db, current_viewer(), organisation):
        return redirect(url_for("organisations.members_list", name=name), 303)
    return redirect(url_for("organisations.organisation", name=name), 303)


def _organisation_data(name: str) -> dict[str, Any]:
    page = parse_int(request.args, "page", 1, minimum=1)
    return organisation_details(current_site(), request_session(), name, page, current_viewer())
