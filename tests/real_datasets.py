"""Two real datasets of tests/data (SOURCES.md says where each is from), published for a
test: Nationwide's house prices (a date and eight number columns) and mySociety's local
authorities (text, numbers, booleans, dates written as text). Import the fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from catalog.datasets.publishing import DatasetMetadata, publish_file
from schemas import load_schema
from tests.conftest import DATA

HOUSES = DATA / "valid/uk-house-prices-nationwide"
COUNCILS = DATA / "valid/uk-local-authorities"
PRICE = "Price (All)"


def publish(site: Any, folder: Path, data: str, schema: str, title: str) -> str:
    path = folder / data
    outcome = publish_file(
        site,
        path,
        original_name=path.name,
        schema=load_schema(folder / schema, data_name=path.name),
        metadata=DatasetMetadata(title),
    )
    assert outcome.published
    return str(outcome.dataset_name)


@pytest.fixture
def houses(site: Any) -> str:
    return publish(site, HOUSES, "data/data.csv", "datapackage.json", "House prices")


@pytest.fixture
def councils(site: Any) -> str:
    return publish(
        site,
        COUNCILS,
        "uk_local_authorities_future.csv",
        "uk_local_authorities_future.resource.yaml",
        "Local authorities",
    )
