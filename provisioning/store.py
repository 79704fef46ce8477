"""The SQL of the provisioning tables that the ORM can't say, or not cheaply: the integration a
token names, the daily request counter's atomic upsert, and the subscription to the
notifications that integrations changed. Nothing outside this module writes SQL text for these
tables."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from provisioning.models import DailyRequestCount, ScimIntegration
from workspaces import store as workspaces_store

# The channel the integrations' triggers NOTIFY on every change to an integration or its
# company (migration 0004).
INTEGRATION_CHANNEL = "scim_integration"


def integration_by_token_prefix(prefix: str) -> ScimIntegration | None:
    """The integration a SCIM token names, with its company and default workspace, which every
    request uses, in one query without the ORM's compilation (bench/README.md, "Store modules";
    the gate keeps what it read per process, integration_cache.py)."""
    return workspaces_store.instance_by(
        ScimIntegration, "token_prefix", prefix, related=("company", "default_workspace")
    )


def daily_request_count_add(company_id: int, day: dt.date, requests: int) -> int:
    """Add `requests` to the company's count of the day in one atomic statement, so that several
    processes never admit more than the limit; the count after it."""
    table = connection.ops.quote_name(DailyRequestCount._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (company_id, day, count) VALUES (%s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (company_id, day) DO UPDATE SET count = {table}.count + EXCLUDED.count "
            "RETURNING count",
            [company_id, day, requests],
        )
        (count,) = cursor.fetchone()
    return count


def integration_changes_listen() -> None:
    """Have this connection receive the notifications of integration changes."""
    with connection.cursor() as cursor:
        cursor.execute(f"LISTEN {INTEGRATION_CHANNEL}")
