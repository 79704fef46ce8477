"""Writes. Each public function is one transaction and returns early when nothing changes.

Callers (the admin, the SCIM API, management commands) hand in objects they already resolved
inside the user's company; these functions validate vocabularies and keep the rows consistent.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from workspaces import selectors, store
from workspaces.invitations import invitation_for
from workspaces.models import (
    Company,
    DashboardUser,
    Invitation,
    PermissionSet,
    Role,
    RoleAssignment,
    Team,
    TeamMembership,
    Workspace,
    WorkspaceMembership,
)
from workspaces.permissions import (
    COMPANY_PERMISSIONS,
    TEAM_PERMISSIONS,
    WORKSPACE_PERMISSIONS,
    Department,
    unknown_permissions,
)
from workspaces.selectors import UserWithAccess


class DomainError(Exception):
    """A request the domain refuses; the message is safe to show to the caller."""


class UserAlreadyExists(DomainError):
    def __init__(self) -> None:
        # Never say where the email is taken: it may be another company's user.
        super().__init__("User already exists in the database.")


class UnknownValue(DomainError):
    """A value outside its vocabulary (permission, department)."""

    def __init__(self, kind: str, value: str) -> None:
        self.kind, self.value = kind, value
        super().__init__(f"Unknown {kind}: {value!r}.")


class UserChanged(Exception):
    """Another write reached the user after it was read: read it again and make the change anew."""


class LastAdminError(DomainError):
    def __init__(self) -> None:
        super().__init__("This is the company's last administrator and cannot be removed.")


@dataclass(frozen=True)
class TeamGrant:
    team: Team
    permissions: Sequence[str] = ()


@dataclass(frozen=True)
class WorkspaceGrant:
    workspace: Workspace
    permissions: Sequence[str] = ()
    permission_set: PermissionSet | None = None
    teams: Sequence[TeamGrant] = ()


@dataclass(frozen=True)
class UserAccess:
    """Everything the Braze `permissions` object sets, resolved to rows of one company."""

    company_permissions: Sequence[str] = ()
    workspaces: Sequence[WorkspaceGrant] = ()
    roles: Sequence[Role] = ()


@dataclass
class UserProfile:
    """The plain attributes of a user. `None` in an update means "leave as it is"."""

    given_name: str = ""
    family_name: str = ""
    department: str | None = ""
    external_id: str = ""
    is_active: bool = True
    directory_attributes: dict = field(default_factory=dict)


PROFILE_FIELDS = (
    "given_name",
    "family_name",
    "department",
    "external_id",
    "is_active",
    "directory_attributes",
)


def _check_vocabulary(profile: UserProfile | None, access: UserAccess | None) -> None:
    if profile is not None and profile.department and profile.department not in Department.values:
        raise UnknownValue("department", profile.department)
    if access is None:
        return
    for bad in unknown_permissions(access.company_permissions, COMPANY_PERMISSIONS):
        raise UnknownValue("company permission", bad)
    for grant in access.workspaces:
        for bad in unknown_permissions(grant.permissions, WORKSPACE_PERMISSIONS):
            raise UnknownValue("workspace permission", bad)
        for team_grant in grant.teams:
            for bad in unknown_permissions(team_grant.permissions, TEAM_PERMISSIONS):
                raise UnknownValue("team permission", bad)


def _replace_access(user: DashboardUser, access: UserAccess) -> UserWithAccess | None:
    """Make the user's memberships exactly those in `access` (a full replace); what it wrote,
    as `_written` says."""
    user.workspace_memberships.all().delete()
    user.team_memberships.all().delete()
    user.role_assignments.all().delete()
    grants = _distinct_grants(access)
    store.memberships_add(user, _membership_rows(user, grants))
    return _written(user, grants)


def _membership_rows(user: DashboardUser, grants: tuple[list, list, list]) -> list:
    workspaces, teams, roles = grants
    return [
        *(
            WorkspaceMembership(user=user, workspace=w, permissions=p, permission_set=s)
            for w, p, s in workspaces
        ),
        *(TeamMembership(user=user, team=team, permissions=p) for team, p in teams),
        *(RoleAssignment(user=user, role=role) for role in roles),
    ]


def _written(user: DashboardUser, grants: tuple[list, list, list]) -> UserWithAccess | None:
    """The user with the memberships just written, so that it renders without reading them
    back; None when it was given roles, whose permission sets aren't in hand."""
    workspaces, teams, roles = grants
    return None if roles else selectors.user_with_written_access(user, workspaces, teams)


def _distinct_grants(access: UserAccess) -> tuple[list, list, list]:
    """What a user's memberships store for `access`, on a create or a replace: (workspace,
    permissions, permission set), (team, permissions) and roles, one grant per workspace, team
    and role (a repeated entry in a request wins over earlier ones) and each permission once."""
    workspaces = [
        (g.workspace, _once(g.permissions), g.permission_set)
        for g in _dedupe(access.workspaces, key=lambda g: g.workspace.pk)
    ]
    team_grants = (t for g in access.workspaces for t in g.teams)
    teams = [(t.team, _once(t.permissions)) for t in _dedupe(team_grants, key=lambda t: t.team.pk)]
    return workspaces, teams, _dedupe(access.roles, key=lambda r: r.pk)


def _once(permissions: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(permissions))


def _memberships_key(access: UserAccess) -> tuple:
    """What `_replace_access` would store, in a form comparable with the stored rows."""
    workspaces, teams, roles = _distinct_grants(access)
    return (
        sorted((w.pk, p, s and s.public_id) for w, p, s in workspaces),
        sorted((team.pk, p) for team, p in teams),
        sorted({role.pk for role in roles}),
    )


def _stored_memberships_key(stored: UserWithAccess) -> tuple:
    return (
        sorted(
            (a.workspace.pk, list(a.permissions), a.permission_set and a.permission_set.public_id)
            for a in stored.workspaces
        ),
        sorted((t.team.pk, list(t.permissions)) for t in stored.teams),
        sorted({r.role.pk for r in stored.roles}),
    )


def _dedupe(items: Iterable, *, key) -> list:
    """Keep the last item for each key, so a repeated entry in a request wins over earlier ones."""
    return list({key(item): item for item in items}.values())


def user_create(
    *,
    company: Company,
    email: str,
    profile: UserProfile,
    access: UserAccess,
    password: str | None = None,
    invite_base_url: str | None = None,
) -> UserWithAccess:
    """A new user of the company with this profile and access; the answer is the user and the
    memberships it wrote (read back only when it assigned roles, whose permission sets aren't in
    hand). With `invite_base_url` (the site's address, which the link starts with) the user is
    invited to choose a password: the invitation is written with the user, so its email is
    enqueued exactly when the user is created."""
    _check_vocabulary(profile, access)
    try:
        # The create is atomic by itself (`_insert_user`). Inside a caller's transaction it gets
        # a savepoint, so that a duplicate leaves that transaction usable for the check below.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            user, written = _insert_user(company, email, profile, access, password, invite_base_url)
    except IntegrityError:
        if selectors.user_email_taken(email):
            raise UserAlreadyExists() from None
        raise
    return written or selectors.users_with_access([user])[0]


def _insert_user(
    company: Company,
    email: str,
    profile: UserProfile,
    access: UserAccess,
    password: str | None,
    invite_base_url: str | None,
) -> tuple[DashboardUser, UserWithAccess | None]:
    user = DashboardUser(company=company, email=email)
    user.updated_at = user.created_at
    for name in PROFILE_FIELDS:
        if getattr(profile, name) is not None:
            setattr(user, name, getattr(profile, name))
    user.company_permissions = _once(access.company_permissions)
    grants = _distinct_grants(access)
    rows = _membership_rows(user, grants)
    if invite_base_url:
        rows.append(invitation_for(user, invite_base_url))  # in the same statement, see Invitation
    if password:
        user.set_password(password)
    else:  # what set_unusable_password() makes, from one read of the random source, not 40
        user.password = UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
    store.user_create_with_memberships(user, rows)
    if password:  # as save() tells the password validators
        password_validation.password_changed(password, user)
    return user, _written(user, grants)


# Services are atomic on their own and join the caller's transaction when there is one. Without a
# savepoint of their own (`savepoint=False`) they spare two round trips, SAVEPOINT and RELEASE;
# the price is that any exception inside such a block spoils the caller's whole transaction. So
# the checks that refuse a change run before the block, and the services that can refuse inside
# it (role_create, role_update) keep their savepoint.
def user_update(
    *,
    user: UserWithAccess,
    profile: UserProfile | None = None,
    access: UserAccess | None = None,
) -> UserWithAccess:
    """Replace the profile and/or the access of a user; `None` leaves that part alone. `user`
    comes with its stored access, as read without a lock, which a repeated PUT is compared with;
    the answer is the user as stored now, with its access. The write goes through only if no
    other has reached the user since it was read, else `UserChanged` and nothing is written
    (the caller reads again): so a change of the profile alone is one UPDATE, with neither a
    lock nor a transaction around it (bench/README.md, "Writes without a row lock")."""
    _check_vocabulary(profile, access)
    drops_admin = access is not None and "admin" not in access.company_permissions
    if drops_admin and "admin" in user.user.company_permissions:
        _refuse_losing_last_admin(user.user)
    stored, user = user, user.user  # the user as read, and its row
    changed: list[str] = []
    memberships_changed = False
    if profile is not None:
        changed = [
            n
            for n in PROFILE_FIELDS
            if getattr(profile, n) is not None and getattr(user, n) != getattr(profile, n)
        ]
        for name in changed:
            setattr(user, name, getattr(profile, name))
    if access is not None:
        company_permissions = _once(access.company_permissions)
        if company_permissions != user.company_permissions:
            user.company_permissions = company_permissions
            changed.append("company_permissions")
        # An IdP's repeated PUT of the same permissions changes nothing, not even the version.
        memberships_changed = _memberships_key(access) != _stored_memberships_key(stored)
    if not changed and not memberships_changed:
        return stored
    read_at, user.updated_at = user.updated_at, timezone.now()
    answer = stored
    # The UPDATE comes first: it holds the user's row until the memberships are rewritten. If it
    # finds the row moved on, the block ends having written nothing, without an exception inside
    # it, which would spoil a caller's transaction.
    with transaction.atomic(savepoint=False) if memberships_changed else nullcontext():
        written = store.user_save_fields(user, [*changed, "updated_at"], unchanged_since=read_at)
        if written and memberships_changed:
            answer = _replace_access(user, access) or selectors.users_with_access([user])[0]
    if not written:
        raise UserChanged()
    return answer


def _refuse_losing_last_admin(user: DashboardUser) -> None:
    if user.company_id and not selectors.company_admins(user.company).exclude(pk=user.pk).exists():
        raise LastAdminError()


def user_delete(*, user: DashboardUser) -> None:
    """Permanently delete a user (Braze: same as deleting under Company Users)."""
    if "admin" in user.company_permissions:
        _refuse_losing_last_admin(user)
    with transaction.atomic(savepoint=False):
        user.delete()


def user_invite(*, user: DashboardUser, base_url: str) -> Invitation:
    """Invite an existing user (again) to choose a password; the email is enqueued with the row,
    so it goes out once the caller's transaction commits, and never if it rolls back. A resend
    is written in the language of the user's last invitation, not in the staff member's."""
    invitation = invitation_for(user, base_url)
    earlier = user.invitations.first()
    if earlier is not None:
        invitation.language = earlier.language
    invitation.save()
    return invitation


def user_record_sign_in(*, user: DashboardUser) -> None:
    user.last_sign_in_at = timezone.now()
    user.save(update_fields=["last_sign_in_at"])


class RoleNameTaken(DomainError):
    def __init__(self, name: str) -> None:
        super().__init__(f"A group named {name!r} already exists.")


def _touch_role(role: Role, user_ids: Iterable[int]) -> None:
    """Membership changes show in the role's and its members' documents: bump both versions."""
    now = timezone.now()
    Role.objects.filter(pk=role.pk).update(updated_at=now)
    role.updated_at = now
    DashboardUser.objects.filter(pk__in=list(user_ids)).update(updated_at=now)


def _save_role(role: Role, update_fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            role.save(update_fields=update_fields)
    except IntegrityError:
        raise RoleNameTaken(role.name) from None


@transaction.atomic
def role_create(
    *, company: Company, name: str, external_id: str = "", member_ids: Iterable[int] = ()
) -> Role:
    role = Role(company=company, name=name, external_id=external_id)
    role.updated_at = role.created_at
    _save_role(role)
    role_add_members(role=role, users=member_ids)
    return role


def role_update(*, role: Role, name: str | None = None, external_id: str | None = None) -> Role:
    wanted = {"name": name, "external_id": external_id}
    changed = [f for f, v in wanted.items() if v is not None and getattr(role, f) != v]
    if not changed:  # a group PATCH that only adds members: no savepoint round trips
        return role
    with transaction.atomic():
        return _apply_role_update(role, changed, wanted)


def _apply_role_update(role: Role, changed: list[str], wanted: dict) -> Role:
    for field_name in changed:
        setattr(role, field_name, wanted[field_name])
    role.updated_at = timezone.now()
    _save_role(role, [*changed, "updated_at"])
    if "name" in changed:  # members' documents show the role's name
        member_ids = role.assignments.values_list("user_id", flat=True)
        DashboardUser.objects.filter(pk__in=member_ids).update(updated_at=role.updated_at)
    return role


@transaction.atomic(savepoint=False)
def role_delete(*, role: Role) -> None:
    member_ids = list(role.assignments.values_list("user_id", flat=True))
    role.delete()
    DashboardUser.objects.filter(pk__in=member_ids).update(updated_at=timezone.now())


def _ids(users: Iterable[DashboardUser | int]) -> set[int]:
    return {u if isinstance(u, int) else u.pk for u in users}


@transaction.atomic(savepoint=False)
def role_set_members(*, role: Role, users: Iterable[DashboardUser | int]) -> None:
    """Make `users` exactly the holders of `role`."""
    wanted = _ids(users)
    leaving = set(
        RoleAssignment.objects.filter(role=role)
        .exclude(user_id__in=wanted)
        .values_list("user_id", flat=True)
    )
    RoleAssignment.objects.filter(role=role, user_id__in=leaving).delete()
    current = set(RoleAssignment.objects.filter(role=role).values_list("user_id", flat=True))
    joining = wanted - current
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(role=role, user_id=pk) for pk in joining], ignore_conflicts=True
    )
    if leaving or joining:
        _touch_role(role, leaving | joining)


@transaction.atomic(savepoint=False)
def role_add_members(*, role: Role, users: Iterable[DashboardUser | int]) -> None:
    ids = _ids(users)
    if not ids:
        return
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(role=role, user_id=pk) for pk in ids], ignore_conflicts=True
    )
    _touch_role(role, ids)


@transaction.atomic(savepoint=False)
def role_remove_members(*, role: Role, users: Iterable[DashboardUser | int]) -> None:
    ids = _ids(users)
    if not ids:
        return
    deleted, _ = RoleAssignment.objects.filter(role=role, user_id__in=ids).delete()
    if deleted:
        _touch_role(role, ids)


@transaction.atomic(savepoint=False)
def role_clear_members(*, role: Role) -> None:
    ids = set(RoleAssignment.objects.filter(role=role).values_list("user_id", flat=True))
    role_remove_members(role=role, users=ids)
