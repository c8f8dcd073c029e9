"""A recipe's schema steps (ingest/recipe.py): what they change in the Table Schema the
table is checked against. The schema is copied, never changed in place."""

from __future__ import annotations

import copy
from typing import Any

from ingest.recipe import SCHEMA_STEPS, RecipeError, check_recipe


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
        if kind == "field-optional":
            constraints = found.get("constraints") or {}
            constraints.pop("required", None)
            if constraints:
                found["constraints"] = constraints
            else:
                found.pop("constraints", None)
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
