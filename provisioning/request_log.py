"""The SCIM request log, written in batches.

An INSERT per request cost about as much as the lookup it recorded (the issue 6 profile: half a
millisecond of CPU and a commit). Entries are kept in the process and written together, by a
timer thread, at most `SCIM_REQUEST_LOG_FLUSH_SECONDS` after the request, and at exit. The
log is a trail for people, not a record anything depends on: an entry a crashed worker never
wrote is an acceptable loss. With the setting at 0 each entry is written at once (the tests).
"""

from __future__ import annotations

import atexit
import logging
import threading

from django.conf import settings
from django.db import DatabaseError, connections

from provisioning.models import RequestLogEntry

logger = logging.getLogger(__name__)

# Written at once above this, whatever the delay, so a burst never piles up in memory.
MAX_PENDING = 1000

_pending: list[RequestLogEntry] = []
_lock = threading.Lock()
_timer: threading.Timer | None = None


def record(entry: RequestLogEntry) -> None:
    global _timer
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
    """Write every pending entry in one INSERT."""
    global _timer
    with _lock:
        batch = _pending[:]
        _pending.clear()
        if _timer is not None:
            _timer.cancel()  # harmless when called from the timer itself
            _timer = None
    if batch:
        _write(batch)


def _write(entries: list[RequestLogEntry]) -> None:
    try:
        RequestLogEntry.objects.bulk_create(entries)
    except DatabaseError:  # the log must never turn an answer into an error
        logger.warning("Could not write %d SCIM request log entries", len(entries))


def _flush_in_background() -> None:
    try:
        flush()
    finally:
        connections.close_all()  # this thread's own connection, opened for the write


atexit.register(flush)
