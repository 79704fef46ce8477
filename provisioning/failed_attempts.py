"""Throttling of repeated invalid SCIM tokens from one address, so tokens can't be guessed online.

Counts live in Django's cache: per process with the default local-memory cache, shared by every
app process when `CACHE_URL` points at Redis (recommended when running several instances).
"""

from __future__ import annotations

from django.core.cache import cache

MAX_FAILURES = 20
WINDOW_SECONDS = 15 * 60


def _key(ip: str | None) -> str:
    return f"scim:bad-token:{ip or 'unknown'}"


def record(ip: str | None) -> None:
    key = _key(ip)
    # add() starts the window; incr() keeps its expiry, so the window is fixed, not sliding.
    if not cache.add(key, 1, WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, WINDOW_SECONDS)


def blocked(ip: str | None) -> bool:
    return (cache.get(_key(ip)) or 0) >= MAX_FAILURES
