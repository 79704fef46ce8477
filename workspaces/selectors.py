"""Reads. Every company-scoped query starts from one of these functions."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, TypeVar

from django.db import connection
from django.db.models import QuerySet

from workspaces.fetch import any_of, fetch, fetch_with_lateral
from workspaces.models import (
    USER_BLOCK_SIZE,
    Company,
    DashboardUser,
    PermissionSet,
    Role,
    RoleAssignment,
    Team,
    TeamMembership,
    UserCountBlock,
    Workspace,
    WorkspaceMembership,
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


def _access_rows(user_ids: list[int]) -> list[tuple]:
    """Every membership row of these users in ONE query (see `_access_sql`)."""
    of_member, ids = any_of("m.user_id", user_ids)
    with connection.cursor() as cursor:
        cursor.execute(_access_sql(of_member), [*ids, *ids, *ids])
        return cursor.fetchall()


def _access_sql(of_member: str) -> str:
    """The membership rows of the users `of_member` selects (a condition on `m.user_id`, used
    three times), a UNION ALL of three. Columns: kind, user, thing id, name, public id,
    permissions, then a permission set (name, public id, permissions, workspace id, name,
    public id).

    Hand-written SQL on purpose: it is on every SCIM read, and the ORM took many times longer to
    compile this union than PostgreSQL to run it (bench/README.md); the tables come from the
    models.
    """
    tables = _access_tables()
    return f"""
        SELECT 'w', m.user_id, w.id, w.name, w.public_id, m.permissions,
               ps.name, ps.public_id, ps.permissions, w.id, w.name, w.public_id
          FROM {tables["wm"]} m
          JOIN {tables["ws"]} w ON w.id = m.workspace_id
          LEFT JOIN {tables["ps"]} ps ON ps.id = m.permission_set_id
         WHERE {of_member}
        UNION ALL
        SELECT 't', m.user_id, t.id, t.name, t.public_id, m.permissions,
               NULL, NULL, NULL, t.workspace_id, NULL, NULL
          FROM {tables["tm"]} m
          JOIN {tables["team"]} t ON t.id = m.team_id
         WHERE {of_member}
        UNION ALL
        SELECT 'r', m.user_id, r.id, r.name, r.public_id, NULL,
               ps.name, ps.public_id, ps.permissions, ps.workspace_id, w.name, w.public_id
          FROM {tables["ra"]} m
          JOIN {tables["role"]} r ON r.id = m.role_id
          LEFT JOIN {tables["rps"]} rp ON rp.role_id = r.id
          LEFT JOIN {tables["ps"]} ps ON ps.id = rp.permissionset_id
          LEFT JOIN {tables["ws"]} w ON w.id = ps.workspace_id
         WHERE {of_member}
    """  # noqa: S608 - only placeholders, quoted table names and the caller's condition


@functools.cache
def _access_tables() -> dict[str, str]:
    """The quoted table names `_access_sql` joins, built once (a dict per call showed in a
    lookup's profile, bench/README.md)."""
    return {
        name: connection.ops.quote_name(model._meta.db_table)
        for name, model in {
            "wm": WorkspaceMembership,
            "tm": TeamMembership,
            "ra": RoleAssignment,
            "ws": Workspace,
            "team": Team,
            "role": Role,
            "ps": PermissionSet,
            "rps": Role.permission_sets.through,
        }.items()
    }


def _json_list(value: str | None) -> list:
    """A JSON column read by hand-written SQL: text, since Django has psycopg leave jsonb to
    JSONField's own decoding."""
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
    return _with_access(users, _access_rows([user.pk for user in users]) if users else [])


def _with_access(users: list[DashboardUser], rows: list[tuple]) -> list[UserWithAccess]:
    """Each user with its `_access_sql` rows (sorted as documents show them)."""
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
    users = _users_where("company_id = %s AND public_id = %s", [company.pk, public_id], lock)
    return users[0] if users else None


def users_with_email(company: Company, email: str) -> list[UserWithAccess]:
    """The company's user signing in with `email` (case-insensitively), with its access: the
    `userName eq` lookup an identity provider makes before every create. Served by the unique
    index on lower(email) (the same condition as `models.email_matches`)."""
    return _users_where("company_id = %s AND lower(email) = lower(%s)", [company.pk, email])


def _users_where(where: str, params: list, lock: bool = False) -> list[UserWithAccess]:
    """Users matching `where`, with their access, in one query (the rows and their memberships,
    `fetch_with_lateral`): a round trip less on every GET, lookup and write of one user."""
    pairs = fetch_with_lateral(
        DashboardUser,
        where,
        params,
        lateral=lambda user_id: _access_sql(f"m.user_id = {user_id}"),
        lock=lock,
    )
    users = list(dict.fromkeys(user for user, _ in pairs))
    return _with_access(users, [row for _, row in pairs if row[0] is not None])


def company_users_page(
    company: Company, *, offset: int, limit: int
) -> tuple[list[UserWithAccess], int]:
    """`limit` of the company's users in id order after skipping `offset`, with their access, and
    how many users the company has: the unfiltered list an identity provider's import reads page
    after page.

    The per-block counts (`UserCountBlock`) give the total and the block of ids where the page
    starts, so neither COUNT(*) nor OFFSET walks the company's users, whose cost grows with the
    company (bench/README.md, "Fifth session").
    """
    located = _locate_in_blocks(company.pk, offset)
    if located is None:
        return [], 0
    block, before, total = located
    where, params, skip = "company_id = %s AND id >= %s", [company.pk, block], offset - before
    if not limit or offset >= total:
        return [], total
    return users_with_access(
        fetch(DashboardUser, where, params, order_by="id", limit=limit, offset=skip)
    ), total


def _locate_in_blocks(company_id: int, offset: int) -> tuple[int, int, int] | None:
    """(the first id of the block holding the company's user number `offset` + 1, how many of
    its users come before that block, how many it has), or None when it has none. An offset past
    the last user gives the first block; the caller sees the offset is past the total."""
    table = connection.ops.quote_name(UserCountBlock._meta.db_table)
    sql = f"""
        SELECT block, before, total FROM (
            SELECT block, sum(users) AS users,
                   (sum(sum(users)) OVER (ORDER BY block))::bigint - sum(users) AS before,
                   (sum(sum(users)) OVER ())::bigint AS total
              FROM {table} WHERE company_id = %s GROUP BY block
        ) AS blocks
        ORDER BY before + users <= %s, block
        LIMIT 1
    """  # noqa: S608 - only a quoted table name is interpolated
    with connection.cursor() as cursor:
        cursor.execute(sql, [company_id, offset])
        row = cursor.fetchone()
    if row is None:
        return None
    block, before, total = row
    return block * USER_BLOCK_SIZE, before, total


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
    for row in _named_in_company(model, company, refs):
        found[Ref("public_id", row.public_id)] = row
        found.setdefault(Ref("name", row.name), row)
    return {ref: found[ref] for ref in refs if ref in found}


def _named_in_company(model: type[M], company: Company, refs: tuple[Ref, ...]) -> list[M]:
    """The company's `model` rows with one of these names or public ids, in one query (through
    `fetch`, which spares the ORM's compilation; see its docstring)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    # Only quoted table names and placeholders are interpolated below.
    if model in (Workspace, Role):
        scope = f"{table}.company_id = %s"
    else:  # a team or a permission set belongs to the company through its workspace
        workspaces = quote(Workspace._meta.db_table)
        scope = f"{table}.workspace_id IN (SELECT id FROM {workspaces} WHERE company_id = %s)"  # noqa: S608
    matches, params = [], [company.pk]
    for column in ("name", "public_id"):
        values = sorted({ref.value for ref in refs if ref.by == column})
        if values:
            match, match_params = any_of(f"{table}.{column}", values)
            matches.append(match)
            params.extend(match_params)
    return fetch(model, f"{scope} AND ({' OR '.join(matches)})", params)


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
