"""How a view answers with data: JSON as the twins and harvesters expect it."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

from flask import Response


def json_answer(data: Any, mimetype: str = "application/json") -> Response:
    body = json.dumps(data, indent=2, ensure_ascii=False, default=_plain)
    return Response(body, mimetype=mimetype)


def _plain(value: Any) -> Any:
    """Dates and times as ISO strings (not Flask's HTTP dates), decimals as numbers."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return str(value)
