"""Facet counts (catalog/search/facets.py): the commonest values among a search's matches,
ties in alphabetical order, empty values never counted, the cut made after the ties."""

from __future__ import annotations

from catalog.search.facets import FacetTable, match_mask

DOCUMENTS = [("parks", "trees"), ("parks",), ("", "trees"), ("roads",), (), ("parks", "bins")]


def test_the_commonest_values_of_the_matches_ties_alphabetically() -> None:
    table = FacetTable.of(DOCUMENTS)
    everything = match_mask(range(len(DOCUMENTS)), len(DOCUMENTS))
    assert table.commonest(everything, 50) == [
        ("parks", 3),
        ("trees", 2),
        ("bins", 1),
        ("roads", 1),
    ]
    assert table.commonest(everything, 3) == [("parks", 3), ("trees", 2), ("bins", 1)]
    some = match_mask([2, 3, 4], len(DOCUMENTS))
    assert table.commonest(some, 50) == [("roads", 1), ("trees", 1)]  # "" is no value
    assert table.commonest(match_mask([], len(DOCUMENTS)), 50) == []
    assert FacetTable.of([]).commonest(match_mask([], 0), 50) == []
