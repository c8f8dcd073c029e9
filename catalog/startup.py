"""Bringing a site up to date before it serves: migrate the database, say this process is
alive and sweep up after dead ones (catalog/jobs/recovery.py), fill an empty directory of
public bodies, and rebuild the search index if it is missing or out of step."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from catalog.datasets.indexing import reindex
from catalog.db.engine import migrate
from catalog.db.models import Dataset
from catalog.foi.authorities import seed_authorities
from catalog.jobs.recovery import recover, sweep_spill
from catalog.site import Site

log = logging.getLogger(__name__)


def prepare(site: Site) -> None:
    migrate(site.engine)
    with site.processes.startup():
        site.processes.register()
        alone = not site.processes.others_alive() and site.jobs.idle()
        recover(site.store, site.sessions, site.jobs, alone)
        sweep_spill(site.settings.spill_dir, site.processes)
        if site.settings.seed_authorities:
            # Inside startup(), so two processes starting together do not both fill it.
            with site.session() as session:
                added = seed_authorities(session)
                session.commit()
            if added:
                log.info("added %d public bodies to the authorities directory", added)
    with site.session() as session:
        count = session.scalar(select(func.count()).select_from(Dataset)) or 0
    if not site.index.healthy(expected_documents=count):
        if site.index.exists():
            log.warning("search index damaged or out of step with the database: rebuilding it")
        reindex(site)
