"""Reads. Every company-scoped query starts from one of these functions."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from workspaces.models import (
    Company,
    DashboardUser,
    PermissionSet,
    Role,
    RoleAssignment,
    Team,
    TeamMembership,
    Workspace,
    WorkspaceMembership,
    email_matches,
)


def user_email_taken(email: str) -> bool:
    """True if any user anywhere has this email, in any case (Braze: unique per instance)."""
    return DashboardUser.objects.filter(email_matches(email)).exists()


def users_for_company(company: Company) -> QuerySet[DashboardUser]:
    return DashboardUser.objects.filter(company=company)


def users_with_access(queryset: QuerySet[DashboardUser]) -> QuerySet[DashboardUser]:
    """Prefetch everything a full user document shows, in a fixed number of queries.

    The rows land in plain lists (`to_attr`): `user.access_workspaces`, `user.access_teams`,
    `user.access_roles`, and `role.access_permission_sets` on each assignment's role. Lists,
    not related managers, because building a manager per user costs more than the SQL.
    """
    return queryset.prefetch_related(
        Prefetch(
            "workspace_memberships",
            queryset=WorkspaceMembership.objects.select_related(
                "workspace", "permission_set"
            ).order_by("workspace__name"),
            to_attr="access_workspaces",
        ),
        Prefetch(
            "team_memberships",
            queryset=TeamMembership.objects.select_related("team").order_by("team__name"),
            to_attr="access_teams",
        ),
        Prefetch(
            "role_assignments",
            queryset=RoleAssignment.objects.select_related("role")
            .prefetch_related(
                Prefetch(
                    "role__permission_sets",
                    queryset=PermissionSet.objects.select_related("workspace").order_by(
                        "workspace__name", "name"
                    ),
                    to_attr="access_permission_sets",
                )
            )
            .order_by("role__name"),
            to_attr="access_roles",
        ),
    )


def user_get_for_company(
    *, company: Company, public_id: str, lock: bool = False
) -> DashboardUser | None:
    """One user of the company with everything its document shows; `lock` holds the row until
    the transaction ends (writes read and lock in one query)."""
    users = users_with_access(users_for_company(company)).filter(public_id=public_id)
    return next(iter(users.select_for_update() if lock else users), None)


def workspaces_for_company(company: Company) -> QuerySet[Workspace]:
    return Workspace.objects.filter(company=company)


def teams_for_company(company: Company) -> QuerySet[Team]:
    return Team.objects.filter(workspace__company=company).select_related("workspace")


def roles_for_company(company: Company) -> QuerySet[Role]:
    return Role.objects.filter(company=company)


def permission_sets_for_company(company: Company) -> QuerySet[PermissionSet]:
    return PermissionSet.objects.filter(workspace__company=company).select_related("workspace")


def company_admins(company: Company) -> QuerySet[DashboardUser]:
    # JSON text search works the same on SQLite and PostgreSQL; it runs only when deleting an admin.
    return users_for_company(company).filter(company_permissions__icontains='"admin"')


def role_members(role_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """(public id, email) of each role's holders, for several roles in one query."""
    members: dict[int, list[tuple[str, str]]] = {pk: [] for pk in role_ids}
    rows = (
        RoleAssignment.objects.filter(role_id__in=role_ids)
        .order_by("role_id", "user_id")
        .values_list("role_id", "user__public_id", "user__email")
    )
    for role_id, public_id, email in rows:
        members[role_id].append((public_id, email))
    return members


def user_ids_by_public_id(company: Company | int, public_ids: set[str]) -> dict[str, int]:
    rows = (
        users_for_company(company).filter(public_id__in=public_ids).values_list("public_id", "pk")
    )
    return dict(rows)


def user_workspace_permissions(user: DashboardUser) -> dict[Workspace, set[str]]:
    """What the user may do in each workspace: direct grants, their permission set, and the
    permission sets of every role they hold (a member of an IdP group gets its role's rights)."""
    granted: dict[Workspace, set[str]] = {}
    for membership in user.workspace_memberships.select_related("workspace", "permission_set"):
        perms = granted.setdefault(membership.workspace, set())
        perms.update(membership.permissions)
        if membership.permission_set is not None:
            perms.update(membership.permission_set.permissions)
    role_sets = PermissionSet.objects.filter(roles__assignments__user=user).select_related(
        "workspace"
    )
    for pset in role_sets:
        granted.setdefault(pset.workspace, set()).update(pset.permissions)
    return granted
