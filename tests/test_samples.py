"""The sample datasets, loaded once on an empty catalogue, however many processes start."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select

from catalog.datasets.samples import SAMPLES, load_samples
from catalog.db.models import Dataset
from catalog.site import Site
from catalog.startup import prepare


def test_two_processes_starting_on_an_empty_catalogue_load_the_samples_once(
    settings: Any,
) -> None:
    # Once: ten datasets, every sample twice. Two sites on one database and one data folder
    # stand for the two processes (the start-up lock is a lock on a file of that folder).
    sites = [Site(settings), Site(settings)]
    try:
        for site in sites:
            prepare(site)
        counts: list[int] = []
        ready = threading.Barrier(2)

        def start(site: Site) -> None:
            ready.wait()
            counts.append(load_samples(site))

        threads = [threading.Thread(target=start, args=(site,)) for site in sites]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert sorted(counts) == [0, len(SAMPLES)]
        with sites[0].session() as session:
            total = session.scalar(select(func.count()).select_from(Dataset))
        assert total == len(SAMPLES)
    finally:
        for site in sites:
            site.close()
