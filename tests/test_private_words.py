"""Nothing private leaks through search: "did you mean" and the tag list know only the
words of datasets the viewer may see (a private dataset's, a deleted one's, stay theirs)."""

from __future__ import annotations

from typing import Any

from catalog.datasets.indexing import reindex
from catalog.datasets.publishing import DatasetMetadata
from catalog.db.models import Dataset
from tests.factories import new_dataset

SECRET_WORDS = ("zetasecretplan", "zetasecrettag", "omegagonefigure", "omegagonetag")


def make_datasets(site: Any) -> None:
    new_dataset(site, DatasetMetadata(title="Bus stops", tags=["transport"]))
    new_dataset(
        site,
        DatasetMetadata(
            title="Zetasecretplan roads",
            tags=["zetasecrettag"],
            organisation="Camden",
            private=True,
        ),
    )
    gone = new_dataset(site, DatasetMetadata(title="Omegagonefigure counts", tags=["omegagonetag"]))
    with site.session() as session:
        dataset = session.query(Dataset).filter_by(name=gone).one()
        dataset.state = "deleted"
        session.commit()
    reindex(site)


def test_did_you_mean_and_tags_know_only_visible_words(client: Any, site: Any) -> None:
    make_datasets(site)
    for typed in ("zetasecretplam", "zetasecrettog", "omegagonefigur", "omegagonetog"):
        found = client.get(f"/search.json?q={typed}").get_json()
        assert found["total"] == 0, typed
        said = str(found.get("suggestion") or "")
        assert not any(word in said for word in SECRET_WORDS), (typed, said)
        page = client.get(f"/search?q={typed}").text
        assert not any(word in page.replace(typed, "") for word in SECRET_WORDS), typed
    tags = client.get("/api/3/action/tag_list").get_json()["result"]
    assert tags == ["transport"]
    # A public word is still suggested.
    assert client.get("/search.json?q=transprt").get_json().get("suggestion") == "transport"


def test_the_index_suggests_private_words_only_to_who_may_see_them(site: Any) -> None:
    make_datasets(site)
    everyone = site.index.search("zetasecrettog", visible_organisations=set())
    assert everyone.suggestion is None
    camden = site.index.search("zetasecrettog", visible_organisations={"camden"})
    assert camden.suggestion == "zetasecrettag"


def test_a_search_index_behind_the_database_shows_no_private_words(client: Any, site: Any) -> None:
    """The index is a cache: when an update of it is lost (the process killed between the
    commit and the index write, or the write failing, which is logged and let be), search
    still shows nothing the database says the viewer may not see, and puts the index right."""
    new_dataset(site, DatasetMetadata(title="Zetasecretplan roads", tags=["zetasecrettag"]))
    with site.session() as session:  # made private, its index update lost
        session.query(Dataset).filter_by(title="Zetasecretplan roads").one().private = True
        session.commit()
    api = "/api/3/action/package_search?q=zetasecretplan&include_private=true"
    for path in ("/search.json?q=zetasecretplan", "/search?q=zetasecretplan", api):
        answer = client.get(path)
        assert answer.status_code == 200
        assert "Zetasecretplan roads" not in answer.text, path
    # The first search to meet it wrote its document again: now it is not even counted.
    assert client.get("/search.json?q=zetasecretplan").get_json()["total"] == 0
    assert client.get("/api/3/action/package_search?q=zetasecretplan").json["result"]["count"] == 0
