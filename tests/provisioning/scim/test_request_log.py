"""The request log's batching: entries wait in the process and are written together."""

from __future__ import annotations

import runpy
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction

from provisioning import request_log
from provisioning.models import RequestLogEntry, ScimIntegration
from tests.provisioning.scim.conftest import new_user_body
from workspaces.models import Company


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
    assert "Dropped a SCIM request log entry of company" in caplog.text


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


# One bad entry never drops the others (issue 12): any token holder can send a path PostgreSQL
# can't store, and a company can be deleted while its entries wait in a worker.


def entry(company: Company, path: str = "/scim/v2/Users") -> RequestLogEntry:
    return RequestLogEntry(company=company, method="GET", path=path, status=200, duration_ms=1)


def logged(company: Company) -> list[str]:
    return list(
        RequestLogEntry.objects.filter(company=company)
        .order_by("id")
        .values_list("path", flat=True)
    )


def test_a_nul_in_a_path_is_stored_as_the_client_sent_it_and_the_batch_lands(batched, company):
    for path in ("/scim/v2/Users", "/scim/v2/Users/\x00", "/scim/v2/Groups"):
        request_log.record(entry(company, path))
    request_log.flush()
    assert logged(company) == ["/scim/v2/Users", "/scim/v2/Users/%00", "/scim/v2/Groups"]


def test_a_path_is_cut_to_the_column_after_it_is_made_storable(batched, company):
    request_log.record(entry(company, "/" + "\x00" * 499))
    request_log.flush()
    assert logged(company) == ["/" + "%00" * 166 + "%"]


@pytest.mark.django_db(transaction=True)
def test_a_nul_path_from_one_company_keeps_another_companys_entries(
    batched, scim, other_company_scim
):
    scim.get("Users")
    scim.get("Users/%00")
    other_company_scim.get("Users")
    request_log.flush()
    assert sorted(RequestLogEntry.objects.values_list("path", flat=True)) == [
        "/scim/v2/Users",
        "/scim/v2/Users",
        "/scim/v2/Users/%00",
    ]


@pytest.mark.django_db(transaction=True)
def test_the_entries_of_a_company_deleted_while_they_waited_are_skipped(
    batched, scim, other_company_scim, caplog
):
    scim.get("Users")
    other_company_scim.get("Users")
    scim.get("Groups")
    globex = Company.objects.get(name="Globex")
    ScimIntegration.objects.filter(company=globex).delete()  # the admin's order
    globex_id = globex.pk
    globex.delete()
    request_log.flush()
    assert list(RequestLogEntry.objects.order_by("id").values_list("path", flat=True)) == [
        "/scim/v2/Users",
        "/scim/v2/Groups",
    ]
    assert f"Dropped a SCIM request log entry of company {globex_id}" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_batch_is_written_again_after_a_lost_connection(batched, scim):
    scim.get("Users")
    scim.get("Groups")
    terminate(connection)
    request_log.flush()
    assert RequestLogEntry.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_stopped_worker_writes_what_it_holds_outside_the_interrupted_request(batched, scim):
    """gunicorn's worker_abort hook (a request over the timeout) runs in the worker's main
    thread, in the middle of that request, whose transaction is never committed."""
    scim.get("Users")
    scim.get("Groups")
    with transaction.atomic():
        Company.objects.create(name="Initech")  # the interrupted request's own write
        gunicorn_config()["worker_abort"](worker=None)
        transaction.set_rollback(True)
    assert RequestLogEntry.objects.count() == 2


def gunicorn_config() -> dict:
    """What gunicorn reads from the shipped gunicorn.conf.py."""
    return runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))


def terminate(victim) -> None:
    """Ends `victim`'s server process the way a database restart does; `victim` finds out when
    it is next used."""
    victim.ensure_connection()
    pid = victim.connection.info.backend_pid
    with psycopg.connect(**victim.get_connection_params()) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
