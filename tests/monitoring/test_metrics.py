"""/metrics: what it counts, and who may read it."""

from __future__ import annotations

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from provisioning import failed_attempts
from provisioning.allowlist import parse as parse_addresses
from tests.provisioning.scim.conftest import new_user_body

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-the-tests"


@pytest.fixture
def scraper(settings) -> Client:
    settings.METRICS_TOKEN = TOKEN
    return Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")


def scrape(scraper: Client) -> dict[tuple[str, frozenset], float]:
    response = scraper.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0)


def test_the_metrics_endpoint_counts_a_scim_request(scraper, scim):
    before = scrape(scraper)
    assert scim.get("Users").status_code == 200
    after = scrape(scraper)
    request = {"endpoint": "scim:users", "method": "GET", "status": "200"}
    assert value(after, "http_requests_total", **request) == (
        value(before, "http_requests_total", **request) + 1
    )
    timed = {"endpoint": "scim:users"}
    assert value(after, "http_request_duration_seconds_count", **timed) == (
        value(before, "http_request_duration_seconds_count", **timed) + 1
    )


def test_the_endpoint_is_the_url_pattern_not_the_path(scraper, scim, workspace):
    ids = [scim.post("Users", new_user_body(f"u{i}@example.com")).json()["id"] for i in range(2)]
    before = scrape(scraper)
    for public_id in ids:
        scim.get(f"Users/{public_id}")
    after = scrape(scraper)
    request = {"endpoint": "scim:user-detail", "method": "GET", "status": "200"}
    assert (
        value(after, "http_requests_total", **request)
        - value(before, "http_requests_total", **request)
        == 2
    )
    assert not any(public_id in str(key) for key in after for public_id in ids)


def test_rate_limit_refusals_are_counted_by_limit(scraper, scim, settings, workspace):
    settings.SCIM_DAILY_REQUEST_LIMIT = 1
    before = scrape(scraper)
    scim.get("Users")
    assert scim.get("Users").status_code == 429
    bad = "Bearer scim_wrongwrongwrongwrongwrongwrongwrongwrongwro"
    for _ in range(failed_attempts.MAX_FAILURES + 1):
        scim.get("Users", HTTP_AUTHORIZATION=bad, REMOTE_ADDR="198.51.100.9")
    after = scrape(scraper)
    for limit in ("daily", "invalid_token"):
        name = "scim_rate_limit_refusals_total"
        assert value(after, name, limit=limit) == value(before, name, limit=limit) + 1, limit


def test_the_task_queue_depth_is_read_from_the_database(scraper, scim, workspace):
    task = "workspaces.tasks.invitation_send"
    before = scrape(scraper)
    assert value(before, "task_queue_jobs", task=task, status="todo") == 0
    assert value(before, "task_queue_jobs", task=task, status="failed") == 0
    scim.post("Users", new_user_body())
    assert value(scrape(scraper), "task_queue_jobs", task=task, status="todo") == 1


def test_the_metrics_endpoint_refuses_an_anonymous_caller_in_production(client, settings):
    assert not settings.DEBUG
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_production_without_a_token_or_allowlist_shows_metrics_to_no_one(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_an_allowed_address_needs_no_token(client, settings):
    settings.METRICS_ALLOWLIST = parse_addresses("10.0.0.0/8")
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1").status_code == 403


def test_a_development_server_shows_metrics_to_anyone(client, settings):
    settings.DEBUG = True
    assert client.get("/metrics").status_code == 200


def test_the_health_endpoint_checks_the_database(client):
    response = client.get("/health/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json() == {"Database(alias='default')": "OK"}


def test_probes_over_plain_http_are_not_redirected_to_https(scraper, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert Client().get("/settings/admin/scim/").status_code == 301  # everything else is
    assert Client().get("/health/").status_code == 200
    assert scraper.get("/metrics").status_code == 200
