""" "I need a hand" (POST /help): the form on every report and job page (_help.html) raises
a request for help (catalog/event/help_flags.py); the page then says a mentor has been
asked, and who is on the way once one has taken it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, request
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length

from catalog.context import current_viewer, request_session
from catalog.errors import InvalidInput
from catalog.event.help_flags import MAX_NOTE, MAX_PAGE, flag_status, raise_flag
from catalog.web.views.sign_in import login_required

blueprint = Blueprint("help", __name__)
# The pages that offer "I need a hand": an upload's job page, its report and its review
# (catalog/web/views/uploads.py: job).
HELP_PAGES = frozenset({"uploads.job"})


class HelpForm(FlaskForm):
    note = TextAreaField("What are you stuck on? (optional)", validators=[Length(max=MAX_NOTE)])
    page = HiddenField(validators=[Length(max=MAX_PAGE)])
    job_id = HiddenField(validators=[Length(max=32)])


@blueprint.route("/help", methods=["POST"])
@login_required
def ask() -> Any:
    form = HelpForm()
    if not form.validate_on_submit():
        problems = [p for errors in form.errors.values() for p in errors]
        raise InvalidInput(
            " ".join(str(p) for p in problems) or "The form had expired. Reload the page."
        )
    page = form.page.data or ""
    flag = raise_flag(
        request_session(), current_viewer(), page, form.note.data or "", form.job_id.data or None
    )
    if flag["already"]:
        flash("You have asked already: a mentor is coming. Stay where you are.", "info")
    else:
        flash("Your request for help is sent.", "success")
    return redirect(page, code=303)


@blueprint.app_context_processor
def help_on_this_page() -> dict[str, Any]:
    """For the pages that offer it: the form, and what became of the viewer's asking."""
    if request.endpoint not in HELP_PAGES or not current_viewer().signed_in or g.get("failed"):
        return {}  # (an error page, whose session may not answer, offers none)
    status = flag_status(request_session(), current_viewer(), request.path)
    return {"help_form": HelpForm(formdata=None), "help_flag": status}
