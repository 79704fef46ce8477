"""The SCIM integration's periodic work, run by the task queue's worker (README, "Background
work")."""

from __future__ import annotations

import logging

from procrastinate.contrib.django import app

from provisioning import retention

logger = logging.getLogger(__name__)


# Hourly, so each run deletes an hour's worth of rows. The queueing lock keeps a second run from
# being queued while one waits; several workers defer each periodic run once between them.
@app.periodic(cron="17 * * * *")
@app.task(name="provisioning.tasks.retention_prune", queueing_lock="retention_prune")
def retention_prune(timestamp: int) -> None:
    deleted = retention.prune()
    logger.info("Deleted rows past their retention: %s", deleted)
