"""Metadata others can harvest (DCAT-AP, schema.org, Data Package) and the JSON twins of the
pages: read back as RDF with rdflib and compared with what the HTML pages show."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import frictionless
from rdflib import Graph, Literal, URIRef

from catalog.datasets.publishing import DatasetMetadata, publish_file
from catalog.web import linked_data
from tests.factories import new_dataset

OGL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
PREFIXES = """
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX hydra: <http://www.w3.org/ns/hydra/core#>
PREFIX schema: <https://schema.org/>
"""


def publish(site: Any, tmp_path: Path, title: str, **metadata: Any) -> str:
    path = tmp_path / f"{len(list(tmp_path.iterdir()))}-table.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["library", "visits", "opened"])
        writer.writerows([["Central", 1200, "1905-03-01"], ["Northside", 300, "1960-07-15"]])
    details = {"organisation": "Northtown Council", "licence_id": "uk-ogl", **metadata}
    outcome = publish_file(
        site,
        path,
        original_name="libraries.csv",
        schema=None,
        metadata=DatasetMetadata(title=title, description=f"About {title}.", **details),
    )
    assert outcome.dataset_name, outcome
    return outcome.dataset_name


def graph_of(text: str) -> Graph:
    with warnings.catch_warnings():  # rdflib's own JSON-LD parser uses its deprecated class
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        return Graph().parse(data=text, format="json-ld")


def sparql(graph: Graph, query: str) -> list[Any]:
    return list(graph.query(PREFIXES + query))


def local(url: Any) -> str:
    """An absolute URL the app made, as a path the test client can ask for."""
    parts = urlsplit(str(url))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def status(client: Any, url: str) -> int:
    with client.get(url) as response:  # closes the file a download streams from
        code: int = response.status_code
    return code


def embedded_json_ld(page: str) -> str:
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(found) == 1
    return str(found[0])


def test_the_catalogue_names_every_dataset_with_its_licence_and_downloads(
    client: Any, site: Any, tmp_path: Path
) -> None:
    libraries = publish(site, tmp_path, "Library visits", tags=["libraries", "culture"])
    parks = publish(
        site, tmp_path, "Park benches", organisation="", licence_id="other-open", tags=[]
    )

    response = client.get("/catalog.jsonld")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    graph = graph_of(response.text)

    rows = sparql(
        graph,
        """SELECT ?id ?title ?licence WHERE {
            ?catalogue a dcat:Catalog ; dcat:dataset ?dataset .
            ?dataset a dcat:Dataset ; dct:identifier ?id ; dct:title ?title ;
                dct:license ?licence ; dcat:landingPage ?page .
        }""",
    )
    assert {(str(r.id), str(r.title), r.licence) for r in rows} == {
        (libraries, "Library visits", URIRef(OGL)),
        (parks, "Park benches", Literal("Other (open)")),  # no URL: the title as text
    }
    publishers = sparql(
        graph,
        "SELECT ?name WHERE { ?d dct:publisher ?p . ?p a foaf:Organization ; foaf:name ?name }",
    )
    assert [str(r.name) for r in publishers] == ["Northtown Council"]
    keywords = sparql(graph, "SELECT ?k WHERE { ?d dcat:keyword ?k }")
    assert {str(r.k) for r in keywords} == {"libraries", "culture"}

    downloads = sparql(
        graph,
        """SELECT ?id ?url ?type ?licence WHERE {
            ?dataset dct:identifier ?id ; dcat:distribution ?d .
            ?d a dcat:Distribution ; dcat:downloadURL ?url ; dcat:accessURL ?url ;
                dcat:mediaType ?type ; dct:license ?licence .
        }""",
    )
    found = {(str(r.id), local(r.url)) for r in downloads}
    for name in (libraries, parks):
        assert {url for n, url in found if n == name} == {
            f"/dataset/{name}/v1/data.csv",
            f"/dataset/{name}/v1/data.parquet",
            f"/dataset/{name}/v1/original",
            f"/dataset/{name}/v1/datapackage.zip",
        }
    licences = {libraries: URIRef(OGL), parks: Literal("Other (open)")}
    for row in downloads:
        assert row.licence == licences[str(row.id)]
        assert str(row.url).startswith("http://localhost/")
        assert status(client, local(row.url)) == 200


def test_the_catalogue_is_paged_with_next_and_previous_links(
    app: Any, client: Any, site: Any, tmp_path: Path
) -> None:
    names = [publish(site, tmp_path, f"Table {n}") for n in range(3)]

    def page(number: int) -> dict[str, Any]:
        with app.test_request_context(), site.session() as db:
            total, entries = linked_data.catalogue_entries(db, number, per_page=2)
            document = linked_data.dcat_catalogue(entries, total, number, per_page=2)
        graph = document["@graph"]
        return {
            "datasets": [d["dct:identifier"] for d in graph if d["@type"] == "dcat:Dataset"],
            "paging": next(d for d in graph if d["@type"] == "hydra:PagedCollection"),
        }

    first, second = page(1), page(2)
    assert first["datasets"] + second["datasets"] == names
    assert first["paging"]["hydra:totalItems"] == 3
    assert local(first["paging"]["hydra:nextPage"]) == "/catalog.jsonld?page=2"
    assert "hydra:previousPage" not in first["paging"]
    assert local(second["paging"]["hydra:previousPage"]) == "/catalog.jsonld?page=1"
    assert local(second["paging"]["hydra:lastPage"]) == "/catalog.jsonld?page=2"
    assert "hydra:nextPage" not in second["paging"]

    # Over HTTP (100 a page): one page, read as RDF the way a harvester reads it.
    graph = graph_of(client.get("/catalog.jsonld?page=1").text)
    paging = sparql(
        graph,
        "SELECT ?total ?last WHERE { ?p a hydra:PagedCollection ; hydra:totalItems ?total ;"
        " hydra:lastPage ?last . FILTER NOT EXISTS { ?p hydra:nextPage ?next } }",
    )
    assert [(int(r.total), local(r.last)) for r in paging] == [(3, "/catalog.jsonld?page=1")]
    assert client.get("/catalog.jsonld?page=2").status_code == 404
    assert client.get("/catalog.jsonld?page=two").status_code == 400


def test_one_dataset_in_dcat(client: Any, site: Any, tmp_path: Path) -> None:
    name = publish(site, tmp_path, "Library visits", source_url="https://example.org/visits")
    response = client.get(f"/dataset/{name}.jsonld")
    assert response.mimetype == "application/ld+json"
    graph = graph_of(response.text)
    rows = sparql(
        graph,
        f"""SELECT ?title ?description ?modified ?source WHERE {{
            ?d a dcat:Dataset ; dct:title ?title ; dct:description ?description ;
               dct:modified ?modified ; dct:license <{OGL}> ; dct:source ?source .
        }}""",
    )
    [row] = list(rows)
    assert str(row.title) == "Library visits"
    assert str(row.description) == "About Library visits."
    assert str(row.source) == "https://example.org/visits"
    assert row.modified.datatype == URIRef("http://www.w3.org/2001/XMLSchema#dateTime")
    assert client.get("/dataset/no-such-thing.jsonld").status_code == 404

    # A dataset whose table is not uploaded yet has no downloads to offer.
    empty = new_dataset(site, DatasetMetadata(title="Coming soon", licence_id="cc-by"), None)
    graph = graph_of(client.get(f"/dataset/{empty}.jsonld").text)
    assert sparql(graph, "SELECT ?t WHERE { ?d dct:title ?t }")[0].t == Literal("Coming soon")
    assert sparql(graph, "SELECT ?x WHERE { ?d dcat:distribution ?x }") == []


def test_the_dataset_page_embeds_schema_org_json_ld(client: Any, site: Any, tmp_path: Path) -> None:
    name = publish(site, tmp_path, "Library visits", tags=["libraries"])
    page = client.get(f"/dataset/{name}").text
    graph = graph_of(embedded_json_ld(page))
    rows = sparql(
        graph,
        """SELECT ?name ?licence ?publisher WHERE {
            ?d a schema:Dataset ; schema:name ?name ; schema:license ?licence ;
               schema:keywords "libraries" ; schema:publisher [ schema:name ?publisher ] .
        }""",
    )
    assert [(str(r.name), str(r.licence), str(r.publisher)) for r in rows] == [
        ("Library visits", OGL, "Northtown Council")
    ]
    downloads = sparql(
        graph,
        "SELECT ?url ?type WHERE { ?d schema:distribution ?x . ?x a schema:DataDownload ;"
        " schema:contentUrl ?url ; schema:encodingFormat ?type }",
    )
    found = {(local(r.url), str(r.type)) for r in downloads}
    assert (f"/dataset/{name}/v1/data.csv", "text/csv") in found
    assert (f"/dataset/{name}/v1/data.parquet", "application/vnd.apache.parquet") in found
    for url, _ in found:  # every link the page gives search engines works
        assert status(client, url) == 200


def test_a_title_cannot_break_out_of_the_script_element(
    client: Any, site: Any, tmp_path: Path
) -> None:
    evil = "Visits </script><script>alert(1)</script> & <!-- more"
    name = publish(site, tmp_path, evil)
    page = client.get(f"/dataset/{name}").text
    assert page.count("<script") == 1 and page.count("</script>") == 1
    assert "alert(1)</script>" not in page
    block = embedded_json_ld(page)
    assert "<" not in block and ">" not in block and "&" not in block
    assert json.loads(block)["name"] == evil


def test_search_json_is_the_search_page_as_data(client: Any, site: Any, tmp_path: Path) -> None:
    publish(site, tmp_path, "Library visits")
    publish(site, tmp_path, "Library loans")
    publish(site, tmp_path, "Park benches", organisation="Southtown Council")
    query = "?organisation=northtown-council&sort=title"
    page = client.get(f"/search{query}")
    response = client.get(f"/search.json{query}")
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert data["total"] == 2 and "2 found" in page.text
    titles = [d["title"] for d in data["results"]]
    assert titles == ["Library loans", "Library visits"]
    shown = re.findall(r'<h3><a href="/dataset/[^"]+">([^<]+)</a></h3>', page.text)
    assert shown == titles
    assert data["results"][0]["modified"] == _iso(data["results"][0]["modified"])
    bad = client.get("/search.json?sort=size")
    assert bad.status_code == 400 and bad.mimetype == "application/json"
    assert bad.get_json()["error"]["sort"] == ["size"]


def test_dataset_json_is_the_dataset_page_as_data(client: Any, site: Any, tmp_path: Path) -> None:
    name = publish(site, tmp_path, "Library visits")
    query = "?field=library&op=eq&value=Northside"
    page = client.get(f"/dataset/{name}{query}")
    response = client.get(f"/dataset/{name}.json{query}")
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert data["title"] == "Library visits" and "<h1>Library visits</h1>" in page.text
    assert data["preview"]["total"] == 1 and "Rows 1 to 1 of 1 matching" in page.text
    assert data["preview"]["rows"][0][:2] == ["Northside", 300]
    assert data["preview"]["rows"][0][2] == "1960-07-15"  # an ISO date, not an HTTP date
    assert data["version"]["created"] == _iso(data["version"]["created"])
    missing = client.get("/dataset/no-such-thing.json")
    assert missing.status_code == 404 and missing.mimetype == "application/json"
    assert client.get(f"/dataset/{name}.json?offset=x").status_code == 400


def test_an_organisation_has_a_page_and_a_json_twin(client: Any, site: Any, tmp_path: Path) -> None:
    publish(site, tmp_path, "Library visits")
    publish(site, tmp_path, "Bin collections")
    publish(site, tmp_path, "Park benches", organisation="Southtown Council")
    page = client.get("/organisation/northtown-council")
    assert page.status_code == 200 and "<h1>Northtown Council</h1>" in page.text
    data = client.get("/organisation/northtown-council.json").get_json()
    assert data["title"] == "Northtown Council" and data["total"] == 2
    titles = [d["title"] for d in data["datasets"]]
    assert titles == ["Bin collections", "Library visits"]
    assert all(html.escape(t) in page.text for t in titles) and "Park benches" not in page.text
    assert client.get("/organisation/nobody").status_code == 404
    assert client.get("/organisation/nobody.json").get_json()["success"] is False


def test_datapackage_json_stands_alone_and_is_valid(client: Any, site: Any, tmp_path: Path) -> None:
    name = publish(site, tmp_path, "Library visits")
    response = client.get(f"/dataset/{name}/datapackage.json")
    assert response.mimetype == "application/json"
    descriptor = response.get_json()
    assert client.get(f"/dataset/{name}/v1/datapackage.json").get_json() == descriptor
    errors = frictionless.Package.metadata_validate(descriptor)
    assert [e.message for e in errors] == []
    [resource] = descriptor["resources"]
    assert resource["path"] == f"http://localhost/dataset/{name}/v1/data.csv"
    assert status(client, local(resource["path"])) == 200

    # The same descriptor as the zip's, but for where the CSV is.
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/dataset/{name}/datapackage.zip").data))
    zipped = json.loads(archive.read("datapackage.json"))
    zipped["resources"][0]["path"] = resource["path"]
    assert zipped == descriptor


def _iso(text: str) -> str:
    """`text` if it reads as an ISO date-time (raises otherwise)."""
    import datetime as dt

    dt.datetime.fromisoformat(text)
    return text
