"""The one description of the SCIM resources (RFC 7643 §4, §7): User, with the enterprise extension
(§4.3) and the dashboard's own (Braze's department and permissions object), and Group (a company
role). Every attribute states each characteristic RFC 7643 §7 defines, and what the server does
with it: the longest string it takes, the value a create leaves out, where it is kept and what a
filter compares.

Everything else derives from these tables, once, at import: input validation (`clean` and
`Resource.stored`, used by `users.py` and `groups.py`), the /Schemas documents
(`schema_document`), the OpenAPI components (`document_schema`), the filter translator's column
maps (`Resource.column`, used by `filters.py`), and the names `attributes`/`excludedAttributes`
and PATCH paths may use (`Resource.names`). `tests/provisioning/scim/test_resources.py` walks the
tables and checks that the parser, /Schemas, the OpenAPI description and the filters agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from provisioning.scim import idp_quirks
from provisioning.scim.errors import bad_request
from provisioning.scim.urns import (
    DASHBOARD_USER_SCHEMA,
    ENTERPRISE_USER_SCHEMA,
    GROUP_SCHEMA,
    RESOURCE_TYPE_SCHEMA,
    SCHEMA_SCHEMA,
    USER_SCHEMA,
)
from workspaces.permissions import COMPANY_PERMISSIONS, TEAM_PERMISSIONS, Department


@dataclass(frozen=True)
class Constant:
    """What a filter finds for a sub-attribute every user has with one value: each user's
    sign-in email is its one primary work address."""

    value: str | bool


KEPT = "directory_attributes"  # a `store`: kept there as sent, at the attribute's own place


@dataclass(frozen=True)
class Attribute:
    name: str
    description: str
    type: str = "string"  # string | boolean | complex | reference | dateTime (RFC 7643 §2.3)
    sub_attributes: tuple[Attribute, ...] = ()
    multi_valued: bool = False
    required: bool = False
    case_exact: bool = False
    mutability: str = "readWrite"  # readOnly values are ignored on input (RFC 7644 §3.5.1)
    returned: str = "default"
    uniqueness: str = "none"
    canonical_values: tuple[str, ...] | None = None
    reference_types: tuple[str, ...] | None = None
    # What the server does with it, beyond RFC 7643's characteristics:
    max_length: int = 255  # of a string, on input
    default: bool | None = None  # what a create that leaves it out gets
    store: str | None = None  # a model field, or KEPT
    # What filters and sortBy compare: True for where it is stored, a lookup, or a Constant.
    filter: bool | str | Constant = False
    listed: bool = True  # in /Schemas (RFC 7643 §3.1: common attributes need not be)

    @cached_property
    def subs(self) -> dict[str, Attribute]:
        """Sub-attributes by lower-cased name: names are case-insensitive (RFC 7643 §2.1)."""
        return {sub.name.lower(): sub for sub in self.sub_attributes}


_FLAGS = {
    **{t: ("type", t) for t in ("boolean", "complex", "reference", "dateTime")},
    **{m: ("mutability", m) for m in ("readOnly", "immutable", "writeOnly")},
    **{r: ("returned", r) for r in ("always", "never")},
    "multi": ("multi_valued", True),
    "required": ("required", True),
    "exact": ("case_exact", True),
    "kept": ("store", KEPT),
    "filter": ("filter", True),
    "unlisted": ("listed", False),
}


def _a(name: str, description: str, flags: str = "", *subs: Attribute, **kw: Any) -> Attribute:
    """An attribute, its characteristics as words (`"multi exact readOnly"`: see `_FLAGS`);
    with sub-attributes it is complex."""
    kw.update(_FLAGS[flag] for flag in flags.split())
    return Attribute(name, description, "complex" if subs else kw.pop("type", "string"), subs, **kw)


def _typed_values(kinds: str, what: str, **filters: Any) -> tuple[Attribute, ...]:
    """The `value`/`display`/`type`/`primary` quartet of RFC 7643 §2.4 multi-valued attributes."""
    return (
        _a("value", f"The {what}.", filter=filters.get("value", False)),
        _a("display", f"A human-readable form of the {what}."),
        _a("type", f"The kind of {what}.", canonical_values=tuple(kinds.split()),
           filter=filters.get("type", False)),
        _a("primary", f"Whether this is the primary {what}.", "boolean",
           filter=filters.get("primary", False)),
    )  # fmt: skip


def _common(resource_type: str) -> tuple[Attribute, ...]:
    """`id` and `meta` (RFC 7643 §3.1), assigned by the server."""
    return (
        _a("id", "The resource's id, assigned by the server.",
           "exact readOnly always filter unlisted", uniqueness="server", store="public_id"),
        _a("meta", "Resource metadata. Always returned unless excluded.", "readOnly unlisted",
           _a("resourceType", "The resource type.", "readOnly", canonical_values=(resource_type,)),
           _a("created", "When it was created.", "dateTime readOnly filter", store="created_at"),
           _a("lastModified", "When it last changed.", "dateTime readOnly filter",
              store="updated_at"),
           _a("location", "The resource's URL.", "reference readOnly"),
           _a("version", "The weak ETag of this version, as in the ETag header.", "readOnly")),
    )  # fmt: skip


def _ignored(*names: str) -> tuple[Attribute, ...]:
    text = "Not supported: ignored on input, never returned."
    return tuple(_a(name, text, "complex multi readOnly never unlisted") for name in names)


# ---------------------------------------------------------------------------------------------
# urn:ietf:params:scim:schemas:core:2.0:User (RFC 7643 §4.1), as far as we support it

USER_ATTRIBUTES = (
    *_common("User"),
    _a("externalId", "The identity provider's id for the user.", "exact filter unlisted",
       store="external_id"),
    _a("userName", "The user's email address, which is also their sign-in name. Must be a valid "
       "email address; unique across the whole service, compared case-insensitively. It cannot "
       "change after creation (a PUT must repeat it).", "required immutable filter",
       uniqueness="global", max_length=254, store="email"),
    _a("name", "The user's name. givenName and familyName are the dashboard's own fields; the "
       "other parts are stored and returned as given.", "",
       _a("formatted", "The full name; defaults to 'givenName familyName'.", "kept"),
       _a("familyName", "Family name (up to 150 characters).", "filter", max_length=150,
          store="family_name"),
       _a("givenName", "Given name (up to 150 characters).", "filter", max_length=150,
          store="given_name"),
       _a("middleName", "Middle name(s).", "kept"),
       _a("honorificPrefix", "Honorific prefix, e.g. 'Ms.'.", "kept"),
       _a("honorificSuffix", "Honorific suffix, e.g. 'III'.", "kept")),
    _a("displayName", "The name to display; defaults to the full name.", "kept filter"),
    _a("nickName", "Casual name.", "kept"),
    _a("profileUrl", "A URL of the user's online profile.", "reference kept",
       reference_types=("external",)),
    _a("title", "Job title.", "kept"),
    _a("userType", "The relationship to the organisation, e.g. 'Employee'.", "kept"),
    _a("preferredLanguage", "Preferred language, e.g. 'en-US'.", "kept"),
    _a("locale", "Locale for localised formats, e.g. 'en-US'.", "kept"),
    _a("timezone", "Time zone in IANA format, e.g. 'Europe/Berlin'.", "kept"),
    # Required in the sense that every user has a state: it cannot be removed, only set.
    _a("active", "false suspends the user: sign-in is refused and the data is kept. true "
       "restores access; true when omitted on create. Strings 'True'/'False' are accepted too "
       "(Entra ID). It cannot be removed, only set.", "boolean required filter", default=True,
       store="is_active"),
    _a("password", "Initial password, used only when the user is created. Without one the user "
       "gets an invitation email to choose a password.", "exact writeOnly never",
       max_length=4096),
    # A filter on emails compares the sign-in email: every user's one primary work address.
    _a("emails", "Email addresses, stored and returned as given; defaults to userName as the "
       "primary work address.", "multi kept",
       *_typed_values("work home other", "email address", value="email", type=Constant("work"),
                      primary=Constant(True)),
       filter="email"),
    _a("phoneNumbers", "Phone numbers, stored and returned as given.", "multi kept",
       *_typed_values("work home mobile fax pager other", "phone number")),
    _a("addresses", "Physical mailing addresses, stored and returned as given.", "multi kept",
       _a("formatted", "The full mailing address."),
       _a("streetAddress", "Street address."),
       _a("locality", "City or locality."),
       _a("region", "State or region."),
       _a("postalCode", "Postal code."),
       _a("country", "Country, as an ISO 3166-1 alpha-2 code."),
       _a("type", "The kind of address.", canonical_values=("work", "home", "other")),
       _a("primary", "Whether this is the primary address.", "boolean")),
    *_ignored("groups", "roles", "ims", "photos", "entitlements", "x509Certificates"),
)  # fmt: skip

# urn:ietf:params:scim:schemas:extension:enterprise:2.0:User (RFC 7643 §4.3), kept as sent under
# this key of `directory_attributes`
ENTERPRISE_KEY = "enterprise"
ENTERPRISE_ATTRIBUTES = (
    _a("employeeNumber", "Identifier assigned by the organisation.", "kept filter"),
    _a("costCenter", "Cost center.", "kept filter"),
    _a("organization", "Organisation.", "kept filter"),
    _a("division", "Division.", "kept filter"),
    _a("department", "Department, as the directory names it (free text).", "kept filter"),
    _a("manager", "The user's manager. A bare id string is accepted as {'value': id} (Entra ID).",
       "kept",
       _a("value", "The id of the manager's User.", "exact filter"),
       _a("$ref", "The URI of the manager's User.", "reference", reference_types=("User",)),
       # RFC 7643 makes this readOnly; we store what the client sends, so say so.
       _a("displayName", "The manager's name, stored as given.")),
)  # fmt: skip

# urn:ietf:params:scim:schemas:extension:dashboard:2.0:User (ours: Braze's department and
# permissions object). Braze's own shape has these at the top level of the User.
#
# RFC 7643 §2.4 forbids complex sub-attributes of complex attributes; Braze's permissions object
# nests four levels. /Schemas lists the first two (what scim2-models and most clients can model)
# and names the deeper lists in the descriptions; the deeper ones are described here unlisted,
# for the parser and the OpenAPI description.
_PERMISSION_SET = _a(
    "appGroupPermissionSets", "At most one permission set of this workspace, by name or id.",
    "multi unlisted",
    _a("appGroupPermissionSetName", "The permission set's name.", "exact"),
    _a("appGroupPermissionSetId", "The permission set's id.", "exact"),
    _a("permissions", "What the permission set grants.", "multi exact readOnly"),
)  # fmt: skip
DASHBOARD_ATTRIBUTES = (
    _a("department", "The dashboard's department: one of the canonical values.", "exact filter",
       canonical_values=tuple(Department.values), store="department"),
    _a("permissions", "What the user may do. Absent means the default access: the integration's "
       "default workspace, with no permissions of its own. Omitted on create: the default "
       "access. Omitted on PUT: unchanged. Removed by PATCH: the default access.", "",
       _a("companyPermissions", "Company-wide permissions.", "multi exact",
          canonical_values=tuple(sorted(COMPANY_PERMISSIONS))),
       _a("roles", "Company roles, named by roleName or roleId. Each returned role also lists "
          "its 'appGroup' entries (appGroupName, appGroupId, appGroupPermissionSets), "
          "read-only.", "multi",
          _a("roleName", "The role's name in the company.", "exact"),
          _a("roleId", "The role's id.", "exact"),
          _a("appGroup", "The permission sets the role grants, by workspace.",
             "multi readOnly unlisted",
             _a("appGroupName", "The workspace's name.", "exact"),
             _a("appGroupId", "The workspace's id.", "exact"),
             _PERMISSION_SET)),
       _a("appGroup", "Workspace access, one entry per workspace, named by appGroupName or "
          "appGroupId. An entry may also carry 'appGroupPermissionSets' (one permission set of "
          "that workspace: appGroupPermissionSetName or appGroupPermissionSetId) and 'team' "
          "(teams of that workspace: teamName or teamId, with teamPermissions). Without any "
          "entry the user gets the integration's default workspace.", "multi",
          _a("appGroupName", "The workspace's name.", "exact"),
          _a("appGroupId", "The workspace's id.", "exact"),
          _a("appGroupPermissions", "Workspace permissions (Braze legacy or granular "
             "identifiers).", "multi exact"),
          _PERMISSION_SET,
          _a("team", "Teams of this workspace, by name or id, with their permissions.",
             "multi unlisted",
             _a("teamName", "The team's name.", "exact"),
             _a("teamId", "The team's id.", "exact"),
             _a("teamPermissions", "Team permissions.", "multi exact",
                canonical_values=tuple(sorted(TEAM_PERMISSIONS)))))),
    # Braze's own shape only (custom integrations), in Braze's format and UTC.
    _a("createdAt", "When the user was created: '2024 Nov 11, 4:20 PM' (UTC).",
       "readOnly unlisted"),
    _a("lastSignInAt", "The user's last sign-in: '2024 Nov 11, 4:20 PM' (UTC), or 'N/A'.",
       "readOnly unlisted"),
)  # fmt: skip

# urn:ietf:params:scim:schemas:core:2.0:Group (RFC 7643 §4.2): a group is a company role
GROUP_ATTRIBUTES = (
    *_common("Group"),
    _a("displayName", "The role's name; unique within the company.", "required filter",
       uniqueness="server", max_length=200, store="name"),
    _a("members", "The users holding this role.", "multi",
       _a("value", "The member's User id.", "required exact immutable",
          filter="members__public_id"),
       _a("$ref", "The URI of the member's User.", "reference immutable",
          reference_types=("User",)),
       _a("display", "The member's name.", "readOnly"),
       _a("type", "The kind of member: only users.", "immutable", canonical_values=("User",)),
       filter="members__public_id"),
    _a("externalId", "The identity provider's id for the group.", "exact filter",
       store="external_id"),
)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Schemas and resource types


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: each is defined once
class Schema:
    id: str
    name: str
    description: str
    attributes: tuple[Attribute, ...]

    @cached_property
    def container(self) -> Attribute:
        """The schema as one complex attribute: an extension's object in a resource."""
        return Attribute(self.id, self.description, "complex", sub_attributes=self.attributes)


Path = tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Resource:
    name: str
    endpoint: str
    description: str
    core: Schema
    extensions: tuple[Schema, ...] = ()
    # The extension whose attributes Braze's shape puts at the top level of the resource.
    flat: Schema | None = None

    @property
    def schemas(self) -> tuple[Schema, ...]:
        return (self.core, *self.extensions)

    @cached_property
    def root(self) -> Attribute:
        """What a request body may hold: the core attributes, the flat extension's at the top
        level too, and each extension's object under its URN."""
        flat = self.flat.attributes if self.flat else ()
        extensions = tuple(schema.container for schema in self.extensions)
        return Attribute(self.name, "", "complex", (*self.core.attributes, *flat, *extensions))

    @cached_property
    def names(self) -> dict[str, tuple[Path, Attribute]]:
        """Every name an attribute answers to, lower-cased (`name.givenname`,
        `urn:...:user:username`, `urn:...:enterprise:2.0:user:manager.value`, an extension's
        URN), with its path in the RFC 7643 document and its description."""
        names: dict[str, tuple[Path, Attribute]] = {}
        for schema in self.schemas:
            inside = () if schema is self.core else (schema.id,)
            prefixes = [f"{schema.id.lower()}:"]
            if schema is self.core or schema is self.flat:
                prefixes.append("")
            if inside:
                names[schema.id.lower()] = (inside, schema.container)
            for attribute in schema.attributes:
                for sub in (None, *attribute.sub_attributes):
                    short = attribute.name + (f".{sub.name}" if sub else "")
                    path = (*inside, attribute.name, *((sub.name,) if sub else ()))
                    for prefix in prefixes:
                        names.setdefault(f"{prefix}{short.lower()}", (path, sub or attribute))
        return names

    def find(self, name: str) -> tuple[Path, Attribute] | None:
        return self.names.get(name.lower())

    def column(self, path: Path, attribute: Attribute) -> str | Constant | None:
        """What a filter on the attribute at `path` compares: a Django lookup or a Constant."""
        if attribute.filter is not True:
            return attribute.filter or None
        stores = [a.store for a in self._along(path)]
        if KEPT not in stores:
            return attribute.store
        return "__".join((KEPT, *_place(path)))

    def stored(self, values: dict) -> tuple[dict[str, Any], dict]:
        """What `clean` returned, by where it is kept: model fields, and what
        `directory_attributes` keeps as sent. An attribute left out gets its default."""
        fields: dict[str, Any] = {}
        directory: dict = {}

        def walk(container: Attribute, values: dict, path: Path) -> None:
            for attribute in container.sub_attributes:
                value = values.get(attribute.name, attribute.default)
                if value is None or value == {}:
                    continue
                if attribute.store == KEPT:
                    *keys, last = _place((*path, attribute.name))
                    target = directory
                    for key in keys:
                        target = target.setdefault(key, {})
                    target[last] = value
                elif attribute.store:
                    fields[attribute.store] = value
                elif attribute.type == "complex" and not attribute.multi_valued:
                    walk(attribute, value, (*path, attribute.name))

        walk(self.root, values, ())
        return fields, directory

    def _along(self, path: Path) -> list[Attribute]:
        container, found = self.root, []
        for name in path:
            container = container.subs[name.lower()]
            found.append(container)
        return found


def _place(path: Path) -> Path:
    """Where `directory_attributes` keeps the attribute at `path`."""
    return (ENTERPRISE_KEY, *path[1:]) if path[0] == ENTERPRISE_USER_SCHEMA else path


USER = Resource(
    "User",
    "/Users",
    "Dashboard users",
    Schema(
        USER_SCHEMA,
        "User",
        "A dashboard user. Attributes the dashboard does not model itself (nickName, "
        "title, phoneNumbers, ...) are stored and returned unchanged.",
        USER_ATTRIBUTES,
    ),
    extensions=(
        Schema(
            ENTERPRISE_USER_SCHEMA,
            "EnterpriseUser",
            "Enterprise attributes, stored and returned as given. Its 'department' is "
            "free text and independent of the dashboard's own department (see the dashboard "
            "extension).",
            ENTERPRISE_ATTRIBUTES,
        ),
        dashboard := Schema(
            DASHBOARD_USER_SCHEMA,
            "DashboardUser",
            "The dashboard's department and permissions, as in Braze's SCIM API. Both "
            "are accepted at the top level of the User (Braze's form) or under this URN.",
            DASHBOARD_ATTRIBUTES,
        ),
    ),
    flat=dashboard,
)
GROUP = Resource(
    "Group",
    "/Groups",
    "Company roles",
    Schema(
        GROUP_SCHEMA,
        "Group",
        "A company role. Members get the role's workspace permissions.",
        GROUP_ATTRIBUTES,
    ),
)
RESOURCES = (USER, GROUP)


# ---------------------------------------------------------------------------------------------
# Input


def clean(value: Any, attribute: Attribute, path: str) -> Any:
    """`value` checked against its description, with canonical names at every level; None when
    unassigned. RFC 7643 §2.5: null is "unassigned" wherever a value may stand, inside
    multi-valued complex values too. readOnly values are ignored (RFC 7644 §3.5.1)."""
    if value is None:
        return None
    if not attribute.multi_valued:
        return _one(value, attribute, path)
    if not isinstance(value, list):
        raise bad_request(f"'{path}' must be an array.")
    items = (_one(item, attribute, path) for item in value if item is not None)
    return [item for item in items if item not in (None, {})]


def _one(value: Any, attribute: Attribute, path: str) -> Any:
    if attribute.type == "complex":
        return _complex(value, attribute, path)
    if attribute.type == "boolean":
        return idp_quirks.boolean_from_string(value, path)
    if not isinstance(value, str):
        raise bad_request(f"'{path}' must be a string.")
    if len(value) > attribute.max_length:
        raise bad_request(f"'{path}' is longer than {attribute.max_length} characters.")
    # Strings are kept trimmed, and "" is unassigned; a password is taken as it is.
    return value if attribute.mutability == "writeOnly" else value.strip() or None


# Keys that are no attribute: `schemas` (checked on its own; some clients repeat it inside an
# extension's object), and the core schema's URN as a key, which adds nothing.
_NOT_ATTRIBUTES = {"schemas", USER_SCHEMA.lower()}


def check_schemas(doc: dict, urn: str) -> None:
    """The body's `schemas` must name the resource's core schema."""
    schemas = next((v for k, v in doc.items() if str(k).lower() == "schemas"), None)
    if not isinstance(schemas, list) or not any(
        isinstance(s, str) and s.lower() == urn.lower() for s in schemas
    ):
        raise bad_request(f"'schemas' must include {urn}.", "invalidSyntax")


def _complex(value: Any, attribute: Attribute, path: str) -> dict:
    if not isinstance(value, dict):
        raise bad_request(f"'{path or attribute.name}' must be an object.")
    cleaned = {}
    for key, item in value.items():
        sub = attribute.subs.get(key.lower()) if isinstance(key, str) else None
        if sub is None:
            if str(key).lower() in _NOT_ATTRIBUTES:
                continue
            raise bad_request(
                f"Unknown attribute: {_join(path, key, attribute)!r}.", "invalidSyntax"
            )
        if sub.mutability != "readOnly":
            item = clean(item, sub, _join(path, sub.name, attribute))
            if item is not None:
                cleaned[sub.name] = item
    for sub in attribute.sub_attributes:
        if sub.required and sub.default is None and sub.name not in cleaned:
            raise bad_request(f"'{_join(path, sub.name, attribute)}' is required.")
    return cleaned


def _join(path: str, name: Any, container: Attribute) -> str:
    """`name.givenName`; `urn:...:enterprise:2.0:User:manager` inside an extension's object."""
    if not path:
        return str(name)
    return f"{path}{':' if container.name.startswith('urn:') else '.'}{name}"


# ---------------------------------------------------------------------------------------------
# Output: /Schemas and /ResourceTypes (RFC 7643 §6, §7), JSON Schema (openapi.py)


def attribute_document(attribute: Attribute) -> dict[str, Any]:
    """One attribute definition with every characteristic spelled out (RFC 7643 §7), so a client
    never has to guess a default."""
    doc: dict[str, Any] = {
        "name": attribute.name,
        "type": attribute.type,
        "multiValued": attribute.multi_valued,
        "description": attribute.description,
        "required": attribute.required,
        "caseExact": attribute.case_exact,
        "mutability": attribute.mutability,
        "returned": attribute.returned,
        "uniqueness": attribute.uniqueness,
    }
    if attribute.canonical_values is not None:
        doc["canonicalValues"] = list(attribute.canonical_values)
    if attribute.reference_types is not None:
        doc["referenceTypes"] = list(attribute.reference_types)
    if attribute.type == "complex":
        doc["subAttributes"] = [attribute_document(s) for s in attribute.sub_attributes if s.listed]
    return doc


def schema_document(schema: Schema) -> dict[str, Any]:
    """A schema as a resource of the Schemas endpoint (RFC 7643 §7), still without `meta`."""
    return {
        "schemas": [SCHEMA_SCHEMA],
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": [attribute_document(a) for a in schema.attributes if a.listed],
    }


def resource_type_document(resource: Resource) -> dict[str, Any]:
    doc = {
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": resource.name,
        "name": resource.name,
        "endpoint": resource.endpoint,
        "description": resource.description,
        "schema": resource.core.id,
    }
    if resource.extensions:
        doc["schemaExtensions"] = [
            {"schema": schema.id, "required": False} for schema in resource.extensions
        ]
    return doc


_JSON_TYPES = {
    "boolean": {"type": "boolean"},
    "dateTime": {"type": "string", "format": "date-time"},
}


def json_schema(attribute: Attribute, *, request: bool) -> dict[str, Any]:
    """The attribute as JSON Schema. A request schema holds what a client may send, closed and
    with the bounds the parser enforces; a response schema what the server may return."""
    if attribute.type == "complex":
        subs = [s for s in attribute.sub_attributes if _shown(s, request)]
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {s.name: json_schema(s, request=request) for s in subs},
        }
        required = [s.name for s in subs if request and s.required and s.default is None]
        if required:
            schema["required"] = required
        if request:
            schema["additionalProperties"] = False
    else:
        schema = dict(_JSON_TYPES.get(attribute.type, {"type": "string"}))
        if attribute.type in ("string", "reference") and request:
            schema["maxLength"] = attribute.max_length
            if attribute.required:
                schema["minLength"] = 1
        if attribute.canonical_values and (request or attribute.case_exact):
            schema["enum"] = list(attribute.canonical_values)
    if attribute.multi_valued:
        schema = {"type": "array", "items": schema}
    schema["description"] = attribute.description
    if attribute.mutability in ("readOnly", "writeOnly"):
        schema[attribute.mutability] = True
    if attribute.default is not None:
        schema["default"] = attribute.default
    return schema


def _shown(attribute: Attribute, request: bool) -> bool:
    if request:
        return attribute.mutability != "readOnly"
    return attribute.returned != "never"


def document_schema(resource: Resource, *, request: bool) -> dict[str, Any]:
    """A whole resource document as JSON Schema: `json_schema` of its root, with `schemas`."""
    schema = json_schema(resource.root, request=request)
    urns = [s.id for s in resource.schemas]
    schema["properties"] = {
        "schemas": {"type": "array", "items": {"type": "string", "enum": urns}, "minItems": 1},
        **schema["properties"],
    }
    always = [a.name for a in resource.core.attributes if a.returned == "always"]
    schema["required"] = ["schemas", *(schema.get("required", []) if request else always)]
    return schema
