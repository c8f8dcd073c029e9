"""Table Schema handling: loading each descriptor form, naming what is wrong, the library,
inference, and the schema of our CSV downloads."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pyarrow as pa
import pytest
from frictionless import Schema

from schemas import (
    SchemaError,
    arrow_schema,
    check_schema,
    csv_schema,
    infer_schema,
    infer_table,
    library_entries,
    library_schema,
    load_schema,
    parse_schema,
    schema_warnings,
)

DATA = Path(__file__).parent / "data"
SPEND_SCHEMA = DATA / "invalid/uk-rpa-spend-feb-2011/spend-publishing-schema.json"


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def problem_paths(exc: SchemaError) -> list[str]:
    return [p.path for p in exc.problems]


# Loading each form -------------------------------------------------------------------------


def test_load_table_schema_json():
    schema = load_schema(DATA / "invalid/frictionless-unique-field/unique-field.json")
    assert [f["name"] for f in schema["fields"]] == ["id", "name", "slug"]
    assert schema["fields"][0]["constraints"] == {"unique": True}
    assert schema["primaryKey"] == "id"  # kept as written


def test_load_resource_yaml_uses_its_schema():
    path = DATA / "valid/uk-local-authorities/uk_local_authorities_future.resource.yaml"
    schema = load_schema(path)
    expected = read_json(
        DATA / "cases/uk-local-authorities--uk_local_authorities_future.schema.json"
    )
    assert schema == expected
    assert len(schema["fields"]) == 38
    assert schema["fields"][0]["name"] == "local-authority-code"


@pytest.mark.parametrize(
    ("data_name", "case_schema"),
    [
        ("gdp.csv", "gdp--gdp.schema.json"),
        ("data/gdp.csv", "gdp--gdp.schema.json"),
        ("top-economies.csv", "gdp--top-economies.schema.json"),
        ("uploads/top-economies.csv", "gdp--top-economies.schema.json"),
    ],
)
def test_load_package_picks_resource_by_data_file_name(data_name, case_schema):
    schema = load_schema(DATA / "valid/gdp/datapackage.json", data_name)
    assert schema == read_json(DATA / "cases" / case_schema)


def test_load_package_with_one_resource_needs_no_name():
    schema = load_schema(DATA / "valid/ct-housing-permits-by-town/datapackage.json")
    assert schema == read_json(DATA / "cases/ct-housing-permits-by-town--resource0.schema.json")


@pytest.mark.parametrize("data_name", [None, "no-such-file.csv"])
def test_load_package_without_a_matching_resource_names_resources(data_name):
    with pytest.raises(SchemaError) as caught:
        load_schema(DATA / "valid/gdp/datapackage.json", data_name)
    assert problem_paths(caught.value) == ["resources"]
    assert "data/gdp.csv" in str(caught.value)
    assert "data/top-economies.csv" in str(caught.value)


def test_load_resource_with_schema_path_inside_its_folder(tmp_path):
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas/people.json").write_text(
        json.dumps({"fields": [{"name": "id", "type": "integer"}, {"name": "name"}]})
    )
    (tmp_path / "people.resource.yaml").write_text(
        "name: people\npath: people.csv\nschema: schemas/people.json\n"
    )
    schema = load_schema(tmp_path / "people.resource.yaml")
    assert [f["name"] for f in schema["fields"]] == ["id", "name"]


@pytest.mark.parametrize("outside", ["../outside.json", "sub/../../outside.json", "ABSOLUTE"])
def test_resource_schema_path_escaping_its_folder_is_refused(tmp_path, outside):
    (tmp_path / "outside.json").write_text(json.dumps({"fields": [{"name": "secret"}]}))
    folder = tmp_path / "upload"
    (folder / "sub").mkdir(parents=True)
    if outside == "ABSOLUTE":
        outside = str(tmp_path / "outside.json")
    (folder / "resource.json").write_text(
        json.dumps({"name": "r", "path": "r.csv", "schema": outside})
    )
    with pytest.raises(SchemaError) as caught:
        load_schema(folder / "resource.json")
    assert problem_paths(caught.value) == ["schema"]
    assert "outside" in caught.value.problems[0].message


def test_load_schema_json_with_byte_order_mark(tmp_path):
    path = tmp_path / "bom-schema.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"fields": [{"name": "a"}]}).encode())
    assert load_schema(path) == {"fields": [{"name": "a"}]}


# Bad schemas name the bad property ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("not-json.json", '{"fields": [{"name": "a",}', "not valid JSON"),
        ("not-an-object.json", "[1, 2, 3]", "JSON object"),
        ("a-string.json", '"fields"', "JSON object"),
        ("empty.json", "", "JSON object"),
    ],
)
def test_unreadable_schema_files_are_refused(tmp_path, name, text, words):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(SchemaError) as caught:
        load_schema(path)
    assert problem_paths(caught.value) == [""]
    assert words in caught.value.problems[0].message
    assert str(path) in str(caught.value)


def test_missing_file_and_non_utf8_file_are_refused(tmp_path):
    with pytest.raises(SchemaError, match="cannot read the file"):
        load_schema(tmp_path / "missing.json")
    latin1 = tmp_path / "latin1-pound-sign.json"
    latin1.write_bytes(b'{"fields": [{"name": "\xa3"}]}')
    with pytest.raises(SchemaError, match="not UTF-8"):
        load_schema(latin1)


@pytest.mark.parametrize(
    ("descriptor", "path", "words"),
    [
        ({"fields": [{"name": "a", "type": "text"}]}, 'fields[1] "a".type', "'text'"),
        ({"fields": [{"name": "a"}, {"type": "integer"}]}, "fields[2]", "no 'name'"),
        ({"fields": [{"name": ""}]}, "fields[1]", "no 'name'"),
        ({"fields": ["a"]}, "fields[1]", "object"),
        ({"fields": [{"name": "a"}, {"name": "b"}, {"name": "a"}]}, "fields", "['a']"),
        ({"fields": []}, "fields", "at least one field"),
        ({"fields": "a,b"}, "fields", "'fields' list"),
        ({"title": "no fields"}, "fields", "'fields' list"),
        ({"fields": [{"name": "a"}], "primaryKey": ["b"]}, "primaryKey", "'b'"),
        ({"fields": [{"name": "a"}], "missingValues": "NA"}, "missingValues", "'NA'"),
        (
            {"fields": [{"name": "a", "constraints": {"pattern": "(ab"}}]},
            'fields[1] "a".constraints.pattern',
            "not a regular expression",
        ),
    ],
    ids=[
        "unknown-type",
        "missing-name",
        "empty-name",
        "field-not-object",
        "duplicate-names",
        "no-fields",
        "fields-not-list",
        "fields-absent",
        "primary-key-not-a-field",
        "missing-values-not-list",
        "pattern-not-a-regex",
    ],
)
def test_check_schema_names_the_bad_property(descriptor, path, words):
    problems = check_schema(descriptor)
    assert [p.path for p in problems] == [path]
    assert words in problems[0].message


def test_unknown_type_lists_the_real_types():
    (problem,) = check_schema({"fields": [{"name": "when", "type": "timestamp"}]})
    assert "datetime" in problem.message
    assert "string" in problem.message


def test_bad_primary_key_of_wrong_kind_is_named():
    problems = check_schema({"fields": [{"name": "a"}], "primaryKey": 5})
    assert problems
    assert all("primaryKey" in str(p) for p in problems)


def test_every_bad_field_is_reported_at_once():
    problems = check_schema(
        {"fields": [{"name": "a", "type": "text"}, {"type": "string"}, {"name": "c", "format": 5}]}
    )
    paths = [p.path for p in problems]
    assert paths[:2] == ['fields[1] "a".type', "fields[2]"]
    assert set(paths[2:]) == {'fields[3] "c"'}


def test_constraint_not_allowed_for_the_type_is_named():
    (problem,) = check_schema(
        {"fields": [{"name": "a", "type": "integer", "constraints": {"pattern": "["}}]}
    )
    assert problem.path == 'fields[1] "a"'
    assert "pattern" in problem.message


@pytest.mark.parametrize(
    "field",
    [
        {"name": "a", "type": "integer", "constraints": {"minimum": "ten"}},
        {"name": "a", "type": "date", "constraints": {"maximum": "next week"}},
    ],
    ids=["integer-minimum-ten", "date-maximum-next-week"],
)
def test_constraint_bound_of_the_wrong_type_is_named(field):
    problems = check_schema({"fields": [field]})
    bound = next(iter(field["constraints"]))
    assert [p.path for p in problems] == [f'fields[1] "a".constraints.{bound}']
    assert "cannot be the" in problems[0].message


def test_check_schema_refuses_a_non_object():
    assert [p.path for p in check_schema(["fields"])] == [""]


def test_parse_schema_raises_with_every_problem_and_source():
    with pytest.raises(SchemaError) as caught:
        parse_schema({"fields": [{"name": "a", "type": "text"}, {}]}, "upload.json")
    assert problem_paths(caught.value) == ['fields[1] "a".type', "fields[2]"]
    assert caught.value.source == "upload.json"
    assert "upload.json" in str(caught.value)


def test_bad_schema_file_error_names_the_property(tmp_path):
    path = tmp_path / "duplicate-names.json"
    path.write_text(json.dumps({"fields": [{"name": "id"}, {"name": "id"}]}))
    with pytest.raises(SchemaError) as caught:
        load_schema(path)
    assert problem_paths(caught.value) == ["fields"]
    assert "['id']" in str(caught.value)


def test_every_case_schema_in_the_corpus_is_valid():
    for path in sorted((DATA / "cases").glob("*.schema.json")):
        assert check_schema(read_json(path)) == [], path.name


# Warnings for old-style formats ------------------------------------------------------------


def test_schema_warnings_on_legacy_spend_schema():
    schema = load_schema(SPEND_SCHEMA)
    warnings = schema_warnings(schema)
    assert [w.path for w in warnings] == ['fields[3] "Date".format', 'fields[8] "Amount".format']
    assert "'DD/MM/YYYY'" in warnings[0].message
    assert "'%d/%m/%Y'" in warnings[0].message
    assert "currency" in warnings[1].message
    assert "groupChar" in warnings[1].message


@pytest.mark.parametrize(
    "field",
    [
        {"name": "d", "type": "date", "format": "%d/%m/%Y"},
        {"name": "d", "type": "date", "format": "any"},
        {"name": "d", "type": "date", "format": "default"},
        {"name": "d", "type": "date"},
        {"name": "n", "type": "number", "groupChar": ","},
        {"name": "s", "type": "string", "format": "email"},
    ],
)
def test_no_warning_for_current_formats(field):
    assert schema_warnings({"fields": [field]}) == []


# The library -------------------------------------------------------------------------------


def test_library_has_entries():
    entries = library_entries()
    assert entries
    assert [e.name for e in entries] == sorted(e.name for e in entries)
    assert "uk-spend-over-25k" in [e.name for e in entries]


@pytest.mark.parametrize("name", [e.name for e in library_entries()])
def test_every_library_schema_loads_and_is_valid(name):
    schema = library_schema(name)
    (entry,) = [e for e in library_entries() if e.name == name]
    assert check_schema(schema) == []
    assert schema_warnings(schema) == []
    assert entry.fields == len(schema["fields"])
    assert entry.title
    Schema.from_descriptor(schema)  # frictionless accepts it too
    assert arrow_schema(schema).names == [f["name"] for f in schema["fields"]]


def test_unknown_library_schema_names_the_choices():
    with pytest.raises(SchemaError) as caught:
        library_schema("no-such-schema")
    assert "no-such-schema" in str(caught.value)
    assert "uk-spend-over-25k" in str(caught.value)


# Inference ---------------------------------------------------------------------------------


def field_types(schema: dict) -> dict[str, str]:
    return {f["name"]: f["type"] for f in schema["fields"]}


def test_infer_schema_on_real_file():
    schema = infer_schema(DATA / "valid/gdp/data/top-economies.csv")
    assert field_types(schema) == {"country": "string", "year": "integer", "gdp_trillion": "number"}
    assert check_schema(schema) == []


def test_infer_schema_on_windows_1252_semicolon_file():
    schema = infer_schema(
        DATA / "invalid/fr-ev-charging-stations/issue-647.csv.txt", encoding="cp1252", delimiter=";"
    )
    types = field_types(schema)
    assert len(types) == 17
    assert types["accessibilité"] == "string"  # accent decoded, not mangled
    assert types["Xlongitude"] == "number"
    assert types["Ylatitude"] == "number"
    assert types["nbre_pdc"] == "integer"
    assert types["n_station"] == "string"


def test_infer_schema_on_tab_file():
    schema = infer_schema(DATA / "invalid/frictionless-tsv/table.tsv", delimiter="\t")
    assert field_types(schema) == {"id": "integer", "name": "string"}


def test_infer_schema_looks_past_the_first_hundred_rows(tmp_path):
    path = tmp_path / "decimals-after-row-150.csv"
    rows = [f"{i},{i}" for i in range(1, 151)] + ["151,151.5", "152,oops"]
    path.write_text("whole,amount\n" + "\n".join(rows) + "\n")
    # One word among 152 numbers does not make the column text: it is an odd value, listed
    # with its row (the header is row 1) for the fix step.
    inference = infer_table(path)
    assert field_types(inference.schema) == {"whole": "integer", "amount": "number"}
    assert inference.odd_values == [(153, "amount", "oops")]
    path.write_text("whole,amount\n" + "\n".join(rows[:-1]) + "\n")
    assert field_types(infer_schema(path)) == {"whole": "integer", "amount": "number"}


# Arrow and CSV schemas ---------------------------------------------------------------------


def test_arrow_schema_maps_types():
    schema = {
        "fields": [
            {"name": "s", "type": "string"},
            {"name": "i", "type": "integer"},
            {"name": "n", "type": "number"},
            {"name": "b", "type": "boolean"},
            {"name": "d", "type": "date"},
            {"name": "t", "type": "time"},
            {"name": "dt", "type": "datetime"},
            {"name": "y", "type": "year"},
            {"name": "ym", "type": "yearmonth"},
            {"name": "g", "type": "geopoint"},
            {"name": "untyped"},
        ]
    }
    assert arrow_schema(schema) == pa.schema(
        [
            ("s", pa.string()),
            ("i", pa.int64()),
            ("n", pa.float64()),
            ("b", pa.bool_()),
            ("d", pa.date32()),
            ("t", pa.time64("us")),
            ("dt", pa.timestamp("us")),
            ("y", pa.int64()),
            ("ym", pa.string()),
            ("g", pa.string()),
            ("untyped", pa.string()),
        ]
    )


def test_csv_schema_strips_formats_from_legacy_spend_schema():
    schema = load_schema(SPEND_SCHEMA)
    original = copy.deepcopy(schema)
    result = csv_schema(schema)
    assert schema == original  # the input is not changed
    assert result["missingValues"] == [""]
    by_name = {f["name"]: f for f in result["fields"]}
    assert by_name["Date"] == {k: v for k, v in original["fields"][2].items() if k != "format"}
    assert "format" not in by_name["Amount"]
    assert by_name["Amount"]["type"] == "number"
    assert [f["name"] for f in result["fields"]] == [f["name"] for f in original["fields"]]
    assert schema_warnings(result) == []
    assert check_schema(result) == []


def test_csv_schema_strips_number_and_boolean_spellings_but_keeps_string_formats():
    schema = {
        "fields": [
            {"name": "when", "type": "datetime", "format": "%d/%m/%Y %H:%M"},
            {"name": "at", "type": "time", "format": "%H.%M"},
            {"name": "count", "type": "integer", "bareNumber": False, "missingValues": ["-"]},
            {"name": "amount", "type": "number", "groupChar": ",", "decimalChar": "."},
            {"name": "ok", "type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]},
            {"name": "email", "type": "string", "format": "email"},
        ],
        "missingValues": ["", "n/a"],
        "primaryKey": ["email"],
    }
    result = csv_schema(schema)
    assert result == {
        "fields": [
            {"name": "when", "type": "datetime"},
            {"name": "at", "type": "time"},
            {"name": "count", "type": "integer"},
            {"name": "amount", "type": "number"},
            {"name": "ok", "type": "boolean"},
            {"name": "email", "type": "string", "format": "email"},
        ],
        "missingValues": [""],
        "primaryKey": ["email"],
    }


def test_csv_schema_of_gilt_schema_drops_date_format_and_missing_values():
    schema = load_schema(DATA / "valid/uk-gilt-yields-10y/datapackage.json", "annual.csv")
    assert any("format" in f for f in schema["fields"])
    result = csv_schema(schema)
    assert all("format" not in f for f in result["fields"])
    assert all("missingValues" not in f for f in result["fields"])
    assert result["missingValues"] == [""]
