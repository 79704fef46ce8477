"""The integration cache: no token query on a known token, and any change to the
integration or its company, from any process, empties it before the next request."""

from __future__ import annotations

import select

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from provisioning import store

pytestmark = pytest.mark.django_db(transaction=True)  # NOTIFY is delivered on commit


def token_queries(call) -> int:
    """How many queries of the request read the integration table."""
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code in (200, 401), response.content
    return sum('FROM "provisioning_scimintegration"' in q["sql"] for q in captured)


def notification_arrives(within: float = 5.0) -> bool:
    """Wait until a notification has reached this process's connection, unread. NOTIFY is
    delivered a moment after the sender's commit returns (up to ~0.2 ms here, 4 times in 500),
    so a test that asked at once would race it."""
    readable, _, _ = select.select([connection.connection.fileno()], [], [], within)
    return bool(readable)


@pytest.fixture
def other_process():
    """A second database session, like another app process or instance, committing at once."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        yield other


def test_a_known_token_needs_no_query(scim):
    assert token_queries(lambda: scim.get("Users")) == 1
    assert token_queries(lambda: scim.get("Users")) == 0


def test_a_token_reset_elsewhere_refuses_the_old_token_at_once(scim, integration, other_process):
    scim.get("Users")  # cached
    other_process.execute(
        "UPDATE provisioning_scimintegration SET token_hash = 'reset' WHERE id = %s",
        [integration.pk],
    )
    assert notification_arrives()
    response = scim.get("Users")
    assert response.status_code == 401


def test_a_change_notified_while_the_token_is_read_is_not_cached(
    scim, integration, other_process, monkeypatch
):
    """The row was read before the reset and the reset's notification arrived before the row was
    kept: keeping it would let the old token in until the next change."""
    from provisioning.scim import gate

    def read_then_reset(*args, **kwargs):
        found = read(*args, **kwargs)
        other_process.execute(
            "UPDATE provisioning_scimintegration SET token_hash = 'reset' WHERE id = %s",
            [integration.pk],
        )
        assert notification_arrives()  # before the row is kept
        return found

    read = store.integration_by_token_prefix
    monkeypatch.setattr(gate.store, "integration_by_token_prefix", read_then_reset)
    assert scim.get("Users").status_code == 200  # read before the reset: served
    monkeypatch.undo()
    assert scim.get("Users").status_code == 401


def test_a_new_allowlist_applies_at_once(scim, integration, other_process):
    scim.get("Users", REMOTE_ADDR="198.51.100.7")
    other_process.execute(
        "UPDATE provisioning_scimintegration SET ip_allowlist = '203.0.113.0/24' WHERE id = %s",
        [integration.pk],
    )
    assert notification_arrives()
    assert scim.get("Users", REMOTE_ADDR="198.51.100.7").status_code == 401
    assert scim.get("Users", REMOTE_ADDR="203.0.113.9").status_code == 200


def test_a_company_change_empties_the_cache(scim, integration, other_process):
    scim.get("Users")
    other_process.execute(
        "UPDATE workspaces_company SET name = 'Acme Renamed' WHERE id = %s",
        [integration.company_id],
    )
    assert notification_arrives()
    assert token_queries(lambda: scim.get("Users")) == 1


def test_recording_the_last_use_keeps_the_cache(scim, integration, other_process):
    scim.get("Users")
    other_process.execute(
        "UPDATE provisioning_scimintegration SET token_last_used_at = now() WHERE id = %s",
        [integration.pk],
    )
    assert not notification_arrives(within=0.5)
    assert token_queries(lambda: scim.get("Users")) == 0


def test_a_new_connection_starts_with_an_empty_cache(scim):
    scim.get("Users")
    connection.close()  # CONN_MAX_AGE, or a database restart
    assert token_queries(lambda: scim.get("Users")) == 1


def test_inside_a_transaction_the_cache_is_not_used(scim):
    scim.get("Users")
    with transaction.atomic():
        assert token_queries(lambda: scim.get("Users")) == 1


def test_with_the_setting_off_every_request_reads_the_token(scim, settings):
    settings.SCIM_INTEGRATION_CACHE = False
    scim.get("Users")
    assert token_queries(lambda: scim.get("Users")) == 1


def test_without_persistent_connections_the_cache_is_off(scim):
    connection.settings_dict["CONN_MAX_AGE"], kept = 0, connection.settings_dict["CONN_MAX_AGE"]
    try:
        scim.get("Users")
        assert token_queries(lambda: scim.get("Users")) == 1
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = kept


def test_only_integrations_and_companies_notify():
    """Workspaces, teams, permission sets and roles no longer do (migration 0007)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname LIKE 'scim\\_%%'"
        )
        notifying = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = 'scim_named_rows_notify'")
        (functions,) = cursor.fetchone()
    assert notifying == {"provisioning_scimintegration", "workspaces_company"}
    assert functions == 0
