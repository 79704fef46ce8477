"""The SCIM request log, written in batches.

An INSERT per request cost about as much as the lookup it recorded (bench/README.md). Entries
are kept in the process and written together, by a timer thread, at most
`SCIM_REQUEST_LOG_FLUSH_SECONDS` after the request, and when the process stops. The log is a
trail for people, not a record anything depends on, but one company's entry must never cost
another company its entries: every entry is made storable before it waits, a batch
that fails is written again one entry at a time, skipping only the entries that fail alone, and
a batch whose connection was lost is tried once more on a new one. What can still be lost is in
the README ("Operating it"). With the setting at 0 each entry is written at once (the tests).
"""

from __future__ import annotations

import atexit
import logging
import threading

from django.conf import settings
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    connection,
    connections,
    transaction,
)

from provisioning.models import RequestLogEntry

logger = logging.getLogger(__name__)

# Written at once above this, whatever the delay, so a burst never piles up in memory.
MAX_PENDING = 1000

# What a dropped or restarted database server raises; anything else is about the rows.
CONNECTION_LOST = (OperationalError, InterfaceError)

_pending: list[RequestLogEntry] = []
_lock = threading.Lock()
_timer: threading.Timer | None = None


def record(entry: RequestLogEntry) -> None:
    global _timer
    _make_storable(entry)
    delay = settings.SCIM_REQUEST_LOG_FLUSH_SECONDS
    if delay <= 0:
        _write([entry])
        return
    with _lock:
        _pending.append(entry)
        full = len(_pending) >= MAX_PENDING
        if _timer is None and not full:
            _timer = threading.Timer(delay, _flush_in_background)
            _timer.daemon = True
            _timer.start()
    if full:
        flush()


def flush() -> None:
    """Write every pending entry, in one INSERT unless one of them fails."""
    global _timer
    with _lock:
        batch = _pending[:]
        _pending.clear()
        if _timer is not None:
            _timer.cancel()  # harmless when called from the timer itself
            _timer = None
    if batch:
        _write(batch)


def flush_on_stop(timeout: float = 5) -> None:
    """`flush()` on a connection of its own, for a process being stopped: gunicorn's
    `worker_abort` hook runs in the middle of the request that overran the timeout, whose
    transaction on this thread's connection is never committed, and the entries would go with
    it. The timeout keeps a database that doesn't answer from holding up the stop."""
    writer = threading.Thread(target=_flush_in_background, daemon=True)
    writer.start()
    writer.join(timeout)


def _make_storable(entry: RequestLogEntry) -> None:
    """PostgreSQL text can't hold NUL, which a client sends as %00 in the path and Django
    decodes; it is stored as the client sent it. (Django percent-encodes again any bytes that
    aren't UTF-8, so nothing else in a path is unstorable.)"""
    for name in ("method", "path"):
        limit = RequestLogEntry._meta.get_field(name).max_length
        setattr(entry, name, getattr(entry, name).replace("\x00", "%00")[:limit])


def _write(entries: list[RequestLogEntry]) -> None:
    """Never raises: the log must never turn an answer into an error."""
    try:
        _insert_retrying(entries)
    except CONNECTION_LOST as error:
        logger.warning("Could not write %d SCIM request log entries: %s", len(entries), error)
    except DatabaseError:
        _insert_one_by_one(entries)


def _insert_retrying(entries: list[RequestLogEntry]) -> None:
    try:
        _insert(entries)
    except CONNECTION_LOST:
        if connection.in_atomic_block:  # a caller's (see _insert): not ours to close
            raise
        # A connection the server dropped (a restart, a failover) is only found out when used;
        # Django replaces it only at the next request, which a timer thread never gets.
        connection.close()
        _insert(entries)


def _insert_one_by_one(entries: list[RequestLogEntry]) -> None:
    for done, entry in enumerate(entries):
        try:
            _insert([entry])
        except CONNECTION_LOST as error:  # the rest would each wait for the server too
            left = len(entries) - done
            logger.warning("Could not write %d SCIM request log entries: %s", left, error)
            return
        except DatabaseError as error:  # e.g. its company was deleted while it waited
            logger.warning(
                "Dropped a SCIM request log entry of company %s: %s", entry.company_id, error
            )


def _insert(entries: list[RequestLogEntry]) -> None:
    # Its own transaction, so the company's foreign key is checked at its commit. The log is
    # written after the response, by a timer thread, or by a thread of its own at a stop; only a
    # request served inside a transaction (a test's) has it join that one.
    try:
        with transaction.atomic(savepoint=False):
            RequestLogEntry.objects.bulk_create(entries)
    except DatabaseError:
        for entry in entries:
            entry.pk = None  # an id the insert was given before it was rolled back
        raise


def _flush_in_background() -> None:
    try:
        flush()
    finally:
        connections.close_all()  # this thread's own connection, opened for the write


atexit.register(flush_on_stop)
