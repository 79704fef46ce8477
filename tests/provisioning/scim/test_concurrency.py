"""Uniqueness under concurrent requests, through a real HTTP server on PostgreSQL."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from tests.provisioning.scim.conftest import ORIGIN, make_integration, new_user_body
from workspaces.models import DashboardUser

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL's concurrent writers (CI runs the suite on PostgreSQL too)",
    ),
]


def post_user(url: str, token: str, email: str) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(new_user_body(email)).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "X-Request-Origin": ORIGIN,
            "Content-Type": "application/scim+json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_concurrent_creates_of_one_username_give_exactly_one_201(live_server, company, workspace):
    _, token = make_integration(company, workspace)
    url = f"{live_server.url}/scim/v2/Users"
    emails = [f"{'ADA' if i % 2 else 'ada'}@example.com" for i in range(20)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(lambda e: post_user(url, token, e), emails))
    assert sorted(statuses) == [201] + [409] * 19
    assert DashboardUser.objects.filter(email__iexact="ada@example.com").count() == 1
