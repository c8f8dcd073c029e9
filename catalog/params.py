"""The one parser of request parameters (query strings, form fields, JSON bodies), for pages,
their JSON twins and the API alike: the same bad value gets the same answer everywhere, a
400 that names the parameter and says what it must be."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from werkzeug.routing import IntegerConverter

from catalog.errors import BadParameter
from schemas.schema import nesting_depth

MAX_ID = 10**18 - 1  # the largest number a URL's id or version may be: it fits 64 bits


class IdConverter(IntegerConverter):
    """A number in a URL (`<id:request_id>`, `v<id:number>`): digits that fit a database
    integer; a longer one is no page (404), never an overflow in the database."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, max=MAX_ID)


_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")  # ASCII digits only, and no more than fit 64 bits
TRUE = ("true", "1", "yes", "on")
FALSE = ("false", "0", "no", "off", "")


def parse_int(
    params: Mapping[str, Any],
    name: str,
    default: int,
    *,
    minimum: int = 0,
    maximum: int = 10**15,
    cap: bool = False,
) -> int:
    """A whole number from `minimum` to `maximum`. Past `maximum` it is an error, or with
    `cap`, `maximum` (as CKAN caps package_search's rows)."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise BadParameter(f"{name} must be a whole number.", {name: "Invalid integer"})
    text = str(raw).strip()
    if not _INTEGER.fullmatch(text):
        shown = text if len(text) <= 20 else text[:20] + "..."
        raise BadParameter(
            f"{name} must be a whole number, not {shown!r}.", {name: "Invalid integer"}
        )
    value = int(text)
    if value < minimum:
        raise BadParameter(f"{name} must be at least {minimum:,}.", {name: f"Must be >= {minimum}"})
    if value > maximum:
        if cap:
            return maximum
        raise BadParameter(f"{name} must be at most {maximum:,}.", {name: f"Must be <= {maximum}"})
    return value


def parse_bool(params: Mapping[str, Any], name: str, default: bool = False) -> bool:
    """true/false (1/0, yes/no, on/off, or a JSON boolean)."""
    raw = params.get(name)
    if raw is None:
        return default
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise BadParameter(f"{name} must be true or false.", {name: "Not a boolean"})


def refuse_nul(values: Mapping[str, Any]) -> None:
    """No parameter holds a NUL character: no text kept here may (PostgreSQL refuses it,
    SQLite would keep it), so it is a 400 naming the parameter, never a 500."""
    for name, value in values.items():
        if "\x00" in str(name) or (isinstance(value, str) and "\x00" in value):
            raise BadParameter(
                f"{str(name)[:50]!r} holds a NUL character (\\0), which no text here may hold.",
                {str(name)[:50]: "Contains a NUL character"},
            )


MAX_JSON_DEPTH = 32  # a JSON value in a query parameter (a body's limit is a setting)


class TooDeep(ValueError):
    """JSON nested more deeply than allowed."""


def loads(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """JSON as the standard has it: NaN and Infinity are not numbers JSON knows (Python's
    json takes them, and would echo them back in an answer no client can read). Objects and
    lists nested more than `max_depth` deep raise TooDeep (a ValueError)."""
    try:
        value = json.loads(text, parse_constant=_not_json)
    except RecursionError:  # Python's own limit, far past ours
        raise TooDeep(f"nested more than {max_depth} deep") from None
    if nesting_depth(value, max_depth) > max_depth:
        raise TooDeep(f"nested more than {max_depth} deep")
    return value


def _not_json(word: str) -> Any:
    raise ValueError(f"{word} is not JSON")


def parse_json(value: Any, name: str) -> Any:
    """A JSON object or list given as text (a query string); other values as they are."""
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return loads(value)
        except TooDeep:
            raise BadParameter(
                f"{name} holds objects or lists nested more than {MAX_JSON_DEPTH} deep; "
                "a few levels are all any parameter needs.",
                {name: f"Nested more than {MAX_JSON_DEPTH} deep"},
            ) from None
        except (ValueError, RecursionError):
            raise BadParameter(f"{name} is not valid JSON.", {name: "Cannot parse JSON"}) from None
    return value


def parse_words(value: Any, name: str = "q") -> str | dict[str, str]:
    """Words to find in a table (`q`): plain words, or a JSON object of field to words. Text
    is read as an object only when it is one, so words that merely look like JSON (`[draft]`,
    `{broken`) are words, the same in the preview's search box, its downloads and the API."""
    if isinstance(value, str) and value.strip()[:1] == "{":
        try:
            value = loads(value)
        except TooDeep:
            value = parse_json(value, name)  # says it is nested too deeply
        except (ValueError, RecursionError):
            return value
    if value is None:
        return ""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, (list, bool)):
        raise BadParameter(
            f"{name} is words to find, or an object of field names and words.",
            {name: "Must be text or an object"},
        )
    return str(value)


def parse_list(params: Mapping[str, Any], name: str) -> list[Any]:
    """A JSON list, or text separated by commas; a single value is a list of one."""
    value = params.get(name) or []
    if isinstance(value, str):
        try:
            value = loads(value)
        except (ValueError, RecursionError):
            value = [v for v in value.split(",") if v.strip()]
    return value if isinstance(value, list) else [value]
