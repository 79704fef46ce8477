"""SCIM User documents <-> service arguments. camelCase stops here.

Input: `parse_user` checks a POST/PUT body, or a PATCH's result, against `resources.USER`, without
I/O: the workspaces, teams, permission sets and roles it names stay references, which the view
resolves with `selectors.access_refs_resolve` and `user_access` turns into service arguments.
Output: `render_user` builds the full document from a `selectors.UserWithAccess` (as a selector
read it or a service wrote it), without further queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from provisioning.scim import idp_quirks, resources
from provisioning.scim.errors import ScimError, bad_request
from provisioning.scim.etags import version_of
from provisioning.scim.resources import USER
from provisioning.scim.urns import DASHBOARD_USER_SCHEMA, ENTERPRISE_USER_SCHEMA, USER_SCHEMA
from workspaces.models import Workspace
from workspaces.selectors import AccessRefs, Ref, ResolvedRefs, UserWithAccess
from workspaces.services import TeamGrant, UserAccess, UserProfile, WorkspaceGrant

# Canonical spellings of the names a User body may hold at the top level (RFC 7643 §2.1).
_TOP_LEVEL = {name: attribute.name for name, attribute in USER.root.subs.items()}
_TOP_LEVEL["schemas"] = "schemas"
_DEPARTMENTS = USER.find("department")[1].canonical_values


@dataclass(frozen=True)
class UserInput:
    email: str
    profile: UserProfile
    access: PermissionsInput | None  # None: the request did not mention permissions
    password: str | None


# ---------------------------------------------------------------------------------------------
# Input


def normalise_user_document(data: Any) -> dict:
    """Canonical top-level names, the dashboard extension folded into the top level (Braze's
    form), IdP quirks undone; `parse_user` checks the rest."""
    if not isinstance(data, dict):
        raise bad_request("The body must be a JSON object.", "invalidSyntax")
    doc = idp_quirks.canonical_keys(data, _TOP_LEVEL)
    flat = doc.pop(DASHBOARD_USER_SCHEMA, None)
    if flat is not None:
        if not isinstance(flat, dict):
            raise bad_request(f"'{DASHBOARD_USER_SCHEMA}' must be an object.")
        flat = idp_quirks.canonical_keys(flat, _TOP_LEVEL)
        doc.update({key: value for key, value in flat.items() if key != "schemas"})
    enterprise = doc.get(ENTERPRISE_USER_SCHEMA)
    if isinstance(enterprise, dict):
        doc[ENTERPRISE_USER_SCHEMA] = {
            key: idp_quirks.manager_object(value) if key.lower() == "manager" else value
            for key, value in enterprise.items()
        }
    return doc


def parse_user(data: Any) -> UserInput:
    """Check a full User document (POST, PUT, or the result of a PATCH)."""
    doc = normalise_user_document(data)
    resources.check_schemas(doc, USER_SCHEMA)
    values = resources.clean(doc, USER.root, "")
    fields, directory = USER.stored(values)
    email = fields["email"]
    try:
        validate_email(email)
    except ValidationError:
        raise bad_request(f"'userName' must be an email address: {email!r}.") from None
    # Absent: left as it is. IdPs don't know this Braze attribute, so their PUTs must not clear it.
    department = fields.get("department", "") if "department" in doc else None
    if department and department not in _DEPARTMENTS:
        raise bad_request(f"Unknown department: {department!r}.")
    profile = UserProfile(
        given_name=fields.get("given_name", ""),
        family_name=fields.get("family_name", ""),
        department=department,
        external_id=fields.get("external_id", ""),
        is_active=fields["is_active"],
        directory_attributes=directory,
    )
    access = None
    if doc.get("permissions") is not None:
        access = parse_permissions(values.get("permissions", {}))
    password = values.get("password") or None
    return UserInput(email=email, profile=profile, access=access, password=password)


def parse_patched_user(before: dict, after: dict) -> UserInput:
    """The user a PATCH leaves: `after` is `before` (`user_input_document`) with the
    operations applied."""
    document = normalise_user_document(after)
    if document.get("permissions") == before["permissions"]:
        document.pop("permissions")  # unchanged: don't rewrite every membership
    elif "permissions" not in document:
        document["permissions"] = {}  # removed: back to the default access
    if "active" not in document:
        raise ScimError(400, "'active' cannot be removed; set it to false.", "mutability")
    # Removed by an operation: cleared (a PUT that omits them leaves them as they are).
    document.setdefault("department", "")
    if "emails" in before and "emails" not in document:
        document["emails"] = []  # stored as "none", so the sign-in email isn't shown instead
    return parse_user(document)


# ---------------------------------------------------------------------------------------------
# The Braze `permissions` object


@dataclass(frozen=True)
class AppGroupInput:
    """One `appGroup` entry: a workspace, and what the user gets in it, by reference."""

    workspace: Ref
    permissions: list[str]
    permission_set: Ref | None
    teams: list[tuple[Ref, list[str]]]  # each team with its permissions


@dataclass(frozen=True)
class PermissionsInput:
    """The `permissions` object as parsed, naming things it doesn't resolve: the view has
    `selectors.access_refs_resolve` find them, and `user_access` makes service arguments."""

    company_permissions: list[str]
    roles: list[Ref]
    app_groups: list[AppGroupInput]

    def refs(self) -> AccessRefs:
        return AccessRefs(
            workspaces=tuple(group.workspace for group in self.app_groups),
            teams=tuple(ref for group in self.app_groups for ref, _ in group.teams),
            permission_sets=tuple(
                group.permission_set for group in self.app_groups if group.permission_set
            ),
            roles=tuple(self.roles),
        )


def _ref(entry: dict, name_key: str, id_key: str, what: str) -> Ref:
    """How an entry names a thing: by id if it gives one, else by name."""
    if id_key in entry:
        return Ref("public_id", entry[id_key])
    if name_key in entry:
        return Ref("name", entry[name_key])
    raise bad_request(f"Each {what} needs '{name_key}' or '{id_key}'.")


def parse_permissions(perms: dict) -> PermissionsInput:
    """The permissions object as `resources.clean` returned it."""
    return PermissionsInput(
        company_permissions=perms.get("companyPermissions", []),
        roles=[_ref(r, "roleName", "roleId", "role") for r in perms.get("roles", [])],
        app_groups=[_app_group(group) for group in perms.get("appGroup", [])],
    )


def _app_group(group: dict) -> AppGroupInput:
    sets = [
        _ref(s, "appGroupPermissionSetName", "appGroupPermissionSetId", "permission set")
        for s in group.get("appGroupPermissionSets", [])
    ]
    if len(sets) > 1:
        raise bad_request("'appGroupPermissionSets' takes a single permission set.")
    return AppGroupInput(
        workspace=_ref(group, "appGroupName", "appGroupId", "workspace"),
        permissions=group.get("appGroupPermissions", []),
        permission_set=sets[0] if sets else None,
        teams=[
            (_ref(team, "teamName", "teamId", "team"), team.get("teamPermissions", []))
            for team in group.get("team", [])
        ],
    )


def user_access(requested: PermissionsInput, found: ResolvedRefs) -> UserAccess:
    """Service arguments from a parsed `permissions` object and the rows its references name.
    A reference that names nothing, or a team or permission set outside its workspace, is a 400."""
    refs = requested.refs()
    _check_known(refs.roles, found.roles, "role")
    _check_known(refs.workspaces, found.workspaces, "workspace")
    _check_known(refs.permission_sets, found.permission_sets, "permission set")
    _check_known(refs.teams, found.teams, "team")
    return UserAccess(
        company_permissions=requested.company_permissions,
        workspaces=[_workspace_grant(group, found) for group in requested.app_groups],
        roles=[found.roles[ref] for ref in requested.roles],
    )


def _check_known(refs: tuple[Ref, ...], found: dict, what: str) -> None:
    for ref in refs:
        if ref not in found:
            raise bad_request(f"Unknown {what}: {ref.value!r}.")


def _workspace_grant(group: AppGroupInput, found: ResolvedRefs) -> WorkspaceGrant:
    workspace = found.workspaces[group.workspace]
    pset = found.permission_sets[group.permission_set] if group.permission_set else None
    if pset is not None and pset.workspace_id != workspace.pk:
        raise bad_request(f"Permission set {pset.name!r} is not in workspace {workspace.name!r}.")
    teams = [TeamGrant(team=found.teams[ref], permissions=perms) for ref, perms in group.teams]
    for grant in teams:
        if grant.team.workspace_id != workspace.pk:
            raise bad_request(f"Team {grant.team.name!r} is not in workspace {workspace.name!r}.")
    return WorkspaceGrant(
        workspace=workspace, permissions=group.permissions, permission_set=pset, teams=teams
    )


def names_stored_access(requested: PermissionsInput, stored: UserWithAccess) -> bool:
    """Whether `requested` names exactly the access `stored` holds, by names or ids and in any
    order of its entries, so that `user_access` and the update would change nothing. When in
    doubt (something it names the user doesn't hold, an entry given twice) it says no, and the
    request takes the full way."""
    if not requested.app_groups:
        return False  # the default workspace applies, which the stored user may not be in
    ids: dict[tuple[str, Ref], Ref] = {}
    held = [
        *(("workspace", a.workspace) for a in stored.workspaces),
        *(("permission set", a.permission_set) for a in stored.workspaces if a.permission_set),
        *(("team", a.team) for a in stored.teams),
        *(("role", a.role) for a in stored.roles),
    ]
    for kind, thing in held:
        by_id = Ref("public_id", thing.public_id)
        ids[kind, by_id] = ids[kind, Ref("name", thing.name)] = by_id
    try:
        asked = _by_stored_id(requested, ids)
    except KeyError:
        return False
    return asked == _by_stored_id(parse_permissions(render_permissions(stored)), ids)


def _by_stored_id(permissions: PermissionsInput, ids: dict[tuple[str, Ref], Ref]) -> tuple:
    """`permissions` comparable with another: every reference by id, the entries sorted."""
    app_groups = [
        (
            ids["workspace", group.workspace],
            group.permissions,
            group.permission_set and ids["permission set", group.permission_set],
            sorted((ids["team", ref], perms) for ref, perms in group.teams),
        )
        for group in permissions.app_groups
    ]
    roles = sorted(ids["role", ref] for ref in permissions.roles)
    return permissions.company_permissions, roles, sorted(app_groups)


def with_default_workspace(access: UserAccess | None, default_workspace: Workspace) -> UserAccess:
    """Braze: a request that names no workspace puts the user in the default workspace."""
    access = access or UserAccess()
    if access.workspaces:
        return access
    return UserAccess(
        company_permissions=access.company_permissions,
        workspaces=[WorkspaceGrant(workspace=default_workspace)],
        roles=access.roles,
    )


# ---------------------------------------------------------------------------------------------
# Output

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def braze_time(value: dt.datetime | None) -> str:
    """Braze's format, in English and UTC whatever the locale: "2024 Nov 11, 4:20 PM", or "N/A"."""
    if value is None:
        return "N/A"
    value = value.astimezone(dt.UTC)
    hour = value.hour % 12 or 12
    half = "AM" if value.hour < 12 else "PM"
    return f"{value.year} {_MONTHS[value.month - 1]} {value.day}, {hour}:{value.minute:02d} {half}"


def iso_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _permission_set(pset) -> dict:
    return {
        "appGroupPermissionSetName": pset.name,
        "appGroupPermissionSetId": pset.public_id,
        "permissions": list(pset.permissions),
    }


def render_permissions(found: UserWithAccess, *, nested: bool = True) -> dict:
    """Braze's permissions object. `nested=False` keeps to the two levels a SCIM schema can
    describe (RFC 7643 §2.4): no teams, permission sets or role expansions."""
    teams_by_workspace: dict[int, list[dict]] = defaultdict(list)
    for tm in found.teams:
        teams_by_workspace[tm.workspace_id].append(
            {
                "teamName": tm.team.name,
                "teamId": tm.team.public_id,
                "teamPermissions": list(tm.permissions),
            }
        )
    app_groups = []
    for membership in found.workspaces:
        entry = {
            "appGroupName": membership.workspace.name,
            "appGroupId": membership.workspace.public_id,
            "appGroupPermissions": list(membership.permissions),
        }
        if nested:
            if membership.permission_set is not None:
                entry["appGroupPermissionSets"] = [_permission_set(membership.permission_set)]
            entry["team"] = teams_by_workspace.get(membership.workspace_id, [])
        app_groups.append(entry)
    return {
        "companyPermissions": list(found.user.company_permissions),
        "roles": [
            _render_role(a) if nested else {"roleName": a.role.name, "roleId": a.role.public_id}
            for a in found.roles
        ],
        "appGroup": app_groups,
    }


def _render_role(access) -> dict:
    by_workspace: dict[int, dict] = {}
    for pset in access.permission_sets:
        group = by_workspace.setdefault(
            pset.workspace_id,
            {
                "appGroupName": pset.workspace.name,
                "appGroupId": pset.workspace.public_id,
                "appGroupPermissionSets": [],
            },
        )
        group["appGroupPermissionSets"].append(_permission_set(pset))
    return {
        "roleName": access.role.name,
        "roleId": access.role.public_id,
        "appGroup": list(by_workspace.values()),
    }


def render_user(
    found: UserWithAccess, *, location: str, braze_shape: bool, default_workspace_id: int | None
) -> dict:
    """The User document. `braze_shape` puts the dashboard attributes at the top level, where
    Braze's own API has them, with Braze's dates; otherwise they sit under their extension URN
    (RFC 7643 §3), and `permissions` is left out when it is just the default access, the way
    an absent `permissions` means the default access on input."""
    user = found.user
    extra = dict(user.directory_attributes or {})
    enterprise = extra.pop("enterprise", None)
    name = {
        "formatted": user.get_full_name(),  # unless the IdP sent its own
        **extra.pop("name", {}),
        "givenName": user.given_name,
        "familyName": user.family_name,
    }
    emails = extra.pop("emails", None)
    dashboard = {"department": user.department}
    if braze_shape:
        dashboard["createdAt"] = braze_time(user.created_at)
        dashboard["lastSignInAt"] = braze_time(user.last_sign_in_at)
    if braze_shape or not _has_default_access(found, default_workspace_id):
        dashboard["permissions"] = render_permissions(found, nested=braze_shape)
    doc = {
        "schemas": [USER_SCHEMA],
        "id": user.public_id,
        "externalId": user.external_id,
        "userName": user.email,
        "name": {k: v for k, v in name.items() if v},
        "displayName": extra.pop("displayName", None) or user.get_full_name(),
        # Every user has their sign-in email; Entra and Okta address it as the work email.
        "emails": [{"value": user.email, "type": "work", "primary": True}]
        if emails is None
        else emails,
        "active": user.is_active,
        **extra,
    }
    if braze_shape:
        doc.update(dashboard)
    elif dashboard.get("department") or "permissions" in dashboard:
        doc["schemas"].append(DASHBOARD_USER_SCHEMA)
        doc[DASHBOARD_USER_SCHEMA] = dashboard
    if enterprise:
        doc["schemas"].append(ENTERPRISE_USER_SCHEMA)
        doc[ENTERPRISE_USER_SCHEMA] = enterprise
    doc["meta"] = {
        "resourceType": "User",
        "created": iso_time(user.created_at),
        "lastModified": iso_time(user.updated_at),
        "location": location,
        "version": version_of(user.updated_at),
    }
    return _without_unassigned(doc)


def _has_default_access(found: UserWithAccess, default_workspace_id: int | None) -> bool:
    memberships = found.workspaces
    return (
        not found.user.company_permissions
        and not found.roles
        and not found.teams
        and len(memberships) == 1
        and memberships[0].workspace_id == default_workspace_id
        and not memberships[0].permissions
        and memberships[0].permission_set is None
    )


def _without_unassigned(doc: dict) -> dict:
    """RFC 7643 §2.5: an unassigned attribute is left out, not sent as "" or []."""
    cleaned = {}
    for key, value in doc.items():
        if isinstance(value, dict) and key != "permissions":
            value = _without_unassigned(value)
        if value not in ("", None, [], {}) or key == "permissions":
            cleaned[key] = value
    return cleaned


def user_input_document(found: UserWithAccess) -> dict:
    """The user's writable attributes, what a PATCH changes, in Braze's layout: the dashboard
    attributes at the top level, however the client names them (`patch._container`)."""
    user = found.user
    extra = dict(user.directory_attributes or {})
    enterprise = extra.pop("enterprise", None)
    name = {**extra.pop("name", {}), "givenName": user.given_name, "familyName": user.family_name}
    doc = {
        "schemas": [USER_SCHEMA],
        "userName": user.email,
        "name": name,
        "active": user.is_active,
        **extra,
        "permissions": render_permissions(found),
    }
    if user.department:
        doc["department"] = user.department
    if user.external_id:
        doc["externalId"] = user.external_id
    if enterprise:
        doc[ENTERPRISE_USER_SCHEMA] = enterprise
    return doc
