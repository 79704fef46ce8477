"""PostgreSQL `timestamptz` values read by psycopg's C loader instead of Django's Python one.

Django reads every timestamp with a loader written in Python (a subclass of psycopg's pure-Python
loader that attaches the connection's time zone): most of the time a page of users took to read
(bench/README.md, third session). With USE_TZ and the session in UTC, which is how
Django sets up its connections here, psycopg's C loader returns the same values, aware and in
`datetime.UTC`; each new connection gets it in Django's place.
"""

from __future__ import annotations

import datetime as dt

import psycopg
from psycopg import adapt

_C_LOADER = psycopg.adapters.get_loader(
    psycopg.postgres.types["timestamptz"].oid, psycopg.pq.Format.TEXT
)


class UtcTimestampLoader(adapt.Loader):
    # Django compares this with its connection's zone before every cursor and would put its own
    # loader back if they differed.
    timezone = dt.UTC

    def __init__(self, oid: int, context=None):
        super().__init__(oid, context)
        self._load = _C_LOADER(oid, context).load

    def load(self, data) -> dt.datetime:
        return self._load(data)


def use_c_loader(sender, connection, **kwargs) -> None:
    """`connection_created` receiver."""
    if connection.timezone != dt.UTC:
        return
    raw = connection.connection
    if raw.info.parameter_status("TimeZone") == "UTC":  # Django has set the session's zone
        raw.adapters.register_loader("timestamptz", UtcTimestampLoader)
