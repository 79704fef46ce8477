"""workspaces.timestamps: psycopg's C loader reads timestamps exactly as Django's loader did."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.postgres import types
from psycopg.pq import Format

from workspaces.timestamps import UtcTimestampLoader

pytestmark = pytest.mark.django_db

VALUES = [
    "2026-11-24 06:30:00.123456+00",
    "2026-03-29 01:30:00+02",  # another zone: converted, not kept
    "1969-12-31 23:59:59.999999+00",
    "0001-01-01 00:00:00+00",
    "2038-01-19 03:14:08.5-08:30",
]


class DjangosLoader(BaseTzLoader):
    """What Django registers for a connection in UTC (`psycopg_any.register_tzloader`)."""

    timezone = dt.UTC


def read(text: str) -> dt.datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz", [text])
        return cursor.fetchone()[0]


def test_connections_read_timestamps_with_the_c_loader_and_keep_it():
    connection.ensure_connection()
    with connection.cursor():  # Django checks the loader's zone on every cursor
        pass
    loader = connection.connection.adapters.get_loader(types["timestamptz"].oid, Format.TEXT)
    assert loader is UtcTimestampLoader


@pytest.mark.parametrize("text", VALUES)
def test_values_are_the_ones_djangos_loader_gives(text):
    ours = read(text)
    connection.connection.adapters.register_loader("timestamptz", DjangosLoader)
    try:
        djangos = read(text)
    finally:
        connection.connection.adapters.register_loader("timestamptz", UtcTimestampLoader)
    assert ours == djangos
    assert ours.tzinfo is dt.UTC and djangos.tzinfo is dt.UTC
    assert ours.isoformat() == djangos.isoformat()
