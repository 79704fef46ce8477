"""What the SCIM requests of this process keep reading: the integrations, by token prefix, so a
request needn't query for its token (the one query every SCIM request made, ~0.4 ms of CPU), and
the workspaces, teams, permission sets and roles a `permissions` object names, so a create or
update needn't query for them either (a round trip costs ~0.1 ms of CPU on each side; see
bench/README.md).

A change can't go unnoticed: triggers NOTIFY `scim_integration` on
every change to an integration or a company (a token reset, new settings, a deletion, even raw
SQL; migration 0004) and to a workspace, team, permission set or role (0005), every process
LISTENs on its database connection, and before trusting the cache it reads what has arrived on
that connection, without a round trip. Anything arrived: the cache is emptied. A connection the
process hasn't listened on yet (a new one, after CONN_MAX_AGE): the cache is emptied too, since
notifications sent meanwhile were missed. So a reset token is refused by every process as soon
as the notification reaches it: a moment after the reset commits (measured on one host: at once
496 times in 500, at most 0.23 ms later), the same window as a request that was already being
served when the reset happened.

Not used inside a transaction (LISTEN would wait for the commit, and NOTIFYs too), nor without
persistent connections (`CONN_MAX_AGE=0`), nor with `SCIM_INTEGRATION_CACHE` off (behind a
pooler in transaction mode, which can't LISTEN).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Hashable
from typing import Any

import psycopg
from django.conf import settings
from django.db import DatabaseError, connection

from provisioning.models import ScimIntegration

CHANNEL = "scim_integration"
MAX_AGE_SECONDS = 300  # a backstop only: changes arrive as notifications

MAX_ENTRIES = 4096  # a backstop against unbounded growth: emptied when full
_entries: dict[Hashable, tuple[Any, float]] = {}  # integrations by prefix; names by a tuple
_listening: weakref.WeakSet = weakref.WeakSet()  # psycopg connections that LISTEN
_lock = threading.Lock()
_generation = 0  # how many times the entries were emptied


def get(prefix: str) -> ScimIntegration | None:
    return _get(prefix)


def _get(key: Hashable) -> Any:
    if not _trustworthy():
        return None
    entry = _entries.get(key)
    if entry is None or time.monotonic() - entry[1] > MAX_AGE_SECONDS:
        return None
    return entry[0]


def generation() -> int:
    """Read before querying for an integration, and hand to `put`."""
    return _generation


def put(prefix: str, integration: ScimIntegration, read_at_generation: int) -> None:
    """Keep an integration read from the database, unless a change was notified since the read
    began: the row read may predate it, and the notification has been consumed."""
    _put(prefix, integration, read_at_generation)


def _put(key: Hashable, value: Any, read_at_generation: int) -> None:
    if not _trustworthy():
        return
    with _lock:  # against a clear() by another thread between the check and the store
        if _generation == read_at_generation:
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
            _entries[key] = (value, time.monotonic())


def named(
    model: type, company_id: int, names: set[str], public_ids: set[str], read: Callable[[], list]
) -> list:
    """The company's `model` rows with these names or public ids, as `read()` returns them: read
    once, then kept until a change to any such row is notified."""
    key = (model, company_id, frozenset(names), frozenset(public_ids))
    rows = _get(key)
    if rows is None:
        generation = _generation
        rows = read()
        _put(key, rows, generation)
    return rows


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
            with connection.cursor() as cursor:
                cursor.execute(f"LISTEN {CHANNEL}")
            _listening.add(raw)
            return True
        if any(True for _ in raw.notifies(timeout=0)):
            clear()
    except (DatabaseError, psycopg.Error):
        # The connection is gone: the gate's own query will say so (a 503).
        clear()
        return False
    return True
