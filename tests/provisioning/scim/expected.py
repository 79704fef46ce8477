"""Builds the User document the API must return, from the database row, so tests can assert
whole documents (STYLE.md) without repeating the shape in every test."""

from __future__ import annotations

from provisioning.scim.serializers import braze_time, iso_time, version_of
from workspaces.models import DashboardUser

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
DASHBOARD = "urn:ietf:params:scim:schemas:extension:dashboard:2.0:User"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def expected_user(
    email: str,
    *,
    app_groups: list[dict],
    braze_shape: bool = True,
    permissions_shown: bool = False,
    **overrides,
) -> dict:
    """The document for a Custom (Braze-compatible) integration, or the RFC 7643 shape."""
    user = DashboardUser.objects.get(email__iexact=email)
    location = f"http://testserver/scim/v2/Users/{user.public_id}"
    full_name = f"{user.given_name} {user.family_name}".strip()
    name = {"givenName": user.given_name, "familyName": user.family_name, "formatted": full_name}
    permissions = {
        "companyPermissions": list(user.company_permissions),
        "roles": [],
        "appGroup": app_groups,
    }
    if braze_shape:
        dashboard = {
            "department": user.department,
            "createdAt": braze_time(user.created_at),
            "lastSignInAt": braze_time(user.last_sign_in_at),
            "permissions": permissions,
        }
    else:  # the RFC shape leaves out Braze's dates, and permissions when they are the default
        dashboard = {"department": user.department}
        if permissions_shown:
            dashboard["permissions"] = permissions
    doc = {
        "schemas": [USER] if braze_shape else [USER, DASHBOARD],
        "id": user.public_id,
        "userName": user.email,
        "name": {k: v for k, v in name.items() if v},
        "displayName": full_name,
        "emails": [{"value": user.email, "type": "work", "primary": True}],
        "active": user.is_active,
        **(dashboard if braze_shape else {DASHBOARD: dashboard}),
        "meta": {
            "resourceType": "User",
            "created": iso_time(user.created_at),
            "lastModified": iso_time(user.updated_at),
            "location": location,
            "version": version_of(user.updated_at),
        },
    }
    doc.update(overrides)
    if not doc["name"]:
        del doc["name"]
    for key in ("displayName", "department", "externalId"):
        if doc.get(key) in ("", None):
            doc.pop(key, None)
    if not braze_shape and not doc[DASHBOARD]["department"]:
        del doc[DASHBOARD]["department"]
    if not braze_shape and not doc[DASHBOARD]:
        del doc[DASHBOARD]
        doc["schemas"] = [USER]
    return doc


def app_group(workspace, permissions=(), teams=(), permission_set=None) -> dict:
    entry = {
        "appGroupName": workspace.name,
        "appGroupId": workspace.public_id,
        "appGroupPermissions": list(permissions),
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


def error(status: int, detail: str, scim_type: str | None = None) -> dict:
    body = {"schemas": [ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return body
