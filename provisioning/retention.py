"""How long the request log and the activity trail are kept: older rows are deleted by a
periodic task (provisioning/tasks.py), a batch at a time.

Each batch is one short DELETE of the oldest rows, in its own transaction, found through an
index on the time: no transaction holds ten million rows, and the only rows locked are old ones
no writer touches, so new requests are logged meanwhile as usual.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Model
from django.utils import timezone

from provisioning.models import ActivityEvent, DailyRequestCount, RequestLogEntry

BATCH = 5_000


def prune() -> dict[str, int]:
    """Delete what is past its retention; how many rows of each kind went."""
    now = timezone.now()
    log_cutoff = now - timedelta(days=settings.SCIM_REQUEST_LOG_RETENTION_DAYS)
    return {
        "request_log": delete_older(RequestLogEntry, "created_at", log_cutoff),
        # The daily counters behind the rate limit: only today's is read.
        "daily_counts": delete_older(DailyRequestCount, "day", log_cutoff.date()),
        "activity": delete_older(
            ActivityEvent, "created_at", now - timedelta(days=settings.ACTIVITY_RETENTION_DAYS)
        ),
    }


def delete_older(model: type[Model], field: str, cutoff, batch: int = BATCH) -> int:
    """Delete the rows whose `field` is before `cutoff`, oldest first, `batch` rows a statement."""
    deleted = 0
    while True:
        oldest = model.objects.filter(**{f"{field}__lt": cutoff}).order_by(field)[:batch]
        count, _ = model.objects.filter(pk__in=oldest.values("pk")).delete()
        deleted += count
        if count < batch:
            return deleted
