"""workspaces.fetch: hand-written WHERE clauses must give the instances the ORM gives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from provisioning.models import ScimIntegration
from tests.factories import CompanyFactory, UserFactory, WorkspaceFactory
from workspaces.fetch import fetch
from workspaces.models import DashboardUser


def field_values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


@pytest.mark.django_db
def test_a_user_is_the_instance_the_orm_builds():
    user = UserFactory(
        directory_attributes={"enterprise": {"employeeNumber": "7"}, "displayName": "Ada"},
        last_sign_in_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        is_active=False,
    )
    (fetched,) = fetch(DashboardUser, "public_id = %s", [user.public_id])
    orm = DashboardUser.objects.get(pk=user.pk)
    assert field_values(fetched) == field_values(orm)
    assert fetched.directory_attributes["enterprise"] == {"employeeNumber": "7"}
    assert fetched.last_sign_in_at.tzinfo is not None
    assert fetched._state.adding is False and fetched._state.db == "default"


@pytest.mark.django_db
def test_related_objects_come_in_the_same_query(django_assert_num_queries):
    company = CompanyFactory(name="Initech")
    ScimIntegration.objects.create(
        company=company, default_workspace=WorkspaceFactory(company=company), token_prefix="p1"
    )
    with django_assert_num_queries(1):
        (integration,) = fetch(
            ScimIntegration, "token_prefix = %s", ["p1"], limit=1, related=("company",)
        )
        assert integration.company.name == "Initech"


@pytest.mark.django_db
def test_no_match_is_an_empty_list():
    assert fetch(DashboardUser, "public_id = %s", ["missing"]) == []


@pytest.mark.skipif(not connection.features.has_select_for_update, reason="SQLite has no row locks")
@pytest.mark.django_db(transaction=True)  # outside a test transaction, to see the check
def test_a_lock_needs_a_transaction_and_takes_one_inside_it():
    user = UserFactory()
    with pytest.raises(RuntimeError, match="needs a transaction"):
        fetch(DashboardUser, "public_id = %s", [user.public_id], lock=True)
    with transaction.atomic():
        (locked,) = fetch(DashboardUser, "public_id = %s", [user.public_id], lock=True)
    assert locked.pk == user.pk
