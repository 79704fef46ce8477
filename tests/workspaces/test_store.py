"""workspaces.store: the hand-written SQL must read and write what the ORM would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    CompanyFactory,
    PermissionSetFactory,
    RoleFactory,
    TeamFactory,
    UserFactory,
    WorkspaceFactory,
)
from workspaces import store
from workspaces.models import DashboardUser, Team, TeamMembership, Workspace, WorkspaceMembership


def field_values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


@pytest.mark.django_db
def test_a_user_for_its_document_is_the_instance_the_orm_builds(django_assert_num_queries):
    user = UserFactory(
        directory_attributes={"enterprise": {"employeeNumber": "7"}, "displayName": "Ada"},
        last_sign_in_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        is_active=False,
    )
    with django_assert_num_queries(1):
        fetched, rows = store.user_for_document(user.company_id, user.public_id)
    orm = DashboardUser.objects.get(pk=user.pk)
    assert field_values(fetched) == field_values(orm)
    assert fetched.directory_attributes["enterprise"] == {"employeeNumber": "7"}
    assert fetched.last_sign_in_at.tzinfo is not None
    assert fetched._state.adding is False and fetched._state.db == "default"
    assert rows == []  # no memberships: no rows (not a row of NULLs)


@pytest.mark.django_db
def test_a_user_comes_with_its_membership_rows_in_one_query(django_assert_num_queries):
    user = UserFactory()
    workspaces = [WorkspaceFactory(company=user.company, name=n) for n in ("B", "A")]
    for workspace in workspaces:
        WorkspaceMembership.objects.create(user=user, workspace=workspace, permissions=["x"])
    team = TeamFactory(workspace=workspaces[0], name="Growth")
    TeamMembership.objects.create(user=user, team=team, permissions=[])
    with django_assert_num_queries(1):
        ((fetched, rows),) = store.users_by_email(user.company_id, user.email.upper())
    assert fetched.pk == user.pk
    kinds = sorted((row[0], row[3]) for row in rows)
    assert kinds == [("t", "Growth"), ("w", "A"), ("w", "B")]
    assert sorted(rows) == sorted(store.access_rows([user.pk]))


@pytest.mark.django_db
def test_a_user_of_another_company_is_not_found():
    user = UserFactory()
    other = CompanyFactory()
    assert store.user_for_document(other.pk, user.public_id) is None
    assert store.users_by_email(other.pk, user.email) == []


@pytest.mark.django_db(transaction=True)  # outside a test transaction, to see the check
def test_a_lock_needs_a_transaction_and_takes_one_inside_it():
    user = UserFactory()
    with pytest.raises(RuntimeError, match="needs a transaction"):
        store.user_for_document(user.company_id, user.public_id, lock=True)
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        locked, _ = store.user_for_document(user.company_id, user.public_id, lock=True)
    assert locked.pk == user.pk
    assert "FOR UPDATE" in captured[0]["sql"]


@pytest.mark.django_db
def test_named_in_company_finds_by_name_or_public_id_within_the_company_only():
    company = CompanyFactory()
    ours = WorkspaceFactory(company=company, name="Production")
    WorkspaceFactory(name="Production")  # another company's
    staging = WorkspaceFactory(company=company, name="Staging")
    team = TeamFactory(workspace=ours, name="Growth")
    TeamFactory(name="Growth")  # in another company's workspace
    found = store.named_in_company(
        Workspace, company.pk, names=["Production"], public_ids=[staging.public_id]
    )
    assert sorted(w.pk for w in found) == sorted([ours.pk, staging.pk])
    named = store.named_in_company
    assert [t.pk for t in named(Team, company.pk, names=["Growth"], public_ids=[])] == [team.pk]
    assert named(Workspace, company.pk, names=[], public_ids=[]) == []
    pset = PermissionSetFactory(workspace=ours)
    role = RoleFactory(company=company)
    assert named(type(pset), company.pk, names=[pset.name], public_ids=[]) == [pset]
    assert named(type(role), company.pk, names=[], public_ids=[role.public_id]) == [role]


@pytest.mark.django_db
def test_user_save_fields_writes_those_fields_as_save_would():
    user = UserFactory(given_name="Ada", family_name="Lovelace", department="")
    stale = DashboardUser.objects.get(pk=user.pk)
    user.given_name, user.family_name = "Grace", "Hopper"  # family_name is not saved below
    user.directory_attributes = {"enterprise": {"costCenter": "42"}}
    user.updated_at = dt.datetime(2026, 5, 6, 7, 8, 9, 123456, tzinfo=dt.UTC)
    fields = ["given_name", "directory_attributes", "updated_at"]
    assert store.user_save_fields(user, fields, unchanged_since=stale.updated_at)
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
def test_user_save_fields_unchanged_since_writes_only_a_row_not_written_meanwhile():
    user = UserFactory(given_name="Ada")
    read_at = user.updated_at
    user.given_name, user.updated_at = "Grace", read_at + dt.timedelta(seconds=1)
    assert store.user_save_fields(user, ["given_name", "updated_at"], unchanged_since=read_at)
    user.given_name = "Joan"  # from the same read, after the write above
    assert not store.user_save_fields(user, ["given_name"], unchanged_since=read_at)
    assert DashboardUser.objects.get(pk=user.pk).given_name == "Grace"
    DashboardUser.objects.filter(pk=user.pk).delete()  # a deleted row: False, as for a moved one
    assert not store.user_save_fields(user, ["given_name"], unchanged_since=user.updated_at)


@pytest.mark.django_db
def test_memberships_add_stores_new_instances_as_bulk_create_would():
    user = UserFactory()
    production, staging = (WorkspaceFactory(company=user.company) for _ in range(2))
    memberships = [
        WorkspaceMembership(workspace=production, permissions=["basic_access"]),
        WorkspaceMembership(workspace=staging, permissions=[]),
    ]
    store.memberships_add(user, memberships)
    stored = {m.pk: m for m in WorkspaceMembership.objects.filter(user=user)}
    assert [stored[m.pk].workspace_id for m in memberships] == [production.pk, staging.pk]
    assert stored[memberships[0].pk].permissions == ["basic_access"]
    assert all(m.user_id == user.pk and not m._state.adding for m in memberships)


def new_user(company, email: str) -> DashboardUser:
    user = DashboardUser(company=company, email=email, given_name="New")
    user.set_unusable_password()
    return user


@pytest.mark.django_db
def test_user_create_with_memberships_is_one_statement(django_assert_num_queries):
    company = CompanyFactory()
    production, staging = WorkspaceFactory(company=company), WorkspaceFactory(company=company)
    team = TeamFactory(workspace=production)
    user = new_user(company, "family@example.com")
    children = [
        WorkspaceMembership(user=user, workspace=production, permissions=["basic_access"]),
        TeamMembership(user=user, team=team, permissions=["edit_segments"]),
        WorkspaceMembership(user=user, workspace=staging, permissions=[]),
    ]
    with django_assert_num_queries(1):
        store.user_create_with_memberships(user, children)
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
def test_user_create_with_memberships_writes_all_or_nothing():
    company = CompanyFactory()
    workspace = WorkspaceFactory(company=company)
    user = new_user(company, "twice@example.com")
    twice = [WorkspaceMembership(user=user, workspace=workspace) for _ in range(2)]
    with pytest.raises(IntegrityError), transaction.atomic():
        store.user_create_with_memberships(user, twice)  # one per workspace: the second fails
    assert not DashboardUser.objects.filter(email="twice@example.com").exists()

    UserFactory(email="taken@example.com")
    duplicate = new_user(company, "taken@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        store.user_create_with_memberships(
            duplicate, [WorkspaceMembership(user=duplicate, workspace=workspace)]
        )
    assert not WorkspaceMembership.objects.exists()


@pytest.mark.django_db
def test_instance_by_is_select_related_in_one_query(django_assert_num_queries):
    from provisioning.models import ScimIntegration
    from provisioning.store import integration_by_token_prefix

    company = CompanyFactory(name="Initech")
    workspace = WorkspaceFactory(company=company, name="Production")
    ScimIntegration.objects.create(company=company, default_workspace=workspace, token_prefix="p1")
    orm = ScimIntegration.objects.select_related("company", "default_workspace").get()
    with django_assert_num_queries(1):
        integration = integration_by_token_prefix("p1")
        assert integration.company.name == "Initech"
        assert integration.default_workspace.name == "Production"
    assert field_values(integration) == field_values(orm)
    assert field_values(integration.company) == field_values(orm.company)
    assert field_values(integration.default_workspace) == field_values(orm.default_workspace)
    assert integration_by_token_prefix("missing") is None


@pytest.mark.django_db
def test_instance_by_gives_none_for_an_empty_nullable_foreign_key():
    user = UserFactory()
    DashboardUser.objects.filter(pk=user.pk).update(company=None)  # staff belong to none
    fetched = store.instance_by(DashboardUser, "public_id", user.public_id, related=("company",))
    assert fetched.pk == user.pk and fetched.company is None
