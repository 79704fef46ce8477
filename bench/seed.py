"""The bench database: create or reset it, migrate, seed users with set-based INSERTs, and build
the fixtures each operation needs (groups, a pool of users to delete, a token).

`seed_demo --users` builds model instances in Python (about 2,000 users a second); a single
`INSERT ... SELECT FROM generate_series` per batch is some 20 times faster, which matters at
1,000,000 users. The rows are the same shape as seed_demo's (`user.0000042@acme.example`,
family name `Demo042`, a `basic_access` membership of the Production workspace), so the two mix.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass

import psycopg
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, transaction
from tqdm import tqdm

from workspaces.management.commands.seed_demo import COMPANY, DOMAIN
from workspaces.models import (
    Company,
    DashboardUser,
    Role,
    RoleAssignment,
    Workspace,
    WorkspaceMembership,
)

BULK_PREFIX = "user."
DELETE_PREFIX = "delete."
POST_DOMAIN = "new.example"
BATCH = 25_000
ADD_POOL = 2_000  # bulk users kept out of both groups: the ones the add-member runs add
BIG_GROUP, SMALL_GROUP = 10_000, 10

# One statement inserts a batch of users and their memberships; ids are derived from md5 so they
# have Braze's shape (four groups of eight hex characters) and are unique.
_INSERT_USERS = """
WITH numbered AS (
    SELECT i, md5(%(salt)s || i) AS h FROM generate_series(%(start)s, %(stop)s - 1) AS i
), created AS (
    INSERT INTO {users} (
        password, is_superuser, public_id, email, given_name, family_name, department,
        company_id, company_permissions, external_id, directory_attributes, is_active,
        is_staff, created_at, updated_at
    )
    SELECT %(password)s, false,
        substr(h, 1, 8) || '-' || substr(h, 9, 8) || '-' || substr(h, 17, 8) || '-'
            || substr(h, 25, 8),
        %(prefix)s || lpad(i::text, 7, '0') || '@' || %(domain)s,
        'User' || i, 'Demo' || lpad((i %% 997)::text, 3, '0'), 'marketing',
        %(company)s, '[]'::jsonb, '', '{{}}'::jsonb, true, false, now(), now()
    FROM numbered
    RETURNING id
)
INSERT INTO {memberships} (user_id, workspace_id, permissions)
SELECT id, %(workspace)s, '["basic_access"]'::jsonb FROM created
"""


@dataclass(frozen=True)
class Fixtures:
    company: Company
    token: str
    big_group: Role
    big_group_size: int
    small_group: Role


def admin_dsn(database_url: str) -> tuple[str, str]:
    """(a DSN for the `postgres` maintenance database, the bench database's name)."""
    info = psycopg.conninfo.conninfo_to_dict(_libpq_url(database_url))
    name = info.pop("dbname")
    return psycopg.conninfo.make_conninfo(**info, dbname="postgres"), name


def _libpq_url(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1).replace("pgsql://", "postgresql://", 1)


def database_exists(database_url: str) -> bool:
    dsn, name = admin_dsn(database_url)
    with psycopg.connect(dsn, autocommit=True) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            is not None
        )


def reset_database(database_url: str) -> None:
    dsn, name = admin_dsn(database_url)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def migrate() -> None:
    call_command("migrate", verbosity=0, interactive=False)


def bulk_user_count() -> int:
    company = Company.objects.filter(name=COMPANY).first()
    if company is None:
        return 0
    return DashboardUser.objects.filter(company=company, email__startswith=BULK_PREFIX).count()


def seed_users(wanted: int) -> None:
    """Ensure `wanted` bulk users exist (adds only the missing ones), then refresh statistics."""
    call_command("seed_demo", stdout=io.StringIO())  # the company, workspaces and named people
    company = Company.objects.get(name=COMPANY)
    workspace = Workspace.objects.get(company=company, name="Production")
    have = bulk_user_count()
    if have < wanted:
        _insert_users(company, workspace, BULK_PREFIX, range(have, wanted), "users")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _insert_users(company, workspace, prefix: str, numbers: range, label: str) -> None:
    sql = _INSERT_USERS.format(
        users=DashboardUser._meta.db_table, memberships=WorkspaceMembership._meta.db_table
    )
    params = {
        "salt": f"scim-bench-{prefix}",
        "password": make_password(None),  # one unusable hash for all, as seed_demo does
        "prefix": prefix,
        "domain": DOMAIN,
        "company": company.pk,
        "workspace": workspace.pk,
    }
    with tqdm(total=len(numbers), desc=label, unit="user", leave=True) as bar:
        for start in range(numbers.start, numbers.stop, BATCH):
            stop = min(start + BATCH, numbers.stop)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, {**params, "start": start, "stop": stop})
            bar.update(stop - start)


def prepare_fixtures(*, origin: str, delete_pool: int) -> Fixtures:
    """Per-run state: leftovers of earlier runs removed, fresh groups, deletable users, a token."""
    company = Company.objects.get(name=COMPANY)
    workspace = Workspace.objects.get(company=company, name="Production")
    users = DashboardUser.objects.filter(company=company)
    users.filter(email__startswith=DELETE_PREFIX).delete()
    users.filter(email__endswith=f"@{POST_DOMAIN}").delete()
    if delete_pool:
        tag = secrets.token_hex(3)
        _insert_users(company, workspace, f"{DELETE_PREFIX}{tag}.", range(delete_pool), "deletable")
    # At most half the users not in the add pool, so that some remain in no group (see run.py).
    bulk = users.filter(email__startswith=BULK_PREFIX).count()
    big_size = min(BIG_GROUP, max(0, (bulk - ADD_POOL - SMALL_GROUP) // 2))
    big, big_size = _group(company, "Bench: 10,000 members", ADD_POOL + SMALL_GROUP, big_size)
    small, _ = _group(company, "Bench: 10 members", ADD_POOL, SMALL_GROUP)
    # As autovacuum would have by now in a steady system: statistics, and a visibility map that
    # lets COUNT(*) read the company index instead of the table (earlier runs' writes cleared it).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return Fixtures(company, issue_token(origin), big, big_size, small)


def _group(company: Company, name: str, offset: int, size: int) -> tuple[Role, int]:
    """A role holding `size` bulk users, starting at the `offset`-th by id (fewer if short)."""
    Role.objects.filter(company=company, name=name).delete()
    role = Role.objects.create(company=company, name=name)
    members = (
        DashboardUser.objects.filter(company=company, email__startswith=BULK_PREFIX)
        .order_by("pk")
        .values_list("pk", flat=True)[offset : offset + size]
    )
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(role=role, user_id=pk) for pk in members], batch_size=5_000
    )
    return role, len(members)


def add_pool(company: Company) -> list[dict]:
    """The bulk users in neither group, as (id) rows for the add-member operations."""
    ids = (
        DashboardUser.objects.filter(company=company, email__startswith=BULK_PREFIX)
        .order_by("pk")
        .values_list("public_id", flat=True)[:ADD_POOL]
    )
    return [{"id": public_id} for public_id in ids]


def issue_token(origin: str) -> str:
    out = io.StringIO()
    call_command("scim_token", COMPANY, origin=origin, stdout=out)
    return out.getvalue().strip()
