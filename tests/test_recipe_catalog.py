"""Recipes through the catalogue: the CLI's --recipe, the dataset page's "published after
these fixes" and recipe.json, and the API's resource_create with a recipe."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from catalog.accounts.tokens import create_token
from catalog.accounts.users import create_user
from catalog.datasets.publishing import DatasetMetadata
from tests.conftest import DATA
from tests.factories import new_dataset

GLA = DATA / "invalid/uk-gla-payments-dec-2009/gla-december_2009.csv"
RECIPE = [
    {"step": "skip-lines", "lines": 5},
    {"step": "drop-empty-rows"},
    {"step": "number-format", "field": "Amount Paid"},
]


def write_recipe(tmp_path: Path, recipe: Any = RECIPE) -> Path:
    path = tmp_path / "recipe.json"
    path.write_text(json.dumps(recipe), encoding="utf-8")
    return path


def test_the_cli_publishes_after_a_recipe_and_says_each_fix(
    runner: Any, client: Any, tmp_path: Path
) -> None:
    without = runner("ingest", GLA, "--schema", "infer", "--title", "GLA payments")
    assert without.exit_code == 1  # as it comes, the title lines break it
    result = runner(
        "ingest", GLA, "--schema", "infer", "--title", "GLA payments",
        "--recipe", write_recipe(tmp_path),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Fix: Skipped the 5 line(s) above the header (5 lines)" in result.output
    assert "Fix: Read 'Amount Paid' as numbers" in result.output
    page = client.get("/dataset/gla-payments")
    assert "Published after these fixes" in page.text
    assert "Skipped the 5 line(s) above the header" in page.text
    kept = client.get("/dataset/gla-payments/v1/recipe.json")
    assert kept.status_code == 200
    assert [s["step"] for s in kept.get_json()] == [s["step"] for s in RECIPE]
    original = client.get("/dataset/gla-payments/v1/original")
    assert original.data == GLA.read_bytes()  # the original as it came
    original.close()
    data = client.get("/dataset/gla-payments.json").get_json()
    assert data["schema"]["fields"][2]["type"] == "number"


def test_validate_checks_the_file_as_the_recipe_leaves_it(runner: Any, tmp_path: Path) -> None:
    result = runner("validate", GLA, "--recipe", write_recipe(tmp_path))
    assert result.exit_code == 0, result.output
    assert "is valid" in result.output and "Fix: Dropped the empty rows" in result.output


def test_a_bad_recipe_is_refused_by_name(runner: Any, tmp_path: Path) -> None:
    bad = write_recipe(tmp_path, [{"step": "edit-cell", "row": 2, "column": "Nope"}])
    result = runner("ingest", GLA, "--schema", "infer", "--recipe", bad)
    assert result.exit_code == 2
    assert "no column 'Nope'" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert runner("validate", GLA, "--recipe", broken).exit_code == 2


def test_a_version_published_as_it_came_has_no_recipe(client: Any, runner: Any) -> None:
    clean = DATA / "valid/uk-house-prices-nationwide/data/data.csv"
    assert runner("ingest", clean, "--schema", "infer", "--title", "Prices").exit_code == 0
    assert "Published after these fixes" not in client.get("/dataset/prices").text
    assert client.get("/dataset/prices/v1/recipe.json").status_code == 404


def test_the_api_takes_a_recipe_with_the_upload(client: Any, site: Any) -> None:
    with site.session() as session:
        user = create_user(session, "scripter", "a long enough password")
        _, secret = create_token(session, user.id, "tests")
        session.commit()
    name = new_dataset(site, DatasetMetadata(title="GLA payments"), user.id)
    headers = {"Authorization": secret}

    def send(recipe: Any) -> Any:
        form = {"package_id": name, "upload": (io.BytesIO(GLA.read_bytes()), GLA.name)}
        if recipe is not None:
            form["recipe"] = json.dumps(recipe)
        return client.post("/api/3/action/resource_create", data=form, headers=headers)

    refused = send(None)
    assert refused.status_code == 409  # not as it comes: the fixes we would make come back
    suggested = refused.get_json()["error"]["recipe"]
    assert [s["step"] for s in suggested][:1] == ["skip-lines"]
    bad = send([{"step": "skip-lines"}])
    assert bad.status_code == 400 and "skip-lines needs lines" in bad.get_json()["error"]["message"]
    made = send(RECIPE)
    assert made.status_code == 200, made.get_json()
    assert made.get_json()["result"]["id"] == f"{name}-v1"
    again = send(suggested)  # the suggested recipe, sent back as it came
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["result"]["id"] == f"{name}-v2"


def test_next_months_file_is_matched_to_the_dataset_and_keeps_its_schema(
    client: Any, site: Any
) -> None:
    from tests.test_web import finished, reviewed, sign_in, upload

    sign_in(client, site)
    first = upload(
        client, "invalid/uk-rpa-spend-aug-2010/rpa-over-25k-1008.csv", None, title="RPA spend"
    )
    page = reviewed(client, site, finished(client, site, first))
    assert "Published version 1" in page.text, page.text
    v1 = client.get("/dataset/rpa-spend.json").get_json()["schema"]["fields"]
    second = upload(
        client,
        "invalid/uk-rpa-spend-feb-2011/rpa-over-25k-1102.csv",
        None,
        dataset="rpa-spend",
    )
    offered = finished(client, site, second)
    # What differs is asked about: the renamed columns, the empty ones, the £ amounts.
    assert "before publishing</h1>" in offered.text
    for words in ("Renamed columns: ", "empty column", "£ signs", "Month"):
        assert words in offered.text, words
    page = reviewed(client, site, offered)
    assert "Published version 2" in page.text, page.text
    v2 = client.get("/dataset/rpa-spend.json?version=2").get_json()["schema"]["fields"]
    assert [(f["name"], f["type"]) for f in v2] == [(f["name"], f["type"]) for f in v1]
