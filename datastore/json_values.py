"""A table's values as JSON carries them, for query results, page cursors and change samples."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any


def json_value(value: Any) -> Any:
    """A value as JSON carries it: dates and times in ISO 8601, NaN and infinities as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value
