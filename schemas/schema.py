"""Load a Table Schema from a file and check it, naming each bad property."""

from __future__ import annotations

import json
import re
import re._parser as sre_parse  # noqa: PLC2701 (see _REPEATS)
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from frictionless import Field, Schema

FIELD_TYPES = (
    "string", "number", "integer", "boolean", "date", "time", "datetime", "year",
    "yearmonth", "duration", "geopoint", "geojson", "object", "array", "list", "any",
)  # fmt: skip

# Old (pre-v1) Table Schema idioms that frictionless 5 reads literally, so no value ever
# matches them. We warn rather than refuse, because real published schemas use them.
_LEGACY_DATE_PATTERN = re.compile(r"^[DMYhms/\-. :]+$")

# What a schema may be, checked before anything expensive (the catalogue passes its own
# settings). A Table Schema is a few kB; these leave room for the largest real ones.
MAX_SCHEMA_BYTES = 1_000_000
MAX_SCHEMA_FIELDS = 1_000
MAX_DEPTH = 32  # objects and lists inside each other: a schema needs about five


class _NoAliasLoader(yaml.SafeLoader):
    """YAML without aliases (*name): an alias repeats what its anchor holds, and aliases of
    aliases grow a few hundred bytes into gigabytes ("billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases are not accepted", event.start_mark
            )
        return super().compose_node(parent, index)


@dataclass(frozen=True)
class SchemaProblem:
    """One thing wrong with a schema: where (a property path) and what, in plain words."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class SchemaError(Exception):
    """A schema file could not be read or is not a valid Table Schema."""

    def __init__(self, problems: list[SchemaProblem], source: str = "") -> None:
        self.problems = problems
        self.source = source
        where = f" in {source}" if source else ""
        lines = "; ".join(str(p) for p in problems)
        super().__init__(f"The schema{where} is not valid: {lines}")


def read_descriptor(path: Path, *, max_bytes: int = MAX_SCHEMA_BYTES) -> dict[str, Any]:
    """Read a JSON or YAML descriptor file into a dict (parse_descriptor's limits)."""
    try:
        if path.stat().st_size > max_bytes:  # said by parse_descriptor, without reading it all
            return parse_descriptor(" " * (max_bytes + 1), str(path), max_bytes=max_bytes)
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        problem = SchemaProblem("", f"cannot read the file: {exc.strerror}")
        raise SchemaError([problem], str(path)) from None
    except UnicodeDecodeError:
        raise SchemaError([SchemaProblem("", "the file is not UTF-8 text")], str(path)) from None
    return parse_descriptor(text, str(path), max_bytes=max_bytes)


def parse_descriptor(
    text: str, source: str = "", *, max_bytes: int = MAX_SCHEMA_BYTES
) -> dict[str, Any]:
    """Parse descriptor text (JSON, or YAML as a fallback) into a dict: at most `max_bytes`
    long, nested at most MAX_DEPTH deep, YAML without aliases."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        message = (
            f"the file is {size:,} bytes; a schema may be at most {max_bytes:,} bytes (a Table "
            "Schema is usually a few thousand: check that this is the schema, not the data)"
        )
        raise SchemaError([SchemaProblem("", message)], source)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as json_error:
        try:
            value = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 (a SafeLoader)
        except yaml.composer.ComposerError as error:
            if "aliases are not accepted" not in str(error):
                raise SchemaError([SchemaProblem("", _not_json(json_error))], source) from None
            message = "YAML aliases (*name) are not accepted in a schema: write each value out"
            raise SchemaError([SchemaProblem("", message)], source) from None
        except yaml.YAMLError:
            raise SchemaError([SchemaProblem("", _not_json(json_error))], source) from None
        except RecursionError:
            raise SchemaError([_too_deep()], source) from None
    except RecursionError:
        raise SchemaError([_too_deep()], source) from None
    if not isinstance(value, dict):
        raise SchemaError([SchemaProblem("", "a schema must be a JSON object")], source)
    if nesting_depth(value) > MAX_DEPTH:
        raise SchemaError([_too_deep()], source)
    return value


def _not_json(error: json.JSONDecodeError) -> str:
    return (
        f"this is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}) "
        "nor valid YAML"
    )


def _too_deep() -> SchemaProblem:
    return SchemaProblem(
        "", f"objects and lists are nested more than {MAX_DEPTH} deep; a schema needs a few"
    )


def nesting_depth(value: Any, stop: int = MAX_DEPTH) -> int:
    """How deep objects and lists are nested in `value` (JSON as Python holds it), without
    recursion; stops counting once past `stop`."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > stop:
                return depth
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def load_schema(
    path: str | Path,
    data_name: str | None = None,
    *,
    max_fields: int = MAX_SCHEMA_FIELDS,
    max_bytes: int = MAX_SCHEMA_BYTES,
) -> dict[str, Any]:
    """Load a Table Schema from a file and check it.

    The file may be a Table Schema, a Data Resource descriptor (its `schema` is used) or a
    Data Package descriptor (the schema of the resource whose path ends with `data_name`,
    or of its only resource). JSON and YAML are both accepted. Each file read may be at most
    `max_bytes` long; the schema may have at most `max_fields` fields.
    """
    path = Path(path)
    descriptor = read_descriptor(path, max_bytes=max_bytes)
    if "resources" in descriptor:
        descriptor = _pick_resource(descriptor, data_name, str(path))
    if "fields" not in descriptor and "schema" in descriptor:
        schema = descriptor["schema"]
        if isinstance(schema, str):
            schema = read_descriptor(_inside(path.parent, schema, str(path)), max_bytes=max_bytes)
        descriptor = schema
    return parse_schema(descriptor, str(path), max_fields=max_fields)


def parse_schema(
    descriptor: Any, source: str = "", *, max_fields: int = MAX_SCHEMA_FIELDS
) -> dict[str, Any]:
    """Check a schema descriptor and return it; raise SchemaError listing every problem."""
    problems = check_schema(descriptor, max_fields=max_fields)
    if problems:
        raise SchemaError(problems, source)
    return dict(descriptor)


def check_schema(descriptor: Any, *, max_fields: int = MAX_SCHEMA_FIELDS) -> list[SchemaProblem]:
    """Every problem in a Table Schema descriptor, each naming the property at fault; a
    schema of more than `max_fields` fields is refused before any field is looked at."""
    if not isinstance(descriptor, dict):
        return [SchemaProblem("", "a schema must be a JSON object with a 'fields' list")]
    fields = descriptor.get("fields")
    if not isinstance(fields, list) or not fields:
        return [SchemaProblem("fields", "a schema needs a 'fields' list with at least one field")]
    if len(fields) > max_fields:
        message = (
            f"the schema has {len(fields):,} fields; at most {max_fields:,} are accepted "
            "(a table that wide is better split into several)"
        )
        return [SchemaProblem("fields", message)]
    problems: list[SchemaProblem] = []
    names: list[str] = []
    for number, field in enumerate(fields, start=1):
        where = f"fields[{number}]"
        if not isinstance(field, dict):
            problems.append(SchemaProblem(where, "each field must be an object with a 'name'"))
            continue
        name = field.get("name")
        if not isinstance(name, str) or not name:
            problems.append(SchemaProblem(where, "this field has no 'name'"))
            continue
        where = f'fields[{number}] "{name}"'
        names.append(name)
        field_type = field.get("type", "string")
        if field_type not in FIELD_TYPES:
            choices = ", ".join(FIELD_TYPES)
            message = f"type {field_type!r} is not a Table Schema type; use one of: {choices}"
            problems.append(SchemaProblem(f"{where}.type", message))
            continue
        report = Schema.validate_descriptor({"fields": [field]})
        problems.extend(SchemaProblem(where, _plain(e.note)) for e in report.errors)
        if not report.errors:
            problems.extend(_bound_problems(field, where))
            problems.extend(_pattern_problems(field, where))
    if problems:
        return problems
    duplicates = sorted(n for n, count in Counter(names).items() if count > 1)
    if duplicates:
        return [SchemaProblem("fields", f"field names must be unique; repeated: {duplicates}")]
    report = Schema.validate_descriptor(descriptor)
    return [SchemaProblem(_top_path(e.note), _plain(e.note)) for e in report.errors]


def schema_warnings(descriptor: dict[str, Any]) -> list[SchemaProblem]:
    """Things in a valid schema that are almost certainly mistakes (old-style formats)."""
    warnings = []
    for number, field in enumerate(descriptor.get("fields", []), start=1):
        fmt = field.get("format")
        where = f'fields[{number}] "{field.get("name")}".format'
        kind = field.get("type")
        legacy = isinstance(fmt, str) and fmt not in ("default", "any") and "%" not in fmt
        if kind in ("date", "datetime", "time") and legacy and _LEGACY_DATE_PATTERN.match(fmt):
            hint = fmt.replace("DD", "%d").replace("MM", "%m").replace("YYYY", "%Y")
            message = (
                f"{fmt!r} is an old-style date pattern that matches no value; write it as {hint!r}"
            )
            warnings.append(SchemaProblem(where, message))
        if kind == "number" and fmt == "currency":
            message = (
                "'currency' is an old-style number format; use \"bareNumber\": false "
                'and "groupChar": "," to accept values like £1,234.56'
            )
            warnings.append(SchemaProblem(where, message))
    return warnings


def _pattern_problems(field: dict[str, Any], where: str) -> list[SchemaProblem]:
    """A "pattern" constraint that is not a regular expression ("(" with no ")")."""
    pattern = (field.get("constraints") or {}).get("pattern")
    if not isinstance(pattern, str):
        return []
    try:
        re.compile(pattern)
    except re.error as error:
        message = (
            f"the pattern {pattern!r} is not a regular expression ({error}); "
            "check its brackets and escape special characters with a backslash"
        )
        return [SchemaProblem(f"{where}.constraints.pattern", message)]
    if _nested_unbounded(sre_parse.parse(pattern)):
        message = (
            f"the pattern {pattern!r} repeats without limit a part that itself repeats "
            'without limit (as in "(a+)+"), which can take minutes to check on one value; '
            'write it so that each part repeats once (for example "a+" for "(a+)+")'
        )
        return [SchemaProblem(f"{where}.constraints.pattern", message)]
    return []


# The parsed pattern's parts that repeat, and those that hold further parts. Python's own
# regular expression parser (a private module of re, stable since 3.11) says which is which.
_REPEATS = {sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, sre_parse.POSSESSIVE_REPEAT}


def _nested_unbounded(items: Any) -> bool:
    """Whether a part repeated without limit holds another part repeated without limit:
    the shape that makes Python's matching exponential ("(a+)+", "(\\w+\\s?)*")."""
    for op, value in items:
        if op in _REPEATS:
            _, most, body = value
            if most == sre_parse.MAXREPEAT and _unbounded(body):
                return True
            if _nested_unbounded(body):
                return True
        elif any(_nested_unbounded(part) for part in _parts(op, value)):
            return True
    return False


def _unbounded(items: Any) -> bool:
    for op, value in items:
        if op in _REPEATS and value[1] == sre_parse.MAXREPEAT:
            return True
        parts = [value[2]] if op in _REPEATS else _parts(op, value)
        if any(_unbounded(part) for part in parts):
            return True
    return False


def _parts(op: Any, value: Any) -> list[Any]:
    """The sub-patterns a group, an alternation or an assertion holds."""
    if op is sre_parse.SUBPATTERN:
        return [value[3]]
    if op is sre_parse.BRANCH:
        return list(value[1])
    if op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
        return [value[1]]
    if op is sre_parse.ATOMIC_GROUP:
        return [value]
    return []


def _bound_problems(field: dict[str, Any], where: str) -> list[SchemaProblem]:
    """Constraint bounds that are not values of the field's own type ("minimum": "ten")."""
    constraints = field.get("constraints") or {}
    bounds = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
    if not isinstance(constraints, dict) or not any(b in constraints for b in bounds):
        return []
    reader = Field.from_descriptor({k: v for k, v in field.items() if k != "constraints"})
    problems = []
    for name in bounds:
        if name not in constraints:
            continue
        value = constraints[name]
        parsed, _notes = reader.read_cell(value if isinstance(value, str) else json.dumps(value))
        if parsed is None:
            kind = field.get("type", "string")
            message = f"{value!r} is not a valid {kind}, so it cannot be the {name}"
            problems.append(SchemaProblem(f"{where}.constraints.{name}", message))
    return problems


def _pick_resource(package: dict[str, Any], data_name: str | None, source: str) -> dict[str, Any]:
    resources = [r for r in package.get("resources") or [] if isinstance(r, dict)]
    if data_name:
        wanted = Path(data_name).name
        for resource in resources:
            paths = resource.get("path")
            paths = paths if isinstance(paths, list) else [paths]
            if any(isinstance(p, str) and Path(p).name == wanted for p in paths):
                return resource
    if len(resources) == 1:
        return resources[0]
    names = [r.get("path") for r in resources]
    message = f"this data package has no resource for {data_name!r}; its resources are {names}"
    raise SchemaError([SchemaProblem("resources", message)], source)


def _inside(folder: Path, relative: str, source: str) -> Path:
    """A path named inside a descriptor, refused if it leaves the descriptor's folder."""
    candidate = (folder / relative).resolve()
    if not candidate.is_relative_to(folder.resolve()):
        message = f"the schema path {relative!r} points outside the descriptor's folder"
        raise SchemaError([SchemaProblem("schema", message)], source)
    return candidate


def _plain(note: str) -> str:
    return note.replace('"', "'")


def _top_path(note: str) -> str:
    for key in ("primary key", "foreign key", "missingValues", "fieldsMatch"):
        if key.lower() in note.lower():
            return {"primary key": "primaryKey", "foreign key": "foreignKeys"}.get(key, key)
    return ""
