"""The per-company daily SCIM request counter, shared by every app process.

One upsert per request counts and reads in a single atomic statement, on SQLite and PostgreSQL
alike, so several gunicorn instances behind a load balancer never admit more than the limit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

from provisioning.models import DailyRequestCount

_UPSERT = """
    INSERT INTO {table} (company_id, day, count) VALUES (%s, %s, 1)
    ON CONFLICT (company_id, day) DO UPDATE SET count = {table}.count + 1
    RETURNING count
"""


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
    table = connection.ops.quote_name(DailyRequestCount._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT.format(table=table), [company_id, now.date()])
        (used,) = cursor.fetchone()
    return RateStatus(settings.SCIM_DAILY_REQUEST_LIMIT, used, _next_midnight(now))
