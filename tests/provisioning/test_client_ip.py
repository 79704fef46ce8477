from __future__ import annotations

import pytest
from django.test import RequestFactory

from provisioning.client_ip import client_ip


def request_from(remote: str | None, forwarded: str | None = None):
    meta = {}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **meta)
    if remote is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remote
    return request


def behind_proxies(settings, count: int, proxies: str = "10.0.0.0/8") -> None:
    settings.SCIM_TRUSTED_PROXY_COUNT, settings.SCIM_TRUSTED_PROXIES = count, proxies


def test_without_trusted_proxies_it_uses_remote_addr_and_ignores_the_header(settings):
    behind_proxies(settings, 0)
    assert client_ip(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_behind_one_proxy_it_takes_the_address_that_proxy_appended(settings):
    behind_proxies(settings, 1)
    # The client forged the first entry; the proxy appended the real one.
    request = request_from("10.0.0.2", "6.6.6.6, 203.0.113.7")
    assert client_ip(request) == "203.0.113.7"


def test_behind_two_proxies_it_takes_the_second_entry_from_the_right(settings):
    behind_proxies(settings, 2)
    request = request_from("10.0.0.3", "6.6.6.6, 203.0.113.7, 10.0.0.2")
    assert client_ip(request) == "203.0.113.7"


def test_a_header_shorter_than_the_proxy_chain_falls_back_to_remote_addr(settings):
    behind_proxies(settings, 2)
    assert client_ip(request_from("10.0.0.3", "203.0.113.7")) == "10.0.0.3"
    assert client_ip(request_from("10.0.0.3")) == "10.0.0.3"


def test_the_header_of_a_peer_that_is_not_a_trusted_proxy_is_ignored(settings):
    """The app port reached directly: the client wrote the header itself."""
    behind_proxies(settings, 1, proxies="10.0.0.1, 2001:db8::/32")
    assert client_ip(request_from("198.51.100.66", "203.0.113.7")) == "198.51.100.66"
    assert client_ip(request_from("10.0.0.1", "203.0.113.7")) == "203.0.113.7"
    assert client_ip(request_from("2001:db8::5", "203.0.113.7")) == "203.0.113.7"


def test_every_hop_between_the_peer_and_the_client_must_be_a_trusted_proxy(settings):
    behind_proxies(settings, 2, proxies="10.0.0.0/8")
    # The peer is ours, but the hop it vouches for is not: the header was not written by us.
    assert client_ip(request_from("10.0.0.3", "203.0.113.7, 198.51.100.66")) == "10.0.0.3"
    assert client_ip(request_from("10.0.0.3", "203.0.113.7, 10.0.0.2")) == "203.0.113.7"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.7:5678", "203.0.113.7"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:DB8::1", "2001:db8::1"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("fe80::1%eth0", "fe80::1"),
        ("unknown", None),
        ("", "10.0.0.2"),
    ],
)
def test_it_normalises_what_the_proxy_wrote(settings, forwarded, expected):
    behind_proxies(settings, 1)
    # An empty header is shorter than the chain: the socket peer (the proxy) is all there is.
    assert client_ip(request_from("10.0.0.2", forwarded)) == expected


@pytest.mark.parametrize(
    ("remote", "expected"),
    [("::ffff:10.0.0.1", "10.0.0.1"), ("::1", "::1"), ("", None), (None, None)],
)
def test_remote_addr_is_normalised_or_none(settings, remote, expected):
    behind_proxies(settings, 0)
    assert client_ip(request_from(remote)) == expected
