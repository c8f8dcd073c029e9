"""Limits on a schema a stranger can send, said before anything expensive is done: its size,
its number of fields, its nesting, and YAML aliases (a few hundred bytes that grow into
gigabytes)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from schemas import SchemaError, load_schema
from schemas.schema import MAX_DEPTH, parse_descriptor, parse_schema
from tests.test_web import csrf_token, post_multipart, sign_in

# "Billion laughs": nine lists of nine aliases of the one before, 9**9 strings once expanded.
ALIAS_BOMB = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{name}: &{name} [{','.join(['*' + before] * 9)}]"
            for before, name in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        "fields: [{name: x, type: string, title: *i}]",
    ]
)


def test_yaml_aliases_are_refused_before_they_grow() -> None:
    assert len(ALIAS_BOMB.encode()) < 600
    with pytest.raises(SchemaError, match=r"YAML aliases \(\*name\) are not accepted"):
        parse_descriptor(ALIAS_BOMB, "bomb.yaml")
    # YAML without aliases is read as before.
    assert parse_descriptor("fields:\n  - name: x\n    type: integer\n") == {
        "fields": [{"name": "x", "type": "integer"}]
    }


def test_a_schema_of_too_many_fields_is_refused_by_its_count() -> None:
    fields = [{"name": f"f{i}", "type": "string"} for i in range(40_000)]
    with pytest.raises(SchemaError, match="the schema has 40,000 fields; at most 1,000"):
        parse_schema({"fields": fields}, "wide.json")
    with pytest.raises(SchemaError, match="at most 10 are accepted"):
        parse_schema({"fields": fields[:11]}, max_fields=10)
    # Repeated names are still found, now in linear time.
    repeated = [{"name": "same"}] * 2 + fields[:998]
    with pytest.raises(SchemaError, match=r"repeated: \['same'\]"):
        parse_schema({"fields": repeated})


def test_deep_nesting_and_a_huge_file_are_refused(tmp_path: Path) -> None:
    deep = '{"fields": [{"name": "x", "constraints": ' + "[" * 100_000 + "]" * 100_000 + "}]}"
    with pytest.raises(SchemaError, match=f"nested more than {MAX_DEPTH} deep"):
        parse_descriptor(deep)
    with pytest.raises(SchemaError, match=f"nested more than {MAX_DEPTH} deep"):
        parse_descriptor("fields: " + "[" * 100_000 + "]" * 100_000)
    huge = tmp_path / "schema.json"
    huge.write_text(json.dumps({"fields": [{"name": "x", "description": "y" * 2_000_000}]}))
    with pytest.raises(SchemaError, match=r"a schema may be at most 1,000,000 bytes"):
        load_schema(huge)


def upload_with_schema(client: Any, schema: bytes, name: str) -> Any:
    form = {
        "csrf_token": csrf_token(client, "/upload"),
        "file": (io.BytesIO(b"x\n1\n"), "x.csv"),
        "schema_source": "upload",
        "schema_file": (io.BytesIO(schema), name),
        "title": "Limits",
        "licence": "uk-ogl",
    }
    return post_multipart(client, "/upload", form)


def test_the_upload_page_refuses_such_schemas_and_publishes_nothing(client: Any, site: Any) -> None:
    sign_in(client, site)
    wide = json.dumps({"fields": [{"name": f"f{i}"} for i in range(40_000)]}).encode()
    cases = [
        (ALIAS_BOMB.encode(), "bomb.yaml", "YAML aliases (*name) are not accepted"),
        (wide, "wide.json", "the schema has 40,000 fields; at most 1,000 are accepted"),
        (b" " * 1_000_001, "big.json", "a schema may be at most 1,000,000 bytes"),
    ]
    for schema, name, message in cases:
        response = upload_with_schema(client, schema, name)
        assert response.status_code == 400, name
        assert message in response.text.replace("&#39;", "'"), name
        assert 'value="Limits"' in response.text  # what was typed stays
    assert client.get("/api/3/action/package_list").get_json()["result"] == []


def test_the_command_line_takes_its_schema_limits_from_the_settings(
    settings: Any, tmp_path: Path
) -> None:
    from dataclasses import replace

    from tests.conftest import DATA, Runner

    narrow = Runner(replace(settings, max_schema_fields=2, max_schema_bytes=200))
    data = DATA / "valid/gdp/data/gdp.csv"
    three = tmp_path / "three.json"
    three.write_text(json.dumps({"fields": [{"name": n} for n in "abc"]}), encoding="utf-8")
    result = narrow("validate", data, "--schema", three)
    assert result.exit_code == 2 and "at most 2 are accepted" in result.output, result.output
    padded = tmp_path / "padded.json"
    padded.write_text(json.dumps({"fields": [{"name": "a"}]}) + " " * 300, encoding="utf-8")
    result = narrow("ingest", data, "--schema", padded, "--title", "GDP")
    assert result.exit_code == 2 and "at most 200 bytes" in result.output, result.output


def test_a_pattern_that_can_take_minutes_on_one_value_is_refused() -> None:
    """ "(a+)+$" on 30 "a"s and a "!" takes Python's matcher minutes, holding the interpreter's
    lock; our engine hands a value to Python's matcher whenever it holds a non-ASCII letter or a
    line break, so one such cell in an upload stalled the whole site. Patterns that repeat
    without limit a part that itself repeats without limit are refused."""
    for pattern in (r"^(a+)+$", r"(\w+\s?)*", r"(x|y+)*z"):
        schema = {"fields": [{"name": "code", "constraints": {"pattern": pattern}}]}
        with pytest.raises(SchemaError) as refused:
            parse_schema(schema)
        assert "repeats without limit a part that itself repeats without limit" in str(
            refused.value
        )
    for pattern in (r"^(\d{1,3},)*\d{1,3}$", r"[A-Z]{2}\d+", r"(?:ab|cd)+", r"\d{4}-\d{2}"):
        parse_schema({"fields": [{"name": "code", "constraints": {"pattern": pattern}}]})
