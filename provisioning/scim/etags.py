"""Resource versions: weak ETags, `If-Match` and `If-None-Match` (RFC 7644 §3.14)."""

from __future__ import annotations

import datetime as dt

from provisioning.scim.errors import ScimError


def version_of(updated_at: dt.datetime) -> str:
    """A weak ETag that changes whenever the resource changes: its last modification, in
    microseconds since the epoch, in hex (README, "Document shapes")."""
    return f'W/"{int(updated_at.timestamp() * 1_000_000):x}"'


def etag_matches(header: str | None, version: str) -> bool:
    """Weak comparison, as If-None-Match requires; `*` matches any current resource."""
    if not header:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]
    return "*" in tags or version.removeprefix("W/") in tags


def check_if_match(header: str | None, version: str) -> None:
    if header and not etag_matches(header, version):
        raise ScimError(412, "The resource has changed since you read it (If-Match failed).")
