"""The per-company daily SCIM request counter, shared by every app process.

The count lives in one database row per company and day, changed by an atomic upsert (one SQL
statement), so several gunicorn instances behind a load balancer never admit more than the limit. A
process doesn't write that row for every request: it reserves a block of request numbers at once
and hands them out from memory, so a busy company's row is written once per block instead of
serialising every request on it (bench/README.md, "Fifth session" and "Results with real traffic":
one upsert per request missed the targets). Blocks shrink to a single request as the limit comes
near, and every request is counted before it is served, so nothing over the limit is admitted. The
cost: numbers a process reserved and never used (it restarted, or no more requests came to it that
day) are lost from the day's allowance, at most `LEASE_MAX - 1` per thread, and only while the
company is far from its limit; the settings page's usage counts them as used.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from provisioning import store

LEASE_MAX = 50  # request numbers reserved at once, at most
# A block is at most a thousandth of what is left of the day's allowance: a limit of 5,000
# reserves up to 5 at a time, and the last 1,999 requests of a day are counted one by one.
LEASE_SHARE = 1000


@dataclass
class _Lease:
    day: dt.date
    next: int  # the next number to hand out
    last: int  # the last number reserved in the row


_leases: dict[int, _Lease] = {}
_leases_lock = threading.Lock()  # held for no I/O: threads of a worker wait on it only briefly


@dataclass(frozen=True)
class RateStatus:
    limit: int
    used: int
    reset_at: int  # UTC epoch seconds of the next midnight, when the count starts again

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit

    def retry_after(self, now: dt.datetime) -> int:
        return max(1, self.reset_at - int(now.timestamp()))


def _next_midnight(now: dt.datetime) -> int:
    tomorrow = (now + dt.timedelta(days=1)).date()
    return int(dt.datetime.combine(tomorrow, dt.time(), tzinfo=dt.UTC).timestamp())


def count_request(company_id: int) -> RateStatus:
    """Count one request against today's limit and say where the company stands."""
    now = timezone.now()
    today, limit = now.date(), settings.SCIM_DAILY_REQUEST_LIMIT
    with _leases_lock:
        lease = _leases.get(company_id)
        if lease is not None and lease.day == today and lease.next <= lease.last:
            lease.next += 1
            return RateStatus(limit, lease.next - 1, _next_midnight(now))
        known_used = lease.last if lease is not None and lease.day == today else 0
    # The upsert runs outside the lock: the worker's other threads, serving other companies,
    # don't wait for this round trip.
    block = min(LEASE_MAX, max(1, (limit - known_used) // LEASE_SHARE))
    last = store.daily_request_count_add(company_id, today, block)
    first = last - block + 1  # this request's number; the rest of the block is the new lease
    with _leases_lock:
        current = _leases.get(company_id)
        # Another thread may have reserved a block meanwhile: the one with numbers left stays,
        # and the other's are lost from the day's allowance, like any number never handed out.
        if current is None or current.day != today or current.next > current.last:
            _leases[company_id] = _Lease(today, first + 1, last)
    return RateStatus(limit, first, _next_midnight(now))


def forget_leases() -> None:
    """Drop the reserved blocks: the next request reserves anew (tests start from a clean row)."""
    with _leases_lock:
        _leases.clear()
