from __future__ import annotations

import pytest

from tests.factories import CompanyAdminFactory, CompanyFactory, UserFactory, WorkspaceFactory


@pytest.fixture
def company(db):
    return CompanyFactory(name="Acme")


@pytest.fixture
def workspace(company):
    return WorkspaceFactory(company=company, name="Production")


@pytest.fixture
def company_admin(company, workspace):
    return CompanyAdminFactory(company=company, email="admin@acme.example")


@pytest.fixture
def member(company):
    return UserFactory(company=company, email="member@acme.example")


@pytest.fixture
def admin_client(client, company_admin):
    """A browser session signed in as an admin of `company` (not Django staff)."""
    client.force_login(company_admin)
    return client


@pytest.fixture
def staff_client(client, db):
    staff = UserFactory(company=None, email="staff@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The local-memory cache lives as long as the process; each test starts with an empty one."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_process_state():
    """The rate counter's reserved blocks and the integration cache live in the process; the rows
    they stand for are rolled back after each test."""
    from provisioning import integration_cache, ratelimit

    ratelimit.forget_leases()
    integration_cache.clear()
    yield
    ratelimit.forget_leases()
    integration_cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Hashing with the production hasher makes every factory user cost ~0.2 s; tests that
    check passwords only need them to round-trip."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
