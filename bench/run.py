#!/usr/bin/env python
"""`make bench`: load-test the SCIM API against the Django + PostgreSQL floor.

Seeds a PostgreSQL database (`scim_bench`), starts the app under gunicorn on a free loopback port,
drives each operation with wrk at a fixed concurrency for a fixed time, spread over many companies
each with its own token, and prints one row per operation plus the targets. See bench/README.md.

    make bench BENCH_ARGS="--users 10000 --duration 3 --only lookup_hit,get"
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
# Run as a script, Python puts bench/ first on the path; the modules here are `bench.*`.
if sys.path and Path(sys.path[0]).resolve() == BENCH_DIR:
    sys.path[0] = str(REPO)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/scim_bench"
QUERY_COUNT_ROWS = 4  # the first warms up, the median of the rest is reported
FLOOR_SECONDS_BETWEEN = 1
SLICE_SECONDS = 2  # an operation runs in slices of about this many seconds
POOL_SIZE = 4_000
ROWS_PER_COMPANY_POOL = 1_000  # rows of the pools that name a company only (no user)
WARM_UP_PATH = "/scim/v2/Users?filter=userName%20eq%20%22warm-up%40bench.example%22"


# seed.py keeps 260 bulk users of each large company out of the groups and puts half the rest in
# the big one; below this the pools the GET, PUT and PATCH runs use came out (nearly) empty.
MIN_USERS = 5_000
# The target configuration: the requests of a run spread over this many companies stay far under
# each one's default daily limit (bench/README.md, "The traffic: why these numbers").
COMPANIES = 200


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description="SCIM API load benchmark.")
    parser.add_argument(
        "--users", type=int, help="bulk users (default 100,000; 1,000,000 with --scale-check)"
    )
    parser.add_argument(
        "--companies",
        type=int,
        default=COMPANIES,
        help=f"companies the requests are spread over (default {COMPANIES}, the target "
        "configuration; fewer for quick development runs only)",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per operation")
    parser.add_argument("--concurrency", type=int, help="open connections (default 8 x workers)")
    parser.add_argument("--workers", type=int, default=2 * cores, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--only", help="comma-separated operations (the floor always runs)")
    parser.add_argument("--keep", action="store_true", help="reuse the database if it has N users")
    parser.add_argument("--json", type=Path, help="write all results to this file")
    parser.add_argument(
        "--profile",
        type=Path,
        help="after measuring, rerun each operation "
        "under py-spy and write raw stacks and summaries to this directory",
    )
    parser.add_argument(
        "--scale-check",
        action="store_true",
        help="lookup p50 at --scale-small users vs --users (default 1,000,000) users",
    )
    parser.add_argument("--scale-small", type=int, default=10_000)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args(argv)
    if args.users is None:
        args.users = 1_000_000 if args.scale_check else 100_000
    for option, users in (("--users", args.users), ("--scale-small", args.scale_small)):
        if not MIN_USERS <= users <= 1_000_000:
            parser.error(f"{option} must be between {MIN_USERS:,} and 1,000,000")
    if args.companies < 1:
        parser.error("--companies must be at least 1")
    # Eight connections a worker, as 200 companies' identity providers hold many: with one a
    # thread, where they happened to land decided the throughput more than the code did
    # (bench/README.md, "How many connections").
    args.concurrency = args.concurrency or 8 * args.workers
    return args


def bench_environment(database_url: str) -> dict[str, str]:
    """Production settings on plain-HTTP loopback, no mail. The daily limit and the request log
    are the defaults, whatever the shell or `.env` says: real traffic meets both."""
    from bench.server import production_environment

    return production_environment(
        DATABASE_URL=database_url,
        ROOT_URLCONF="bench.urls",
        SCIM_DAILY_REQUEST_LIMIT="5000",
        SCIM_REQUEST_LOG_FLUSH_SECONDS="1",
        # POST enqueues an invitation; no task worker runs here, and none would mail anything.
        EMAIL_URL="dummymail://",
        LOG_LEVEL="WARNING",
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.update(bench_environment(args.database_url))
    import django

    django.setup()
    from bench import load

    wrk = load.ensure_wrk()
    if args.scale_check:
        report = scale_check(args, wrk)
    else:
        prepare_database(args.database_url, args.users, args.companies, keep=args.keep)
        machine = machine_info()
        print(f"machine: {machine['summary']}", flush=True)
        results, rss, counts = measure(args, wrk)
        targets = check_targets(results, rss, counts)
        print_table(results, args)
        print_targets(targets, rss)
        report = {"results": results, "worker_rss_mb": rss, "daily_counts": counts}
        report["targets"] = targets
    if args.json:
        report.update(machine=machine_info(), options=_options(args))
        args.json.write_text(json.dumps(report, indent=2, default=str))
        print(f"wrote {args.json}")
    failed = [t for t in report.get("targets", []) if not t["pass"]]
    return 1 if failed else 0


def _options(args: argparse.Namespace) -> dict:
    return {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}


# ---------------------------------------------------------------------------------------------
# Database


def prepare_database(database_url: str, users: int, companies: int, *, keep: bool) -> None:
    from django.db import connections

    from bench import seed

    name = database_url.rsplit("/", 1)[-1]
    if keep and seed.database_exists(database_url):
        seed.migrate()
        have = seed.seeded_users(companies)
        if have == users:
            print(f"reusing {name}: {have:,} users in {companies} companies", flush=True)
            return
        print(f"{name} is not {users:,} users in {companies} companies: reseeding", flush=True)
    connections.close_all()
    print(f"creating {name}", flush=True)
    seed.reset_database(database_url)
    seed.migrate()
    seed.seed_users(users, companies)


# ---------------------------------------------------------------------------------------------
# Measuring


def selected_operations(only: str | None):
    from bench.ops import BY_NAME, OPERATIONS

    if not only:
        return list(OPERATIONS)
    names = {n.strip() for n in only.split(",") if n.strip()}
    unknown = names - BY_NAME.keys()
    if unknown:
        raise SystemExit(
            f"unknown operation(s): {', '.join(sorted(unknown))}; choose from {', '.join(BY_NAME)}"
        )
    return [op for op in OPERATIONS if op.name == "floor" or op.name in names]


def measure(args: argparse.Namespace, wrk: str) -> tuple[list[dict], dict[int, float], dict]:
    from bench import seed
    from bench.server import Gunicorn

    operations = selected_operations(args.only)
    wants_delete = any(op.pool == "deletable" for op in operations)
    # Enough users to delete for ~1,000 deletes a second; a pool that runs out shows as 404s.
    fixtures = seed.prepare_fixtures(
        companies=args.companies,
        delete_pool=max(2_000, args.duration * 1_000) if wants_delete else 0,
    )
    pools = build_pools(fixtures)
    variables: dict[str, str] = {}
    _print_fixtures(fixtures, args.companies)
    queries = {op.name: count_queries(op, pools, variables) for op in operations}
    workdir = Path(tempfile.mkdtemp(prefix="scim-bench-"))
    server = Gunicorn(workers=args.workers, env=dict(os.environ), log=workdir / "gunicorn.log")
    try:
        server.wait_ready("/bench/floor?email=warm-up")
        floor, *measured = operations
        context = dict(pools=pools, variables=variables, fixtures=fixtures, workdir=workdir)
        run = functools.partial(_run, args=args, wrk=wrk, server=server, **context)
        for op in [floor, *[o for o in operations if o.name == "get"]]:
            run(op, duration=2)  # warm-up
        # The floor first and last (drift shows), and each operation in slices between short
        # floor runs: this machine is shared, its speed drifts by a quarter within a run and
        # dips for seconds at a time, so each slice is compared with the floor just before and
        # just after it, and the operation's ratio is the median over its slices.
        results = [_row(floor, run(floor), queries[floor.name], [])]
        print(_format_row(results[0]), flush=True)
        for op in measured:
            row = _measure_in_slices(op, floor, run, args.duration, queries[op.name], results)
            results.append(row)
            print(_format_row(row), flush=True)
        results.append(_row(floor, run(floor), queries[floor.name], results))
        print(_format_row(results[-1]), flush=True)
        rss = server.worker_rss_mb()
        if args.profile:
            profile(operations, args, wrk, server, pools, variables, fixtures, workdir)
    finally:
        server.stop()
    _add_floor_ratios(results)
    counts = daily_counts(fixtures)
    print(
        f"requests counted today per company: {counts['min']:,} to {counts['max']:,} "
        f"(limit {counts['limit']:,}, {counts['companies']} companies)",
        flush=True,
    )
    return results, rss, counts


def _print_fixtures(fixtures, companies: int) -> None:
    from django.conf import settings

    large = fixtures.large
    big = max((t.big_group.members.count() for t in large), default=0)
    print(
        f"{len(fixtures.tenants)} companies, each with its own token, {len(large)} of them "
        f"large; groups of {big:,} and 10 members in each large one; daily limit "
        f"{settings.SCIM_DAILY_REQUEST_LIMIT:,} per company",
        flush=True,
    )
    if companies < COMPANIES:
        print(f"warning: {companies} companies is not the target configuration", flush=True)


def daily_counts(fixtures) -> dict:
    """Today's request count of each bench company, as the rate limit sees it after the run."""
    from django.conf import settings
    from django.utils import timezone

    from provisioning.models import DailyRequestCount

    companies = [t.company for t in fixtures.tenants]
    counts = dict(
        DailyRequestCount.objects.filter(
            company__in=companies, day=timezone.now().date()
        ).values_list("company_id", "count")
    )
    values = [counts.get(c.pk, 0) for c in companies]
    return {
        "limit": settings.SCIM_DAILY_REQUEST_LIMIT,
        "companies": len(companies),
        "min": min(values),
        "max": max(values),
        "total": sum(values),
    }


def _run(op, *, args, wrk, server, pools, variables, fixtures, workdir, duration=None, part=None):
    """Run `op` under wrk. `part` = (k, n): only the k-th of n equal parts of its pool, so the
    slices of one operation never touch the same rows (a DELETE pool is used up as it goes, a
    suspend alternates on each pass over its rows)."""
    from bench import load, ops

    pool = pools[op.pool][:-QUERY_COUNT_ROWS]
    if "{last}" in op.path:
        starts = _last_page_starts()
        pool = [{**row, "last": starts[row["company"]]} for row in pool]
    if part is not None:
        k, n = part
        pool = pool[k * len(pool) // n : (k + 1) * len(pool) // n]
    data = workdir / f"{op.name}.lua"
    ops.write_lua_data(
        data,
        op,
        pool=pool,
        variables=variables,
        headers=ops.headers(body=op.body is not None),
        run=secrets.token_hex(4),
        nthreads=args.threads,
    )
    return load.run_wrk(
        wrk,
        server.url,
        data,
        threads=args.threads,
        connections=args.concurrency,
        duration=duration or args.duration,
        app_pids=server.worker_pids(),
    )


def _last_page_starts() -> dict[int, str]:
    """startIndex of the last full page of 100 in each company, as they stand now."""
    from django.db.models import Count

    from workspaces.models import DashboardUser

    totals = DashboardUser.objects.values("company_id").annotate(n=Count("id"))
    return {row["company_id"]: str(max(1, row["n"] - 99)) for row in totals}


def build_pools(fixtures) -> dict[str, list[dict]]:
    """Rows the templates are filled from, each with its company's token and origin; the last
    QUERY_COUNT_ROWS of each count queries. Rows alternate between companies, so every slice of a
    pool (and every wrk thread's share) spreads its requests over the companies evenly."""
    from bench import seed
    from workspaces.models import DashboardUser, RoleAssignment

    tenants, large = fixtures.tenants, fixtures.large
    add_size = seed.add_pool_size(len(tenants))
    add = {t.company.pk: seed.add_pool(t.company, add_size) for t in large}
    groups = [r for t in large for r in (t.small_group, t.big_group)]
    in_groups = RoleAssignment.objects.filter(role__in=groups).values("user_id")
    added = [public_id for ids in add.values() for public_id in ids]
    per_company = -(-POOL_SIZE // len(tenants))
    users, deletable = [], []
    for t in tenants:
        bulk = DashboardUser.objects.filter(company=t.company, email__startswith=seed.BULK_PREFIX)
        # Users outside both groups: a PUT replaces the roles too and would shrink the groups.
        sample = (
            bulk.exclude(pk__in=in_groups)
            .exclude(public_id__in=added)
            .order_by("?")
            .values_list("public_id", "email", "family_name")[:per_company]
        )
        users.append([{"id": i, "email": e, "family": f, **t.credentials} for i, e, f in sample])
        ids = DashboardUser.objects.filter(
            company=t.company, email__startswith=seed.DELETE_PREFIX
        ).values_list("public_id", flat=True)
        deletable.append([{"id": public_id, **t.credentials} for public_id in ids])
    group_rows = [
        [
            {"id": i, "small": t.small_group.public_id, "big": t.big_group.public_id,
             **t.credentials}
            for i in add[t.company.pk]
        ]
        for t in large
    ]  # fmt: skip
    companies = [{"company": t.company.pk, **t.credentials} for t in tenants]
    pages = [{"company": t.company.pk, "last": "1", **t.credentials} for t in large]
    prefixes = [{"prefix": f"Demo{i:03d}", **large[i % len(large)].credentials} for i in range(997)]
    return {
        "users": _interleave(users),
        "add": _interleave(group_rows),
        "deletable": _interleave(deletable),
        "prefixes": prefixes,
        "companies": _cycle(companies, ROWS_PER_COMPANY_POOL),
        "pages": _cycle(pages, ROWS_PER_COMPANY_POOL),
    }


def _interleave(groups: list[list[dict]]) -> list[dict]:
    """One row of each company in turn, then the next of each, ..."""
    return [row for layer in itertools.zip_longest(*groups) for row in layer if row is not None]


def _cycle(rows: list[dict], size: int) -> list[dict]:
    """`rows` over and over, `size` of them: enough for every slice to meet every company."""
    return [rows[k % len(rows)] for k in range(max(size, len(rows)))]


def count_queries(op, pools, variables) -> int | None:
    """SQL queries of one request, through Django's test client (not under load)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench import ops

    rows = pools[op.pool][-QUERY_COUNT_ROWS:]
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="127.0.0.1")
    counts = []
    for n, row in enumerate(rows, start=1):
        values = {
            "n": str(n),
            "tid": "q",
            "run": secrets.token_hex(4),
            "last": "1",
            "active": "false" if n % 2 else "true",
            **variables,
            **row,
        }
        headers = {k: ops.fill(v, values) for k, v in ops.headers(body=op.body is not None).items()}
        # The row's company calls once first, as it has recently under load: its integration is
        # in this process's cache and its daily counter has numbers reserved (the block
        # reservation, every few requests of a company, shows in the CPU columns instead).
        client.get(WARM_UP_PATH, headers=headers)
        with CaptureQueriesContext(connection) as captured:
            response = client.generic(
                op.method,
                ops.fill(op.path, values),
                ops.fill(op.body, values) if op.body else "",
                content_type="application/scim+json",
                headers=headers,
            )
        if response.status_code not in op.expect:
            print(
                f"warning: {op.name} answered {response.status_code}: {response.content[:300]!r}",
                flush=True,
            )
        counts.append(len(captured))
    return int(statistics.median(counts[1:])) if len(counts) > 1 else None


def _row(op, result, queries, earlier: list[dict]) -> dict:
    name = op.name if not any(r["operation"] == op.name for r in earlier) else f"{op.name}_end"
    unexpected = sum(n for status, n in result.statuses.items() if status not in op.expect)
    return {
        "operation": name,
        "requests": result.requests,
        "rps": round(result.rps, 1),
        "p50_ms": result.p50_ms,
        "p95_ms": result.p95_ms,
        "p99_ms": result.p99_ms,
        "max_ms": result.max_ms,
        "non_2xx": unexpected,
        "statuses": result.statuses,
        "socket_errors": sum(result.socket_errors.values()),
        "queries": queries,
        "app_cpu_ms": round(result.app_cpu_ms, 2),
        "db_cpu_ms": round(result.db_cpu_ms, 2),
        "floor_ratio_target": op.floor_ratio,
    }


def _measure_in_slices(op, floor, run, duration: int, queries, earlier: list[dict]) -> dict:
    """`op` for `duration` seconds in slices of about SLICE_SECONDS, each between two floor runs
    of FLOOR_SECONDS_BETWEEN: the row adds the slices up (`load.combine`); its floor ratio is
    the median of the slices' ratios to the mean of the floor runs on either side."""
    from bench import load

    count = max(1, duration // SLICE_SECONDS)
    floors, slices = [run(floor, duration=FLOOR_SECONDS_BETWEEN).rps], []
    for k in range(count):
        slices.append(run(op, duration=duration // count, part=(k, count)))
        floors.append(run(floor, duration=FLOOR_SECONDS_BETWEEN).rps)
    around = itertools.pairwise(floors)  # the floor runs before and after each slice
    ratios = [s.rps / ((a + b) / 2) for s, (a, b) in zip(slices, around, strict=True) if a + b]
    row = _row(op, load.combine(slices), queries, earlier)
    row["floor_rps"] = round(statistics.mean(floors), 1)
    row["floor_ratio"] = round(statistics.median(ratios), 3) if ratios else None
    row["slice_ratios"] = [round(r, 3) for r in ratios]
    return row


def _add_floor_ratios(results: list[dict]) -> None:
    """The floor rows against the mean of the first and the last floor run (the operations'
    rows have theirs from `_measure_in_slices`)."""
    first, last = results[0], results[-1]
    ends = (first["rps"] + last["rps"]) / 2
    for row in (first, last):
        row["floor_rps"] = round(ends, 1)
        row["floor_ratio"] = round(row["rps"] / ends, 3) if ends else None


def profile(operations, args, wrk, server, pools, variables, fixtures, workdir) -> None:
    """A second pass under py-spy: sampling slows the workers, so these runs aren't reported."""
    from bench import load
    from bench.pyspy_summary import summarise

    args.profile.mkdir(parents=True, exist_ok=True)
    for op in operations:
        out = args.profile / f"{op.name}.txt"
        spy = load.start_py_spy(server.process.pid, out, args.duration)
        time.sleep(1)  # py-spy attaches to every worker before the load starts
        _run(op, args=args, wrk=wrk, server=server, pools=pools, variables=variables,
             fixtures=fixtures, workdir=workdir)  # fmt: skip
        _, errors = spy.communicate()
        if out.exists():
            summary = summarise(out)
            (args.profile / f"{op.name}.summary.txt").write_text(summary)
            print(summary, flush=True)
        else:
            print(f"py-spy wrote nothing for {op.name}: {errors[-500:]}", flush=True)


# ---------------------------------------------------------------------------------------------
# Reporting


COLUMNS = ("operation", "req/s", "p50 ms", "p95 ms", "p99 ms", "non-2xx", "sock err",
           "SQL/req", "app CPU", "db CPU", "floor/s", "x floor")  # fmt: skip


def _format_row(row: dict) -> str:
    ratio = row.get("floor_ratio")
    cells = (
        row["operation"],
        f"{row['rps']:.1f}",
        f"{row['p50_ms']:.1f}",
        f"{row['p95_ms']:.1f}",
        f"{row['p99_ms']:.1f}",
        str(row["non_2xx"]),
        str(row["socket_errors"]),
        "-" if row["queries"] is None else str(row["queries"]),
        f"{row['app_cpu_ms']:.2f}",
        f"{row['db_cpu_ms']:.2f}",
        f"{row['floor_rps']:.0f}" if row.get("floor_rps") else "-",
        "-" if ratio is None else f"{ratio:.2f}",
    )
    return "  ".join(c.rjust(w) for c, w in zip(cells, _WIDTHS, strict=True))


_WIDTHS = (16, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8)


def print_table(results: list[dict], args: argparse.Namespace) -> None:
    print()
    print(
        f"{args.users:,} users in {args.companies} companies, {args.duration}s per operation, "
        f"{args.concurrency} connections, "
        f"{args.workers} gunicorn workers (gunicorn.conf.py)"
    )
    print("  ".join(c.rjust(w) for c, w in zip(COLUMNS, _WIDTHS, strict=True)))
    for row in results:
        print(_format_row(row))


def check_targets(results: list[dict], rss: dict[int, float], counts: dict) -> list[dict]:
    """The targets that one run can check (the 1M-user one is --scale-check)."""
    rows = {r["operation"]: r for r in results}
    targets = []

    def add(name: str, passed: bool, detail: str) -> None:
        targets.append({"target": name, "pass": bool(passed), "detail": detail})

    add(
        f"requests spread over at least {COMPANIES} companies",
        counts["companies"] >= COMPANIES,
        str(counts["companies"]),
    )
    for row in results:
        goal = row["floor_ratio_target"]
        if goal is not None:
            add(
                f"{row['operation']} >= {goal:.2f} x floor",
                row["floor_ratio"] >= goal,
                f"{row['floor_ratio']:.2f}",
            )
    for row in results:
        ratio = row["p99_ms"] / row["p50_ms"] if row["p50_ms"] else 0
        add(f"{row['operation']} p99 <= 4 x p50", ratio <= 4, f"{ratio:.1f}x")
    if "list_first" in rows and "list_last" in rows:
        ratio = rows["list_last"]["p50_ms"] / rows["list_first"]["p50_ms"]
        add("last page p50 <= 2 x first page p50", ratio <= 2, f"{ratio:.2f}x")
    if "group_add_10" in rows and "group_add_10k" in rows:
        ratio = rows["group_add_10k"]["p50_ms"] / rows["group_add_10"]["p50_ms"]
        add("10k-member group add p50 <= 1.5 x 10-member", ratio <= 1.5, f"{ratio:.2f}x")
    unexpected = sum(r["non_2xx"] + r["socket_errors"] for r in results)
    add("zero unexpected non-2xx or socket errors", unexpected == 0, str(unexpected))
    # A 429 means the run was not the traffic it claims to be: some company used up its day.
    limited = sum(r["statuses"].get(429, 0) for r in results)
    add("no request refused by the daily limit (429)", limited == 0, str(limited))
    add(
        "every company under its daily limit",
        counts["max"] < counts["limit"],
        f"busiest {counts['max']:,} of {counts['limit']:,}",
    )
    if rss:
        worst = max(rss.values())
        add("worker RSS < 150 MB after the run", worst < 150, f"max {worst:.0f} MB")
    return targets


def print_targets(targets: list[dict], rss: dict[int, float]) -> None:
    print()
    if rss:
        print("worker RSS after the run: " + ", ".join(f"{mb:.0f} MB" for mb in rss.values()))
    print("targets:")
    for t in targets:
        print(f"  {'PASS' if t['pass'] else 'FAIL'}  {t['target']}  ({t['detail']})")


def scale_check(args: argparse.Namespace, wrk: str) -> dict:
    """Lookup p50 at a small company and a large one: the cost must not grow with size."""
    from bench import seed

    args.only = "lookup_hit"
    small, large = args.scale_small, args.users
    prepare_database(args.database_url, small, args.companies, keep=args.keep)
    measured = {}
    for users in (small, large):
        if users != small:
            seed.seed_users(users, args.companies)  # adds only the missing users
        results, _, _ = measure(args, wrk)
        measured[users] = {r["operation"]: r for r in results}
        print(f"{users:,} users: lookup_hit p50 {measured[users]['lookup_hit']['p50_ms']:.1f} ms")
    ratio = measured[large]["lookup_hit"]["p50_ms"] / measured[small]["lookup_hit"]["p50_ms"]
    # The machine's drift between the two runs shows in the floor: the same ratio against it.
    floors = [measured[n]["floor"]["p50_ms"] for n in (small, large)]
    target = {
        "target": f"lookup p50 at {large:,} users <= 1.5 x at {small:,}",
        "pass": ratio <= 1.5,
        "detail": f"{ratio:.2f}x; {ratio * floors[0] / floors[1]:.2f}x relative to the floor",
    }
    print_targets([target], {})
    return {"scale": {str(k): v for k, v in measured.items()}, "targets": [target]}


def machine_info() -> dict:
    from django.db import connection

    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            postgres = cursor.fetchone()[0]
    except Exception:  # the bench database may not exist yet
        postgres = "unknown"
    load = os.getloadavg()
    info = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(int(memory) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": postgres,
        "loadavg_at_start": [round(x, 2) for x in load],
    }
    info["summary"] = (
        f"{info['cores']} x {cpu}, {info['memory_gb']} GB, Python "
        f"{info['python']}, PostgreSQL {postgres}, load {load[0]:.2f}"
    )
    return info


if __name__ == "__main__":
    sys.exit(main())
