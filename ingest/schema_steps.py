"""A recipe's schema steps (ingest/recipe.py): what they change in the Table Schema the
table is checked against. The schema is copied, never changed in place."""

from __future__ import annotations

import copy
from typing import Any

from ingest.recipe import SCHEMA_STEPS, RecipeError, check_recipe
from schemas.kinds import READING_KEYS, with_kind

_TYPES = frozenset(
    {"string", "number", "integer", "boolean", "date", "datetime", "time", "year", "yearmonth"}
    | {"duration", "geopoint", "geojson", "object", "array", "any"}
)
MAX_DESCRIPTION = 2000


def apply_schema_steps(schema: dict[str, Any], recipe: list[dict[str, Any]]) -> dict[str, Any]:
    """The schema with the recipe's schema steps applied (a copy)."""
    schema = copy.deepcopy(schema)
    fields = {f.get("name"): f for f in schema.get("fields", [])}
    for index, step in enumerate(check_recipe(recipe)):
        kind = step["step"]
        if kind == "missing-values":
            values = [str(v) for v in step.get("values", [])]
            schema["missingValues"] = list(
                dict.fromkeys(["", *schema.get("missingValues", [""]), *values])
            )
            continue
        if kind == "drop-fields":
            gone = {str(f) for f in step.get("fields", [])}
            schema["fields"] = [f for f in schema.get("fields", []) if f.get("name") not in gone]
            fields = {f.get("name"): f for f in schema["fields"]}
            continue
        if kind == "keep-columns":
            for name in step.get("names", []):
                if str(name) not in fields:
                    added = {"name": str(name), "type": "string"}
                    schema.setdefault("fields", []).append(added)
                    fields[str(name)] = added
            continue
        if kind not in SCHEMA_STEPS:
            continue
        found = fields.get(step.get("field"))
        if found is None:
            raise RecipeError(index, f"there is no column {step.get('field')!r}")
        if kind in ("field-optional", "field-required", "field-unique", "field-repeats"):
            constraints = dict(found.get("constraints") or {})
            rule = "required" if kind in ("field-optional", "field-required") else "unique"
            if kind in ("field-required", "field-unique"):
                constraints[rule] = True
            else:
                constraints.pop(rule, None)
            if constraints:
                found["constraints"] = constraints
            else:
                found.pop("constraints", None)
        elif kind == "field-kind":
            changed = with_kind(found, _reading(step, index))
            found.clear()  # in place: `fields` and the schema hold this same dict
            found.update(changed)
        elif kind == "field-description":
            found["description"] = str(step.get("description", ""))[:MAX_DESCRIPTION]
        elif kind == "field-type":
            found["type"] = str(step["type"])
            found.pop("format", None)
        elif kind == "field-format":
            found["type"] = str(step.get("type", found.get("type", "date")))
            found["format"] = str(step["format"])
        elif kind == "number-format":
            found["type"] = "number"
            found["groupChar"] = str(step.get("groupChar", ","))
            found["bareNumber"] = False
    return schema


def _reading(step: dict[str, Any], index: int) -> dict[str, Any]:
    """A field-kind step's field parts, checked: known keys, a known type."""
    reading = step.get("reading")
    allowed = (*READING_KEYS, "trueValues", "falseValues")
    if not isinstance(reading, dict) or set(reading) - set(allowed):
        raise RecipeError(index, f"'reading' is an object of {', '.join(allowed)}")
    if reading.get("type") not in _TYPES:
        raise RecipeError(index, f"'type' is one of {', '.join(sorted(_TYPES))}")
    return dict(reading)
