"""Real sample datasets, published on the first start of an empty catalogue so a newcomer
sees search, preview and download working at once (DATASTORE_LOAD_SAMPLES=false stops it).

The files are in sample_files/ beside this module (sample_files/SOURCES.md says where each
came from); they are copies of files in the project's test corpus.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from catalog.datasets.publishing import DatasetMetadata, publish_file
from catalog.db.models import Dataset
from catalog.site import Site
from schemas import load_schema

log = logging.getLogger(__name__)
CORPUS = Path(__file__).resolve().parent / "sample_files"


@dataclass(frozen=True)
class Sample:
    data: str
    schema: str
    metadata: DatasetMetadata


SAMPLES = (
    Sample(
        "uk-house-prices-nationwide/data/data.csv",
        "uk-house-prices-nationwide/datapackage.json",
        DatasetMetadata(
            title="UK house prices (Nationwide index)",
            description="Average UK house price and Nationwide's house price index, quarter by quarter since 1952.",
            organisation="Nationwide Building Society",
            licence_id="odc-pddl",
            tags=["housing", "prices", "economy"],
            source_url="https://github.com/datasets/house-prices-uk",
        ),
    ),
    Sample(
        "uk-gilt-yields-10y/data/annual.csv",
        "uk-gilt-yields-10y/datapackage.json",
        DatasetMetadata(
            title="UK 10-year government bond (gilt) yields, annual",
            description="The yield on ten-year UK government bonds, year by year, from the Bank of England.",
            organisation="Bank of England",
            licence_id="odc-pddl",
            tags=["finance", "interest rates"],
            source_url="https://github.com/datasets/bond-yields-uk-10y",
        ),
    ),
    Sample(
        "gdp/data/gdp.csv",
        "gdp/datapackage.json",
        DatasetMetadata(
            title="Gross domestic product (GDP) by country",
            description="GDP in current US dollars for every country and region, from the World Bank.",
            organisation="World Bank",
            licence_id="odc-pddl",
            tags=["economy", "gdp", "world"],
            source_url="https://github.com/datasets/gdp",
        ),
    ),
    Sample(
        "uk-public-bodies/data/gb.csv",
        "uk-public-bodies/data/public-body-schema.json",
        DatasetMetadata(
            title="UK public bodies",
            description="Over 5,000 UK public bodies (departments, agencies, councils, NHS trusts) with their web sites: the bodies you can send a Freedom of Information request to.",
            organisation="Open Knowledge Foundation",
            licence_id="odc-pddl",
            tags=["government", "foi", "public bodies"],
            source_url="https://github.com/datasets/publicbodies",
        ),
    ),
    Sample(
        "uk-local-authorities/uk_local_authorities_future.csv",
        "uk-local-authorities/uk_local_authorities_future.resource.yaml",
        DatasetMetadata(
            title="UK local authority names and codes",
            description="Every UK council with its official name, its codes in other registers, its type and nation.",
            organisation="mySociety",
            licence_id="cc-by",
            tags=["local government", "councils"],
            source_url="https://github.com/mysociety/uk_local_authority_names_and_codes",
        ),
    ),
)


def load_samples(site: Site) -> int:
    """Publish the samples if the catalogue is empty and the corpus is here. Returns count.
    Under the start-up lock: of two processes starting on an empty catalogue, one loads
    them and the other finds them there."""
    with site.processes.startup():
        return _load_samples(site)


def _load_samples(site: Site) -> int:
    with site.session() as session:
        if session.scalar(select(func.count()).select_from(Dataset)):
            return 0
    if not CORPUS.is_dir():
        log.info("sample data folder %s not found; starting with an empty catalogue", CORPUS)
        return 0
    published = 0
    for sample in SAMPLES:
        data = CORPUS / sample.data
        schema = load_schema(CORPUS / sample.schema, data_name=data.name)
        outcome = publish_file(
            site, data, original_name=data.name, schema=schema, metadata=sample.metadata
        )
        if outcome.published:
            published += 1
        else:
            log.warning("sample %s did not validate and was skipped", sample.data)
    return published
