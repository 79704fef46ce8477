"""The address a request came from, for the activity trail, the request log and the IP allowlist.

Shared by the settings page and the SCIM API gate, so both see the same client.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

from provisioning import allowlist


def _clean(value: str | None) -> str | None:
    """A bare, normalised address, or None for anything that is not one.

    Some proxies (Azure's among them) append the port: `1.2.3.4:5678` or `[2001:db8::1]:443`.
    """
    text = (value or "").strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # A zone id (`fe80::1%eth0`) names an interface of the proxy, not part of the client.
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            address = ipaddress.IPv6Address(text.split("%", 1)[0])
        # An IPv4 client seen through an IPv6 socket arrives as ::ffff:a.b.c.d.
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
    return str(address)


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP: REMOTE_ADDR, or X-Forwarded-For behind `SCIM_TRUSTED_PROXY_COUNT` proxies.

    Each proxy appends the address it received the request from, so with N proxies the client is
    the N-th entry from the right; anything further left was sent by the client and could be
    forged. The header is read only when the request came through the proxies named in
    `SCIM_TRUSTED_PROXIES`: the socket peer and the N-1 entries it vouches for must each be one
    of them. Otherwise (the app port reached directly, or a header shorter than the chain) the
    socket peer is the client.
    """
    count = settings.SCIM_TRUSTED_PROXY_COUNT
    remote = _clean(request.META.get("REMOTE_ADDR"))
    if count <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in header.split(",") if hop.strip()]
    if len(hops) < count:
        return remote
    proxies = allowlist.parse_stored(settings.SCIM_TRUSTED_PROXIES)
    chain = [remote, *(_clean(hop) for hop in hops[len(hops) - count + 1 :])]
    if not proxies or not all(address and proxies.allows(address) for address in chain):
        return remote
    return _clean(hops[-count])
