"""The authorities directory: list, page, type-ahead, and admin add and edit."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("authorities", __name__)
