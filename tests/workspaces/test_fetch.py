"""workspaces.fetch: hand-written WHERE clauses must give the instances the ORM gives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from provisioning.models import ScimIntegration
from tests.factories import CompanyFactory, TeamFactory, UserFactory, WorkspaceFactory
from workspaces.fetch import (
    fetch,
    fetch_with_lateral,
    insert,
    insert_with_children,
    save_fields,
)
from workspaces.models import DashboardUser, TeamMembership, WorkspaceMembership


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


@pytest.mark.django_db(transaction=True)  # outside a test transaction, to see the check
def test_a_lock_needs_a_transaction_and_takes_one_inside_it():
    user = UserFactory()
    with pytest.raises(RuntimeError, match="needs a transaction"):
        fetch(DashboardUser, "public_id = %s", [user.public_id], lock=True)
    with transaction.atomic():
        (locked,) = fetch(DashboardUser, "public_id = %s", [user.public_id], lock=True)
    assert locked.pk == user.pk


@pytest.mark.django_db
def test_save_fields_writes_those_fields_as_save_would():
    user = UserFactory(given_name="Ada", family_name="Lovelace", department="")
    stale = DashboardUser.objects.get(pk=user.pk)
    user.given_name, user.family_name = "Grace", "Hopper"  # family_name is not saved below
    user.directory_attributes = {"enterprise": {"costCenter": "42"}}
    user.updated_at = dt.datetime(2026, 5, 6, 7, 8, 9, 123456, tzinfo=dt.UTC)
    save_fields(user, ["given_name", "directory_attributes", "updated_at"])
    stored = DashboardUser.objects.get(pk=user.pk)
    assert stored.given_name == "Grace"
    assert stored.family_name == "Lovelace"
    assert stored.directory_attributes == {"enterprise": {"costCenter": "42"}}
    assert stored.updated_at == user.updated_at
    expected = stale
    expected.given_name, expected.updated_at = "Grace", user.updated_at
    expected.directory_attributes = user.directory_attributes
    assert field_values(stored) == field_values(expected)


@pytest.mark.django_db
def test_save_fields_of_a_deleted_row_fails_like_save():
    user = UserFactory()
    DashboardUser.objects.filter(pk=user.pk).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        save_fields(user, ["given_name"])


@pytest.mark.django_db
def test_insert_stores_new_instances_as_bulk_create_would():
    company = CompanyFactory()
    production, staging = WorkspaceFactory(company=company), WorkspaceFactory(company=company)
    user = DashboardUser(company=company, email="new@example.com", given_name="New")
    user.set_unusable_password()
    insert([user])
    assert user.pk is not None and not user._state.adding
    assert field_values(DashboardUser.objects.get(pk=user.pk)) == field_values(user)
    memberships = [
        WorkspaceMembership(user=user, workspace=production, permissions=["basic_access"]),
        WorkspaceMembership(user=user, workspace=staging, permissions=[]),
    ]
    insert(memberships)
    stored = {m.pk: m for m in WorkspaceMembership.objects.filter(user=user)}
    assert [stored[m.pk].workspace_id for m in memberships] == [production.pk, staging.pk]
    assert stored[memberships[0].pk].permissions == ["basic_access"]
    insert([])  # nothing to do, no query


@pytest.mark.django_db
def test_fetch_with_lateral_pairs_each_row_with_its_subquery_rows(django_assert_num_queries):
    member, loner = UserFactory(), UserFactory()
    workspaces = [WorkspaceFactory(company=member.company) for _ in range(2)]
    for workspace in workspaces:
        WorkspaceMembership.objects.create(user=member, workspace=workspace)
    table = connection.ops.quote_name(WorkspaceMembership._meta.db_table)

    def memberships(user_id: str) -> str:
        return f"SELECT m.workspace_id FROM {table} m WHERE m.user_id = {user_id}"

    with django_assert_num_queries(1):
        pairs = fetch_with_lateral(
            DashboardUser,
            "id IN (%s, %s)",
            [member.pk, loner.pk],
            lateral=memberships,
        )
    by_user: dict = {}
    for user, row in pairs:
        by_user.setdefault(user, []).append(row)
    assert len({id(user) for user, _ in pairs}) == 2  # one instance per row of the model
    fetched = {user.pk: user for user in by_user}
    assert field_values(fetched[member.pk]) == field_values(DashboardUser.objects.get(pk=member.pk))
    assert sorted(by_user[fetched[member.pk]]) == sorted((w.pk,) for w in workspaces)
    assert by_user[fetched[loner.pk]] == [(None,)]  # nothing in the subquery: one row of NULLs


@pytest.mark.django_db(transaction=True)  # outside a test transaction, to see the check
def test_fetch_with_lateral_locks_the_row_inside_a_transaction_only():
    user = UserFactory()

    def same(user_id: str) -> str:
        return f"SELECT {user_id} AS same"

    with pytest.raises(RuntimeError, match="needs a transaction"):
        fetch_with_lateral(DashboardUser, "id = %s", [user.pk], lateral=same, lock=True)
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        ((fetched, row),) = fetch_with_lateral(
            DashboardUser, "id = %s", [user.pk], lateral=same, lock=True
        )
    assert (fetched.pk, row) == (user.pk, (user.pk,))
    assert "FOR UPDATE" in captured[0]["sql"]


def new_user(company, email: str) -> DashboardUser:
    user = DashboardUser(company=company, email=email, given_name="New")
    user.set_unusable_password()
    return user


@pytest.mark.django_db
def test_insert_with_children_stores_a_row_and_the_rows_pointing_at_it(django_assert_num_queries):
    company = CompanyFactory()
    production, staging = WorkspaceFactory(company=company), WorkspaceFactory(company=company)
    team = TeamFactory(workspace=production)
    user = new_user(company, "family@example.com")
    children = [
        WorkspaceMembership(user=user, workspace=production, permissions=["basic_access"]),
        TeamMembership(user=user, team=team, permissions=["edit_segments"]),
        WorkspaceMembership(user=user, workspace=staging, permissions=[]),
    ]
    with django_assert_num_queries(1):  # one statement
        insert_with_children(user, children)
    assert field_values(DashboardUser.objects.get(pk=user.pk)) == field_values(user)
    for child in children:
        assert child.pk is not None and not child._state.adding
        assert child.user_id == user.pk
        assert field_values(type(child).objects.get(pk=child.pk)) == field_values(child)
    assert {m.workspace_id for m in WorkspaceMembership.objects.filter(user=user)} == {
        production.pk,
        staging.pk,
    }


@pytest.mark.django_db
def test_insert_with_children_writes_all_or_nothing():
    company = CompanyFactory()
    workspace = WorkspaceFactory(company=company)
    user = new_user(company, "twice@example.com")
    twice = [WorkspaceMembership(user=user, workspace=workspace) for _ in range(2)]
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_with_children(user, twice)  # one membership per workspace: the second fails
    assert not DashboardUser.objects.filter(email="twice@example.com").exists()

    UserFactory(email="taken@example.com")
    duplicate = new_user(company, "taken@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_with_children(duplicate, [WorkspaceMembership(user=duplicate, workspace=workspace)])
    assert not WorkspaceMembership.objects.exists()
