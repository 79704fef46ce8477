"""SCIM User documents <-> service arguments. camelCase stops here.

Input: `parse_user` validates a POST/PUT body, or a PATCH's result (after the IdP quirks are
normalised), without I/O: the workspaces, teams, permission sets and roles it names stay
references, which the view resolves with `selectors.access_refs_resolve` and `user_access` turns
into service arguments. Output: `render_user` builds the full document from a
`selectors.UserWithAccess` (as a selector read it or a service wrote it), without further queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from provisioning.scim import idp_quirks
from provisioning.scim.errors import (
    DASHBOARD_USER_SCHEMA,
    ENTERPRISE_USER_SCHEMA,
    GROUP_SCHEMA,
    USER_SCHEMA,
    bad_request,
)
from workspaces.models import Workspace
from workspaces.permissions import Department
from workspaces.selectors import AccessRefs, Ref, ResolvedRefs, UserWithAccess
from workspaces.services import TeamGrant, UserAccess, UserProfile, WorkspaceGrant

# Canonical spellings of the User attributes we read, by lower-cased name (RFC 7643 §2.1).
USER_ATTRIBUTES = {
    name.lower(): name
    for name in [
        "schemas", "id", "externalId", "userName", "name", "displayName", "nickName",
        "profileUrl", "title", "userType", "preferredLanguage", "locale", "timezone", "active",
        "password", "emails", "phoneNumbers", "addresses", "department", "permissions", "meta",
        "groups", "roles", "ims", "photos", "entitlements", "x509Certificates",
        "createdAt", "lastSignInAt",
    ]
}  # fmt: skip
NAME_ATTRIBUTES = {
    n.lower(): n
    for n in [
        "givenName",
        "familyName",
        "formatted",
        "middleName",
        "honorificPrefix",
        "honorificSuffix",
    ]
}
ENTERPRISE_ATTRIBUTES = {
    n.lower(): n
    for n in ["employeeNumber", "costCenter", "organization", "division", "department", "manager"]
}
# Core attributes the dashboard doesn't model: kept in `directory_attributes` and returned as given.
STORED_CORE_ATTRIBUTES = (
    "displayName", "nickName", "profileUrl", "title", "userType", "preferredLanguage", "locale",
    "timezone", "emails", "phoneNumbers", "addresses",
)  # fmt: skip
NAME_EXTRA = ("formatted", "middleName", "honorificPrefix", "honorificSuffix")
MAX_STRING = 255


@dataclass(frozen=True)
class UserInput:
    email: str
    profile: UserProfile
    access: PermissionsInput | None  # None: the request did not mention permissions
    password: str | None


# ---------------------------------------------------------------------------------------------
# Input


def _string(value: Any, attribute: str, *, required: bool = False, limit: int = MAX_STRING) -> str:
    if value is not None and not isinstance(value, str):
        raise bad_request(f"'{attribute}' must be a string.")
    if value is not None and len(value) > limit:
        raise bad_request(f"'{attribute}' is longer than {limit} characters.")
    text = (value or "").strip()
    if required and not text:
        raise bad_request(f"'{attribute}' is required.", "invalidValue")
    return text


def _list(value: Any, attribute: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request(f"'{attribute}' must be an array.")
    return value


def _object(value: Any, attribute: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad_request(f"'{attribute}' must be an object.")
    return value


def _strings(value: Any, attribute: str) -> list[str]:
    items = _list(value, attribute)
    if not all(isinstance(item, str) for item in items):
        raise bad_request(f"'{attribute}' must be an array of strings.")
    return items


def normalise_user_document(data: Any) -> dict:
    """Canonical attribute names, extension URNs folded in, IdP quirks undone."""
    if not isinstance(data, dict):
        raise bad_request("The body must be a JSON object.", "invalidSyntax")
    doc = idp_quirks.canonical_keys(data, USER_ATTRIBUTES)
    for key in [k for k in doc if isinstance(k, str) and k.lower().startswith("urn:")]:
        # Some clients repeat `schemas` inside an extension object; it says nothing new there.
        value = {k: v for k, v in _object(doc.pop(key), key).items() if k != "schemas"}
        if key.lower() == DASHBOARD_USER_SCHEMA.lower():
            doc.update(idp_quirks.canonical_keys(_object(value, key), USER_ATTRIBUTES))
        elif key.lower() == ENTERPRISE_USER_SCHEMA.lower():
            doc["enterprise"] = idp_quirks.canonical_keys(
                _object(value, key), ENTERPRISE_ATTRIBUTES
            )
        elif key.lower() != USER_SCHEMA.lower():
            raise bad_request(f"Unknown schema extension: {key}.", "invalidSyntax")
    if isinstance(doc.get("name"), dict):
        doc["name"] = idp_quirks.canonical_keys(doc["name"], NAME_ATTRIBUTES)
    return doc


def _check_schemas(doc: dict) -> None:
    schemas = doc.get("schemas")
    if not isinstance(schemas, list) or not any(
        isinstance(s, str) and s.lower() == USER_SCHEMA.lower() for s in schemas
    ):
        raise bad_request(f"'schemas' must include {USER_SCHEMA}.", "invalidSyntax")


def parse_user(data: Any) -> UserInput:
    """Validate a full User document (POST, PUT, or the result of a PATCH)."""
    doc = normalise_user_document(data)
    _check_schemas(doc)
    unknown = [k for k in doc if k not in USER_ATTRIBUTES.values() and k != "enterprise"]
    if unknown:
        raise bad_request(f"Unknown attribute: {unknown[0]!r}.", "invalidSyntax")
    email = _string(doc.get("userName"), "userName", required=True, limit=254)
    try:
        validate_email(email)
    except ValidationError:
        raise bad_request(f"'userName' must be an email address: {email!r}.") from None
    name = _object(doc.get("name"), "name")
    # Absent: left as it is. IdPs don't know this Braze attribute, so their PUTs must not clear it.
    department = _string(doc["department"], "department") if "department" in doc else None
    if department and department not in Department.values:
        raise bad_request(f"Unknown department: {department!r}.")
    active = doc.get("active", True)
    profile = UserProfile(
        given_name=_string(name.get("givenName"), "name.givenName", limit=150),
        family_name=_string(name.get("familyName"), "name.familyName", limit=150),
        department=department,
        external_id=_string(doc.get("externalId"), "externalId"),
        is_active=idp_quirks.boolean_from_string(active, "active") if active is not None else True,
        directory_attributes=_directory_attributes(doc, name),
    )
    access = None
    if doc.get("permissions") is not None:
        access = parse_permissions(doc["permissions"])
    password = doc.get("password")
    if password is not None and (not isinstance(password, str) or len(password) > 4096):
        raise bad_request("'password' must be a string.")
    return UserInput(email=email, profile=profile, access=access, password=password or None)


# Sub-attributes of the multi-valued attributes we keep (RFC 7643 §4.1.2), with their types.
MULTI_VALUED_SUB_ATTRIBUTES: dict[str, type | tuple[type, ...]] = {
    "value": str, "display": str, "type": str, "primary": bool, "formatted": str,
    "streetAddress": str, "locality": str, "region": str, "postalCode": str, "country": str,
}  # fmt: skip
SIMPLE_STORED = tuple(
    a for a in STORED_CORE_ATTRIBUTES if a not in ("emails", "phoneNumbers", "addresses")
)


def _directory_attributes(doc: dict, name: dict) -> dict:
    """What an IdP sends that the dashboard doesn't use, checked so it is returned as valid
    SCIM (strings are strings, `primary` is a boolean) and stored as sent."""
    stored: dict[str, Any] = {}
    for key in SIMPLE_STORED:
        if doc.get(key) not in (None, ""):
            stored[key] = _string(doc[key], key)
    for key in ("emails", "phoneNumbers", "addresses"):
        if key in doc and doc[key] is not None:
            stored[key] = [_multi_value(item, key) for item in _list(doc[key], key)]
    extra_name = {k: _string(name[k], f"name.{k}") for k in NAME_EXTRA if name.get(k)}
    if extra_name:
        stored["name"] = extra_name
    enterprise = _enterprise(doc.get("enterprise"))
    if enterprise:
        stored["enterprise"] = enterprise
    return stored


def _multi_value(item: Any, attribute: str) -> dict:
    entry = idp_quirks.canonical_keys(
        _object(item, f"{attribute}[]"), {k.lower(): k for k in MULTI_VALUED_SUB_ATTRIBUTES}
    )
    for key, value in entry.items():
        expected = MULTI_VALUED_SUB_ATTRIBUTES.get(key)
        if expected is None:
            raise bad_request(f"Unknown sub-attribute {attribute}.{key}.", "invalidSyntax")
        if key == "primary":
            entry[key] = idp_quirks.boolean_from_string(value, f"{attribute}.primary")
        elif not isinstance(value, expected) or len(value) > MAX_STRING:
            raise bad_request(f"'{attribute}.{key}' must be a string of at most {MAX_STRING}.")
    return entry


def _enterprise(value: Any) -> dict:
    """The enterprise extension (RFC 7643 §4.3), kept apart from our `department` enum."""
    ext = _object(value, ENTERPRISE_USER_SCHEMA)
    unknown = [k for k in ext if k not in ENTERPRISE_ATTRIBUTES.values()]
    if unknown:
        raise bad_request(f"Unknown enterprise attribute: {unknown[0]!r}.", "invalidSyntax")
    result = {
        key: _string(ext[key], key)
        for key in ("employeeNumber", "costCenter", "organization", "division", "department")
        if ext.get(key) not in (None, "")
    }
    manager = idp_quirks.manager_object(ext.get("manager"))
    if manager:
        manager = idp_quirks.canonical_keys(
            _object(manager, "manager"),
            {"value": "value", "displayname": "displayName", "$ref": "$ref"},
        )
        result["manager"] = {
            k: _string(manager[k], f"manager.{k}")
            for k in ("value", "displayName", "$ref")
            if manager.get(k)
        }
    return result


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


def _ref(entry: dict, name_key: str, id_keys: tuple[str, ...], what: str) -> Ref:
    """How an entry names a thing: by id if it gives one, else by name."""
    for key in id_keys:
        if entry.get(key) not in (None, ""):
            return Ref("public_id", _string(entry[key], key))
    if entry.get(name_key) not in (None, ""):
        return Ref("name", _string(entry[name_key], name_key))
    raise bad_request(f"Each {what} needs '{name_key}' or '{id_keys[0]}'.")


def parse_permissions(value: Any) -> PermissionsInput:
    perms = idp_quirks.canonical_keys(
        _object(value, "permissions"),
        {"companypermissions": "companyPermissions", "roles": "roles", "appgroup": "appGroup"},
    )
    roles = [
        _ref(_object(r, "roles[]"), "roleName", ("roleId",), "role")
        for r in _list(perms.get("roles"), "permissions.roles")
    ]
    groups = [
        _app_group(_object(g, "appGroup[]"))
        for g in _list(perms.get("appGroup"), "permissions.appGroup")
    ]
    return PermissionsInput(
        company_permissions=_strings(perms.get("companyPermissions"), "companyPermissions"),
        roles=roles,
        app_groups=groups,
    )


def _app_group(group: dict) -> AppGroupInput:
    workspace = _ref(group, "appGroupName", ("appGroupId",), "workspace")
    sets = [
        _ref(
            _object(s, "appGroupPermissionSets[]"),
            "appGroupPermissionSetName",
            ("appGroupPermissionSetId", "appGroupPermissionSetID"),
            "permission set",
        )
        for s in _list(group.get("appGroupPermissionSets"), "appGroupPermissionSets")
    ]
    teams = []
    for entry in _list(group.get("team"), "team"):
        entry = _object(entry, "team[]")
        ref = _ref(entry, "teamName", ("teamId",), "team")
        teams.append((ref, _strings(entry.get("teamPermissions"), "teamPermissions")))
    if len(sets) > 1:
        raise bad_request("'appGroupPermissionSets' takes a single permission set.")
    return AppGroupInput(
        workspace=workspace,
        permissions=_strings(group.get("appGroupPermissions"), "appGroupPermissions"),
        permission_set=sets[0] if sets else None,
        teams=teams,
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


def version_of(updated_at: dt.datetime) -> str:
    """A weak ETag that changes whenever the resource changes (RFC 7644 §3.14)."""
    return f'W/"{int(updated_at.timestamp() * 1_000_000):x}"'


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


def user_input_document(found: UserWithAccess, *, braze_shape: bool) -> dict:
    """The user's writable attributes as the client sees them: what a PATCH changes."""
    user = found.user
    extra = dict(user.directory_attributes or {})
    enterprise = extra.pop("enterprise", None)
    doc = {
        "schemas": [USER_SCHEMA],
        "userName": user.email,
        "name": {
            **extra.pop("name", {}),
            "givenName": user.given_name,
            "familyName": user.family_name,
        },
        "active": user.is_active,
        **extra,
    }
    dashboard = {"permissions": render_permissions(found)}
    if user.department:
        dashboard["department"] = user.department
    if braze_shape:
        doc.update(dashboard)
    else:
        doc[DASHBOARD_USER_SCHEMA] = dashboard
    if user.external_id:
        doc["externalId"] = user.external_id
    if enterprise:
        doc[ENTERPRISE_USER_SCHEMA] = enterprise
    return doc


# ---------------------------------------------------------------------------------------------
# Groups (company roles)

GROUP_ATTRIBUTES = {
    n.lower(): n for n in ["schemas", "id", "externalId", "displayName", "members", "meta"]
}


@dataclass(frozen=True)
class GroupInput:
    display_name: str
    external_id: str
    members: list[str] | None  # public ids; None: the request did not mention members


def member_ids(value: Any) -> list[str]:
    """`[{"value": "<user id>"}, ...]` -> ["<user id>", ...] (Okta adds `display`, Entra `$ref`)."""
    ids = []
    for item in _list(value, "members"):
        item = idp_quirks.canonical_keys(_object(item, "members[]"), {"value": "value"})
        ids.append(_string(item.get("value"), "members.value", required=True))
    return ids


def parse_group(data: Any) -> GroupInput:
    if not isinstance(data, dict):
        raise bad_request("The body must be a JSON object.", "invalidSyntax")
    doc = idp_quirks.canonical_keys(data, GROUP_ATTRIBUTES)
    schemas = doc.get("schemas")
    if not isinstance(schemas, list) or not any(
        isinstance(s, str) and s.lower() == GROUP_SCHEMA.lower() for s in schemas
    ):
        raise bad_request(f"'schemas' must include {GROUP_SCHEMA}.", "invalidSyntax")
    return GroupInput(
        display_name=_string(doc.get("displayName"), "displayName", required=True, limit=200),
        external_id=_string(doc.get("externalId"), "externalId"),
        members=member_ids(doc["members"]) if doc.get("members") is not None else None,
    )


def render_group(role, *, location: str, members: list[tuple[str, str]] | None, member_url) -> dict:
    doc = {"schemas": [GROUP_SCHEMA], "id": role.public_id, "displayName": role.name}
    if role.external_id:
        doc["externalId"] = role.external_id
    if members is not None:
        doc["members"] = [
            {"value": public_id, "type": "User", "$ref": member_url(public_id)}
            for public_id, _email in members
        ]
    doc["meta"] = {
        "resourceType": "Group",
        "created": iso_time(role.created_at),
        "lastModified": iso_time(role.updated_at),
        "location": location,
        "version": version_of(role.updated_at),
    }
    return doc
