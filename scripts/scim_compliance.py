"""Run the public SCIM checker scim2-tester against the real app, served by gunicorn.

    .venv/bin/python scripts/scim_compliance.py      (or: make compliance)

1. A fresh database on the PostgreSQL of $DATABASE_URL (the embedded one when unset, see
   config/database.py), migrated and seeded with `seed_demo`, dropped at the end; a SCIM token
   for "Acme Corp" from `manage.py scim_token`.
2. gunicorn on a free port of 127.0.0.1 with production settings (DEBUG=False).
3. `scim2_tester.check_server` with the headers an identity provider sends; every result printed.
4. Exit 1 if any check failed (ERROR or CRITICAL), 0 otherwise. gunicorn is always stopped.

How results count: SUCCESS, COMPLIANT and ACCEPTABLE pass; DEVIATION (a SHOULD not followed)
passes with a warning; SKIPPED is not a failure, because scim2-tester only skips a check when
the server truthfully says it doesn't offer the feature (or a tag filter excluded it), and each
skip is printed with its reason so it stays visible.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import secrets
import subprocess
import sys
import tempfile
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import psycopg
import scim2_tester.filling
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import ScimPolicy, ScimProvider
from scim2_tester import CheckResult, Status, check_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: bench/ is a package at the top
from bench.server import Gunicorn, production_environment  # noqa: E402 - after its path
from config.database import database_url  # noqa: E402

PYTHON = sys.executable
COMPANY = "Acme Corp"  # what seed_demo creates
ORIGIN = "https://idp.acme.example"
PASSED = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE}
WARNED = {Status.DEVIATION}
FAILED = {Status.ERROR, Status.CRITICAL}
DATA_LIMIT = 1500  # characters of debugging data printed under a failed check


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    url = urllib.parse.urlsplit(database_url())
    server = url._replace(path="/postgres").geturl()  # the database of DATABASE_URL may not exist
    name = f"scim_compliance_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield url._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def app_environment(database: str) -> dict[str, str]:
    return production_environment(DATABASE_URL=database)


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


# Values scim2-tester cannot guess from a schema, by attribute name. Our userName must be an
# email address (as in Braze) and the permissions object names roles and workspaces that must
# exist in the company; no schema characteristic can say either, so the tester's UUIDs would be
# refused with a 400 and every User check would fail on that alone. None means "leave it out":
# an id is an alternative to the name, and a made-up one names nothing.
SEEDED_IDS: dict[str, str] = {}  # filled from the database once seed_demo has run
SEED_VALUES: dict[str, Any] = {
    "username": lambda: f"{uuid.uuid4().hex[:12]}@compliance.example",
    "rolename": lambda: "Marketers",  # seed_demo's role
    "roleid": lambda: SEEDED_IDS["role"],
    "appgroupname": lambda: "Production",  # seed_demo's workspace
    "appgroupid": lambda: SEEDED_IDS["workspace"],
    "appgrouppermissions": lambda: ["basic_access"],
}


def seeded_ids(env: dict[str, str]) -> dict[str, str]:
    """The ids of seed_demo's role and workspace, so names and ids sent together agree, and the
    server's echo of the permissions object (names and ids) matches what the tester sent."""
    code = (
        "from workspaces.models import Role, Workspace;"
        "print(Role.objects.get(name='Marketers').public_id);"
        "print(Workspace.objects.get(name='Production', company__name='Acme Corp').public_id)"
    )
    role, workspace = manage(env, "shell", "-c", code).split()[-2:]
    return {"role": role, "workspace": workspace}


def teach_values_a_schema_cannot_express() -> None:
    """Only the invented values of the attributes above change; every request and every check
    stays the tester's own."""
    original = scim2_tester.filling.generate_random_value

    def generate(context: Any, path: Any, *args: Any, **kwargs: Any) -> Any:
        name = str(path).rsplit(":", 1)[-1].rsplit(".", 1)[-1].lower()
        if name in SEED_VALUES:
            return SEED_VALUES[name]()
        return original(context, path, *args, **kwargs)

    scim2_tester.filling.generate_random_value = generate


def run_checks(base: str, token: str, *, lenient: bool) -> list[CheckResult]:
    headers = {"Authorization": f"Bearer {token}", "X-Request-Origin": ORIGIN}
    # Strict by default, as the RFC reads. --lenient only ignores attributes no published schema
    # declares, to see which checks would fail for other reasons; it is for diagnosis, not CI.
    policy = ScimPolicy(unknown=ScimPolicy.Unknown.ignore) if lenient else ScimPolicy()
    with httpx2.Client(base_url=f"{base}/scim/v2", headers=headers, timeout=30) as http:
        return check_server(SyncSCIMClient(http, provider=ScimProvider(policy=policy)))


def _explain(value: object) -> object:
    """An exception with what caused it (scim2-client keeps pydantic's message there)."""
    if isinstance(value, BaseException) and value.__cause__ is not None:
        return f"{value}: {value.__cause__}"
    return str(value)


def _data(result: CheckResult) -> str:
    try:
        text = json.dumps(result.data, default=_explain, indent=1)
    except (TypeError, ValueError):
        text = repr(result.data)
    return text if len(text) <= DATA_LIMIT else text[:DATA_LIMIT] + " ..."


def outcome_of(result: CheckResult) -> str:
    if result.status in PASSED:
        return "passed"
    if result.status in WARNED:
        return "warning"
    return "failed" if result.status in FAILED else "skipped"


def report(results: list[CheckResult]) -> Counter:
    counts: Counter = Counter()
    for result in results:
        outcome = outcome_of(result)
        counts[outcome] += 1
        scope = f"[{result.resource_type}] " if result.resource_type else ""
        label = "FAILED" if outcome == "failed" else outcome.upper()
        print(f"{label:8} {result.status.name:10} {scope}{result.title}")
        if result.reason:
            print(f"         {result.reason}".replace("\n", "\n         "))
        if outcome == "failed" and result.data is not None:
            print("         " + _data(result).replace("\n", "\n         "))
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--lenient",
        action="store_true",
        help="ignore undeclared attributes in responses (diagnosis only; CI runs strict)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scim-compliance-") as tmp, fresh_database() as db:
        workdir = Path(tmp)
        env = app_environment(db)
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        SEEDED_IDS.update(seeded_ids(env))
        token = (
            manage(env, "scim_token", COMPANY, "--origin", ORIGIN, "--method", "scim")
            .strip()
            .splitlines()[-1]
        )
        log = workdir / "gunicorn.log"
        with Gunicorn(env=env, log=log, workers=2, access_log=True) as server:
            print(f"scim2-tester against {server.url}/scim/v2")
            teach_values_a_schema_cannot_express()
            results = run_checks(server.url, token, lenient=args.lenient)
        counts = report(results)
        print(f"\nwarnings: {counts['warning']}")
        print(f"scim2-tester: {counts['passed']} passed, {counts['failed']} failed, "
              f"{counts['skipped']} skipped")  # fmt: skip
        if counts["failed"]:
            print(f"\ngunicorn log (last 60 lines of {log.name}):")
            print("\n".join(log.read_text().splitlines()[-60:]))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
