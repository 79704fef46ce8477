from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    CompanyAdminFactory,
    PermissionSetFactory,
    RoleFactory,
    TeamFactory,
    UserFactory,
    WorkspaceFactory,
)
from workspaces import selectors, services
from workspaces.models import DashboardUser, RoleAssignment, TeamMembership, WorkspaceMembership
from workspaces.services import TeamGrant, UserAccess, UserProfile, WorkspaceGrant

pytestmark = pytest.mark.django_db


def make_user(company, email="new@example.com", **access):
    return create_with_access(company, email, **access).user


def create_with_access(company, email="new@example.com", **access):
    return services.user_create(
        company=company,
        email=email,
        profile=UserProfile(given_name="Ada", family_name="Lovelace", department="engineering"),
        access=UserAccess(**access),
    )


def with_access(user):
    return selectors.users_with_access([user])[0]


def test_user_create_writes_memberships(company, workspace):
    team = TeamFactory(workspace=workspace)
    role = RoleFactory(company=company)
    user = make_user(
        company,
        company_permissions=["manage_company_settings"],
        workspaces=[
            WorkspaceGrant(
                workspace=workspace,
                permissions=["basic_access"],
                teams=[TeamGrant(team=team, permissions=["edit_segments"])],
            )
        ],
        roles=[role],
    )
    assert user.company_permissions == ["manage_company_settings"]
    assert WorkspaceMembership.objects.get(user=user).permissions == ["basic_access"]
    assert TeamMembership.objects.get(user=user).team == team
    assert RoleAssignment.objects.get(user=user).role == role
    assert not user.has_usable_password()
    # Unusable passwords differ from user to user, as Django's own do: the password is part of
    # what a password-reset token hashes.
    other = make_user(company, "other@example.com")
    assert not other.has_usable_password()
    assert other.password != user.password
    other.refresh_from_db()
    assert not other.has_usable_password()


def test_user_create_with_a_password_stores_it_hashed_with_the_memberships(company, workspace):
    with CaptureQueriesContext(connection) as captured:
        created = services.user_create(
            company=company,
            email="pw@example.com",
            profile=UserProfile(),
            access=UserAccess(workspaces=[WorkspaceGrant(workspace=workspace)]),
            password="a long passphrase 42",
        )
    # The user and its membership in one statement (around it, the test transaction's savepoint).
    assert sum("INSERT" in q["sql"] for q in captured) == 1
    stored = DashboardUser.objects.get(pk=created.user.pk)
    assert stored.check_password("a long passphrase 42")
    assert stored.password != "a long passphrase 42"
    assert WorkspaceMembership.objects.get(user=stored).workspace == workspace


def _as_read(user):
    return with_access(DashboardUser.objects.get(pk=user.pk))


def test_a_write_answers_with_exactly_the_access_a_read_would_find(company, workspace):
    """Creates and updates answer with what they wrote instead of reading it back; that must be
    what users_with_access reads: same rows, same order, permission sets and teams included."""
    other = WorkspaceFactory(company=company, name="A first by name")
    pset = PermissionSetFactory(workspace=workspace, permissions=["basic_access"])
    teams = [TeamFactory(workspace=workspace, name=n) for n in ("Zeta", "Alpha")]
    grants = [
        WorkspaceGrant(
            workspace=workspace,
            permissions=["basic_access", "edit_segments", "basic_access"],
            permission_set=pset,
            teams=[TeamGrant(team=t, permissions=["edit_segments"]) for t in teams],
        ),
        WorkspaceGrant(workspace=other, permissions=["admin"]),
        WorkspaceGrant(workspace=other, permissions=["basic_access"]),  # the last one wins
    ]
    created = create_with_access(company, workspaces=grants)
    assert created == _as_read(created.user)
    assert [a.workspace.name for a in created.workspaces] == ["A first by name", workspace.name]
    assert [t.team.name for t in created.teams] == ["Alpha", "Zeta"]

    updated = services.user_update(user=created, access=UserAccess(workspaces=grants[1:2]))
    assert updated == _as_read(created.user)
    assert updated.teams == ()


def test_a_user_written_with_a_role_answers_with_what_the_role_grants(company, workspace):
    """A role's permission sets aren't in hand when its assignment is written: read back."""
    role = RoleFactory(company=company)
    role.permission_sets.add(PermissionSetFactory(workspace=workspace))
    created = create_with_access(
        company, workspaces=[WorkspaceGrant(workspace=workspace)], roles=[role]
    )
    assert created == _as_read(created.user)
    assert [p.workspace.pk for p in created.roles[0].permission_sets] == [workspace.pk]
    updated = services.user_update(user=created, access=UserAccess(roles=[role]))
    assert updated == _as_read(created.user) and updated.workspaces == ()


def test_user_create_refuses_an_email_taken_in_another_case_and_company(company):
    UserFactory(email="ada@example.com")  # another company
    with pytest.raises(services.UserAlreadyExists) as info:
        make_user(company, email="ADA@example.com")
    assert str(info.value) == "User already exists in the database."
    assert DashboardUser.objects.filter(company=company).count() == 0


@pytest.mark.parametrize(
    ("access", "kind", "value"),
    [
        ({"company_permissions": ["owner"]}, "company permission", "owner"),
        ({"workspaces": "bad-workspace"}, "workspace permission", "fly"),
        ({"workspaces": "bad-team"}, "team permission", "view_pii"),
    ],
)
def test_user_create_names_an_unknown_permission_and_writes_nothing(
    company, workspace, access, kind, value
):
    if access.get("workspaces") == "bad-workspace":
        access = {"workspaces": [WorkspaceGrant(workspace=workspace, permissions=["fly"])]}
    elif access.get("workspaces") == "bad-team":
        team = TeamFactory(workspace=workspace)
        access = {
            "workspaces": [
                WorkspaceGrant(
                    workspace=workspace, teams=[TeamGrant(team=team, permissions=["view_pii"])]
                )
            ]
        }
    with pytest.raises(services.UnknownValue) as info:
        make_user(company, **access)
    assert (info.value.kind, info.value.value) == (kind, value)
    assert not DashboardUser.objects.exists()


def test_user_create_refuses_an_unknown_department(company):
    with pytest.raises(services.UnknownValue):
        services.user_create(
            company=company,
            email="x@example.com",
            profile=UserProfile(department="sales"),
            access=UserAccess(),
        )


def test_user_update_replaces_access_entirely(company, workspace):
    pset = PermissionSetFactory(workspace=workspace)
    user = make_user(
        company, workspaces=[WorkspaceGrant(workspace=workspace, permissions=["admin"])]
    )
    services.user_update(
        user=with_access(user),
        access=UserAccess(workspaces=[WorkspaceGrant(workspace=workspace, permission_set=pset)]),
    )
    membership = WorkspaceMembership.objects.get(user=user)
    assert membership.permissions == []
    assert membership.permission_set == pset


def test_user_update_is_a_no_op_when_nothing_changes(company):
    user = make_user(company)
    before = user.updated_at
    services.user_update(
        user=with_access(user),
        profile=UserProfile(given_name="Ada", family_name="Lovelace", department="engineering"),
    )
    user.refresh_from_db()
    assert user.updated_at == before


@pytest.mark.parametrize("memberships_too", [False, True], ids=["profile", "profile and access"])
def test_an_update_of_a_user_written_since_it_was_read_writes_nothing(
    company, workspace, memberships_too
):
    user = make_user(company, workspaces=[WorkspaceGrant(workspace=workspace)])
    read = with_access(DashboardUser.objects.get(pk=user.pk))
    services.user_update(user=with_access(user), profile=UserProfile(given_name="First"))
    other = WorkspaceFactory(company=company)
    access = UserAccess(workspaces=[WorkspaceGrant(workspace=other)]) if memberships_too else None
    with pytest.raises(services.UserChanged):
        services.user_update(user=read, profile=UserProfile(given_name="Second"), access=access)
    user.refresh_from_db()
    assert user.given_name == "First"
    assert [m.workspace for m in WorkspaceMembership.objects.filter(user=user)] == [workspace]
    # Read again, the same change goes through.
    services.user_update(
        user=with_access(user), profile=UserProfile(given_name="Second"), access=access
    )
    user.refresh_from_db()
    assert user.given_name == "Second"


def test_deleting_the_last_admin_is_refused(company):
    admin = CompanyAdminFactory(company=company)
    with pytest.raises(services.LastAdminError):
        services.user_delete(user=admin)
    assert DashboardUser.objects.filter(pk=admin.pk).exists()


def test_an_admin_can_be_deleted_while_another_remains(company):
    first, _second = CompanyAdminFactory(company=company), CompanyAdminFactory(company=company)
    services.user_delete(user=first)
    assert not DashboardUser.objects.filter(pk=first.pk).exists()


def test_the_last_admin_cannot_lose_the_admin_permission(company):
    admin = CompanyAdminFactory(company=company)
    with pytest.raises(services.LastAdminError):
        services.user_update(user=with_access(admin), access=UserAccess())


def test_role_membership_helpers(company):
    role = RoleFactory(company=company)
    a, b, c = (UserFactory(company=company) for _ in range(3))
    services.role_add_members(role=role, users=[a, b])
    services.role_add_members(role=role, users=[b])  # repeated add is harmless
    services.role_remove_members(role=role, users=[a])
    assert set(role.members.all()) == {b}
    services.role_set_members(role=role, users=[a, c])
    assert set(role.members.all()) == {a, c}
