"""Reviewing the columns before publishing: what each holds in plain words, changed with
plain controls, checked again against the whole file; a ready schema's match corrected."""

from __future__ import annotations

import html
import re
from typing import Any

from tests.test_web import finished, reviewed, sign_in, upload

CEFAS = "invalid/uk-cefas-spend-aug-2010/cefas-over-25k-1008.csv"


def review_form(page: Any) -> tuple[str, dict[str, Any]]:
    """The review page's action and its form as a browser would send it untouched."""
    text = page.text
    action = re.search(r'action="(/uploads/[0-9a-f]{32}/fix)"', text)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text)
    assert action and token, text
    form: dict[str, Any] = {"csrf_token": token.group(1)}
    form["fix"] = re.findall(r'name="fix" value="([^"]+)" checked', text)
    for key, value in re.findall(r'name="q-([a-z]+)" value="([^"]*)" checked', text):
        form[f"q-{key}"] = value
    for index, name in re.findall(r'name="col-(\d+)" value="([^"]*)"', text):
        form[f"col-{index}"] = html.unescape(name)
    for name in ("kind", "map"):
        for index, block in re.findall(rf'name="{name}-(\d+)">(.*?)</select>', text, re.S):
            chosen = re.search(r'<option value="([^"]*)" selected', block)
            assert chosen, block
            form[f"{name}-{index}"] = html.unescape(chosen.group(1))
    for index in re.findall(r'name="empty-(\d+)" value="y" checked', text):
        form[f"empty-{index}"] = "y"
    for index in re.findall(r'name="unique-(\d+)" value="y" checked', text):
        form[f"unique-{index}"] = "y"
    for index, value in re.findall(r'name="description-(\d+)" value="([^"]*)"', text):
        form[f"description-{index}"] = html.unescape(value)
    return action.group(1), form


def column_index(form: dict[str, Any], name: str) -> str:
    return next(k.split("-")[1] for k, v in form.items() if k.startswith("col-") and v == name)


def test_the_columns_are_reviewed_changed_checked_again_and_published(
    client: Any, site: Any
) -> None:
    sign_in(client, site)
    page = finished(client, site, upload(client, CEFAS, None, show_columns="y", title="Cefas"))
    action, form = review_form(page)
    at = {name: column_index(form, name) for name in ("Pay date", "TransNo", "Amount")}
    # What each column holds, in plain words, from the whole file.
    assert form[f"kind-{at['Pay date']}"] == "date:%d/%m/%Y"
    assert form[f"kind-{at['TransNo']}"] == "whole"
    assert form[f"kind-{at['Amount']}"] == "decimal"
    assert "dates like 31/01/2024" in page.text and "%d" not in page.text.split("<select")[0]
    # A change is checked against the whole file at once, and its effect shown.
    page = finished(
        client,
        site,
        client.post(action, data={**form, f"kind-{at['Amount']}": "whole", "action": "check"}),
    )
    assert "Published" not in page.text
    assert "11 values in Amount do not fit: “24800.00” (row 2)" in page.text, page.text
    action, form = review_form(page)
    assert form[f"kind-{at['Amount']}"] == "whole"
    # Put back, with a rule and a description added: then published.
    supplier = column_index(form, "Supplier(T)")
    form.update(
        {
            f"kind-{at['Amount']}": "decimal",
            f"unique-{at['TransNo']}": "y",
            f"description-{supplier}": "Who was paid",
            "action": "publish",
        }
    )
    page = finished(client, site, client.post(action, data=form))
    assert "Published version 1" in page.text, page.text
    fields = {
        f["name"]: f for f in client.get("/dataset/cefas.json").get_json()["schema"]["fields"]
    }
    assert fields["Amount"]["type"] == "number"
    assert fields["TransNo"]["constraints"]["unique"] is True
    assert fields["Supplier(T)"]["description"] == "Who was paid"
    steps = client.get("/dataset/cefas/v1/recipe.json").get_json()
    assert [(s["step"], s["field"]) for s in steps if s.get("reviewed")] == [
        ("field-kind", "Amount"),  # to whole numbers, checked, then
        ("field-description", "Supplier(T)"),
        ("field-unique", "TransNo"),
        ("field-kind", "Amount"),  # back to numbers with decimals
    ]
    # The next file of the same kind asks nothing again: the dataset's schema holds it all.
    again = finished(client, site, upload(client, CEFAS, None, dataset="cefas", show_columns="y"))
    assert "Published version 2" in again.text, again.text
    fields = client.get("/dataset/cefas.json?version=2").get_json()["schema"]["fields"]
    assert {f["name"]: f.get("description") for f in fields}["Supplier(T)"] == "Who was paid"


def test_a_ready_schemas_match_is_corrected_on_the_review_page(client: Any, site: Any) -> None:
    sign_in(client, site)
    sent = upload(client, CEFAS, None, schema_source="library", show_columns="y", title="Cefas")
    page = finished(client, site, sent)
    action, form = review_form(page)
    mapped = {v: k for k, v in form.items() if k.startswith("map-")}
    assert "Date" in mapped and "Expense area" in mapped
    # The volunteer says the VAT number column is not wanted, and keeps the expense area
    # as a column of its own rather than the schema's.
    form[mapped["VAT registration number"]] = "__leave-out"
    form[mapped["Expense area"]] = ""
    page = finished(client, site, client.post(action, data={**form, "action": "check"}))
    action, form = review_form(page)
    assert "Expense area(T)</h3>" in page.text and "(left out)" in page.text
    page = reviewed(client, site, page, **{k: v for k, v in form.items() if k.startswith("map-")})
    assert "Published version 1" in page.text, page.text
    names = [f["name"] for f in client.get("/dataset/cefas.json").get_json()["schema"]["fields"]]
    assert "Expense area(T)" in names and "Expense area" not in names
    assert "VAT Registration Number" not in names and "VAT registration number" not in names


def test_column_steps_change_the_schema_in_plain_kinds() -> None:
    import pytest

    from ingest.recipe import RecipeError, describe_step
    from ingest.schema_steps import apply_schema_steps
    from schemas.kinds import BY_KEY, kind_of

    schema = {
        "fields": [
            {"name": "Amount", "type": "number", "constraints": {"required": True}},
            {"name": "Date", "type": "string"},
        ]
    }
    money = BY_KEY["money"]
    steps = [
        {"step": "field-kind", "field": "Amount", "label": money.label, "reading": money.reading},
        {"step": "field-optional", "field": "Amount"},
        {"step": "field-unique", "field": "Date"},
        {
            "step": "field-kind",
            "field": "Date",
            "label": "x",
            "reading": {"type": "date", "format": "%d/%m/%Y"},
        },
        {"step": "field-description", "field": "Date", "description": "When it was paid"},
    ]
    amount, date = apply_schema_steps(schema, steps)["fields"]
    assert amount == {"name": "Amount", "type": "number", "groupChar": ",", "bareNumber": False}
    assert kind_of(amount).label == "money in £ (£1,234.50)"
    assert date["constraints"] == {"unique": True} and date["description"] == "When it was paid"
    assert kind_of(date).label == "dates like 31/01/2024"
    assert describe_step(steps[3]) == "Read 'Date' as x"
    assert schema["fields"][0] == {
        "name": "Amount",
        "type": "number",
        "constraints": {"required": True},
    }
    with pytest.raises(RecipeError, match="Step 1 of the recipe: 'reading' is an object of"):
        apply_schema_steps(schema, [{"step": "field-kind", "field": "Amount", "reading": {"x": 1}}])
    with pytest.raises(RecipeError, match="'type' is one of"):
        apply_schema_steps(
            schema, [{"step": "field-kind", "field": "Amount", "reading": {"type": "money"}}]
        )


def test_codes_and_unusual_date_forms_are_named_in_plain_words() -> None:
    from schemas.kinds import choices_for, kind_of

    assert kind_of({"type": "string"}, ["00123", "04567"]).key == "codes"
    assert kind_of({"type": "string"}, ["Cefas"]).key == "text"
    odd = {"type": "date", "format": "%Y%m%d"}
    assert kind_of(odd).label == "dates like 20240131"
    assert choices_for(odd)[0].reading == {"type": "date", "format": "%Y%m%d"}
    assert kind_of({"type": "geopoint"}).label == "as it is now (geopoint)"
