"""FOI request pages: ask, draft and lint the letter, track, and close with a dataset."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("requests", __name__)
