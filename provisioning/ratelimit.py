"""The per-company daily SCIM request counter, shared by every app process.

One row per company and day, counted by one atomic upsert per request, so several gunicorn
instances behind a load balancer never admit more than the limit between them. A request over
the limit leaves the row as it was: the count is the number of requests served, which is what
the settings page shows. One statement per request is cheap at the limits the product allows
(5,000 a day by default); the blocks of request numbers a process used to reserve saved nothing
measurable (bench/README.md, "Removed").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

from provisioning.models import DailyRequestCount

# The DO UPDATE's WHERE is evaluated on the row as it stands once locked, so concurrent requests
# take turns on it and the count never passes the limit; at the limit nothing is returned.
_COUNT_ONE = """
    INSERT INTO {table} AS counter (company_id, day, count)
    SELECT %(company_id)s, %(day)s, 1 WHERE %(limit)s > 0
    ON CONFLICT (company_id, day) DO UPDATE SET count = counter.count + 1
    WHERE counter.count < %(limit)s
    RETURNING count
"""


@dataclass(frozen=True)
class RateStatus:
    limit: int
    used: int  # this request's number in the day; past the limit when it was refused
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
    """Count one request against today's limit, unless the limit is reached, and say where the
    company stands."""
    now = timezone.now()
    limit = settings.SCIM_DAILY_REQUEST_LIMIT
    table = connection.ops.quote_name(DailyRequestCount._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            _COUNT_ONE.format(table=table),
            {"company_id": company_id, "day": now.date(), "limit": limit},
        )
        row = cursor.fetchone()
    return RateStatus(limit, row[0] if row else limit + 1, _next_midnight(now))
