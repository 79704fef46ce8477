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
    """Prefetch everything a full user document shows, in a fixed number of queries."""
    return queryset.prefetch_related(
        Prefetch(
            "workspace_memberships",
            queryset=WorkspaceMembership.objects.select_related(
                "workspace", "permission_set"
            ).order_by("workspace__name"),
        ),
        Prefetch(
            "team_memberships",
            queryset=TeamMembership.objects.select_related("team__workspace").order_by(
                "team__name"
            ),
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
                )
            )
            .order_by("role__name"),
        ),
    )


def user_get_for_company(*, company: Company, public_id: str) -> DashboardUser | None:
    return users_with_access(users_for_company(company)).filter(public_id=public_id).first()


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
