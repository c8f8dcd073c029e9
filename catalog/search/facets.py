"""Facet counts over a search's matches, as array operations.

Each facet's values are kept per index (per searcher) as two parallel arrays, one entry per
(document, value): the document's number and the value's code. Counting the values of a
search's matches is then a mask lookup and a bincount over those arrays, however many
datasets match: at 10,000 datasets a common word matches 6,600 of them with some 25 values
each, and counting them in Python (a Counter over each match's values) took about a fifth of
a search.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class FacetTable:
    """One facet's values over all documents (empty values left out)."""

    values: list[str]  # code -> value
    docs: np.ndarray  # entry -> document number
    codes: np.ndarray  # entry -> value code

    @classmethod
    def of(cls, per_document: Sequence[tuple[str, ...]]) -> FacetTable:
        """From each document's values, in document-number order."""
        index: dict[str, int] = {}
        docs: list[int] = []
        codes: list[int] = []
        for docnum, values in enumerate(per_document):
            for value in values:
                if value:
                    docs.append(docnum)
                    codes.append(index.setdefault(value, len(index)))
        return cls(list(index), np.array(docs, dtype=np.int64), np.array(codes, dtype=np.int64))

    def commonest(self, matched: np.ndarray, limit: int) -> list[tuple[str, int]]:
        """The `limit` commonest values among the documents `matched` (a boolean mask over
        document numbers), ties in alphabetical order."""
        if not self.values or limit <= 0:
            return []
        counts = np.bincount(self.codes[matched[self.docs]], minlength=len(self.values))
        present = np.flatnonzero(counts)
        if len(present) > limit:  # only the values that can make the cut are sorted
            least = np.partition(counts[present], len(present) - limit)[len(present) - limit]
            present = present[counts[present] >= least]
        found = [(self.values[code], int(counts[code])) for code in present]
        return sorted(found, key=lambda item: (-item[1], item[0]))[:limit]


def match_mask(matched: Iterable[int], documents: int) -> np.ndarray:
    """A boolean mask over `documents` document numbers, true for those in `matched`."""
    mask = np.zeros(documents, dtype=bool)
    numbers = np.fromiter(matched, dtype=np.int64)
    if len(numbers):
        mask[numbers] = True
    return mask


def document_values(reader: Any, name: str) -> list[tuple[str, ...]]:
    """Each document's values of the field `name` in one Whoosh segment, read from its
    postings (documents without the field have none)."""
    lists: list[list[str]] = [[] for _ in range(reader.doc_count_all())]
    if name in reader.indexed_field_names():
        for value in reader.field_terms(name):
            for docnum in reader.postings(name, value).all_ids():
                lists[docnum].append(value)
    return [tuple(values) for values in lists]
