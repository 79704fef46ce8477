"""The OpenAPI 3 description of the SCIM API (served by `schema_urls.py` at `/api/schema/`).

SCIM documents are not model-shaped, so the views have no DRF serializers to introspect. Instead the
documents are written here as JSON Schema, from what `serializers.parse_user` / `parse_group`,
`patch.parse_operations` and `listing.search_request_params` accept and what `render_user`,
`render_group`, `listing` and `discovery` return, and attached to the views at import time with
`extend_schema_view`, so `views.py` stays free of documentation.

Two rules keep the description usable by a fuzzer (schemathesis) and a client generator:
- Response schemas are a superset of what the server returns: `attributes`/`excludedAttributes`
  may drop any attribute but `id` and `schemas`, so those are the only required ones at the top.
- Request schemas are a subset of what the server accepts (`additionalProperties: false`, the
  canonical attribute spellings only), so generated requests are mostly valid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from provisioning.scim import discovery, views
from provisioning.scim.errors import (
    DASHBOARD_USER_SCHEMA,
    ENTERPRISE_USER_SCHEMA,
    ERROR_SCHEMA,
    GROUP_SCHEMA,
    LIST_RESPONSE_SCHEMA,
    PATCH_OP_SCHEMA,
    SEARCH_REQUEST_SCHEMA,
    USER_SCHEMA,
)
from provisioning.scim.limits import (
    DEFAULT_COUNT,
    MAX_COUNT,
    MAX_FILTER_LENGTH,
    MAX_PATCH_OPERATIONS,
)
from provisioning.scim.schemas import (
    RESOURCE_TYPE_SCHEMA,
    SCHEMA_SCHEMA,
    SERVICE_PROVIDER_CONFIG_SCHEMA,
)
from workspaces.permissions import (
    COMPANY_PERMISSIONS,
    TEAM_PERMISSIONS,
    WORKSPACE_PERMISSIONS,
    Department,
)

Schema = dict[str, Any]

# RFC 7644 §3.12, Table 9.
SCIM_TYPES = [
    "invalidFilter",
    "tooMany",
    "uniqueness",
    "mutability",
    "invalidSyntax",
    "invalidPath",
    "noTarget",
    "invalidValue",
    "invalidVers",
    "sensitive",
]
BRAZE_TIME_PATTERN = (
    r"^(N/A|[0-9]{4} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{1,2}, "
    r"[0-9]{1,2}:[0-9]{2} (AM|PM))$"
)


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _string(description: str = "", **extra: Any) -> Schema:
    return {"type": "string", **({"description": description} if description else {}), **extra}


def _text(description: str = "", limit: int = 255) -> Schema:
    """A request string the serializers cap at `limit` characters."""
    return _string(description, maxLength=limit)


def _array(items: Schema, description: str = "", **extra: Any) -> Schema:
    return {
        "type": "array",
        "items": items,
        **({"description": description} if description else {}),
        **extra,
    }


def _urns(*urns: str) -> Schema:
    return _array({"type": "string", "enum": list(urns)}, minItems=1, uniqueItems=True)


def _object(properties: dict[str, Schema], *, closed: bool = False, **extra: Any) -> Schema:
    schema: Schema = {"type": "object", "properties": properties, **extra}
    if closed:
        schema["additionalProperties"] = False
    return schema


def _named(name_key: str, id_key: str, what: str, **more: Schema) -> Schema:
    """A request entry that names a thing by name or by id (the id wins when both are given)."""
    return _object(
        {
            name_key: _string(f"The {what}'s name.", minLength=1, maxLength=255),
            id_key: _string(f"The {what}'s id.", minLength=1, maxLength=255),
            **more,
        },
        closed=True,
        anyOf=[{"required": [name_key]}, {"required": [id_key]}],
    )


# ---------------------------------------------------------------------------------------------
# Shared pieces

_TYPED_VALUE_KINDS = {
    "Email": ["work", "home", "other"],
    "PhoneNumber": ["work", "home", "mobile", "fax", "pager", "other"],
}
_ADDRESS_PARTS = ["formatted", "streetAddress", "locality", "region", "postalCode", "country"]


def _typed_value(kinds: list[str], *, request: bool) -> Schema:
    """RFC 7643 §2.4 `value`/`display`/`type`/`primary`; stored and returned as given."""
    return _object(
        {
            "value": _string(),
            "display": _string(),
            "type": _string(enum=kinds) if request else _string(f"Usually one of {kinds}."),
            "primary": {"type": "boolean"},
        },
        closed=request,
    )


def _address(*, request: bool) -> Schema:
    kinds = ["work", "home", "other"]
    return _object(
        {
            **{part: _string() for part in _ADDRESS_PARTS},
            "type": _string(enum=kinds) if request else _string(f"Usually one of {kinds}."),
            "primary": {"type": "boolean"},
        },
        closed=request,
    )


_META = _object(
    {
        "resourceType": _string(enum=["User", "Group"]),
        "created": _string(format="date-time"),
        "lastModified": _string(format="date-time"),
        "location": _string("The resource's URL.", format="uri"),
        "version": _string("The weak ETag of this version, as in the ETag header."),
    },
    description="RFC 7643 §3.1. Always returned unless excluded.",
)
_DISCOVERY_META = _object(
    {
        "resourceType": _string(enum=["ServiceProviderConfig", "ResourceType", "Schema"]),
        "location": _string(format="uri"),
    },
    required=["resourceType", "location"],
)

# ---------------------------------------------------------------------------------------------
# Users

_NAME = _object(
    {
        "formatted": _string("The full name; defaults to 'givenName familyName'."),
        "givenName": _string(),
        "familyName": _string(),
        "middleName": _string(),
        "honorificPrefix": _string(),
        "honorificSuffix": _string(),
    }
)
_NAME_REQUEST = _object(
    {
        "givenName": _text("Given name.", 150),
        "familyName": _text("Family name.", 150),
        "formatted": _text("The full name, stored as given."),
        "middleName": _text(),
        "honorificPrefix": _text(),
        "honorificSuffix": _text(),
    },
    closed=True,
)
_STORED_STRINGS = ("displayName", "nickName", "title", "userType", "locale", "timezone")

_PERMISSION_SET = _object(
    {
        "appGroupPermissionSetName": _string(),
        "appGroupPermissionSetId": _string(),
        "permissions": _array(_string()),
    },
    required=["appGroupPermissionSetName", "appGroupPermissionSetId", "permissions"],
)
_TEAM_ACCESS = _object(
    {"teamName": _string(), "teamId": _string(), "teamPermissions": _array(_string())},
    required=["teamName", "teamId", "teamPermissions"],
)
_APP_GROUP_ACCESS = _object(
    {
        "appGroupName": _string("The workspace's name."),
        "appGroupId": _string("The workspace's id."),
        "appGroupPermissions": _array(_string()),
        "appGroupPermissionSets": _array(ref("PermissionSet"), maxItems=1),
        "team": _array(ref("TeamAccess")),
    },
    required=["appGroupName", "appGroupId", "appGroupPermissions", "team"],
)
_ROLE_ACCESS = _object(
    {
        "roleName": _string(),
        "roleId": _string(),
        "appGroup": _array(
            _object(
                {
                    "appGroupName": _string(),
                    "appGroupId": _string(),
                    "appGroupPermissionSets": _array(ref("PermissionSet")),
                },
                required=["appGroupName", "appGroupId", "appGroupPermissionSets"],
            ),
            "The permission sets the role grants, by workspace (read-only).",
        ),
    },
    required=["roleName", "roleId", "appGroup"],
)
_PERMISSIONS = _object(
    {
        "companyPermissions": _array(_string()),
        "roles": _array(ref("RoleAccess")),
        "appGroup": _array(ref("AppGroupAccess")),
    },
    description="Braze's permissions object, echoed with the ids of everything it names.",
)
_PERMISSIONS_REQUEST = _object(
    {
        "companyPermissions": _array(ref("CompanyPermission")),
        "roles": _array(_named("roleName", "roleId", "role"), "Company roles to hold."),
        "appGroup": _array(
            _named(
                "appGroupName",
                "appGroupId",
                "workspace",
                appGroupPermissions=_array(ref("WorkspacePermission")),
                appGroupPermissionSets=_array(
                    _named(
                        "appGroupPermissionSetName",
                        "appGroupPermissionSetId",
                        "permission set (of this workspace)",
                    ),
                    maxItems=1,
                ),
                team=_array(
                    _named(
                        "teamName",
                        "teamId",
                        "team (of this workspace)",
                        teamPermissions=_array(ref("TeamPermission")),
                    )
                ),
            ),
            "Workspace access. Without any entry the user gets the integration's default "
            "workspace.",
        ),
    },
    closed=True,
    description="Replaces the user's permissions. Omitted: permissions stay as they are. Every "
    "workspace, team, role and permission set must exist in the company, or the request is a "
    "400 invalidValue that names it and nothing is written.",
)

_ENTERPRISE_PARTS = ("employeeNumber", "costCenter", "organization", "division", "department")
_ENTERPRISE = _object(
    {
        **{key: _string() for key in _ENTERPRISE_PARTS},
        "manager": _object(
            {"value": _string(), "displayName": _string(), "$ref": _string()},
        ),
    },
    description="RFC 7643 §4.3, stored and returned as given. Its free-text 'department' is "
    "independent of the dashboard's department.",
)
_ENTERPRISE_REQUEST = _object(
    {
        **{key: _text() for key in _ENTERPRISE_PARTS},
        "manager": _object(
            {"value": _text(), "displayName": _text(), "$ref": _text()},
            closed=True,
            description="A bare id string is accepted too (Entra ID).",
        ),
    },
    closed=True,
)

_DEPARTMENT_REQUEST = _string(
    "The dashboard's department; an empty string clears it. Omitted: left as it is.",
    enum=[*Department.values, ""],
)

USER: Schema = _object(
    {
        "schemas": _array(
            _string(enum=[USER_SCHEMA, DASHBOARD_USER_SCHEMA, ENTERPRISE_USER_SCHEMA])
        ),
        "id": _string("The user's id, assigned by the server."),
        "externalId": _string(),
        "userName": _string("The user's email address.", format="email"),
        "name": ref("Name"),
        "displayName": _string("Defaults to the full name, or the email address."),
        **{key: _string() for key in ("nickName", "title", "userType", "locale", "timezone")},
        "profileUrl": _string(),
        "preferredLanguage": _string(),
        "active": {"type": "boolean"},
        "emails": _array(ref("Email"), "Defaults to userName as the primary work address."),
        "phoneNumbers": _array(ref("PhoneNumber")),
        "addresses": _array(ref("Address")),
        "department": ref("Department"),
        "createdAt": _string("Braze's format, UTC.", pattern=BRAZE_TIME_PATTERN),
        "lastSignInAt": _string("Braze's format, UTC, or 'N/A'.", pattern=BRAZE_TIME_PATTERN),
        "permissions": ref("Permissions"),
        ENTERPRISE_USER_SCHEMA: ref("EnterpriseUser"),
        "meta": ref("Meta"),
    },
    required=["schemas", "id"],
    description="A dashboard user. Every attribute but id and schemas is returned unless "
    "`attributes`/`excludedAttributes` leave it out; 'department' only when set, "
    "'externalId' and the enterprise extension only when given.",
)

USER_REQUEST: Schema = _object(
    {
        "schemas": {
            **_urns(USER_SCHEMA, DASHBOARD_USER_SCHEMA, ENTERPRISE_USER_SCHEMA),
            "description": f"Must include {USER_SCHEMA}.",
        },
        "userName": _string(
            "The user's email address; unique across the service, case-insensitively. It "
            "cannot change: a PUT must repeat it.",
            format="email",
            maxLength=254,
        ),
        "externalId": _text("The identity provider's id for the user."),
        "name": ref("NameRequest"),
        **{key: _text() for key in _STORED_STRINGS},
        "profileUrl": _string(format="uri", maxLength=255),
        "preferredLanguage": _text(),
        "active": {
            "type": "boolean",
            "description": "false suspends the user (default true). 'True'/'False' strings "
            "are accepted too (Entra ID).",
        },
        "password": _string(
            "Initial password; without one the user is emailed an invitation.",
            maxLength=4096,
            writeOnly=True,
        ),
        "emails": _array(ref("EmailRequest")),
        "phoneNumbers": _array(ref("PhoneNumberRequest")),
        "addresses": _array(ref("AddressRequest")),
        "department": _DEPARTMENT_REQUEST,
        "permissions": ref("PermissionsRequest"),
        ENTERPRISE_USER_SCHEMA: ref("EnterpriseUserRequest"),
        DASHBOARD_USER_SCHEMA: _object(
            {"department": _DEPARTMENT_REQUEST, "permissions": ref("PermissionsRequest")},
            closed=True,
            description="The same department and permissions, in extension form.",
        ),
    },
    closed=True,
    required=["schemas", "userName"],
    description="A User to create or replace (POST, PUT). Attribute names are matched "
    "case-insensitively; read-only attributes (id, meta) are ignored.",
)

# ---------------------------------------------------------------------------------------------
# Groups (company roles)

GROUP: Schema = _object(
    {
        "schemas": _array(_string(enum=[GROUP_SCHEMA])),
        "id": _string(),
        "displayName": _string("The role's name, unique within the company."),
        "externalId": _string(),
        "members": _array(ref("GroupMember")),
        "meta": ref("Meta"),
    },
    required=["schemas", "id"],
    description="A company role. Every attribute but id and schemas is returned unless "
    "`attributes`/`excludedAttributes` leave it out; 'externalId' only when set.",
)
GROUP_REQUEST: Schema = _object(
    {
        "schemas": _urns(GROUP_SCHEMA),
        "displayName": _string(minLength=1, maxLength=200, pattern=r"\S"),
        "externalId": _text(),
        "members": _array(
            _object(
                {
                    "value": _string("A User id of this company.", minLength=1, maxLength=255),
                    "display": _string(),
                    "type": _string(enum=["User"]),
                    "$ref": _string(),
                },
                closed=True,
                required=["value"],
            ),
            "The complete member list (PUT replaces it; omitted: unchanged).",
        ),
    },
    closed=True,
    required=["schemas", "displayName"],
)
GROUP_MEMBER = _object(
    {
        "value": _string("The member's User id."),
        "display": _string("The member's userName."),
        "type": _string(enum=["User"]),
        "$ref": _string(format="uri"),
    }
)

# ---------------------------------------------------------------------------------------------
# Messages (RFC 7644 §3.4.2, §3.4.3, §3.5.2, §3.12)


def _list_response(item: str) -> Schema:
    return _object(
        {
            "schemas": _array(_string(enum=[LIST_RESPONSE_SCHEMA])),
            "totalResults": {"type": "integer", "minimum": 0},
            "startIndex": {"type": "integer", "minimum": 1},
            "itemsPerPage": {"type": "integer", "minimum": 0},
            "Resources": _array(ref(item)),
        },
        required=["schemas", "totalResults", "startIndex", "itemsPerPage", "Resources"],
    )


ERROR: Schema = _object(
    {
        "schemas": _array(_string(enum=[ERROR_SCHEMA])),
        "status": _string(
            "The HTTP status code, as a string.", pattern=r"^[0-9]{3}$", example="400"
        ),
        "scimType": _string(enum=SCIM_TYPES),
        "detail": _string("What went wrong, for a human."),
    },
    required=["schemas", "status", "detail"],
)
PATCH_OPERATION: Schema = _object(
    {
        "op": _string(
            "Case-insensitive ('Replace' from Entra ID is fine).",
            enum=["add", "remove", "replace"],
        ),
        "path": _string(
            "An attribute path (RFC 7644 §3.5.2), e.g. 'name.givenName', "
            "'emails[type eq \"work\"].value', 'members[value eq \"<id>\"]'.",
            minLength=1,
        ),
        "value": {
            "description": "The new value: any JSON value. Without a path, an object of attributes."
        },
    },
    closed=True,
    required=["op"],
    anyOf=[
        {"properties": {"op": {"enum": ["remove"]}}, "required": ["path"]},
        {"properties": {"op": {"enum": ["add", "replace"]}}, "required": ["value"]},
    ],
)
PATCH_OP: Schema = _object(
    {
        "schemas": _urns(PATCH_OP_SCHEMA),
        "Operations": _array(ref("PatchOperation"), minItems=1, maxItems=MAX_PATCH_OPERATIONS),
    },
    closed=True,
    required=["schemas", "Operations"],
    description="Operations are applied in order, in one transaction: one failing operation "
    "changes nothing.",
)
SEARCH_REQUEST: Schema = _object(
    {
        "schemas": _urns(SEARCH_REQUEST_SCHEMA),
        "attributes": _array(_string()),
        "excludedAttributes": _array(_string()),
        "filter": _string(maxLength=MAX_FILTER_LENGTH),
        "sortBy": _string(),
        "sortOrder": _string(enum=["ascending", "descending"]),
        "startIndex": {"type": "integer"},
        "count": {"type": "integer"},
    },
    closed=True,
    required=["schemas"],
    description="The query parameters of a GET on the collection, as a body (RFC 7644 §3.4.3).",
)

# ---------------------------------------------------------------------------------------------
# Discovery (RFC 7643 §5-7)

_SUPPORTED = _object({"supported": {"type": "boolean"}}, required=["supported"])
SERVICE_PROVIDER_CONFIG: Schema = _object(
    {
        "schemas": _array(_string(enum=[SERVICE_PROVIDER_CONFIG_SCHEMA])),
        "documentationUri": _string(),
        "patch": _SUPPORTED,
        "bulk": _object(
            {
                "supported": {"type": "boolean"},
                "maxOperations": {"type": "integer"},
                "maxPayloadSize": {"type": "integer"},
            },
            required=["supported"],
        ),
        "filter": _object(
            {"supported": {"type": "boolean"}, "maxResults": {"type": "integer"}},
            required=["supported"],
        ),
        "changePassword": _SUPPORTED,
        "sort": _SUPPORTED,
        "etag": _SUPPORTED,
        "authenticationSchemes": _array(
            _object(
                {
                    "type": _string(),
                    "name": _string(),
                    "description": _string(),
                    "specUri": _string(),
                    "documentationUri": _string(),
                    "primary": {"type": "boolean"},
                },
                required=["type", "name", "description"],
            )
        ),
        "meta": ref("DiscoveryMeta"),
    },
    required=[
        "schemas",
        "patch",
        "bulk",
        "filter",
        "changePassword",
        "sort",
        "etag",
        "authenticationSchemes",
    ],
)
RESOURCE_TYPE: Schema = _object(
    {
        "schemas": _array(_string(enum=[RESOURCE_TYPE_SCHEMA])),
        "id": _string(),
        "name": _string(),
        "endpoint": _string(),
        "description": _string(),
        "schema": _string(),
        "schemaExtensions": _array(
            _object(
                {"schema": _string(), "required": {"type": "boolean"}},
                required=["schema", "required"],
            )
        ),
        "meta": ref("DiscoveryMeta"),
    },
    required=["schemas", "id", "name", "endpoint", "schema"],
)
SCHEMA_ATTRIBUTE: Schema = _object(
    {
        "name": _string(),
        "type": _string(
            enum=[
                "string",
                "boolean",
                "decimal",
                "integer",
                "dateTime",
                "reference",
                "complex",
                "binary",
            ]
        ),
        "multiValued": {"type": "boolean"},
        "description": _string(),
        "required": {"type": "boolean"},
        "caseExact": {"type": "boolean"},
        "mutability": _string(enum=["readOnly", "readWrite", "immutable", "writeOnly"]),
        "returned": _string(enum=["always", "never", "default", "request"]),
        "uniqueness": _string(enum=["none", "server", "global"]),
        "canonicalValues": _array(_string()),
        "referenceTypes": _array(_string()),
        "subAttributes": _array(ref("SchemaAttribute")),
    },
    required=["name", "type", "multiValued"],
)
SCHEMA: Schema = _object(
    {
        "schemas": _array(_string(enum=[SCHEMA_SCHEMA])),
        "id": _string("The schema URN."),
        "name": _string(),
        "description": _string(),
        "attributes": _array(ref("SchemaAttribute")),
        "meta": ref("DiscoveryMeta"),
    },
    required=["schemas", "id", "attributes"],
)

COMPONENTS: dict[str, Schema] = {
    "User": USER,
    "UserRequest": USER_REQUEST,
    "Name": _NAME,
    "NameRequest": _NAME_REQUEST,
    **{kind: _typed_value(kinds, request=False) for kind, kinds in _TYPED_VALUE_KINDS.items()},
    **{
        f"{kind}Request": _typed_value(kinds, request=True)
        for kind, kinds in _TYPED_VALUE_KINDS.items()
    },
    "Address": _address(request=False),
    "AddressRequest": _address(request=True),
    "Department": _string(
        "The dashboard's department (Braze's seven values).", enum=list(Department.values)
    ),
    "CompanyPermission": _string(enum=sorted(COMPANY_PERMISSIONS)),
    "WorkspacePermission": _string(
        "A workspace permission: a Braze legacy or granular identifier.",
        enum=sorted(WORKSPACE_PERMISSIONS),
    ),
    "TeamPermission": _string(enum=sorted(TEAM_PERMISSIONS)),
    "Permissions": _PERMISSIONS,
    "PermissionsRequest": _PERMISSIONS_REQUEST,
    "PermissionSet": _PERMISSION_SET,
    "TeamAccess": _TEAM_ACCESS,
    "AppGroupAccess": _APP_GROUP_ACCESS,
    "RoleAccess": _ROLE_ACCESS,
    "EnterpriseUser": _ENTERPRISE,
    "EnterpriseUserRequest": _ENTERPRISE_REQUEST,
    "Meta": _META,
    "UserListResponse": _list_response("User"),
    "Group": GROUP,
    "GroupRequest": GROUP_REQUEST,
    "GroupMember": GROUP_MEMBER,
    "GroupListResponse": _list_response("Group"),
    "PatchOp": PATCH_OP,
    "PatchOperation": PATCH_OPERATION,
    "SearchRequest": SEARCH_REQUEST,
    "Error": ERROR,
    "ServiceProviderConfig": SERVICE_PROVIDER_CONFIG,
    "ResourceType": RESOURCE_TYPE,
    "ResourceTypeListResponse": _list_response("ResourceType"),
    "Schema": SCHEMA,
    "SchemaAttribute": SCHEMA_ATTRIBUTE,
    "SchemaListResponse": _list_response("Schema"),
    "DiscoveryMeta": _DISCOVERY_META,
}

# ---------------------------------------------------------------------------------------------
# Parameters and headers

MEDIA_TYPES = ("application/scim+json", "application/json")

_ATTRIBUTE_PARAMETERS = [
    OpenApiParameter(
        "attributes",
        str,
        description="Comma-separated attribute names to return (plus id and schemas), e.g. "
        "'userName,name.givenName'. Not together with excludedAttributes.",
    ),
    OpenApiParameter(
        "excludedAttributes",
        str,
        description="Comma-separated attribute names to leave out, e.g. 'members'.",
    ),
]
_LIST_PARAMETERS = [
    OpenApiParameter(
        "filter",
        {"type": "string", "maxLength": MAX_FILTER_LENGTH},
        description="RFC 7644 §3.4.2.2 filter, e.g. 'userName eq \"ada@example.com\"'. No "
        "match is an empty ListResponse, not a 404.",
    ),
    OpenApiParameter(
        "startIndex", int, description="1-based index of the first result; below 1 means 1."
    ),
    OpenApiParameter(
        "count",
        int,
        description=f"Page size: default {DEFAULT_COUNT}, at most {MAX_COUNT}; 0 returns only "
        "totalResults.",
    ),
    OpenApiParameter(
        "sortBy",
        str,
        description="Attribute to sort by, e.g. 'userName', 'name.familyName', "
        "'meta.created' (Users) or 'displayName' (Groups). Default: creation order.",
    ),
    OpenApiParameter("sortOrder", str, enum=["ascending", "descending"]),
    *_ATTRIBUTE_PARAMETERS,
]


def _id(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(
        name, str, OpenApiParameter.PATH, description=f"The {what}'s id.", pattern="^[^/]+$"
    )


_IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="Apply only if the resource still has this ETag (else 412).",
)
_IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    description="Answer 304 without a body if the resource still has this ETag.",
)


def _header(name: str, codes: list[int], description: str, schema: Schema) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        schema,
        OpenApiParameter.HEADER,
        required=True,
        description=description,
        response=codes,
    )


def _response_headers(
    success: list[int], *, etag: list[int] = (), location: list[int] = ()
) -> list[OpenApiParameter]:
    """Every answer that passed the gate carries the rate-limit headers (429 too)."""
    limited = [*success, 429]
    headers = [
        _header("X-RateLimit-Limit", limited, "Requests allowed per day.", {"type": "integer"}),
        _header("X-RateLimit-Remaining", limited, "Requests left today.", {"type": "integer"}),
        _header(
            "X-RateLimit-Reset",
            limited,
            "When the daily count resets, in Unix seconds.",
            {"type": "integer"},
        ),
        _header("Retry-After", [429, 503], "Seconds to wait before retrying.", {"type": "integer"}),
        _header("WWW-Authenticate", [401], "The Bearer challenge.", {"type": "string"}),
    ]
    if etag:
        headers.append(_header("ETag", list(etag), "The resource's version.", {"type": "string"}))
    if location:
        headers.append(
            _header("Location", list(location), "The new resource's URL.", {"type": "string"})
        )
    return headers


# ---------------------------------------------------------------------------------------------
# Responses

_GATE_ERRORS = {
    401: "No or wrong bearer token, X-Request-Origin missing or not the configured origin, "
    "or the client IP not on the allowlist.",
    406: "The Accept header names no JSON media type.",
    429: "The company's daily request limit is used up; see Retry-After.",
    503: "The database is unavailable; retry after Retry-After seconds.",
}
_BODY_ERRORS = {
    400: "Invalid JSON or an invalid value; scimType says which kind.",
    413: "The body is larger than the configured limit.",
    415: "The Content-Type is neither application/scim+json nor application/json.",
}


def _errors(described: dict[int, str]) -> dict[int, OpenApiResponse]:
    """These error responses plus the gate's, all in the Error schema."""
    return {
        code: OpenApiResponse(response=ref("Error"), description=text)
        for code, text in {**described, **_GATE_ERRORS}.items()
    }


def _ok(component: str, description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ref(component), description=description)


def _body(component: str) -> dict[str, Schema]:
    return {media_type: ref(component) for media_type in MEDIA_TYPES}


@dataclass
class Operation:
    """One operation's annotations, as `extend_schema` keyword arguments."""

    operation_id: str
    summary: str
    responses: dict[int, OpenApiResponse | None]
    tags: list[str]
    parameters: list[OpenApiParameter] = field(default_factory=list)
    request: dict[str, Schema] | None = None
    description: str = ""
    examples: list[OpenApiExample] = field(default_factory=list)

    def extend(self) -> Any:
        kwargs: dict[str, Any] = {
            "operation_id": self.operation_id,
            "summary": self.summary,
            "responses": self.responses,
            "tags": self.tags,
            "parameters": self.parameters,
            "examples": self.examples,
        }
        if self.description:
            kwargs["description"] = self.description
        if self.request is not None:
            kwargs["request"] = self.request
        return extend_schema(**kwargs)


_ADA = {
    "schemas": [USER_SCHEMA],
    "userName": "ada@example.com",
    "name": {"givenName": "Ada", "familyName": "Lovelace"},
    "department": "engineering",
    "permissions": {
        "companyPermissions": [],
        "appGroup": [
            {
                "appGroupName": "Production",
                "appGroupPermissions": ["basic_access", "send_campaigns_canvases"],
                "team": [{"teamName": "Growth", "teamPermissions": ["basic_access"]}],
            }
        ],
    },
}
# One per media type, so Swagger UI shows it whichever content type is picked.
_USER_EXAMPLES = [
    OpenApiExample("A Braze-style user", value=_ADA, request_only=True, media_type=media_type)
    for media_type in ("application/scim+json", "application/json")
]


def _user_operations() -> dict[str, Operation]:
    tags = ["Users"]
    missing = {404: "No such user in this company."}
    write = {
        **_BODY_ERRORS,
        **missing,
        409: "Removing the company's last administrator.",
        412: "If-Match does not match the current ETag.",
    }
    return {
        "list": Operation(
            "listUsers",
            "List or filter users",
            {
                200: _ok("UserListResponse", "A page of users, in a stable order."),
                **_errors({400: "Invalid filter, sortBy, sortOrder, startIndex or count."}),
            },
            tags,
            [*_LIST_PARAMETERS, *_response_headers([200])],
        ),
        "create": Operation(
            "createUser",
            "Create a user",
            {
                201: _ok("User", "The new user; an invitation email is on its way."),
                **_errors(
                    {
                        **_BODY_ERRORS,
                        400: "Invalid document, or it names an unknown workspace, team, role, "
                        "permission set, permission or department.",
                        409: "scimType uniqueness: the userName exists (any company, any case).",
                    }
                ),
            },
            tags,
            [*_ATTRIBUTE_PARAMETERS, *_response_headers([201], etag=[201], location=[201])],
            _body("UserRequest"),
            examples=_USER_EXAMPLES,
        ),
        "search": Operation(
            "searchUsers",
            "Search users with a SearchRequest body",
            {
                200: _ok("UserListResponse", "A page of users."),
                **_errors(_BODY_ERRORS),
            },
            tags,
            _response_headers([200]),
            _body("SearchRequest"),
        ),
        "get": Operation(
            "getUser",
            "Get a user",
            {
                200: _ok("User", "The user."),
                304: None,
                **_errors({400: "Invalid attributes.", **missing}),
            },
            tags,
            [
                _id("public_id", "user"),
                _IF_NONE_MATCH,
                *_ATTRIBUTE_PARAMETERS,
                *_response_headers([200, 304], etag=[200, 304]),
            ],
        ),
        "put": Operation(
            "replaceUser",
            "Replace a user",
            {
                200: _ok("User", "The user as stored."),
                **_errors(write),
            },
            tags,
            [
                _id("public_id", "user"),
                _IF_MATCH,
                *_ATTRIBUTE_PARAMETERS,
                *_response_headers([200], etag=[200]),
            ],
            _body("UserRequest"),
            "A full replace; userName cannot change (400 mutability). Attributes left out are "
            "cleared, except department and permissions, which stay as they are.",
        ),
        "patch": Operation(
            "patchUser",
            "Change a user with PATCH operations",
            {
                200: _ok("User", "The user as stored."),
                **_errors(write),
            },
            tags,
            [
                _id("public_id", "user"),
                _IF_MATCH,
                *_ATTRIBUTE_PARAMETERS,
                *_response_headers([200], etag=[200]),
            ],
            _body("PatchOp"),
        ),
        "delete": Operation(
            "deleteUser",
            "Delete a user permanently",
            {
                204: None,
                **_errors(
                    {
                        **missing,
                        409: "The company's last administrator cannot be deleted.",
                        412: write[412],
                    }
                ),
            },
            tags,
            [_id("public_id", "user"), _IF_MATCH, *_response_headers([204])],
        ),
    }


def _group_operations() -> dict[str, Operation]:
    tags = ["Groups"]
    missing = {404: "No such group in this company."}
    taken = "scimType uniqueness: the company has a group with this displayName."
    write = {
        **_BODY_ERRORS,
        400: "Invalid document, or a member that is not a user of this company.",
        **missing,
        409: taken,
        412: "If-Match does not match the current ETag.",
    }
    return {
        "list": Operation(
            "listGroups",
            "List or filter groups",
            {
                200: _ok("GroupListResponse", "A page of groups, in a stable order."),
                **_errors({400: "Invalid filter, sortBy, sortOrder, startIndex or count."}),
            },
            tags,
            [*_LIST_PARAMETERS, *_response_headers([200])],
        ),
        "create": Operation(
            "createGroup",
            "Create a group (a company role)",
            {
                201: _ok("Group", "The new group."),
                **_errors({**_BODY_ERRORS, 400: write[400], 409: taken}),
            },
            tags,
            [*_ATTRIBUTE_PARAMETERS, *_response_headers([201], etag=[201], location=[201])],
            _body("GroupRequest"),
        ),
        "search": Operation(
            "searchGroups",
            "Search groups with a SearchRequest body",
            {200: _ok("GroupListResponse", "A page of groups."), **_errors(_BODY_ERRORS)},
            tags,
            _response_headers([200]),
            _body("SearchRequest"),
        ),
        "get": Operation(
            "getGroup",
            "Get a group",
            {
                200: _ok("Group", "The group."),
                304: None,
                **_errors({400: "Invalid attributes.", **missing}),
            },
            tags,
            [
                _id("public_id", "group"),
                _IF_NONE_MATCH,
                *_ATTRIBUTE_PARAMETERS,
                *_response_headers([200, 304], etag=[200, 304]),
            ],
        ),
        "put": Operation(
            "replaceGroup",
            "Replace a group",
            {200: _ok("Group", "The group as stored."), **_errors(write)},
            tags,
            [
                _id("public_id", "group"),
                _IF_MATCH,
                *_ATTRIBUTE_PARAMETERS,
                *_response_headers([200], etag=[200]),
            ],
            _body("GroupRequest"),
            "Replaces displayName and externalId; members too when the body lists them.",
        ),
        "patch": Operation(
            "patchGroup",
            "Change a group (members, displayName) with PATCH operations",
            {
                200: _ok("Group", "The group, when attributes or excludedAttributes was given."),
                204: None,
                **_errors(write),
            },
            tags,
            [
                _id("public_id", "group"),
                _IF_MATCH,
                *_ATTRIBUTE_PARAMETERS,
                *_response_headers([200, 204], etag=[200, 204]),
            ],
            _body("PatchOp"),
            "Answers 204 (RFC 7644 §3.5.2), so a membership change stays cheap however large "
            "the group; with attributes or excludedAttributes it answers 200 with the group.",
        ),
        "delete": Operation(
            "deleteGroup",
            "Delete a group",
            {
                204: None,
                **_errors({**missing, 412: write[412]}),
            },
            tags,
            [_id("public_id", "group"), _IF_MATCH, *_response_headers([204])],
        ),
    }


_DISCOVERY = ["Discovery"]
_LIST_ONLY = "Paging, sorting and filtering do not apply: the whole list, always."


def _discovery_operation(
    operation_id: str, summary: str, component: str, parameters: list[OpenApiParameter] = ()
) -> Operation:
    responses: dict[int, OpenApiResponse | None] = {200: _ok(component, summary)}
    if parameters:
        responses.update(_errors({404: "No such item."}))
    else:
        responses.update(_errors({}))
    return Operation(
        operation_id,
        summary,
        responses,
        _DISCOVERY,
        [*parameters, *_response_headers([200])],
        description="" if parameters or component == "ServiceProviderConfig" else _LIST_ONLY,
    )


class ScimAutoSchema(AutoSchema):
    """DRF's `?format=` override is not part of the SCIM API: leave it out."""

    def _get_format_parameters(self) -> list[Schema]:
        return []


class ListOrItemSchema(ScimAutoSchema):
    """ResourceTypes and Schemas serve the list and one item from one view under two URLs; the
    path (with or without its `{id}`) says which operation is being described."""

    def __init__(self, *, listing: Operation, item: Operation) -> None:
        super().__init__()
        self.listing, self.item = listing, item

    def operation(self) -> Operation:
        return self.item if "{" in self.path else self.listing

    def get_operation_id(self) -> str:
        return self.operation().operation_id

    def get_summary(self) -> str:
        return self.operation().summary

    def get_description(self) -> str:
        return self.operation().description

    def get_tags(self) -> list[str]:
        return self.operation().tags

    def get_override_parameters(self) -> list[OpenApiParameter]:
        return self.operation().parameters

    def get_response_serializers(self) -> Any:
        return self.operation().responses


class ScimTokenScheme(OpenApiAuthenticationExtension):
    """The gate needs both the bearer token and the origin header: one security requirement
    naming two schemes, so generated clients send both."""

    target_class = "provisioning.scim.gate.ScimTokenAuthentication"
    name = ["scimToken", "requestOrigin"]

    def get_security_definition(self, auto_schema: AutoSchema) -> list[Schema]:
        return [
            {
                "type": "http",
                "scheme": "bearer",
                "description": "The SCIM token from Settings > Admin Settings > SCIM Provisioning.",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "X-Request-Origin",
                "description": "The service origin configured with the token, e.g. "
                "'https://idp.example.com' (the older spelling X-Origin-Request works too).",
            },
        ]


def _attach() -> None:
    views.ScimView.schema = ScimAutoSchema()
    exclude = extend_schema(exclude=True)  # GET on .search only answers 405
    for ops, collection, search, detail in (
        (_user_operations(), views.UsersView, views.UsersSearchView, views.UserDetailView),
        (_group_operations(), views.GroupsView, views.GroupsSearchView, views.GroupDetailView),
    ):
        extend_schema_view(get=ops["list"].extend(), post=ops["create"].extend())(collection)
        extend_schema_view(get=exclude, post=ops["search"].extend())(search)
        extend_schema_view(
            get=ops["get"].extend(),
            put=ops["put"].extend(),
            patch=ops["patch"].extend(),
            delete=ops["delete"].extend(),
        )(detail)
    service_provider_config = _discovery_operation(
        "getServiceProviderConfig", "The service provider's configuration", "ServiceProviderConfig"
    )
    extend_schema_view(get=service_provider_config.extend())(discovery.ServiceProviderConfigView)
    discovery.ResourceTypesView.schema = ListOrItemSchema(
        listing=_discovery_operation(
            "listResourceTypes", "The resource types (User, Group)", "ResourceTypeListResponse"
        ),
        item=_discovery_operation(
            "getResourceType",
            "One resource type",
            "ResourceType",
            [_id("resource_type_id", "resource type (User or Group)")],
        ),
    )
    discovery.SchemasView.schema = ListOrItemSchema(
        listing=_discovery_operation(
            "listSchemas", "The schemas of the resources", "SchemaListResponse"
        ),
        item=_discovery_operation(
            "getSchema", "One schema, by its URN", "Schema", [_id("schema_id", "schema URN")]
        ),
    )


_attach()

# ---------------------------------------------------------------------------------------------
# Post-processing: the components, canonical SCIM paths, tags

DESCRIPTION = """\
Braze-compatible SCIM 2.0 API (RFC 7643, RFC 7644) for a company's dashboard users and groups
(company roles).

Every request needs `Authorization: Bearer <SCIM token>` and `X-Request-Origin: <service origin>`,
from Settings > Admin Settings > SCIM Provisioning, and may be limited to an IP allowlist. Each
company may send a limited number of requests per day (5,000 by default); every answer that passed
the gate carries `X-RateLimit-*` headers. Bodies are `application/scim+json` or `application/json`;
errors always use the SCIM Error schema.
"""
TAGS = [
    {"name": "Users", "description": "Dashboard users, with Braze's permissions object."},
    {"name": "Groups", "description": "Company roles; members get the role's permissions."},
    {"name": "Discovery", "description": "What this service supports (RFC 7644 §4)."},
]


def postprocess(result: Schema, generator: Any, request: Any, public: bool) -> Schema:
    """drf-spectacular POSTPROCESSING_HOOKS entry: add the hand-written components, and drop the
    optional trailing slash the URL patterns tolerate (`/Users/?` is documented as `/Users`)."""
    result["info"]["description"] = DESCRIPTION
    result["tags"] = TAGS
    result["paths"] = {
        (path.rstrip("/") or path): item for path, item in result.get("paths", {}).items()
    }
    for item in result["paths"].values():
        for operation in item.values():
            if "requestBody" in operation:
                operation["requestBody"]["required"] = True  # every write needs a JSON object
    components = result.setdefault("components", {})
    components["schemas"] = {**components.get("schemas", {}), **COMPONENTS}
    return result
