#!/usr/bin/env python
"""`make scale-pages`: the pages people open, at the sizes of a large instance.

The settings page (a company admin's), the admin's users list (plain, searched by an email's
beginning, filtered by the company) and the admin's request log (plain, and one company's) are
timed at 10,000 users and 10,000 request-log entries, then again once the same company holds
1,000,000 users and the log 10,000,000 entries, and each must answer within twice its first time.

The database (`scim_scale`, dropped and created, and dropped again at the end unless `--keep`)
is filled with set-based INSERTs (`generate_series`), as the load benchmark's is: users in the
shape `bench/seed.py` gives them, 20 other companies of 50 users beside the large one, log
entries spread over the last 29 days, newest first. Each page is requested through Django's test
client (production settings, no network), 3 times to warm up and then `--repeat` times; the
median counts. `--readme` writes the table into bench/README.md ("Scale of the staff pages").

    make scale-pages
    .venv/bin/python bench/scale_pages.py --small-users 10000 --users 200000 --log 1000000 --keep
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
if sys.path and Path(sys.path[0]).resolve() == BENCH_DIR:
    sys.path[0] = str(REPO)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/scim_scale"
OTHER_COMPANIES, OTHER_USERS = 20, 50
LOG_SPAN_SECONDS = 29 * 24 * 3600  # inside the default retention of 30 days
LOG_BATCH = 1_000_000
WARM_UP = 3
TARGET = 2.0
README = BENCH_DIR / "README.md"
MARKERS = ("<!-- scale-pages:start -->", "<!-- scale-pages:end -->")

# Entries numbered from the newest (0) back; the small run's are the newest of the large one's.
_INSERT_LOG = """
INSERT INTO provisioning_requestlogentry
    (company_id, created_at, method, path, status, duration_ms, client_ip)
SELECT %(company)s, %(now)s::timestamptz - i * %(step)s::float8 * interval '1 second',
    CASE WHEN i %% 10 = 0 THEN 'POST' ELSE 'GET' END,
    '/scim/v2/Users/' || md5(i::text),
    CASE WHEN i %% 50 = 0 THEN 404 WHEN i %% 10 = 0 THEN 201 ELSE 200 END,
    3 + i %% 20, ('198.51.100.' || (i %% 200))::inet
FROM generate_series(%(start)s, %(stop)s - 1) AS i
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--small-users", type=int, default=10_000)
    parser.add_argument("--small-log", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--log", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--readme", action="store_true", help="write the table into README")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=args.database_url,
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="False",
        STATIC_MANIFEST="False",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()  # connects to nothing yet
    from bench import seed

    seed.reset_database(args.database_url)
    try:
        seed.migrate()
        world = World.create()
        world.grow(users=args.small_users, log=args.small_log)
        small = world.time_pages(args.repeat)
        world.grow(users=args.users, log=args.log)
        large = world.time_pages(args.repeat)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(args.database_url)
    table = render(small, large, args)
    print(table)
    if args.readme:
        write_readme(table)
    return 0 if all(large[page] <= TARGET * small[page] for page in small) else 1


class World:
    """The large company, its admin, a staff user, the other companies, and what each page
    is asked."""

    def __init__(self, company, workspace, admin, staff) -> None:
        self.company, self.workspace, self.admin, self.staff = company, workspace, admin, staff
        self.users = self.log = 0

    @classmethod
    def create(cls) -> World:
        from tqdm import tqdm

        from bench import seed
        from provisioning.models import ActivityEvent, DailyRequestCount
        from workspaces.models import DashboardUser

        companies = seed.seed_companies(1 + OTHER_COMPANIES)
        workspaces = seed._workspaces(companies)
        big = companies[0]
        with tqdm(total=OTHER_COMPANIES * OTHER_USERS, desc="other companies", unit="user") as bar:
            for company in companies[1:]:
                seed._insert_users(
                    company, workspaces[company.pk], seed.BULK_PREFIX, range(OTHER_USERS), bar
                )
        password = secrets.token_urlsafe(12)
        admin = DashboardUser.objects.create_user(
            "admin@scale.example", password, company=big, company_permissions=["admin"]
        )
        staff = DashboardUser.objects.create_superuser("staff@scale.example", password)
        ActivityEvent.objects.bulk_create(
            [ActivityEvent(company=big, kind="settings_changed", actor=admin) for _ in range(20)]
        )
        DailyRequestCount.objects.create(company=big, day=_today(), count=1234)
        return cls(big, workspaces[big.pk], admin, staff)

    def grow(self, *, users: int, log: int) -> None:
        """The large company's users and log entries up to these numbers, then statistics and
        a visibility map, as autovacuum would have them by now."""
        from django.db import connection, transaction
        from django.utils import timezone
        from tqdm import tqdm

        from bench import seed

        with tqdm(total=users - self.users, desc="users", unit="user") as bar:
            seed._insert_users(
                self.company, self.workspace, seed.BULK_PREFIX, range(self.users, users), bar
            )
        step = LOG_SPAN_SECONDS / max(log, 1)
        now = timezone.now()
        with tqdm(total=log - self.log, desc="request log", unit="entry") as bar:
            for start in range(self.log, log, LOG_BATCH):
                stop = min(start + LOG_BATCH, log)
                params = {
                    "company": self.company.pk,
                    "now": now,
                    "step": step,
                    "start": start,
                    "stop": stop,
                }
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(_INSERT_LOG, params)
                bar.update(stop - start)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        self.users, self.log = users, log

    def pages(self) -> dict[str, tuple[object, str]]:
        """Each page's name: (who asks, what URL)."""
        company = self.company.pk
        users = "/admin/workspaces/dashboarduser/"
        log = "/admin/provisioning/requestlogentry/"
        return {
            "settings page (company admin)": (self.admin, "/settings/admin/scim/"),
            "admin: users": (self.staff, users),
            "admin: users, search by email": (self.staff, f"{users}?q=user.000500"),
            "admin: users, filtered by company": (
                self.staff,
                f"{users}?company__id__exact={company}",
            ),
            "admin: request log": (self.staff, log),
            "admin: request log, filtered by company": (
                self.staff,
                f"{log}?company__id__exact={company}",
            ),
        }

    def time_pages(self, repeat: int) -> dict[str, float]:
        """The median milliseconds of each page."""
        from django.test import Client

        times = {}
        for name, (user, url) in self.pages().items():
            client = Client()
            client.force_login(user)
            samples = []
            for k in range(WARM_UP + repeat):
                started = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - started
                assert response.status_code == 200, (url, response.status_code)
                if k >= WARM_UP:
                    samples.append(elapsed * 1000)
            times[name] = statistics.median(samples)
            print(f"{self.users:>9,} users {self.log:>10,} entries  {name}: {times[name]:.1f} ms")
        return times


def _today():
    from django.utils import timezone

    return timezone.now().date()


def drop_database(database_url: str) -> None:
    import psycopg

    from bench import seed

    dsn, name = seed.admin_dsn(database_url)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def render(small: dict[str, float], large: dict[str, float], args: argparse.Namespace) -> str:
    head = (
        f"| page | {args.small_users:,} users, {args.small_log:,} entries | "
        f"{args.users:,} users, {args.log:,} entries | ratio | ≤ {TARGET:g}× |"
    )
    rows = [head, "|---|---|---|---|---|"]
    for page, before in small.items():
        after = large[page]
        verdict = "PASS" if after <= TARGET * before else "FAIL"
        rows.append(
            f"| {page} | {before:.1f} ms | {after:.1f} ms | {after / before:.2f} | {verdict} |"
        )
    return "\n".join(rows)


def write_readme(table: str) -> None:
    start, end = MARKERS
    text = README.read_text()
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
    README.write_text(pattern.sub(lambda _: f"{start}\n{table}\n{end}", text))
    print(f"wrote the table into {README}")


if __name__ == "__main__":
    sys.exit(main())
