"""A real database outage, without stopping the shared PostgreSQL server: gunicorn reaches the
test database through a TCP proxy on loopback (to the server's TCP port or Unix socket), and the
test cuts the proxy mid-run (every open connection reset, new ones refused), then brings it back.

While it is down, the SCIM API answers 503 in its error schema with Retry-After and the settings
page answers its friendly 503; afterwards everything recovers (a persistent connection may fail
one more request first) and no user is half-written.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.test import Client

from bench.server import Gunicorn, free_port, production_environment
from tests.provisioning.scim.conftest import ORIGIN, make_integration, new_user_body
from workspaces.models import DashboardUser, WorkspaceMembership

pytestmark = pytest.mark.django_db(transaction=True)


class CuttableProxy:
    """Forwards 127.0.0.1:port to the database server (host and port, or a socket's path) until
    cut(); restore() listens again."""

    def __init__(self, target: tuple[str, int] | str) -> None:
        self.target, self.port = target, free_port()
        self.loop = asyncio.new_event_loop()
        self.server: asyncio.Server | None = None
        self.transports: set[asyncio.Transport] = set()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.restore()

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    async def _pipe(self, reader, writer) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.transport.abort()

    async def _handle(self, client_reader, client_writer) -> None:
        try:
            if isinstance(self.target, str):
                server_reader, server_writer = await asyncio.open_unix_connection(self.target)
            else:
                server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self.transports |= {client_writer.transport, server_writer.transport}
        await asyncio.gather(
            self._pipe(client_reader, server_writer), self._pipe(server_reader, client_writer)
        )

    async def _listen(self) -> None:
        self.server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, reuse_address=True
        )

    async def _cut(self) -> None:
        self.server.close()
        for transport in self.transports:
            transport.abort()  # a reset, as when the server process dies
        self.transports.clear()
        await self.server.wait_closed()

    def restore(self) -> None:
        self._run(self._listen())

    def cut(self) -> None:
        self._run(self._cut())

    def close(self) -> None:
        self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@pytest.fixture
def proxy():
    db = settings.DATABASES["default"]
    host, port = db["HOST"] or db["OPTIONS"].get("host", "127.0.0.1"), int(db["PORT"] or 5432)
    # The embedded server listens on a Unix socket only (config/database.py).
    proxy = CuttableProxy(f"{host}/.s.PGSQL.{port}" if host.startswith("/") else (host, port))
    yield proxy
    proxy.close()


@pytest.fixture
def app(proxy):
    """gunicorn (one worker, persistent connections as in production) through the proxy."""
    db = settings.DATABASES["default"]
    env = production_environment(
        DATABASE_URL=f"postgres://{db['USER']}@127.0.0.1:{proxy.port}/{db['NAME']}"
    )
    with Gunicorn(env=env, workers=1) as server:
        yield {"base": server.url, "process": server.process}


def send(base: str, path: str, method="GET", body=None, headers=None) -> tuple[int, dict, str]:
    request = urllib.request.Request(
        f"{base}{path}",
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers=headers or {},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def half_made_users() -> list[str]:
    """Users created through SCIM (the test's own admin has no workspace) without membership."""
    without = DashboardUser.objects.exclude(pk__in=WorkspaceMembership.objects.values("user_id"))
    return [u.email for u in without.filter(email__startswith="u")]


def test_an_outage_gives_503s_then_everything_recovers_with_no_partial_writes(
    app, proxy, company, workspace, company_admin
):
    _, token = make_integration(company, workspace)
    scim = {
        "Authorization": f"Bearer {token}",
        "X-Request-Origin": ORIGIN,
        "Content-Type": "application/scim+json",
    }
    browser = Client()
    browser.force_login(company_admin)
    page = {"Cookie": f"sessionid={browser.cookies['sessionid'].value}"}
    base = app["base"]

    def create(i: int) -> int:
        return send(base, "/scim/v2/Users", "POST", new_user_body(f"u{i}@acme.example"), scim)[0]

    assert send(base, "/scim/v2/Users", headers=scim)[0] == 200
    assert send(base, "/settings/admin/scim/", headers=page)[0] == 200
    assert send(base, "/health/", headers={"Accept": "application/json"})[0] == 200

    # Cut mid-run: creates are in flight while the connections are reset.
    with ThreadPoolExecutor(max_workers=4) as pool:
        during = pool.map(create, range(40))
        time.sleep(0.3)
        proxy.cut()
        during = list(during)
    assert set(during) <= {201, 503}, during

    for method, path, body in [
        ("GET", "/scim/v2/Users", None),
        ("POST", "/scim/v2/Users", new_user_body("down@acme.example")),
        ("GET", "/scim/v2/ServiceProviderConfig", None),
        ("PATCH", "/scim/v2/Users/x", {"Operations": [{"op": "replace", "value": {}}]}),
    ]:
        status, headers, text = send(base, path, method, body, scim)
        assert status == 503, (path, status, text[:300])
        assert headers["Content-Type"] == "application/scim+json"
        assert headers["Retry-After"] == "30"
        assert json.loads(text) == {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": "503",
            "detail": "The service is temporarily unavailable; retry later.",
        }
    status, headers, text = send(base, "/settings/admin/scim/", headers=page)
    assert (status, headers["Retry-After"]) == (503, "30")
    assert "temporarily unavailable" in text
    assert "Traceback" not in text and "OperationalError" not in text
    # A load balancer sees the instance as down, and as up again below.
    status, _, text = send(base, "/health/", headers={"Accept": "application/json"})
    assert status == 500 and "unavailable" in text.lower(), (status, text)

    proxy.restore()
    recovered = [send(base, "/scim/v2/Users", headers=scim)[0] for _ in range(3)]
    assert recovered[-1] == 200 and set(recovered) <= {200, 503}, recovered
    assert create(1000) == 201
    assert send(base, "/settings/admin/scim/", headers=page)[0] == 200
    assert send(base, "/health/", headers={"Accept": "application/json"})[0] == 200

    # Every write was one transaction: no user without membership; every 201 is really there.
    assert half_made_users() == []
    assert not DashboardUser.objects.filter(email="down@acme.example").exists()
    created = DashboardUser.objects.filter(email__endswith="@acme.example").count()
    assert created >= during.count(201) + 1  # + u1000; a 503 after commit may also have made one
    assert app["process"].poll() is None
    print(f"during the cut: {during.count(201)} created, {during.count(503)} answered 503")


def test_an_oversized_header_is_refused_by_gunicorn_which_keeps_serving(app, company, workspace):
    _, token = make_integration(company, workspace)
    scim = {"Authorization": f"Bearer {token}", "X-Request-Origin": ORIGIN}
    status, _, _ = send(app["base"], "/scim/v2/Users", headers={**scim, "X-Big": "a" * 20_000})
    assert status in (400, 431)
    assert send(app["base"], "/scim/v2/Users", headers=scim)[0] == 200
