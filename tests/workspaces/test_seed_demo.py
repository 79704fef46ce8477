from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from workspaces.models import Company, DashboardUser, Workspace

pytestmark = pytest.mark.django_db


def run_seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_seed_demo_prints_a_working_admin_login():
    output = run_seed()
    email, password = re.search(r"Company admin .*: (\S+) / (\S+)", output).groups()
    user = authenticate(username=email, password=password)
    assert user is not None
    assert "admin" in user.company_permissions


def test_seed_demo_is_idempotent():
    run_seed()
    counts = (Company.objects.count(), Workspace.objects.count(), DashboardUser.objects.count())
    run_seed()
    assert (
        Company.objects.count(),
        Workspace.objects.count(),
        DashboardUser.objects.count(),
    ) == counts


def test_seed_demo_adds_bulk_users_up_to_the_number_asked():
    run_seed("--users", "25")
    run_seed("--users", "30")
    bulk = DashboardUser.objects.filter(email__startswith="user.")
    assert bulk.count() == 30
    assert all(u.workspace_memberships.count() == 1 for u in bulk[:5])
