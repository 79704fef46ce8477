"""The discovery documents (RFC 7643 §5-7, RFC 7644 §4): ServiceProviderConfig, ResourceTypes and
Schemas, as plain data. `discovery.py` serves them and adds the request-dependent `meta`.

They describe what the server really does, not the whole RFC: only the attributes that
`serializers.parse_user` accepts and `serializers.render_user` returns are published, so an
identity provider (or scim2-tester) that builds its requests from these schemas sends nothing we
would refuse or silently drop.
"""

from __future__ import annotations

from typing import Any

from provisioning.scim.errors import (
    DASHBOARD_USER_SCHEMA,
    ENTERPRISE_USER_SCHEMA,
    GROUP_SCHEMA,
    USER_SCHEMA,
)
from provisioning.scim.limits import MAX_COUNT
from workspaces.permissions import COMPANY_PERMISSIONS, Department

SERVICE_PROVIDER_CONFIG_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"


def attribute(
    name: str,
    type_: str = "string",
    *,
    description: str,
    multi_valued: bool = False,
    required: bool = False,
    case_exact: bool = False,
    mutability: str = "readWrite",
    returned: str = "default",
    uniqueness: str = "none",
    canonical_values: list[str] | None = None,
    reference_types: list[str] | None = None,
    sub_attributes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One attribute definition with every characteristic spelled out (RFC 7643 §7), so a client
    never has to guess a default."""
    doc: dict[str, Any] = {
        "name": name,
        "type": type_,
        "multiValued": multi_valued,
        "description": description,
        "required": required,
        "caseExact": case_exact,
        "mutability": mutability,
        "returned": returned,
        "uniqueness": uniqueness,
    }
    if canonical_values is not None:
        doc["canonicalValues"] = canonical_values
    if reference_types is not None:
        doc["referenceTypes"] = reference_types
    if sub_attributes is not None:
        doc["subAttributes"] = sub_attributes
    return doc


def _text(name: str, description: str, **kwargs: Any) -> dict[str, Any]:
    return attribute(name, "string", description=description, **kwargs)


def _typed_values(kinds: list[str], what: str) -> list[dict[str, Any]]:
    """The `value`/`display`/`type`/`primary` quartet of RFC 7643 §2.4 multi-valued attributes."""
    return [
        _text("value", f"The {what}."),
        _text("display", f"A human-readable form of the {what}."),
        _text("type", f"The kind of {what}.", canonical_values=kinds),
        attribute("primary", "boolean", description=f"Whether this is the primary {what}."),
    ]


# ---------------------------------------------------------------------------------------------
# urn:ietf:params:scim:schemas:core:2.0:User (RFC 7643 §4.1), as far as we support it

_NAME = attribute(
    "name",
    "complex",
    description="The user's name. givenName and familyName are the dashboard's own fields; the "
    "other parts are stored and returned as given.",
    sub_attributes=[
        _text("formatted", "The full name; defaults to 'givenName familyName'."),
        _text("familyName", "Family name (up to 150 characters)."),
        _text("givenName", "Given name (up to 150 characters)."),
        _text("middleName", "Middle name(s)."),
        _text("honorificPrefix", "Honorific prefix, e.g. 'Ms.'."),
        _text("honorificSuffix", "Honorific suffix, e.g. 'III'."),
    ],
)

_ADDRESS_PARTS = [
    _text("formatted", "The full mailing address."),
    _text("streetAddress", "Street address."),
    _text("locality", "City or locality."),
    _text("region", "State or region."),
    _text("postalCode", "Postal code."),
    _text("country", "Country, as an ISO 3166-1 alpha-2 code."),
    _text("type", "The kind of address.", canonical_values=["work", "home", "other"]),
    attribute("primary", "boolean", description="Whether this is the primary address."),
]

USER_SCHEMA_DOC: dict[str, Any] = {
    "id": USER_SCHEMA,
    "name": "User",
    "description": "A dashboard user. Attributes the dashboard does not model itself (nickName, "
    "title, phoneNumbers, ...) are stored and returned unchanged.",
    "attributes": [
        _text(
            "userName",
            "The user's email address, which is also their sign-in name. Must be a valid email "
            "address; unique across the whole service, compared case-insensitively. It cannot "
            "change after creation (a PUT must repeat it).",
            required=True,
            mutability="immutable",
            uniqueness="global",
        ),
        _NAME,
        _text("displayName", "The name to display; defaults to the full name."),
        _text("nickName", "Casual name."),
        attribute(
            "profileUrl",
            "reference",
            description="A URL of the user's online profile.",
            reference_types=["external"],
        ),
        _text("title", "Job title."),
        _text("userType", "The relationship to the organisation, e.g. 'Employee'."),
        _text("preferredLanguage", "Preferred language, e.g. 'en-US'."),
        _text("locale", "Locale for localised formats, e.g. 'en-US'."),
        _text("timezone", "Time zone in IANA format, e.g. 'Europe/Berlin'."),
        attribute(
            "active",
            "boolean",
            # Required in the sense that every user has a state: it cannot be removed, only set.
            required=True,
            description="false suspends the user: sign-in is refused and the data is kept. "
            "true restores access; true when omitted on create. Strings 'True'/'False' are "
            "accepted too (Entra ID). It cannot be removed, only set.",
        ),
        _text(
            "password",
            "Initial password, used only when the user is created. Without one the user gets "
            "an invitation email to choose a password.",
            mutability="writeOnly",
            returned="never",
            case_exact=True,
        ),
        attribute(
            "emails",
            "complex",
            multi_valued=True,
            description="Email addresses, stored and returned as given; defaults to userName "
            "as the primary work address.",
            sub_attributes=_typed_values(["work", "home", "other"], "email address"),
        ),
        attribute(
            "phoneNumbers",
            "complex",
            multi_valued=True,
            description="Phone numbers, stored and returned as given.",
            sub_attributes=_typed_values(
                ["work", "home", "mobile", "fax", "pager", "other"], "phone number"
            ),
        ),
        attribute(
            "addresses",
            "complex",
            multi_valued=True,
            description="Physical mailing addresses, stored and returned as given.",
            sub_attributes=_ADDRESS_PARTS,
        ),
    ],
}

# ---------------------------------------------------------------------------------------------
# urn:ietf:params:scim:schemas:extension:enterprise:2.0:User (RFC 7643 §4.3)

ENTERPRISE_USER_SCHEMA_DOC: dict[str, Any] = {
    "id": ENTERPRISE_USER_SCHEMA,
    "name": "EnterpriseUser",
    "description": "Enterprise attributes, stored and returned as given. Its 'department' is "
    "free text and independent of the dashboard's own department (see the dashboard extension).",
    "attributes": [
        _text("employeeNumber", "Identifier assigned by the organisation."),
        _text("costCenter", "Cost center."),
        _text("organization", "Organisation."),
        _text("division", "Division."),
        _text("department", "Department, as the directory names it (free text)."),
        attribute(
            "manager",
            "complex",
            description="The user's manager. A bare id string is accepted as {'value': id} "
            "(Entra ID).",
            sub_attributes=[
                _text("value", "The id of the manager's User.", case_exact=True),
                attribute(
                    "$ref",
                    "reference",
                    description="The URI of the manager's User.",
                    reference_types=["User"],
                ),
                # RFC 7643 makes this readOnly; we store what the client sends, so say so.
                _text("displayName", "The manager's name, stored as given."),
            ],
        ),
    ],
}

# ---------------------------------------------------------------------------------------------
# urn:ietf:params:scim:schemas:extension:dashboard:2.0:User (ours: Braze's department and
# permissions object)
#
# RFC 7643 §2.4 forbids complex sub-attributes of complex attributes; Braze's permissions object
# nests four levels. The schema describes the first two (what scim2-models and most clients can
# model) and names the deeper lists in the descriptions.

_ROLES = attribute(
    "roles",
    "complex",
    multi_valued=True,
    description="Company roles, named by roleName or roleId. Each returned role also lists "
    "its 'appGroup' entries (appGroupName, appGroupId, appGroupPermissionSets), read-only.",
    sub_attributes=[
        _text("roleName", "The role's name in the company.", case_exact=True),
        _text("roleId", "The role's id.", case_exact=True),
    ],
)

_APP_GROUP = attribute(
    "appGroup",
    "complex",
    multi_valued=True,
    description="Workspace access, one entry per workspace, named by appGroupName or "
    "appGroupId. An entry may also carry 'appGroupPermissionSets' (one permission set of that "
    "workspace: appGroupPermissionSetName or appGroupPermissionSetId) and 'team' (teams of that "
    "workspace: teamName or teamId, with teamPermissions). Without any entry the user gets the "
    "integration's default workspace.",
    sub_attributes=[
        _text("appGroupName", "The workspace's name.", case_exact=True),
        _text("appGroupId", "The workspace's id.", case_exact=True),
        _text(
            "appGroupPermissions",
            "Workspace permissions (Braze legacy or granular identifiers).",
            multi_valued=True,
            case_exact=True,
        ),
    ],
)

DASHBOARD_USER_SCHEMA_DOC: dict[str, Any] = {
    "id": DASHBOARD_USER_SCHEMA,
    "name": "DashboardUser",
    "description": "The dashboard's department and permissions, as in Braze's SCIM API. Both "
    "are accepted at the top level of the User (Braze's form) or under this URN.",
    "attributes": [
        _text(
            "department",
            "The dashboard's department: one of the canonical values.",
            case_exact=True,
            canonical_values=list(Department.values),
        ),
        attribute(
            "permissions",
            "complex",
            description="What the user may do. Absent means the default access: the "
            "integration's default workspace, with no permissions of its own. Omitted on create: "
            "the default access. Omitted on PUT: unchanged. Removed by PATCH: the default access.",
            sub_attributes=[
                _text(
                    "companyPermissions",
                    "Company-wide permissions.",
                    multi_valued=True,
                    case_exact=True,
                    canonical_values=sorted(COMPANY_PERMISSIONS),
                ),
                _ROLES,
                _APP_GROUP,
            ],
        ),
    ],
}

# ---------------------------------------------------------------------------------------------
# urn:ietf:params:scim:schemas:core:2.0:Group (RFC 7643 §4.2): a group is a company role

GROUP_SCHEMA_DOC: dict[str, Any] = {
    "id": GROUP_SCHEMA,
    "name": "Group",
    "description": "A company role. Members get the role's workspace permissions.",
    "attributes": [
        _text(
            "displayName",
            "The role's name; unique within the company.",
            required=True,
            uniqueness="server",
        ),
        attribute(
            "members",
            "complex",
            multi_valued=True,
            description="The users holding this role.",
            sub_attributes=[
                _text("value", "The member's User id.", case_exact=True, mutability="immutable"),
                attribute(
                    "$ref",
                    "reference",
                    description="The URI of the member's User.",
                    reference_types=["User"],
                    mutability="immutable",
                ),
                _text("display", "The member's name.", mutability="readOnly"),
                _text(
                    "type",
                    "The kind of member: only users.",
                    canonical_values=["User"],
                    mutability="immutable",
                ),
            ],
        ),
        _text("externalId", "The identity provider's id for the group.", case_exact=True),
    ],
}

# ---------------------------------------------------------------------------------------------
# Resource types (RFC 7643 §6) and the service provider configuration (RFC 7643 §5)

USER_RESOURCE_TYPE: dict[str, Any] = {
    "schemas": [RESOURCE_TYPE_SCHEMA],
    "id": "User",
    "name": "User",
    "endpoint": "/Users",
    "description": "Dashboard users",
    "schema": USER_SCHEMA,
    "schemaExtensions": [
        {"schema": ENTERPRISE_USER_SCHEMA, "required": False},
        {"schema": DASHBOARD_USER_SCHEMA, "required": False},
    ],
}

GROUP_RESOURCE_TYPE: dict[str, Any] = {
    "schemas": [RESOURCE_TYPE_SCHEMA],
    "id": "Group",
    "name": "Group",
    "endpoint": "/Groups",
    "description": "Company roles",
    "schema": GROUP_SCHEMA,
}

SERVICE_PROVIDER_CONFIG: dict[str, Any] = {
    "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
    "patch": {"supported": True},
    "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
    "filter": {"supported": True, "maxResults": MAX_COUNT},
    "changePassword": {"supported": False},
    "sort": {"supported": True},
    "etag": {"supported": True},
    "authenticationSchemes": [
        {
            "type": "oauthbearertoken",
            "name": "SCIM token",
            "description": "Bearer token from Settings > Admin Settings > SCIM Provisioning, "
            "sent as 'Authorization: Bearer <token>' together with the 'X-Request-Origin' "
            "header set to the configured service origin.",
            "specUri": "https://www.rfc-editor.org/info/rfc6750",
            "primary": True,
        }
    ],
}


def schema_document(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema as a resource of the Schemas endpoint (RFC 7643 §7), still without `meta`."""
    return {"schemas": [SCHEMA_SCHEMA], **schema}
