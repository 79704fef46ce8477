"""The request log, the daily counters and the activity trail are deleted past their retention,
a batch at a time; newer rows stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from provisioning import retention
from provisioning.models import ActivityEvent, DailyRequestCount, RequestLogEntry
from provisioning.tasks import retention_prune
from tests.task_queue import empty_the_queue, run_worker


def log_entry(company, age: timedelta) -> RequestLogEntry:
    return RequestLogEntry.objects.create(
        company=company,
        created_at=timezone.now() - age,
        method="GET",
        path="/scim/v2/Users",
        status=200,
        duration_ms=3,
    )


def activity(company, age: timedelta) -> ActivityEvent:
    return ActivityEvent.objects.create(
        company=company, kind="settings_changed", created_at=timezone.now() - age
    )


@pytest.mark.django_db
def test_retention_deletes_old_rows_and_keeps_new_ones(company):
    log_entry(company, timedelta(days=31))
    new_log = log_entry(company, timedelta(days=29))
    activity(company, timedelta(days=366))
    new_event = activity(company, timedelta(days=364))
    today = timezone.now().date()
    DailyRequestCount.objects.create(company=company, day=today - timedelta(days=31), count=9)
    DailyRequestCount.objects.create(company=company, day=today, count=3)

    assert retention.prune() == {"request_log": 1, "daily_counts": 1, "activity": 1}
    assert list(RequestLogEntry.objects.all()) == [new_log]
    assert list(ActivityEvent.objects.all()) == [new_event]
    assert list(DailyRequestCount.objects.values_list("day", flat=True)) == [today]


@pytest.mark.django_db
def test_the_retention_periods_are_settings(company, settings):
    settings.SCIM_REQUEST_LOG_RETENTION_DAYS = 7
    settings.ACTIVITY_RETENTION_DAYS = 30
    log_entry(company, timedelta(days=8))
    kept = log_entry(company, timedelta(days=6))
    activity(company, timedelta(days=31))
    assert retention.prune() == {"request_log": 1, "daily_counts": 0, "activity": 1}
    assert list(RequestLogEntry.objects.all()) == [kept]


@pytest.mark.django_db(transaction=True)  # the deletion's own transactions, not a test's
def test_old_rows_are_deleted_oldest_first_one_small_transaction_at_a_time(company):
    for days in (40, 39, 38, 37, 36):
        log_entry(company, timedelta(days=days))
    kept = log_entry(company, timedelta(days=1))
    cutoff = timezone.now() - timedelta(days=30)
    with CaptureQueriesContext(connection) as queries:
        deleted = retention.delete_older(RequestLogEntry, "created_at", cutoff, batch=2)
    assert deleted == 5
    assert list(RequestLogEntry.objects.all()) == [kept]
    deletes = [q["sql"] for q in queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 3  # 2 + 2 + 1
    assert all('ORDER BY U0."created_at" ASC LIMIT 2' in sql for sql in deletes)
    # Each batch is a transaction of its own: nothing holds the whole deletion.
    assert [q["sql"] for q in queries].count("COMMIT") == 3


@pytest.mark.django_db(transaction=True)
def test_the_task_queue_worker_runs_the_retention_task(company):
    empty_the_queue()
    old, new = log_entry(company, timedelta(days=31)), log_entry(company, timedelta(days=1))
    retention_prune.defer(timestamp=0)
    run_worker()
    assert list(RequestLogEntry.objects.values_list("pk", flat=True)) == [new.pk]
    assert not RequestLogEntry.objects.filter(pk=old.pk).exists()
