"""An upload job publishes once, however often its work runs: the publish records the
version on the job's row only where none is recorded yet, in the same transaction, and a
second publish for the same job is undone (its rows rolled back, its version folder
removed). This is what keeps a job taken up again after its worker died (or was thought
dead) from publishing twice (catalog/jobs/queue.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from catalog.datasets.publishing import DatasetMetadata, publish_file
from catalog.db.models import Dataset, Version
from catalog.jobs.runner import PUBLISHED, STOPPED_AFTER, AlreadyPublished, JobResult
from tests.conftest import DATA
from tests.test_background_upload import GDP
from tests.test_kill_safety import entries


def test_a_job_run_twice_publishes_once_and_says_published(site: Any) -> None:
    raised = []

    def twice(path: Path, progress: Any) -> JobResult:
        for _ in range(2):
            try:
                publish_file(
                    site,
                    path,
                    original_name="top.csv",
                    schema=None,
                    metadata=DatasetMetadata(title="Top economies"),
                    progress=progress,
                    job_id=progress.job_id,
                )
            except AlreadyPublished as error:
                raised.append(error)
                raise
        pytest.fail("the second publish was not refused")

    job = site.jobs.enqueue(
        user_id=None,
        original_name="top.csv",
        save=lambda path: path.write_bytes((DATA / GDP).read_bytes()),
        work=twice,
    )
    assert site.jobs.wait(job, timeout=60)
    assert len(raised) == 1
    status = site.jobs.status(job)
    assert (status["state"], status["message"]) == (PUBLISHED, STOPPED_AFTER), status
    assert (status["dataset_name"], status["version_number"]) == ("top-economies", 1)
    with site.session() as session:
        assert session.scalar(select(func.count()).select_from(Dataset)) == 1
        assert session.scalar(select(func.count()).select_from(Version)) == 1
        (key,) = session.scalars(select(Dataset.key)).all()
    # The second publish's version folder went with its rollback: only the first is left
    # (and the empty folder of the dataset it would have made, swept at a start).
    root = site.settings.files_dir / "datasets"
    assert {k: entries(root / k) for k in entries(root)} == {
        key: ["1"],
        **{k: [] for k in entries(root) if k != key},
    }
    assert len(entries(root)) == 2
