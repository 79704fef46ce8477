"""The request gate: token, origin, allowlist, rate limit, last use and the request log."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from provisioning.models import DailyRequestCount, RequestLogEntry, ScimIntegration
from provisioning.services import scim_token_issue
from tests.provisioning.scim.conftest import ScimClient, make_integration, new_user_body
from tests.provisioning.scim.documents import error

pytestmark = pytest.mark.django_db


def assert_401(response, detail: str) -> None:
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json() == error(401, detail=detail)


def test_a_missing_token_is_401_with_www_authenticate(scim):
    assert_401(scim.get("Users", HTTP_AUTHORIZATION=None), "A SCIM bearer token is required.")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer scim_wrongwrongwrongwrongwrongwrongwrongwrongwro",
        "Bearer not-even-our-format",
        "Basic dXNlcjpwYXNz",
        "Bearer",
    ],
)
def test_a_wrong_token_is_401(scim, header):
    response = scim.get("Users", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_with_the_right_prefix_but_wrong_secret_is_401(scim):
    forged = scim.token[:-4] + ("AAAA" if not scim.token.endswith("AAAA") else "BBBB")
    assert_401(
        scim.get("Users", HTTP_AUTHORIZATION=f"Bearer {forged}"), "The SCIM token is not valid."
    )


def test_a_reset_token_stops_working_at_once(scim, integration):
    assert scim.get("Users").status_code == 200
    new_token = scim_token_issue(integration=integration, actor=None, ip=None)
    assert scim.get("Users").status_code == 401
    assert ScimClient(Client(), new_token).get("Users").status_code == 200


@pytest.mark.parametrize("origin", ["https://evil.example.com", "not a url"])
def test_a_wrong_origin_is_401(scim, origin):
    assert_401(
        scim.get("Users", HTTP_X_REQUEST_ORIGIN=origin),
        "The X-Request-Origin header does not match the configured service origin.",
    )


def test_a_missing_origin_is_401_saying_it_is_missing(scim):
    assert_401(
        scim.get("Users", HTTP_X_REQUEST_ORIGIN=None), "The X-Request-Origin header is missing."
    )


def test_the_older_origin_header_spelling_is_accepted(scim):
    response = scim.get(
        "Users", HTTP_X_REQUEST_ORIGIN=None, HTTP_X_ORIGIN_REQUEST="https://idp.example.com"
    )
    assert response.status_code == 200


def test_the_origin_is_compared_after_normalising(scim):
    assert scim.get("Users", HTTP_X_REQUEST_ORIGIN="HTTPS://IDP.Example.com/").status_code == 200


def test_a_bare_host_origin_accepts_that_host_under_any_scheme(company, workspace):
    _, token = make_integration(company, workspace, origin="idp.example.com")
    client = ScimClient(Client(), token, origin="https://idp.example.com")
    assert client.get("Users").status_code == 200
    assert client.get("Users", HTTP_X_REQUEST_ORIGIN="idp.example.com").status_code == 200
    assert client.get("Users", HTTP_X_REQUEST_ORIGIN="other.example.com").status_code == 401


@pytest.mark.parametrize(
    ("allowlist", "remote", "allowed"),
    [
        ("10.0.0.0/8", "10.1.2.3", True),
        ("10.0.0.0/8", "192.168.0.1", False),
        ("192.168.0.1-192.168.0.9, 2001:db8::/32", "192.168.0.5", True),
        ("192.168.0.1-192.168.0.9, 2001:db8::/32", "2001:db8::42", True),
        ("192.168.0.1-192.168.0.9, 2001:db8::/32", "192.168.0.10", False),
        ("127.0.0.1", "127.0.0.1", True),
    ],
)
def test_the_allowlist_admits_only_listed_clients(company, workspace, allowlist, remote, allowed):
    _, token = make_integration(company, workspace, allowlist=allowlist)
    response = ScimClient(Client(), token).get("Users", REMOTE_ADDR=remote)
    if allowed:
        assert response.status_code == 200
    else:
        assert_401(response, "The client IP address is not on the allowlist.")


def test_forwarded_for_counts_only_behind_trusted_proxies(company, workspace, settings):
    _, token = make_integration(company, workspace, allowlist="203.0.113.7")
    client = ScimClient(Client(), token)
    forwarded = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    settings.SCIM_TRUSTED_PROXY_COUNT = 0
    assert client.get("Users", **forwarded).status_code == 401
    settings.SCIM_TRUSTED_PROXY_COUNT, settings.SCIM_TRUSTED_PROXIES = 1, "10.0.0.0/8"
    assert client.get("Users", **forwarded).status_code == 200
    spoofed = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7, 198.51.100.1"}
    assert client.get("Users", **spoofed).status_code == 401


def test_a_forged_forwarded_for_from_outside_the_proxies_does_not_pass_the_allowlist(
    company, workspace, settings
):
    """The app port reached directly, not through the proxy: the header is the client's own."""
    settings.SCIM_TRUSTED_PROXY_COUNT, settings.SCIM_TRUSTED_PROXIES = 1, "10.0.0.1"
    _, token = make_integration(company, workspace, allowlist="203.0.113.7")
    client = ScimClient(Client(), token)
    forged = {"REMOTE_ADDR": "198.51.100.66", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    assert_401(client.get("Users", **forged), "The client IP address is not on the allowlist.")
    through_the_proxy = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    assert client.get("Users", **through_the_proxy).status_code == 200


def test_every_response_carries_rate_limit_headers(scim):
    first = scim.get("Users")
    second = scim.get("Users")
    assert first["X-RateLimit-Limit"] == "5000"
    assert int(first["X-RateLimit-Remaining"]) == int(second["X-RateLimit-Remaining"]) + 1
    assert int(first["X-RateLimit-Reset"]) > timezone.now().timestamp()


def test_over_the_daily_limit_is_429_with_retry_after(scim, settings, workspace):
    settings.SCIM_DAILY_REQUEST_LIMIT = 3
    statuses = [scim.get("Users").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = scim.post("Users", new_user_body())
    assert response.status_code == 429
    assert response.json()["status"] == "429"
    assert response["X-RateLimit-Remaining"] == "0"
    assert 0 < int(response["Retry-After"]) <= 86400
    assert not response.json().get("id")


def test_the_limit_is_per_company_and_shared_by_every_endpoint(
    scim, other_company_scim, settings, workspace
):
    settings.SCIM_DAILY_REQUEST_LIMIT = 2
    created = scim.post("Users", new_user_body()).json()
    assert scim.get(f"Users/{created['id']}").status_code == 200
    assert scim.get("Groups").status_code == 429
    assert other_company_scim.get("Users").status_code == 200


def test_requests_refused_by_the_gate_do_not_count(scim, integration):
    scim.get("Users", HTTP_X_REQUEST_ORIGIN="https://evil.example.com")
    assert not DailyRequestCount.objects.filter(company=integration.company).exists()


def test_the_tokens_last_use_is_recorded(scim, integration):
    scim.get("Users", REMOTE_ADDR="198.51.100.4")
    integration.refresh_from_db()
    assert integration.token_last_used_ip == "198.51.100.4"
    assert integration.token_last_used_at is not None


def test_every_request_is_logged_without_token_or_body(scim, integration, workspace):
    scim.post("Users", new_user_body())
    scim.get("Users", {"filter": 'userName eq "ada@example.com"'}, REMOTE_ADDR="198.51.100.4")
    scim.get("Users", HTTP_X_REQUEST_ORIGIN="https://evil.example.com")
    entries = list(RequestLogEntry.objects.order_by("id"))
    assert [(e.method, e.path, e.status) for e in entries] == [
        ("POST", "/scim/v2/Users", 201),
        ("GET", "/scim/v2/Users", 200),
        ("GET", "/scim/v2/Users", 401),
    ]
    assert entries[1].client_ip == "198.51.100.4"
    assert all(e.company_id == integration.company_id for e in entries)
    stored = " ".join(f"{e.path} {e.method} {e.client_ip}" for e in entries)
    assert scim.token not in stored and "ada@example.com" not in stored


def test_only_hashes_of_the_token_are_stored(scim, integration):
    integration = ScimIntegration.objects.get(pk=integration.pk)
    values = [str(getattr(integration, f.attname)) for f in ScimIntegration._meta.concrete_fields]
    assert not any(scim.token in value for value in values)
    assert integration.token_prefix and scim.token.startswith(integration.token_prefix)


def test_repeated_invalid_tokens_from_one_address_are_throttled(scim):
    from provisioning import failed_attempts

    bad = "Bearer scim_wrongwrongwrongwrongwrongwrongwrongwrongwro"
    for _ in range(failed_attempts.MAX_FAILURES):
        assert (
            scim.get("Users", HTTP_AUTHORIZATION=bad, REMOTE_ADDR="198.51.100.9").status_code == 401
        )
    blocked = scim.get("Users", HTTP_AUTHORIZATION=bad, REMOTE_ADDR="198.51.100.9")
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) == failed_attempts.WINDOW_SECONDS
    # Other addresses are unaffected.
    assert scim.get("Users", HTTP_AUTHORIZATION=bad, REMOTE_ADDR="198.51.100.10").status_code == 401


def test_a_valid_token_is_never_locked_out_by_invalid_ones_from_its_address(scim):
    """Companies behind one NAT or an identity provider's shared egress share an address."""
    from provisioning import failed_attempts

    bad = "Bearer scim_wrongwrongwrongwrongwrongwrongwrongwrongwro"
    for _ in range(failed_attempts.MAX_FAILURES + 5):
        scim.get("Users", HTTP_AUTHORIZATION=bad, REMOTE_ADDR="198.51.100.9")
    assert failed_attempts.blocked("198.51.100.9")
    assert scim.get("Users", REMOTE_ADDR="198.51.100.9").status_code == 200
    # ...and its success doesn't lift the block for the invalid ones.
    assert scim.get("Users", HTTP_AUTHORIZATION=bad, REMOTE_ADDR="198.51.100.9").status_code == 429


def test_identity_provider_integrations_may_omit_the_origin_header(idp_scim):
    assert idp_scim.get("Users").status_code == 200
    assert idp_scim.get("Users", HTTP_X_REQUEST_ORIGIN="https://idp.example.com").status_code == 200


def test_identity_provider_integrations_still_refuse_a_wrong_origin(idp_scim):
    response = idp_scim.get("Users", HTTP_X_REQUEST_ORIGIN="https://evil.example.com")
    assert response.status_code == 401


def test_custom_integrations_require_the_origin_header(scim):
    assert_401(
        scim.get("Users", HTTP_X_REQUEST_ORIGIN=None), "The X-Request-Origin header is missing."
    )


def test_a_busy_company_writes_its_counter_once_per_block(scim, integration, settings):
    from provisioning import ratelimit

    settings.SCIM_DAILY_REQUEST_LIMIT = 1_000_000  # far from the limit: blocks of LEASE_MAX
    remaining = [int(scim.get("Users")["X-RateLimit-Remaining"]) for _ in range(3)]
    assert remaining == [999_999, 999_998, 999_997]
    row = DailyRequestCount.objects.get(company=integration.company)
    assert row.count == ratelimit.LEASE_MAX  # reserved once, handed out from memory


def test_near_the_limit_every_request_is_counted_in_the_row(scim, integration, settings):
    settings.SCIM_DAILY_REQUEST_LIMIT = 1_500
    for _ in range(3):
        scim.get("Users")
    assert DailyRequestCount.objects.get(company=integration.company).count == 3


def test_reserved_blocks_never_admit_more_than_the_limit(integration, settings, monkeypatch):
    """Two processes (two lease tables) share one row: together they admit exactly the limit."""
    from provisioning import ratelimit

    settings.SCIM_DAILY_REQUEST_LIMIT = 2_100  # blocks of 2 at first, then of 1
    company_id = integration.company_id
    admitted = 0
    processes = [{}, {}]
    for turn in range(2_200):
        monkeypatch.setattr(ratelimit, "_leases", processes[turn % 2])
        admitted += not ratelimit.count_request(company_id).exceeded
    assert admitted == 2_100


def test_a_reservation_in_flight_holds_up_no_other_company(settings, monkeypatch):
    """A worker's threads share its leases: while one thread waits on the database for a block
    of company A's numbers, another serves company B instead of waiting for that round trip."""
    import threading

    from provisioning import ratelimit, store

    settings.SCIM_DAILY_REQUEST_LIMIT = 5_000
    monkeypatch.setattr(ratelimit, "_leases", {})
    b_served = threading.Event()
    counts: dict[int, int] = {}

    def reserve(company_id, day, block):
        if company_id == 1:  # company A's round trip lasts until company B has been served
            assert b_served.wait(timeout=10), "company B waited for company A's reservation"
        counts[company_id] = counts.get(company_id, 0) + block
        return counts[company_id]

    monkeypatch.setattr(store, "daily_request_count_add", reserve)
    a = threading.Thread(target=ratelimit.count_request, args=(1,))
    a.start()
    b = threading.Thread(target=lambda: (ratelimit.count_request(2), b_served.set()))
    b.start()
    b.join(timeout=10)
    a.join(timeout=15)
    assert b_served.is_set() and not a.is_alive()
    assert ratelimit.count_request(1).used == 2  # A's block was kept for its next request
