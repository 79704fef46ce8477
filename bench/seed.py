"""The bench database: create or reset it, migrate, seed the companies and their users with
set-based INSERTs, and build the fixtures each operation needs (groups, users to delete, tokens).

The traffic comes from many companies, each with its own integration and token, as on a real
instance where every identity provider calls for its own company (bench/README.md, "The
traffic: why these numbers"). One company in `LARGE_EVERY` is large, and the large ones hold
`LARGE_SHARE` of the users; the rest are small.

`seed_demo --users` builds model instances in Python (about 2,000 users a second); a single
`INSERT ... SELECT FROM generate_series` per batch is some 20 times faster, which matters at
1,000,000 users. The rows have seed_demo's shape (`user.0000042@<company's domain>`, family name
`Demo042`, a `basic_access` membership of the company's Production workspace).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import psycopg
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from tqdm import tqdm

from provisioning.models import DailyRequestCount, ScimIntegration
from provisioning.services import integration_configure, scim_token_issue
from workspaces.models import (
    Company,
    DashboardUser,
    Role,
    RoleAssignment,
    Workspace,
    WorkspaceMembership,
)

COMPANY_PREFIX = "Bench company "
WORKSPACE = "Production"  # the workspace ops.PERMISSIONS names, every company's default
BULK_PREFIX = "user."
DELETE_PREFIX = "delete."
POST_DOMAIN = "new.example"
BATCH = 25_000
LARGE_EVERY = 25  # one company in 25 is large (8 of 200)...
LARGE_SHARE = 0.8  # ...and the large ones hold 80 % of the users
ADD_POOL = 2_000  # bulk users kept out of both groups, over the large companies: the added ones
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
class Tenant:
    """One bench company as its identity provider sees it: the token and origin it sends."""

    company: Company
    workspace: Workspace
    token: str
    origin: str
    large: bool
    small_group: Role | None = None  # the groups live in the large companies
    big_group: Role | None = None

    @property
    def credentials(self) -> dict[str, str]:
        return {"token": self.token, "origin": self.origin}


@dataclass(frozen=True)
class Fixtures:
    tenants: list[Tenant]

    @property
    def large(self) -> list[Tenant]:
        return [t for t in self.tenants if t.large]


def domain(number: int) -> str:
    return f"c{number:03d}.bench.example"


def company_sizes(users: int, companies: int) -> list[int]:
    """Bulk users of each company, largest first: `LARGE_SHARE` of them in the large companies,
    the rest in the others, evenly within each tier."""
    large = large_count(companies)
    large_users = users if large == companies else round(users * LARGE_SHARE)
    return _even(large_users, large) + _even(users - large_users, companies - large)


def large_count(companies: int) -> int:
    return max(1, companies // LARGE_EVERY)


def _even(total: int, parts: int) -> list[int]:
    return [total // parts + (k < total % parts) for k in range(parts)]


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


def bench_companies(count: int | None = None) -> list[Company]:
    """The bench's companies by number (all of them, or the first `count`)."""
    companies = sorted(
        Company.objects.filter(name__startswith=COMPANY_PREFIX), key=lambda c: c.name
    )
    return companies if count is None else companies[:count]


def _number(company: Company) -> int:
    return int(company.name.removeprefix(COMPANY_PREFIX))


def seeded_users(companies: int) -> int | None:
    """Bulk users of the bench companies, or None unless there are exactly `companies` of them."""
    found = bench_companies()
    if len(found) != companies:
        return None
    return DashboardUser.objects.filter(company__in=found, email__startswith=BULK_PREFIX).count()


def seed_companies(count: int) -> list[Company]:
    """The first `count` bench companies, each with its Production workspace and a configured
    integration (custom, Braze's API, as the bench's requests are); creates what is missing."""
    have = {c.name for c in bench_companies()}
    names = [f"{COMPANY_PREFIX}{k:03d}" for k in range(count)]
    Company.objects.bulk_create([Company(name=n) for n in names if n not in have])
    companies = bench_companies(count)
    with_workspace = set(
        Workspace.objects.filter(company__in=companies, name=WORKSPACE).values_list(
            "company_id", flat=True
        )
    )
    Workspace.objects.bulk_create(
        [Workspace(company=c, name=WORKSPACE) for c in companies if c.pk not in with_workspace]
    )
    configured = set(
        ScimIntegration.objects.filter(company__in=companies).values_list("company_id", flat=True)
    )
    workspaces = _workspaces(companies)
    for company in companies:
        if company.pk not in configured:
            integration_configure(
                company=company,
                default_workspace=workspaces[company.pk],
                service_origin=origin(company),
                ip_allowlist="",
                actor=None,
                ip=None,
            )
    return companies


def origin(company: Company) -> str:
    return f"https://idp.{domain(_number(company))}"


def _workspaces(companies: list[Company]) -> dict[int, Workspace]:
    found = Workspace.objects.filter(company__in=companies, name=WORKSPACE)
    return {w.company_id: w for w in found}


def _bulk_counts(companies: list[Company]) -> dict[int, int]:
    rows = (
        DashboardUser.objects.filter(company__in=companies, email__startswith=BULK_PREFIX)
        .values("company_id")
        .annotate(n=Count("id"))
    )
    return {row["company_id"]: row["n"] for row in rows}


def seed_users(wanted: int, companies: int) -> None:
    """Ensure `wanted` bulk users over `companies` companies (adds only the missing ones), then
    refresh statistics."""
    found = seed_companies(companies)
    workspaces, have = _workspaces(found), _bulk_counts(found)
    sizes = company_sizes(wanted, companies)
    missing = sum(max(0, size - have.get(c.pk, 0)) for c, size in zip(found, sizes, strict=True))
    with tqdm(total=missing, desc="users", unit="user", leave=True) as bar:
        for company, size in zip(found, sizes, strict=True):
            numbers = range(have.get(company.pk, 0), size)
            _insert_users(company, workspaces[company.pk], BULK_PREFIX, numbers, bar)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _insert_users(company, workspace, prefix: str, numbers: range, bar: tqdm) -> None:
    sql = _INSERT_USERS.format(
        users=DashboardUser._meta.db_table, memberships=WorkspaceMembership._meta.db_table
    )
    params = {
        "salt": f"scim-bench-{prefix}{company.pk}:",  # the colon: company 1 user 23 ≠ 12 and 3
        "password": _UNUSABLE_PASSWORD,
        "prefix": prefix,
        "domain": domain(_number(company)),
        "company": company.pk,
        "workspace": workspace.pk,
    }
    for start in range(numbers.start, numbers.stop, BATCH):
        stop = min(start + BATCH, numbers.stop)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, {**params, "start": start, "stop": stop})
        bar.update(stop - start)


_UNUSABLE_PASSWORD = make_password(None)  # one hash for all, as seed_demo does


def prepare_fixtures(*, companies: int, delete_pool: int) -> Fixtures:
    """Per-run state: leftovers of earlier runs removed, today's request counts reset, users to
    delete, fresh groups in the large companies, and a new token for every company."""
    found = bench_companies(companies)
    workspaces = _workspaces(found)
    users = DashboardUser.objects.filter(company__in=found)
    users.filter(email__startswith=DELETE_PREFIX).delete()
    users.filter(email__endswith=f"@{POST_DOMAIN}").delete()
    # Fixture set-up, not a way round the limit: each run starts the bench companies' day
    # afresh, as if it were the first traffic of the day, so that runs on the same day measure
    # the same thing. The run stays under the limit by spreading its requests (bench/README.md).
    DailyRequestCount.objects.filter(company__in=found, day=timezone.now().date()).delete()
    tag = secrets.token_hex(3)
    with tqdm(total=delete_pool, desc="deletable", unit="user", leave=True) as bar:
        for company, size in zip(found, _even(delete_pool, len(found)), strict=True):
            numbers = range(size)
            _insert_users(company, workspaces[company.pk], f"{DELETE_PREFIX}{tag}.", numbers, bar)
    large = large_count(len(found))
    groups = [_groups(company, add_pool_size(len(found))) for company in found[:large]]
    # As autovacuum would have by now in a steady system: statistics, and a visibility map that
    # lets COUNT(*) read the company index instead of the table (earlier runs' writes cleared it).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    tenants = []
    for k, company in enumerate(found):
        integration = ScimIntegration.objects.get(company=company)
        token = scim_token_issue(integration=integration, actor=None, ip=None)
        small, big = groups[k] if k < large else (None, None)
        tenants.append(
            Tenant(company, workspaces[company.pk], token, origin(company), k < large, small, big)
        )
    return Fixtures(tenants)


def add_pool_size(companies: int) -> int:
    """Users kept out of both groups in each large company: the ones the add-member runs add."""
    return max(1, ADD_POOL // large_count(companies))


def _groups(company: Company, add: int) -> tuple[Role, Role]:
    """The company's 10-member group and its big one: at most `BIG_GROUP` and at most half the
    users not in the add pool, so that some remain in no group (the PUT and PATCH pool)."""
    bulk = DashboardUser.objects.filter(company=company, email__startswith=BULK_PREFIX).count()
    big_size = min(BIG_GROUP, max(0, (bulk - add - SMALL_GROUP) // 2))
    big = _group(company, "Bench: big group", add + SMALL_GROUP, big_size)
    small = _group(company, "Bench: 10 members", add, SMALL_GROUP)
    return small, big


def _group(company: Company, name: str, offset: int, size: int) -> Role:
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
    return role


def add_pool(company: Company, size: int) -> list[str]:
    """Public ids of the company's bulk users in neither group, for the add-member operations."""
    ids = (
        DashboardUser.objects.filter(company=company, email__startswith=BULK_PREFIX)
        .order_by("pk")
        .values_list("public_id", flat=True)[:size]
    )
    return list(ids)
