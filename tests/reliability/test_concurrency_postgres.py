"""Concurrent writers through a real HTTP server on PostgreSQL: uniqueness, `If-Match`, token
resets and delete/recreate races leave the data whole."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler as _StaticFilesHandler
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from django.test import Client
from django.test.testcases import LiveServerThread

from provisioning.models import ActivityEvent
from provisioning.services import scim_token_issue
from tests.factories import WorkspaceFactory
from tests.provisioning.scim.conftest import ORIGIN, make_integration, new_user_body
from workspaces.models import DashboardUser, WorkspaceMembership

pytestmark = pytest.mark.django_db(transaction=True)

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class Api:
    """urllib against the live server, as an identity provider would call it."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = f"{base}/scim/v2", token

    def __call__(self, method: str, path: str, body=None, **headers) -> tuple[int, dict, dict]:
        request = urllib.request.Request(
            f"{self.base}/{path}",
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={
                "Authorization": f"Bearer {self.token}",
                "X-Request-Origin": ORIGIN,
                "Content-Type": "application/scim+json",
                **headers,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                raw, status, head = response.read(), response.status, dict(response.headers)
        except urllib.error.HTTPError as exc:
            raw, status, head = exc.read(), exc.code, dict(exc.headers)
        return status, (json.loads(raw) if raw else {}), head


class WideServer(ThreadedWSGIServer):
    # Django's live server listens with a backlog of 10: fifty simultaneous connections overflow
    # it and the kernel resets some. A load balancer in front of gunicorn queues them instead.
    request_queue_size = 128


class WideLiveServerThread(LiveServerThread):
    server_class = WideServer


@pytest.fixture
def server_url(settings):
    """A live server of our own (the `live_server` fixture's backlog is fixed when it starts)."""
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    thread = WideLiveServerThread("127.0.0.1", _StaticFilesHandler)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait(timeout=30)
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


@pytest.fixture
def api(server_url, company, workspace) -> Api:
    return Api(server_url, make_integration(company, workspace)[1])


def in_threads(count: int, work) -> list:
    """Run work(i) for i in range(count), all released at once by a barrier."""
    barrier = threading.Barrier(count)

    def run(i: int):
        barrier.wait(timeout=30)
        return work(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_fifty_concurrent_creates_of_one_username_give_one_201_and_49_409s(api):
    emails = ["Ada@Example.com" if i % 2 else "ada@example.com" for i in range(50)]
    results = in_threads(50, lambda i: api("POST", "Users", new_user_body(emails[i])))
    statuses = sorted(status for status, _, _ in results)
    assert statuses == [201] + [409] * 49
    assert {body.get("scimType") for status, body, _ in results if status == 409} == {"uniqueness"}
    assert DashboardUser.objects.filter(email__iexact="ada@example.com").count() == 1


def test_concurrent_patches_with_if_match_lose_no_update(api):
    _, created, _ = api("POST", "Users", new_user_body())
    user = created["id"]
    statuses: list[int] = []
    applied: list[str] = []

    def add_phone(i: int) -> None:
        number = f"+1-555-01{i:02d}"
        for _attempt in range(40):  # a loser re-reads and retries, as RFC 7644 §3.14 intends
            _, _, head = api("GET", f"Users/{user}")
            body = {
                "schemas": [PATCH_OP],
                "Operations": [{"op": "add", "path": "phoneNumbers", "value": [{"value": number}]}],
            }
            status, _, _ = api("PATCH", f"Users/{user}", body, **{"If-Match": head["ETag"]})
            statuses.append(status)
            if status == 200:
                applied.append(number)
                return

    in_threads(8, add_phone)
    assert set(statuses) <= {200, 412}
    assert 412 in statuses  # the race really happened
    _, final, _ = api("GET", f"Users/{user}")
    # Every 200 is in the final document, and nothing else is.
    assert sorted(p["value"] for p in final["phoneNumbers"]) == sorted(applied)
    assert len(applied) == 8


def test_concurrent_patches_without_if_match_lose_no_update(api, company):
    """Writes read the user without a lock; one overtaken by another is made again on a fresh
    read, so every change lands, profile and memberships alike."""
    _, created, _ = api("POST", "Users", new_user_body())
    user = created["id"]
    names = [WorkspaceFactory(company=company, name=f"Region {i}").name for i in range(8)]

    def change(i: int) -> int:
        phone = {"op": "add", "path": "phoneNumbers", "value": [{"value": f"+1-555-01{i:02d}"}]}
        workspace = {
            "op": "add",
            "path": "permissions.appGroup",
            "value": [{"appGroupName": names[i]}],
        }
        operations = [phone, workspace] if i % 2 else [phone]
        status, body, _ = api(
            "PATCH", f"Users/{user}", {"schemas": [PATCH_OP], "Operations": operations}
        )
        assert status == 200, body
        return status

    assert in_threads(8, change) == [200] * 8
    _, final, _ = api("GET", f"Users/{user}")
    assert sorted(p["value"] for p in final["phoneNumbers"]) == [
        f"+1-555-01{i:02d}" for i in range(8)
    ]
    in_workspaces = {group["appGroupName"] for group in final["permissions"]["appGroup"]}
    assert {names[i] for i in range(1, 8, 2)} <= in_workspaces


def test_concurrent_token_resets_leave_exactly_one_valid_token(company, workspace):
    integration, first = make_integration(company, workspace)

    def reset(i: int) -> str:
        try:
            return scim_token_issue(integration=integration, actor=None, ip="127.0.0.1")
        finally:
            connection.close()  # this thread's own connection

    issued = [first, *in_threads(10, reset)]
    client = Client()

    def works(token: str) -> bool:
        response = client.get(
            "/scim/v2/ServiceProviderConfig",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_X_REQUEST_ORIGIN=ORIGIN,
        )
        assert response.status_code in (200, 401)
        return response.status_code == 200

    valid = [token for token in issued if works(token)]
    assert len(valid) == 1
    integration.refresh_from_db()
    assert valid[0].startswith(integration.token_prefix)
    assert ActivityEvent.objects.filter(kind=ActivityEvent.Kind.TOKEN_RESET).count() == 10


def half_made_users(company) -> list[str]:
    users = DashboardUser.objects.filter(company=company)
    without = users.exclude(pk__in=WorkspaceMembership.objects.values("user_id"))
    orphans = WorkspaceMembership.objects.exclude(user_id__in=DashboardUser.objects.values("pk"))
    return [f"user {u.email} has no membership" for u in without] + [
        f"membership {m.pk} has no user" for m in orphans
    ]


def test_deleting_and_recreating_a_user_in_parallel_never_leaves_a_half_made_user(api, company):
    api("POST", "Users", new_user_body())
    stop, problems = threading.Event(), []

    def watch() -> None:  # a reader in its own connection sees every committed state
        try:
            while not stop.is_set():
                problems.extend(half_made_users(company))
        finally:
            connection.close()

    def storm(i: int) -> int:
        if i % 2:
            return api("POST", "Users", new_user_body())[0]
        found = api("GET", "Users", None)[1]["Resources"]
        return api("DELETE", f"Users/{found[0]['id']}")[0] if found else 404

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        statuses = [s for _ in range(4) for s in in_threads(8, storm)]
    finally:
        stop.set()
        watcher.join(timeout=30)
    assert set(statuses) <= {201, 204, 404, 409}, statuses
    assert {201, 204} <= set(statuses)
    assert problems == []
    assert half_made_users(company) == []
    assert (
        DashboardUser.objects.filter(company=company, email__iexact="ada@example.com").count() <= 1
    )


def test_concurrent_requests_never_pass_the_daily_limit(api, settings):
    settings.SCIM_DAILY_REQUEST_LIMIT = 25
    results = in_threads(40, lambda i: api("GET", "ServiceProviderConfig"))
    assert sorted(status for status, _, _ in results) == [200] * 25 + [429] * 15
