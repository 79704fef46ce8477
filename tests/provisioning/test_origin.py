from __future__ import annotations

import pytest

from provisioning.origin import OriginError, normalize_origin, origin_matches


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("HTTPS://Okta.Example.com/", "https://okta.example.com"),
        ("https://okta.example.com:443", "https://okta.example.com"),
        ("http://okta.example.com:80", "http://okta.example.com"),
        ("https://okta.example.com:8443", "https://okta.example.com:8443"),
        ("  okta.example.com  ", "okta.example.com"),
        ("okta.example.com.", "okta.example.com"),
        ("Bücher.example", "xn--bcher-kva.example"),
        ("https://10.0.0.1", "https://10.0.0.1"),
        ("https://[2001:DB8::1]:443", "https://[2001:db8::1]"),
        ("localhost", "localhost"),
    ],
)
def test_it_normalises_scheme_host_and_default_port(value, normalised):
    assert normalize_origin(value) == normalised


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "https://",
        "ftp://okta.example.com",
        "javascript://okta.example.com",
        "https://okta.example.com/path",
        "https://okta.example.com?x=1",
        "https://okta.example.com#top",
        "https://user:pw@okta.example.com",
        "https://okta.example.com:99999",
        "okta example.com",
        "-okta.example.com",
        "okta..example.com",
        "okta_example.com",
        "1.2.3",
        "999.1.1.1",
        "a" * 64 + ".example.com",
        "x" * 256,
    ],
)
def test_it_rejects_junk(value):
    with pytest.raises(OriginError):
        normalize_origin(value)


def test_a_configured_url_matches_only_the_same_scheme_and_host():
    assert origin_matches("https://okta.example.com", "HTTPS://OKTA.example.com/")
    assert not origin_matches("https://okta.example.com", "http://okta.example.com")
    assert not origin_matches("https://okta.example.com", "https://evil.example.com")


def test_a_configured_bare_host_matches_any_scheme():
    assert origin_matches("okta.example.com", "https://okta.example.com")
    assert origin_matches("okta.example.com", "okta.example.com")


def test_the_punycode_and_unicode_spellings_match():
    assert origin_matches(normalize_origin("bücher.example"), "xn--bcher-kva.example")


@pytest.mark.parametrize("presented", [None, "", "not a url/with path"])
def test_a_missing_or_junk_header_never_matches(presented):
    assert not origin_matches("okta.example.com", presented)
