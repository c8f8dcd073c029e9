"""Bringing a site up to date before it serves: migrate the database, say this process is
alive and sweep up after dead ones (catalog/jobs/recovery.py), fill an empty directory of
public bodies, and rebuild the search index if it is missing or out of step."""

from __future__ import annotations

import logging
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.datasets.indexing import reindex
from catalog.datasets.upload_jobs import upload_work
from catalog.datasets.uploads import OnPublished
from catalog.db.engine import migrate
from catalog.db.models import Dataset
from catalog.foi.answers import link_uploaded_answer
from catalog.foi.authorities import seed_authorities
from catalog.jobs.queue import apply_queue_schema
from catalog.jobs.recovery import recover, sweep_spill
from catalog.site import Site

log = logging.getLogger(__name__)


def prepare(site: Site) -> None:
    migrate(site.engine)
    if site.settings.job_queue == "postgresql":
        apply_queue_schema(site.engine)  # once: its tables are kept as they are after
    # A job's spec to its work, whichever queue runs it.
    site.jobs.work_from = partial(upload_work, site, link_answer=answer_linker)
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


def answer_linker(sessions: sessionmaker[Session], request_id: int) -> OnPublished:
    """What links an upload, once published, to the FOI request it answers."""
    return partial(link_uploaded_answer, sessions, request_id)
