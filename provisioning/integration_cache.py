"""The integrations the SCIM requests of this process have used, by token prefix: a request with
a known token needs no query for it (the one query every SCIM request made; bench/README.md).

A change can't go unnoticed: triggers NOTIFY `scim_integration` on every change to an
integration or a company (a token reset, new settings, a deletion, even raw SQL; migration 0004),
every process LISTENs on its database connection, and before trusting the cache it reads what
has arrived on that connection, without a round trip. Anything arrived: the cache is emptied. A
connection the process hasn't listened on yet (a new one, after CONN_MAX_AGE): the cache is
emptied too, since notifications sent meanwhile were missed. So a reset token is refused by every
process as soon as the notification reaches it, a moment after the reset commits: the same window
as a request that was already being served when the reset happened.

Not used inside a transaction (LISTEN would wait for the commit, and NOTIFYs too), nor without
persistent connections (`CONN_MAX_AGE=0`), nor with `SCIM_INTEGRATION_CACHE` off (behind a
pooler in transaction mode, which can't LISTEN).
"""

from __future__ import annotations

import threading
import time
import weakref

import psycopg
from django.conf import settings
from django.db import DatabaseError, connection

from provisioning import store
from provisioning.models import ScimIntegration

MAX_AGE_SECONDS = 300  # a backstop only: changes arrive as notifications

MAX_ENTRIES = 4096  # a backstop against unbounded growth: emptied when full
_entries: dict[str, tuple[ScimIntegration, float]] = {}  # by token prefix
_listening: weakref.WeakSet = weakref.WeakSet()  # psycopg connections that LISTEN
_lock = threading.Lock()
_generation = 0  # how many times the entries were emptied


def get(prefix: str) -> ScimIntegration | None:
    if not _trustworthy():
        return None
    entry = _entries.get(prefix)
    if entry is None or time.monotonic() - entry[1] > MAX_AGE_SECONDS:
        return None
    return entry[0]


def generation() -> int:
    """Read before querying for an integration, and hand to `put`."""
    return _generation


def put(prefix: str, integration: ScimIntegration, read_at_generation: int) -> None:
    """Keep an integration read from the database, unless a change was notified since the read
    began: the row read may predate it, and the notification has been consumed."""
    if not _trustworthy():
        return
    with _lock:  # against a clear() by another thread between the check and the store
        if _generation == read_at_generation:
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
            _entries[prefix] = (integration, time.monotonic())


def clear() -> None:
    global _generation
    with _lock:
        _entries.clear()
        _generation += 1


def _trustworthy() -> bool:
    """Whether this process's entries can be used now, having read every notification that has
    reached this connection."""
    if (
        not settings.SCIM_INTEGRATION_CACHE
        or connection.in_atomic_block
        # A connection per request would LISTEN, and start empty, on every request.
        or not connection.settings_dict["CONN_MAX_AGE"]
    ):
        return False
    try:
        connection.ensure_connection()
        raw = connection.connection
        if raw not in _listening:
            clear()  # whatever was sent before this connection listened is unknown
            store.integration_changes_listen()
            _listening.add(raw)
            return True
        if any(True for _ in raw.notifies(timeout=0)):
            clear()
    except (DatabaseError, psycopg.Error):
        # The connection is gone: the gate's own query will say so (a 503).
        clear()
        return False
    return True
