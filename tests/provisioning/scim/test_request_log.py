"""The request log's batching: entries wait in the process and are written together."""

from __future__ import annotations

import time

import pytest

from provisioning import request_log
from provisioning.models import RequestLogEntry
from tests.provisioning.scim.conftest import new_user_body


@pytest.fixture
def batched(settings):
    settings.SCIM_REQUEST_LOG_FLUSH_SECONDS = 3600  # only an explicit flush writes
    yield
    request_log.flush()


def test_with_batching_requests_are_logged_in_one_insert(
    batched, scim, workspace, django_assert_num_queries
):
    scim.post("Users", new_user_body())
    scim.get("Users", {"filter": 'userName eq "ada@example.com"'})
    assert not RequestLogEntry.objects.exists()
    with django_assert_num_queries(1):
        request_log.flush()
    assert [(e.method, e.status) for e in RequestLogEntry.objects.order_by("id")] == [
        ("POST", 201),
        ("GET", 200),
    ]


def test_the_time_of_an_entry_is_the_requests_not_the_writes(batched, scim):
    scim.get("Users")
    time.sleep(0.05)
    before_flush = RequestLogEntry._meta.get_field("created_at").default()
    request_log.flush()
    assert RequestLogEntry.objects.get().created_at < before_flush


def test_a_burst_is_written_without_waiting(batched, scim, monkeypatch):
    monkeypatch.setattr(request_log, "MAX_PENDING", 3)
    for _ in range(3):
        scim.get("Users")
    assert RequestLogEntry.objects.count() == 3


def test_a_failed_write_loses_the_entries_not_the_response(batched, scim, monkeypatch, caplog):
    from django.db import DatabaseError

    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    scim.get("Users")
    monkeypatch.setattr(RequestLogEntry.objects, "bulk_create", broken)
    request_log.flush()
    assert "Could not write 1 SCIM request log entries" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_timer_writes_within_the_delay(settings, scim):
    settings.SCIM_REQUEST_LOG_FLUSH_SECONDS = 0.2
    request_log.flush()  # no timer left by an earlier test
    scim.get("Users")
    scim.get("Groups")
    deadline = time.monotonic() + 5
    while not RequestLogEntry.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # both requests fell in one batch: a second write would come later
    assert [e.path for e in RequestLogEntry.objects.order_by("id")] == [
        "/scim/v2/Users",
        "/scim/v2/Groups",
    ]
