"""Expected SCIM documents, built from RFC 7643 and the README ("Document shapes"), never by
calling or copying the code under test.

Content attributes come from the arguments a test passes (or the row it created); only what the
server assigns (ids, timestamps) is read back from the database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest.mock import ANY

from workspaces.models import DashboardUser, Role, Workspace

BASE = "http://testserver/scim/v2"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
DASHBOARD = "urn:ietf:params:scim:schemas:extension:dashboard:2.0:User"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")


def braze(value: dt.datetime | None) -> str:
    if value is None:
        return "N/A"
    value = value.astimezone(dt.UTC)
    return f"{value:%Y %b} {value.day}, {value.hour % 12 or 12}:{value:%M %p}"


def version(updated_at: dt.datetime) -> str:
    """README: a weak ETag, the last modification in microseconds since the epoch, in hex."""
    microseconds = (updated_at - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(
        microseconds=1
    )
    return 'W/"' + format(microseconds, "x") + '"'


def user_url(public_id: str) -> str:
    return f"{BASE}/Users/{public_id}"


def group_url(public_id: str) -> str:
    return f"{BASE}/Groups/{public_id}"


def app_group(
    workspace: Workspace,
    permissions: list[str] | None = None,
    *,
    teams: tuple = (),
    permission_set=None,
) -> dict:
    """One `permissions.appGroup` entry; `teams` holds (team, team permissions) pairs."""
    entry: dict[str, Any] = {
        "appGroupName": workspace.name,
        "appGroupId": workspace.public_id,
        "appGroupPermissions": permissions or [],
    }
    if permission_set is not None:
        entry["appGroupPermissionSets"] = [
            {
                "appGroupPermissionSetName": permission_set.name,
                "appGroupPermissionSetId": permission_set.public_id,
                "permissions": list(permission_set.permissions),
            }
        ]
    entry["team"] = [
        {"teamName": team.name, "teamId": team.public_id, "teamPermissions": list(perms)}
        for team, perms in teams
    ]
    return entry


def role_entry(role: Role) -> dict:
    """A role as the user's `permissions.roles` shows it (its permission sets by workspace)."""
    by_workspace: dict[int, dict] = {}
    for pset in role.permission_sets.select_related("workspace").order_by(
        "workspace__name", "name"
    ):
        group = by_workspace.setdefault(
            pset.workspace_id,
            {
                "appGroupName": pset.workspace.name,
                "appGroupId": pset.workspace.public_id,
                "appGroupPermissionSets": [],
            },
        )
        group["appGroupPermissionSets"].append(
            {
                "appGroupPermissionSetName": pset.name,
                "appGroupPermissionSetId": pset.public_id,
                "permissions": list(pset.permissions),
            }
        )
    return {
        "roleName": role.name,
        "roleId": role.public_id,
        "appGroup": list(by_workspace.values()),
    }


def _assigned(**attributes: Any) -> dict:
    """README: unassigned attributes are left out rather than sent empty."""
    return {name: value for name, value in attributes.items() if value not in ("", None, [])}


def expected_user(
    user: DashboardUser,
    *,
    workspaces: tuple[Workspace, ...] = (),
    roles: tuple[Role, ...] = (),
    **overrides: Any,
) -> dict:
    """The full User document, in the Braze shape a `custom` integration (the `scim` fixture)
    gets: dashboard attributes at the top level. `overrides` replace top-level keys; an override
    of `None` drops the key. Server-assigned meta is read from the database."""
    stored = DashboardUser.objects.get(pk=user.pk)
    full_name = f"{user.given_name} {user.family_name}".strip()
    doc: dict[str, Any] = {
        "schemas": [USER],
        "id": stored.public_id,
        **_assigned(externalId=user.external_id),
        "userName": user.email,
        "name": _assigned(
            givenName=user.given_name, familyName=user.family_name, formatted=full_name
        )
        or None,
        **_assigned(displayName=full_name),
        "emails": [{"value": user.email, "type": "work", "primary": True}],
        "active": user.is_active,
        **_assigned(department=user.department),
        "createdAt": braze(stored.created_at),
        "lastSignInAt": braze(stored.last_sign_in_at),
        "permissions": {
            "companyPermissions": list(user.company_permissions),
            "roles": [role_entry(r) for r in roles],
            "appGroup": [app_group(w) for w in workspaces],
        },
        "meta": {
            "resourceType": "User",
            "created": iso(stored.created_at),
            "lastModified": iso(stored.updated_at),
            "location": user_url(stored.public_id),
            "version": version(stored.updated_at),
        },
    }
    doc.update(overrides)
    return {k: v for k, v in doc.items() if v is not None}


def rfc_user(braze_document: dict, *, permissions_shown: bool = False) -> dict:
    """The same user as an identity-provider integration sees it (RFC 7643 shape): dashboard
    attributes under their extension URN, no Braze dates, and `permissions` only when it is
    more than the default access."""
    doc = dict(braze_document)
    dashboard = {"department": doc.pop("department", None)}
    permissions = doc.pop("permissions")
    if permissions_shown:
        dashboard["permissions"] = permissions
    doc.pop("createdAt"), doc.pop("lastSignInAt")
    dashboard = {k: v for k, v in dashboard.items() if v is not None}
    if dashboard:
        doc["schemas"] = [*doc["schemas"], DASHBOARD]
        doc[DASHBOARD] = dashboard
    return doc


def expected_group(role: Role, members: tuple[DashboardUser, ...] | None = (), **overrides) -> dict:
    """The full Group document; `members=None` for a document without the attribute."""
    stored = Role.objects.get(pk=role.pk)
    doc: dict[str, Any] = {
        "schemas": [GROUP],
        "id": stored.public_id,
        "displayName": role.name,
        "externalId": role.external_id or None,
    }
    if members is not None:
        doc["members"] = [
            {
                "value": m.public_id,
                "type": "User",
                "$ref": user_url(m.public_id),
            }
            for m in sorted(members, key=lambda m: m.pk)
        ]
    doc["meta"] = {
        "resourceType": "Group",
        "created": iso(stored.created_at),
        "lastModified": iso(stored.updated_at),
        "location": group_url(stored.public_id),
        "version": version(stored.updated_at),
    }
    doc.update(overrides)
    return {k: v for k, v in doc.items() if v is not None}


def list_response(resources: list[dict], *, total: int | None = None, start: int = 1) -> dict:
    return {
        "schemas": [LIST],
        "totalResults": len(resources) if total is None else total,
        "startIndex": start,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def error(status: int, scim_type: str | None = None, *, detail: Any = ANY) -> dict:
    body = {"schemas": [ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return body


def patch_body(*operations: dict) -> dict:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}
