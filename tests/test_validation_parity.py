"""Our validator against the oracle: frictionless 5.21.0's verdicts in tests/data/cases.json.

Each case is sniffed once and validated once (cached below): the corpus is real data and a
few files are slow to read, so the tests share the reports rather than redo them.
"""

from __future__ import annotations

import codecs
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from frictionless import Resource, formats

from ingest import Sniffed, flatten_errors, group_errors, sniff_file, validate_file
from schemas import load_schema

DATA = Path(__file__).parent / "data"
CASES: list[dict[str, Any]] = json.loads((DATA / "cases.json").read_text(encoding="utf-8"))
FULL_CASES = [c for c in CASES if "expected_full" in c]
FULL_LIMIT = 10**6


def case_id(case: dict[str, Any]) -> str:
    return case["data"].split("/", 1)[1]


@cache
def sniffed(data: str) -> Sniffed:
    return sniff_file(DATA / data)


@cache
def schema_for(schema: str | None) -> dict[str, Any] | None:
    return load_schema(DATA / schema) if schema else None


@cache
def oracle_schema(index: int) -> dict[str, Any] | None:
    """The schema the oracle validated with: the case's own, or, for a file with none, the
    one frictionless guessed from its first rows (our inference reads every value and
    guesses better: tests/test_inference.py checks it; these tests check the validator)."""
    case = CASES[index]
    if case["schema"]:
        return schema_for(case["schema"])
    found = sniffed(case["data"])
    path = DATA / case["data"]
    resource = Resource(
        path=path.name,
        basepath=str(path.parent),
        format="csv",
        encoding=found.encoding,
        control=formats.CsvControl(delimiter=found.delimiter),
    )
    resource.infer()
    descriptor: dict[str, Any] = resource.schema.to_descriptor()
    return descriptor


@cache
def report_for(index: int, limit_errors: int | None = None) -> dict[str, Any]:
    case = CASES[index]
    path = DATA / case["data"]
    if limit_errors is None:
        return validate_file(path, oracle_schema(index), sniffed(case["data"]))
    return validate_file(
        path, oracle_schema(index), sniffed(case["data"]), limit_errors=limit_errors
    )


def every_report() -> list[tuple[str, int, int | None]]:
    reports = [(case_id(c), i, None) for i, c in enumerate(CASES)]
    reports += [(case_id(c) + "-full", CASES.index(c), FULL_LIMIT) for c in FULL_CASES]
    return reports


def flat(report: dict[str, Any]) -> list[list[Any]]:
    return [list(error) for error in flatten_errors(report)]


def task_rows(report: dict[str, Any]) -> int | None:
    return report["tasks"][0]["stats"].get("rows")


# Verdicts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(CASES)), ids=[case_id(c) for c in CASES])
def test_verdict_matches_frictionless(index):
    case = CASES[index]
    report = report_for(index)
    assert report["valid"] is case["expected"]["valid"]
    assert flat(report) == case["expected"]["errors"]
    if case["expected"]["rows"] is not None:
        assert task_rows(report) == case["expected"]["rows"]


@pytest.mark.parametrize("case", FULL_CASES, ids=case_id)
def test_verdict_without_error_limit_matches_frictionless(case):
    report = report_for(CASES.index(case), FULL_LIMIT)
    expected = case["expected_full"]
    assert report["valid"] is expected["valid"]
    assert flat(report) == expected["errors"]
    assert task_rows(report) == expected["rows"]
    assert len(expected["errors"]) > len(case["expected"]["errors"])  # the limit did bite


def test_corpus_has_both_verdicts_and_capped_cases():
    assert {c["expected"]["valid"] for c in CASES} == {True, False}
    assert len(FULL_CASES) >= 2


# Report shape and messages -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "limit"), [r[1:] for r in every_report()], ids=[r[0] for r in every_report()]
)
def test_every_error_has_message_and_fix(index, limit):
    report = report_for(index, limit)
    errors = report["errors"] + [e for task in report["tasks"] for e in task["errors"]]
    assert len(errors) == len(
        CASES[index]["expected" if limit is None else "expected_full"]["errors"]
    )
    for error in errors:
        assert isinstance(error["message"], str)
        assert error["message"].strip(), error
        assert isinstance(error["fix"], str)
        assert error["fix"].strip(), error
        # No template placeholder left unfilled (frictionless's own note may hold braces).
        assert "{" not in error["message"].replace(error["note"], "") + error["fix"], error


@pytest.mark.parametrize(
    ("index", "limit"), [r[1:] for r in every_report()], ids=[r[0] for r in every_report()]
)
def test_every_error_is_in_one_group_said_in_plain_words(index, limit):
    report = report_for(index, limit)
    groups = group_errors(report)
    json.dumps(groups)  # plain data, for a page and the command line alike
    assert sum(g["count"] for g in groups) == len(flatten_errors(report))
    for group in groups:
        assert group["heading"].strip() and group["fix"].strip(), group
        assert "{" not in group["heading"] + group["fix"], group
        assert group["type"] != "type-error" or "%" not in group["heading"] + group["fix"]
        assert len(group["examples"]) <= 5
        assert group["more"] == group["count"] - len(group["examples"])


def oracle_task(case: dict[str, Any]) -> dict[str, Any]:
    oracle = json.loads((DATA / case["entry"] / "expected-report.json").read_text(encoding="utf-8"))
    name = Path(case["data"]).name
    (task,) = [t for t in oracle["tasks"] if Path(t["place"]).name == name]
    return {"report": oracle, "task": task}


@pytest.mark.parametrize("index", range(len(CASES)), ids=[case_id(c) for c in CASES])
def test_report_has_frictionless_shape(index):
    case = CASES[index]
    report = report_for(index)
    json.dumps(report)  # plain JSON all the way down

    assert {"valid", "stats", "warnings", "errors", "tasks"} <= set(report)
    assert {"tasks", "errors", "warnings"} <= set(report["stats"])
    (task,) = report["tasks"]
    assert {"name", "type", "valid", "place", "labels", "stats", "warnings", "errors"} <= set(task)
    assert task["valid"] is report["valid"]
    assert task["stats"]["errors"] == len(task["errors"])
    for error in task["errors"]:
        assert {"type", "title", "description", "message", "tags", "note", "fix"} <= set(error)
        if "#cell" in error["tags"]:
            assert {"rowNumber", "fieldNumber", "fieldName", "cell", "cells"} <= set(error)
        elif "#row" in error["tags"]:
            assert {"rowNumber", "cells"} <= set(error)
        if "#label" in error["tags"]:
            assert {"fieldNumber", "fieldName", "label", "labels"} <= set(error)

    # Against frictionless's own report of the same file: the same keys everywhere, and
    # error by error the same note and cell.
    oracle = oracle_task(case)
    oracle_flat = [
        [e["type"], e.get("rowNumber"), e.get("fieldNumber"), e.get("fieldName")]
        for e in oracle["task"]["errors"]
    ]
    if oracle_flat != case["expected"]["errors"]:
        pytest.skip("frictionless's report ran this file inside its package, not alone")
    assert set(oracle["report"]) <= set(report)
    assert set(oracle["report"]["stats"]) <= set(report["stats"])
    assert set(oracle["task"]) <= set(task)
    assert set(oracle["task"]["stats"]) <= set(task["stats"])
    assert task["labels"] == oracle["task"]["labels"]
    for ours, theirs in zip(task["errors"], oracle["task"]["errors"], strict=True):
        assert set(theirs) <= set(ours)
        assert ours["note"] == theirs["note"]
        assert ours.get("cell") == theirs.get("cell")


def test_report_names_the_upload_and_how_it_was_read():
    path = DATA / "invalid/uk-cefas-spend-aug-2010/cefas-over-25k-1008.csv"
    schema = load_schema(DATA / "invalid/uk-cefas-spend-aug-2010/spend-publishing-schema.json")
    report = validate_file(path, schema, sniff_file(path), name="Cefas August.csv")
    (task,) = report["tasks"]
    assert task["name"] == "Cefas August"
    assert task["place"] == "Cefas August.csv"
    assert task["encoding"] == "utf-8"
    assert task["dialect"] == {"delimiter": ";", "lineTerminator": "\n"}


def test_legacy_schema_warnings_reach_the_report():
    index = next(i for i, c in enumerate(CASES) if "uk-rpa-spend-feb-2011" in c["data"])
    report = report_for(index)
    (task,) = report["tasks"]
    assert len(task["warnings"]) == 2
    assert "DD/MM/YYYY" in task["warnings"][0]
    assert "currency" in task["warnings"][1]
    assert task["stats"]["warnings"] == 2
    assert report["stats"]["warnings"] == 2


def test_type_error_message_says_what_was_expected():
    index = next(i for i, c in enumerate(CASES) if "uk-spend-bis-wrong-types" in c["data"])
    type_errors = [e for e in report_for(index)["tasks"][0]["errors"] if e["type"] == "type-error"]
    assert [e["cell"] for e in type_errors] == ["Some Date", "Five Hundred"]
    assert "Some Date" in type_errors[0]["message"] + type_errors[0]["fix"]
    assert "number" in type_errors[1]["message"] + type_errors[1]["fix"]


def test_a_primary_key_of_one_field_written_as_a_string_is_named_whole():
    folder = DATA / "invalid/frictionless-unique-field"
    path, schema = folder / "unique-field.csv", load_schema(folder / "unique-field.json")
    assert schema["primaryKey"] == "id"
    errors = validate_file(path, schema, sniff_file(path))["tasks"][0]["errors"]
    (key,) = [e for e in errors if e["type"] == "primary-key"]
    assert key["message"] == (
        'Row 10: the identifier ("id") is empty or the same as an earlier row\'s.'
    )


# Encodings and dialects --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding", "delimiter", "line_terminator"),
    [
        ("invalid/uk-rpa-spend-feb-2011/rpa-over-25k-1102.csv", "cp1252", ",", "\n"),
        ("invalid/uk-cabinet-office-spend-nov-2010/co-spend-data-nov2010.csv", "cp1252", ",", "\n"),
        ("invalid/uk-gla-payments-dec-2009/gla-december_2009.csv", "cp1252", ",", "\r\n"),
        ("invalid/fr-ev-charging-stations/issue-647.csv.txt", "cp1252", ";", "\n"),
        ("invalid/frictionless-bom/bom.csv", "utf-8-sig", ",", "\n"),
        ("invalid/frictionless-tsv/table.tsv", "utf-8", "\t", "\n"),
        ("invalid/uk-cefas-spend-aug-2010/cefas-over-25k-1008.csv", "utf-8", ";", "\n"),
        ("invalid/csvkit-mac-newlines/mac_newlines.csv", "utf-8", ",", "\r"),
        ("valid/gdp/data/gdp.csv", "utf-8", ",", "\r\n"),
        ("valid/uk-public-bodies/data/gb.csv", "utf-8", ",", "\n"),
    ],
    ids=lambda value: value.split("/")[1] if "/" in value else None,
)
def test_corpus_encoding_and_dialect_detected(data, encoding, delimiter, line_terminator):
    assert sniffed(data) == Sniffed(encoding, delimiter, line_terminator)


def test_windows_1252_pound_signs_are_read_as_pounds():
    index = next(i for i, c in enumerate(CASES) if "uk-cabinet-office" in c["data"])
    assert "Amount £" in report_for(index)["tasks"][0]["labels"]


def test_byte_order_mark_is_not_part_of_the_first_label():
    index = next(i for i, c in enumerate(CASES) if "frictionless-bom" in c["data"])
    assert report_for(index)["tasks"][0]["labels"][0] == "id"


TEXT = "id,name,amount\n1,Café,£5\n2,Zoë,£7.50\n"
ASCII_TEXT = "id,name\n1,Ann\n2,Bob\n"
LE = {"utf_16_le", "utf-16-le"}
BE = {"utf_16_be", "utf-16-be"}


@pytest.mark.parametrize(
    ("name", "bom", "codec", "text", "encodings"),
    [
        ("utf16-le-with-bom.csv", codecs.BOM_UTF16_LE, "utf-16-le", TEXT, {"utf-16"}),
        ("utf16-be-with-bom.csv", codecs.BOM_UTF16_BE, "utf-16-be", TEXT, {"utf-16"}),
        ("utf16-le-no-bom.csv", b"", "utf-16-le", TEXT, LE),
        ("utf16-be-no-bom.csv", b"", "utf-16-be", TEXT, BE),
        pytest.param(
            "utf16-le-no-bom-ascii-only.csv",
            b"",
            "utf-16-le",
            ASCII_TEXT,
            LE,
        ),
    ],
    ids=["le-bom", "be-bom", "le-no-bom", "be-no-bom", "le-no-bom-ascii-only"],
)
def test_utf16_detected_and_read(tmp_path, name, bom, codec, text, encodings):
    path = tmp_path / name
    path.write_bytes(bom + text.encode(codec))
    result = sniff_file(path)
    assert result.encoding in encodings
    assert result.delimiter == ","
    assert result.line_terminator == "\n"
    report = validate_file(path, None, result)
    assert flat(report) == []
    assert report["valid"] is True
    assert report["tasks"][0]["labels"] == text.splitlines()[0].split(",")
    assert task_rows(report) == 2


def test_single_pound_byte_half_a_megabyte_in_means_cp1252(tmp_path):
    before = "id,name,amount\n" + "".join(f"{i},row {i},{i}.50\n" for i in range(1, 21_400))
    after = "".join(f"{i},after,2.00\n" for i in range(21_401, 21_501))
    path = tmp_path / "late-latin1-pound-sign.csv"
    path.write_bytes(
        before.encode("ascii") + "21400,pound £ sign,1.00\n".encode("cp1252") + after.encode()
    )
    data = path.read_bytes()
    assert data.count(b"\xa3") == 1
    assert 500_000 < data.index(b"\xa3") < 550_000

    result = sniff_file(path)
    assert result == Sniffed("cp1252", ",", "\n")
    report = validate_file(path, None, result)
    assert report["valid"] is True
    assert task_rows(report) == 21_500


def test_sniffing_trailing_bare_comma_rows_finds_the_comma(tmp_path):
    # Once quadratic in such rows; tests assert no timings (a benchmark's job), only that
    # the file is read right.
    path = tmp_path / "quoted-amount-then-4000-bare-comma-rows.csv"
    path.write_text('name,place,amount,note\na,b,"1,234.00",x\n' + ",,,\n" * 4000)
    assert sniff_file(path).delimiter == ","
