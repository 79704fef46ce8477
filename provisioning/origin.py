"""The service origin: where a company's SCIM requests come from (the `X-Request-Origin` header)."""

from __future__ import annotations

import functools
import ipaddress
import re
from urllib.parse import urlsplit

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class OriginError(ValueError):
    pass


def _ascii_host(host: str) -> str | None:
    """The host in the form an HTTP client sends it (IDNA, no trailing dot), or None if invalid.

    Normalising to one spelling lets `Bücher.example`, `xn--bcher-kva.example` and
    `bücher.example.` configured on the page all match the header the identity provider sends.
    """
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        ascii_host = host.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    labels = ascii_host.split(".")
    # An all-digit last label ("1.2.3", "999.1.1.1") is what a browser reads as an IPv4 address.
    if labels[-1].isdigit() or len(ascii_host) > 253:
        return None
    return ascii_host if all(_LABEL.match(label) for label in labels) else None


@functools.lru_cache(maxsize=256)  # every SCIM request of a Custom integration sends one
def normalize_origin(value: str) -> str:
    """`HTTPS://Okta.Example.com/` -> `https://okta.example.com`; a bare host stays bare.

    Raises OriginError for anything that is not a scheme + host (+ port), or a host alone.
    """
    value = (value or "").strip()
    if not value or any(c.isspace() for c in value) or len(value) > 255:
        raise OriginError(value)
    has_scheme = "://" in value
    try:
        parts = urlsplit(value if has_scheme else f"//{value}")
        port = parts.port
    except ValueError:
        raise OriginError(value) from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if (
        (has_scheme and scheme not in _DEFAULT_PORTS)
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or not host
    ):
        raise OriginError(value)
    host = _ascii_host(host) or ""
    if not host:
        raise OriginError(value)
    shown_host = f"[{host}]" if ":" in host else host
    netloc = shown_host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{shown_host}:{port}"
    return f"{scheme}://{netloc}" if has_scheme else netloc


def origin_matches(configured: str, presented: str | None) -> bool:
    """Does a request's origin header match the configured service origin?

    A configured bare host accepts that host under any scheme; a configured URL must match exactly.
    """
    if not presented:
        return False
    try:
        presented = normalize_origin(presented)
    except OriginError:
        return False
    if presented == configured:
        return True
    return "://" not in configured and presented.split("://", 1)[-1] == configured
