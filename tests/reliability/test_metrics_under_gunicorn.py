"""/metrics under gunicorn, what production runs: every worker process's requests are counted,
not only those of the process that answers the scrape."""

from __future__ import annotations

import urllib.request

import pytest
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from bench.server import Gunicorn, production_environment
from tests.provisioning.scim.conftest import ORIGIN, make_integration

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "metrics-token-for-the-tests"
REQUESTS = 40


def get(url: str, headers: dict) -> int:
    request = urllib.request.Request(url, headers={**headers, "Connection": "close"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def database_url() -> str:
    """The test database, for gunicorn."""
    db = settings.DATABASES["default"]
    if db["HOST"]:
        return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    # The embedded server: a Unix socket only (config/database.py).
    return f"postgres://{db['USER']}@/{db['NAME']}?host={db['OPTIONS']['host']}"


def test_a_scrape_counts_the_requests_of_every_worker(company, workspace):
    _, token = make_integration(company, workspace)
    env = production_environment(DATABASE_URL=database_url(), METRICS_TOKEN=TOKEN)
    with Gunicorn(env=env, workers=2) as server:
        scim = {"Authorization": f"Bearer {token}", "X-Request-Origin": ORIGIN}
        # A new connection each time, so the kernel hands them to both workers.
        statuses = [get(f"{server.url}/scim/v2/Users", scim) for _ in range(REQUESTS)]
        assert statuses == [200] * REQUESTS
        scrape = urllib.request.Request(
            f"{server.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        with urllib.request.urlopen(scrape, timeout=30) as response:
            text = response.read().decode()
    counted = [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "http_requests_total"
        and sample.labels == {"endpoint": "scim:users", "method": "GET", "status": "200"}
    ]
    assert counted == [REQUESTS]  # one series, the workers' counts added up
