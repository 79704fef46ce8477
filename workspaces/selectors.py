"""Reads. Every company-scoped query starts from one of these functions."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, TypeVar

from django.db.models import QuerySet

from workspaces import store
from workspaces.models import (
    Company,
    DashboardUser,
    PermissionSet,
    Role,
    RoleAssignment,
    Team,
    Workspace,
    email_matches,
)

M = TypeVar("M", Workspace, Team, PermissionSet, Role)


def user_email_taken(email: str) -> bool:
    """True if any user anywhere has this email, in any case (Braze: unique per instance)."""
    return DashboardUser.objects.filter(email_matches(email)).exists()


def users_for_company(company: Company) -> QuerySet[DashboardUser]:
    return DashboardUser.objects.filter(company=company)


@dataclass(frozen=True)
class Named:
    """A workspace, team or role as a user's document names it."""

    pk: int
    name: str
    public_id: str


@dataclass(frozen=True)
class PermissionSetRow:
    name: str
    public_id: str
    permissions: list[str]
    workspace: Named

    @property
    def workspace_id(self) -> int:
        return self.workspace.pk


@dataclass(frozen=True)
class WorkspaceAccess:
    workspace: Named
    permissions: list[str]
    permission_set: PermissionSetRow | None

    @property
    def workspace_id(self) -> int:
        return self.workspace.pk


@dataclass(frozen=True)
class TeamAccess:
    team: Named
    workspace_id: int
    permissions: list[str]


@dataclass(frozen=True)
class RoleAccess:
    role: Named
    permission_sets: list[PermissionSetRow] = field(default_factory=list)


def _json_list(value: str | None) -> list:
    """A JSON column of a store row: text, since Django has psycopg leave jsonb to JSONField's
    own decoding."""
    return [] if value is None else json.loads(value)


@dataclass(frozen=True)
class UserWithAccess:
    """A user and what its document shows of its memberships, each sorted by name: the value a
    user is read as, and a write answers with, for rendering."""

    user: DashboardUser
    workspaces: tuple[WorkspaceAccess, ...] = ()
    teams: tuple[TeamAccess, ...] = ()
    roles: tuple[RoleAccess, ...] = ()


def users_with_access(users: list[DashboardUser]) -> list[UserWithAccess]:
    """These users with their access, in one query however many users, workspaces, teams and
    roles there are. Plain rows rather than prefetched models: building model instances, and a
    round trip per relation, cost more than the SQL (bench/README.md)."""
    return _with_access(users, store.access_rows([user.pk for user in users]))


def _with_access(users: list[DashboardUser], rows: list[store.AccessRow]) -> list[UserWithAccess]:
    """Each user with its membership rows (sorted as documents show them)."""
    found: dict[int, tuple[list, list, list]] = {user.pk: ([], [], []) for user in users}
    roles: dict[tuple[int, int], RoleAccess] = {}
    for kind, user_id, pk, name, public_id, perms, *permission_set in rows:
        workspaces, teams, user_roles = found[user_id]
        thing = Named(pk, name, public_id)
        set_name, set_pid, set_perms, ws_id, ws_name, ws_pid = permission_set
        pset = None
        if set_pid:
            workspace = Named(ws_id, ws_name, ws_pid)
            pset = PermissionSetRow(set_name, set_pid, _json_list(set_perms), workspace)
        if kind == "w":
            workspaces.append(WorkspaceAccess(thing, _json_list(perms), pset))
        elif kind == "t":
            teams.append(TeamAccess(thing, ws_id, _json_list(perms)))
        else:
            access = roles.get((user_id, pk))
            if access is None:
                access = roles[(user_id, pk)] = RoleAccess(thing)
                user_roles.append(access)
            if pset is not None:
                access.permission_sets.append(pset)
    for access in roles.values():
        access.permission_sets.sort(key=lambda p: (p.workspace.name, p.name))
    return [_sorted(user, *found[user.pk]) for user in users]


def _sorted(
    user: DashboardUser,
    workspaces: list[WorkspaceAccess],
    teams: list[TeamAccess],
    roles: list[RoleAccess],
) -> UserWithAccess:
    return UserWithAccess(
        user,
        tuple(sorted(workspaces, key=lambda a: (a.workspace.name, a.workspace.pk))),
        tuple(sorted(teams, key=lambda a: (a.team.name, a.team.pk))),
        tuple(sorted(roles, key=lambda a: (a.role.name, a.role.pk))),
    )


def user_with_written_access(
    user: DashboardUser,
    workspaces: list[tuple[Workspace, list[str], PermissionSet | None]],
    teams: list[tuple[Team, list[str]]],
) -> UserWithAccess:
    """What `users_with_access` would read right after these memberships (and no roles) were
    written, from the rows in hand: a write answers without reading back what it wrote."""

    def permission_set(pset: PermissionSet | None, workspace: Named) -> PermissionSetRow | None:
        if pset is None:
            return None
        return PermissionSetRow(pset.name, pset.public_id, list(pset.permissions), workspace)

    return _sorted(
        user,
        [
            WorkspaceAccess(_named(workspace), list(perms), permission_set(pset, _named(workspace)))
            for workspace, perms, pset in workspaces
        ],
        [TeamAccess(_named(team), team.workspace_id, list(perms)) for team, perms in teams],
        [],
    )


def _named(thing: Workspace | Team) -> Named:
    return Named(thing.pk, thing.name, thing.public_id)


def user_get_for_company(
    *, company: Company, public_id: str, lock: bool = False
) -> UserWithAccess | None:
    """One user of the company with everything its document shows; `lock` holds the row until
    the transaction ends (writes read and lock in one query)."""
    found = store.user_for_document(company.pk, public_id, lock=lock)
    return None if found is None else _with_access([found[0]], found[1])[0]


def users_with_email(company: Company, email: str) -> list[UserWithAccess]:
    """The company's user signing in with `email` (case-insensitively), with its access: the
    `userName eq` lookup an identity provider makes before every create."""
    return [_with_access([user], rows)[0] for user, rows in store.users_by_email(company.pk, email)]


def company_users_page(
    company: Company, *, offset: int, limit: int
) -> tuple[list[UserWithAccess], int]:
    """`limit` of the company's users in id order after skipping `offset`, with their access, and
    how many users the company has: the unfiltered list an identity provider's import reads page
    after page."""
    users, total = store.users_page(company.pk, offset=offset, limit=limit)
    return users_with_access(users), total


def workspaces_for_company(company: Company) -> QuerySet[Workspace]:
    return Workspace.objects.filter(company=company)


def roles_for_company(company: Company) -> QuerySet[Role]:
    return Role.objects.filter(company=company)


class Ref(NamedTuple):
    """A workspace, team, permission set or role as a request names it."""

    by: Literal["name", "public_id"]
    value: str


@dataclass(frozen=True)
class AccessRefs:
    """The workspaces, teams, permission sets and roles a request names, unresolved."""

    workspaces: tuple[Ref, ...] = ()
    teams: tuple[Ref, ...] = ()
    permission_sets: tuple[Ref, ...] = ()
    roles: tuple[Ref, ...] = ()


@dataclass(frozen=True)
class ResolvedRefs:
    """The company's rows each reference names; a reference that names none is absent."""

    workspaces: dict[Ref, Workspace]
    teams: dict[Ref, Team]
    permission_sets: dict[Ref, PermissionSet]
    roles: dict[Ref, Role]


def access_refs_resolve(*, company: Company, refs: AccessRefs) -> ResolvedRefs:
    """Resolve what a `permissions` object names within the company: one query per kind it
    names, none for a kind it doesn't. A team's or permission set's name is unique only within
    its workspace: by name, the first row found stands for it."""
    return ResolvedRefs(
        workspaces=_resolve(Workspace, company, refs.workspaces),
        teams=_resolve(Team, company, refs.teams),
        permission_sets=_resolve(PermissionSet, company, refs.permission_sets),
        roles=_resolve(Role, company, refs.roles),
    )


def _resolve(model: type[M], company: Company, refs: tuple[Ref, ...]) -> dict[Ref, M]:
    if not refs:
        return {}
    found: dict[Ref, M] = {}
    rows = store.named_in_company(
        model,
        company.pk,
        names=[ref.value for ref in refs if ref.by == "name"],
        public_ids=[ref.value for ref in refs if ref.by == "public_id"],
    )
    for row in rows:
        found[Ref("public_id", row.public_id)] = row
        found.setdefault(Ref("name", row.name), row)
    return {ref: found[ref] for ref in refs if ref in found}


def company_admins(company: Company) -> QuerySet[DashboardUser]:
    # A text search in the JSON; it runs only when deleting an admin.
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
