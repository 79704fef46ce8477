"""Two app instances against one PostgreSQL: the shared state holds (README "Operating it").

    .venv/bin/python scripts/scale_out.py [--limit 200] [--redis]     (or: make scale-out)

1. A fresh PostgreSQL database (dropped afterwards), migrated and seeded with `seed_demo`; a token
   for "Acme Corp" from `manage.py scim_token`.
2. Two gunicorn instances, A and B, on two free ports of 127.0.0.1, production settings,
   SCIM_DAILY_REQUEST_LIMIT=--limit; with --redis both also share CACHE_URL=redis://127.0.0.1:6379/15.
3. Checks, each printed:
   - the daily limit: concurrent requests alternating between A and B are admitted exactly
     `limit` times in total, then both answer 429 with Retry-After;
   - uniqueness: concurrent creates of one userName spread over A and B give exactly one 201;
   - token reset: `manage.py scim_token` (instance A's code and settings) makes the old token 401
     on B at once, and the new one works on both.
4. Exit 1 on any violation. Both servers are always stopped and the database dropped.

PostgreSQL comes from $SCALE_OUT_DATABASE_URL, default postgres://postgres@127.0.0.1:5432 (a
database scim_scale_out_<random> is created there).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import secrets
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scim_compliance import (  # the same environment and manage.py helpers
    COMPANY,
    ORIGIN,
    Gunicorn,
    app_environment,
    manage,
)

SERVER = "postgres://postgres@127.0.0.1:5432"
PSQL_TIMEOUT = 60


class Violations(list):
    def check(self, ok: bool, what: str) -> None:
        print(f"{'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            self.append(what)


def call(base: str, token: str, method: str, path: str, body: dict | None = None):
    request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
        f"{base}/scim/v2/{path}",
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={
            "Authorization": f"Bearer {token}",
            "X-Request-Origin": ORIGIN,
            "Content-Type": "application/scim+json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers)


def psql(server: str, sql: str) -> None:
    command = ["psql", f"{server}/postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql]
    # The PostgreSQL client CI installs; a fixed statement on our own database name.
    subprocess.run(command, check=True, timeout=PSQL_TIMEOUT, capture_output=True)  # noqa: S603


def check_daily_limit(bases: list[str], token: str, limit: int, found: Violations) -> None:
    total = limit + 60  # well past the limit, spread over both instances
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(
            pool.map(
                lambda i: call(bases[i % 2], token, "GET", "ServiceProviderConfig"), range(total)
            )
        )
    admitted = sum(1 for status, _ in results if status == 200)
    refused = [head for status, head in results if status == 429]
    print(f"     {total} requests over A and B: {admitted} admitted, {len(refused)} refused")
    found.check(admitted == limit, f"exactly {limit} admitted across both instances")
    found.check(admitted + len(refused) == total, "every other request answered 429")
    found.check(all(h.get("Retry-After") for h in refused), "every 429 carries Retry-After")
    after = [call(base, token, "GET", "Users")[0] for base in bases]
    found.check(after == [429, 429], f"both instances refuse afterwards (got {after})")


def check_uniqueness(bases: list[str], token: str, found: Violations) -> None:
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "race@scale-out.example",
        "name": {"givenName": "Race", "familyName": "Condition"},
    }
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = sorted(
            pool.map(lambda i: call(bases[i % 2], token, "POST", "Users", body)[0], range(20))
        )
    print(f"     20 creates of one userName over A and B: {statuses.count(201)} × 201, "
          f"{statuses.count(409)} × 409")  # fmt: skip
    found.check(statuses == [201] + [409] * 19, "exactly one 201, the rest 409")


def check_token_reset(env: dict, bases: list[str], old: str, found: Violations) -> str:
    before = [call(base, old, "GET", "ServiceProviderConfig")[0] for base in bases]
    new = manage(env, "scim_token", COMPANY).strip().splitlines()[-1]
    after_old = call(bases[1], old, "GET", "ServiceProviderConfig")[0]
    after_new = [call(base, new, "GET", "ServiceProviderConfig")[0] for base in bases]
    found.check(before == [200, 200], f"the old token works on A and B before the reset ({before})")
    found.check(after_old == 401, f"right after the reset the old token is 401 on B ({after_old})")
    found.check(after_new == [200, 200], f"the new token works on A and B ({after_new})")
    return new


def run(limit: int, use_redis: bool, server: str) -> int:
    name = f"scim_scale_out_{secrets.token_hex(4)}"
    found = Violations()
    psql(server, f"CREATE DATABASE {name}")
    try:
        with ExitStack() as stack:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            env = app_environment(workdir)
            env.update(DATABASE_URL=f"{server}/{name}", SCIM_DAILY_REQUEST_LIMIT=str(limit))
            if use_redis:
                env["CACHE_URL"] = "redis://127.0.0.1:6379/15"
            manage(env, "migrate", "--noinput")
            manage(env, "seed_demo")
            token = manage(env, "scim_token", COMPANY, "--origin", ORIGIN).strip().splitlines()[-1]
            bases = [
                stack.enter_context(Gunicorn(env=env, log=workdir / f"gunicorn-{label}.log")).url
                for label in ("a", "b")
            ]
            print(f"A: {bases[0]}  B: {bases[1]}  database {name}"
                  f"{'  cache redis://127.0.0.1:6379/15' if use_redis else ''}")  # fmt: skip
            # The token reset first: the limit check spends the whole day's allowance.
            token = check_token_reset(env, bases, token, found)
            check_uniqueness(bases, token, found)
            # The requests above counted too; the limit check starts from a fresh day's count.
            manage(env, "shell", "-c", "from provisioning.models import DailyRequestCount as D;"
                   "D.objects.all().delete()")  # fmt: skip
            check_daily_limit(bases, token, limit, found)
    finally:
        psql(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    print(f"\nscale-out: {len(found)} violation(s)")
    return 1 if found else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=200, help="SCIM_DAILY_REQUEST_LIMIT")
    parser.add_argument("--redis", action="store_true", help="share CACHE_URL=redis://…/15")
    parser.add_argument("--server", default=None, help="PostgreSQL server URL, no database")
    args = parser.parse_args()
    if args.redis and importlib.util.find_spec("redis") is None:
        sys.exit("--redis needs the redis client: .venv/bin/pip install redis")
    server = args.server or os.environ.get("SCALE_OUT_DATABASE_URL", SERVER)
    return run(args.limit, args.redis, server.rstrip("/"))


if __name__ == "__main__":
    sys.exit(main())
