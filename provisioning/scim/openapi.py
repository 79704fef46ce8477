"""The OpenAPI 3 description of the SCIM API (served by `schema_urls.py` at `/api/schema/`): its
operations, attached to the views at import time with `extend_schema_view`, so `views.py` stays
free of documentation. SCIM documents are not model-shaped, so there are no DRF serializers to
introspect: the resources' components come from `resources.py` (`document_schema`), the discovery
documents' from the documents themselves (`_shape`), and the messages of RFC 7644 are here.

Two rules keep the description usable by a fuzzer (schemathesis) and a client generator:
- Response schemas are a superset of what the server returns: `attributes`/`excludedAttributes`
  may drop any attribute but `id` and `schemas`, so those are the only required ones at the top.
- Request schemas are a subset of what the server accepts (`additionalProperties: false`, the
  canonical attribute spellings only), so generated requests are mostly valid.
"""

from __future__ import annotations

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

from provisioning.scim import discovery, limits, urns, views
from provisioning.scim.resources import GROUP, USER, document_schema

Schema = dict[str, Any]
MEDIA_TYPES = ("application/scim+json", "application/json")
STRING, INTEGER = {"type": "string"}, {"type": "integer"}
SCIM_TYPES = """invalidFilter tooMany uniqueness mutability invalidSyntax invalidPath noTarget
invalidValue invalidVers sensitive""".split()  # RFC 7644 §3.12, Table 9


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(*required: str, closed: bool = True, **properties: Schema) -> Schema:
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return {**schema, "additionalProperties": False} if closed else schema


def _urns(*urns: str) -> Schema:
    return {"type": "array", "items": {"enum": list(urns)}, "minItems": 1, "uniqueItems": True}


def _list_response(item: str) -> Schema:
    count = {"type": "integer", "minimum": 0}
    return _object(
        *("schemas", "totalResults", "startIndex", "itemsPerPage", "Resources"),
        closed=False,
        schemas=_urns(urns.LIST_RESPONSE_SCHEMA),
        totalResults=count,
        startIndex={"type": "integer", "minimum": 1},
        itemsPerPage=count,
        Resources={"type": "array", "items": ref(item)},
    )


def _shape(*documents: Any) -> Schema:
    """The JSON Schema of documents the server always serves whole (discovery): the keys every
    one of them has are required, the types are theirs."""
    first = documents[0]
    if isinstance(first, dict):
        keys = list(dict.fromkeys(key for doc in documents for key in doc))
        return _object(
            *(key for key in keys if all(key in doc for doc in documents)),
            closed=False,
            **{key: _shape(*(doc[key] for doc in documents if key in doc)) for key in keys},
        )
    if isinstance(first, list):
        items = [item for doc in documents for item in doc]
        return {"type": "array", "items": _shape(*items) if items else {}}
    return {"type": {bool: "boolean", int: "integer"}.get(type(first), "string")}


def _discovery_component(*documents: dict) -> Schema:
    shape = _shape(*documents)
    meta = _object("resourceType", "location", closed=False, resourceType=STRING, location=STRING)
    shape["properties"]["meta"] = meta  # added by the view, with the request's host
    return shape


COMPONENTS: dict[str, Schema] = {
    "User": document_schema(USER, request=False),
    "UserRequest": document_schema(USER, request=True),
    "UserListResponse": _list_response("User"),
    "Group": document_schema(GROUP, request=False),
    "GroupRequest": document_schema(GROUP, request=True),
    "GroupListResponse": _list_response("Group"),
    "PatchOp": _object(
        "schemas",
        "Operations",
        schemas=_urns(urns.PATCH_OP_SCHEMA),
        Operations={
            "type": "array",
            "items": ref("PatchOperation"),
            "minItems": 1,
            "maxItems": limits.MAX_PATCH_OPERATIONS,
            "description": "In order, in one transaction: one failing changes nothing.",
        },
    ),
    "PatchOperation": {
        **_object(
            "op",
            op={"enum": ["add", "remove", "replace"], "description": "'Replace' works too."},
            path={
                "type": "string",
                "minLength": 1,
                "description": "An attribute path (RFC 7644 "
                "§3.5.2): 'name.givenName', 'emails[type eq \"work\"].value'.",
            },
            value={"description": "Any JSON value; without a path, an object of attributes."},
        ),
        "anyOf": [
            {"properties": {"op": {"enum": ["remove"]}}, "required": ["path"]},
            {"properties": {"op": {"enum": ["add", "replace"]}}, "required": ["value"]},
        ],
    },
    "SearchRequest": _object(
        "schemas",
        schemas=_urns(urns.SEARCH_REQUEST_SCHEMA),
        attributes={"type": "array", "items": STRING},
        excludedAttributes={"type": "array", "items": STRING},
        filter={"type": "string", "maxLength": limits.MAX_FILTER_LENGTH},
        sortBy=STRING,
        sortOrder={"enum": ["ascending", "descending"]},
        startIndex=INTEGER,
        count=INTEGER,
    ),
    "Error": _object(
        *("schemas", "status", "detail"),
        closed=False,
        schemas=_urns(urns.ERROR_SCHEMA),
        status={"type": "string", "pattern": "^[0-9]{3}$", "description": "The HTTP status."},
        scimType={"enum": SCIM_TYPES},
        detail=STRING,
    ),
    "ServiceProviderConfig": _discovery_component(discovery.SERVICE_PROVIDER_CONFIG),
    "ResourceType": _discovery_component(*discovery.RESOURCE_TYPES.values()),
    "ResourceTypeListResponse": _list_response("ResourceType"),
    "Schema": _discovery_component(*(d for docs in discovery.SCHEMAS.values() for d in docs)),
    "SchemaListResponse": _list_response("Schema"),
}

# ---------------------------------------------------------------------------------------------
# Parameters, headers and responses


def _parameter(name: str, description: str, where: str = "query", **more: Any) -> OpenApiParameter:
    return OpenApiParameter(name, more.pop("type", str), where, description=description, **more)


_SELECTION = [
    _parameter("attributes", "Comma-separated attribute names to return (plus id and schemas), "
               "e.g. 'userName,name.givenName'. Not together with excludedAttributes."),
    _parameter("excludedAttributes", "Attribute names to leave out, e.g. 'members'."),
]  # fmt: skip
_LISTING = [
    _parameter("filter", "RFC 7644 §3.4.2.2 filter, e.g. 'userName eq \"ada@example.com\"'. No "
               "match is an empty ListResponse, not a 404.",
               type={"type": "string", "maxLength": limits.MAX_FILTER_LENGTH}),
    _parameter("startIndex", "1-based index of the first result.", type=int),
    _parameter("count", f"Default {limits.DEFAULT_COUNT}, at most {limits.MAX_COUNT}.", type=int),
    _parameter("sortBy", "e.g. 'userName'. Default: creation order."),
    _parameter("sortOrder", "ascending or descending.", enum=["ascending", "descending"]),
    *_SELECTION,
]  # fmt: skip
_IF_MATCH = _parameter("If-Match", "Apply only if it still has this ETag.", "header")
_IF_NONE_MATCH = _parameter("If-None-Match", "304 if it still has this ETag.", "header")


def _id(name: str, what: str) -> OpenApiParameter:
    return _parameter(name, f"The {what}'s id.", "path", pattern="^[^/]+$")


def _headers(success: list[int], *, etag: bool = False, created: bool = False) -> list:
    """Every answer that passed the gate carries the rate-limit headers (429 too)."""
    limited = [*success, 429]
    headers = [
        ("X-RateLimit-Limit", limited, "Requests allowed per day.", int),
        ("X-RateLimit-Remaining", limited, "Requests left today.", int),
        ("X-RateLimit-Reset", limited, "When the count resets, in Unix seconds.", int),
        ("Retry-After", [429, 503], "Seconds to wait before retrying.", int),
        ("WWW-Authenticate", [401], "The Bearer challenge.", str),
        *([("ETag", success, "The resource's version.", str)] if etag else []),
        *([("Location", success, "The new resource's URL.", str)] if created else []),
    ]
    return [
        _parameter(name, text, "header", type=type_, required=True, response=codes)
        for name, codes, text, type_ in headers
    ]  # fmt: skip


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


def _responses(ok: dict[int, tuple[str, str] | None], errors: dict[int, str]) -> dict:
    """The successes (a component and what it is, or None: no body), the given errors and the
    gate's, every error in the Error schema."""
    responses = {
        code: OpenApiResponse(response=ref(item[0]), description=item[1]) if item else None
        for code, item in ok.items()
    }
    for code, text in {**errors, **_GATE_ERRORS}.items():
        responses[code] = OpenApiResponse(response=ref("Error"), description=text)
    return responses


def _body(component: str) -> dict[str, Schema]:
    return {media_type: ref(component) for media_type in MEDIA_TYPES}


_ADA = {
    "schemas": [urns.USER_SCHEMA],
    "userName": "ada@example.com",
    "name": {"givenName": "Ada", "familyName": "Lovelace"},
    "department": "engineering",
    "permissions": {"appGroup": [{
        "appGroupName": "Production",
        "appGroupPermissions": ["basic_access", "send_campaigns_canvases"],
        "team": [{"teamName": "Growth", "teamPermissions": ["basic_access"]}],
    }]},
}  # fmt: skip
_TAKEN = {409: "scimType uniqueness: the company has a group with this displayName."}
_NO_MEMBER = {400: "Invalid document, or a member that is not a user of this company."}
# What differs between the Users and the Groups operations.
TEXTS: dict[str, dict[str, Any]] = {
    "User": {
        "created": "The new user; an invitation email is on its way.",
        "create": {400: "Invalid document, or it names an unknown workspace, team, role, "
                   "permission set, permission or department.",
                   409: "scimType uniqueness: the userName exists (any company, any case)."},
        "write": {409: "Removing the company's last administrator."},
        "put": "A full replace; userName cannot change (400 mutability). Attributes left out "
        "are cleared, except department and permissions, which stay as they are.",
        "patched": {200: ("User", "The user as stored.")},
        "delete": {409: "The company's last administrator cannot be deleted."},
        # One per media type, so Swagger UI shows it whichever content type is picked.
        "examples": [OpenApiExample("A Braze-style user", value=_ADA, request_only=True,
                                    media_type=media) for media in MEDIA_TYPES],
    },
    "Group": {
        "created": "The new group (a company role).",
        "create": {**_NO_MEMBER, **_TAKEN},
        "write": {**_NO_MEMBER, **_TAKEN},
        "put": "Replaces displayName and externalId; members too when the body lists them.",
        # 204 (RFC 7644 §3.5.2): a membership change stays cheap however large the group.
        "patched": {200: ("Group", "The group, when attributes or excludedAttributes is given."),
                    204: None},
        "delete": {},
        "examples": [],
    },
}  # fmt: skip


def _operations(name: str) -> dict[str, Any]:
    """The operations of the Users or Groups endpoints, as `extend_schema` decorators."""
    texts, plural, one = TEXTS[name], f"{name}s", name.lower()
    missing, stale = {404: f"No such {one}."}, {412: "If-Match does not match the current ETag."}
    write = {**_BODY_ERRORS, **missing, **texts["write"], **stale}
    page = {200: (f"{name}ListResponse", f"A page of {plural.lower()}, in a stable order.")}
    item, resource = [_id("public_id", one), _IF_MATCH, *_SELECTION], (name, f"The {one}.")
    patched = texts["patched"]
    # method: operationId, summary, responses, parameters, more `extend_schema` arguments
    table = {
        "list": (f"list{plural}", f"List or filter {plural.lower()}",
                 _responses(page, {400: "Invalid filter, sortBy, sortOrder, startIndex, count."}),
                 [*_LISTING, *_headers([200])], {}),
        "create": (f"create{name}", f"Create a {one}",
                   _responses({201: (name, texts["created"])}, {**_BODY_ERRORS, **texts["create"]}),
                   [*_SELECTION, *_headers([201], etag=True, created=True)],
                   {"request": _body(f"{name}Request"), "examples": texts["examples"]}),
        "search": (f"search{plural}", f"Search {plural.lower()} with a SearchRequest body",
                   _responses(page, _BODY_ERRORS), _headers([200]),
                   {"request": _body("SearchRequest")}),
        "get": (f"get{name}", f"Get a {one}",
                _responses({200: resource, 304: None}, {400: "Invalid attributes.", **missing}),
                [item[0], _IF_NONE_MATCH, *_SELECTION, *_headers([200, 304], etag=True)], {}),
        "put": (f"replace{name}", f"Replace a {one}", _responses({200: resource}, write),
                [*item, *_headers([200], etag=True)],
                {"request": _body(f"{name}Request"), "description": texts["put"]}),
        "patch": (f"patch{name}", f"Change a {one} with PATCH operations",
                  _responses(patched, write), [*item, *_headers(list(patched), etag=True)],
                  {"request": _body("PatchOp")}),
        "delete": (f"delete{name}", f"Delete a {one}",
                   _responses({204: None}, {**missing, **texts["delete"], **stale}),
                   [item[0], _IF_MATCH, *_headers([204])], {}),
    }  # fmt: skip
    return {
        method: extend_schema(
            operation_id=operation_id,
            summary=summary,
            responses=responses,
            tags=[plural],
            parameters=parameters,
            **more,
        )
        for method, (operation_id, summary, responses, parameters, more) in table.items()
    }


class ScimAutoSchema(AutoSchema):
    """DRF's `?format=` override is not part of the SCIM API: leave it out."""

    def _get_format_parameters(self) -> list[Schema]:
        return []


class ScimTokenScheme(OpenApiAuthenticationExtension):
    """The gate needs both the bearer token and the origin header: one security requirement
    naming two schemes, so generated clients send both."""

    target_class = "provisioning.scim.gate.ScimTokenAuthentication"
    name = ["scimToken", "requestOrigin"]

    def get_security_definition(self, auto_schema: AutoSchema) -> list[Schema]:
        return [
            {"type": "http", "scheme": "bearer",
             "description": "The SCIM token from Settings > Admin Settings > SCIM Provisioning."},
            {"type": "apiKey", "in": "header", "name": "X-Request-Origin",
             "description": "The service origin configured with the token, e.g. "
             "'https://idp.example.com' (the older spelling X-Origin-Request works too)."},
        ]  # fmt: skip


def _attach() -> None:
    views.ScimView.schema = ScimAutoSchema()
    exclude = extend_schema(exclude=True)  # GET on .search only answers 405
    for name, collection, search, detail in (
        ("User", views.UsersView, views.UsersSearchView, views.UserDetailView),
        ("Group", views.GroupsView, views.GroupsSearchView, views.GroupDetailView),
    ):
        ops = _operations(name)
        extend_schema_view(get=ops["list"], post=ops["create"])(collection)
        extend_schema_view(get=exclude, post=ops["search"])(search)
        extend_schema_view(
            get=ops["get"], put=ops["put"], patch=ops["patch"], delete=ops["delete"]
        )(detail)
    for view, operation_id, summary, component, *parameters in (
        (discovery.ServiceProviderConfigView, "getServiceProviderConfig",
         "The service provider's configuration", "ServiceProviderConfig"),
        (discovery.ResourceTypesView, "listResourceTypes", "The resource types (User, Group)",
         "ResourceTypeListResponse"),
        (discovery.ResourceTypeView, "getResourceType", "One resource type", "ResourceType",
         _id("resource_type_id", "resource type (User or Group)")),
        (discovery.SchemasView, "listSchemas", "The schemas of the resources",
         "SchemaListResponse"),
        (discovery.SchemaView, "getSchema", "One schema, by its URN", "Schema",
         _id("schema_id", "schema URN")),
    ):  # fmt: skip
        listing = component.endswith("ListResponse")
        errors = {404: "No such item."} if parameters else {}
        operation = extend_schema(
            operation_id=operation_id,
            summary=summary,
            responses=_responses({200: (component, summary)}, errors),
            tags=["Discovery"],
            parameters=[*parameters, *_headers([200])],
            description="No paging, sorting or filtering: the whole list." if listing else "",
        )
        extend_schema_view(get=operation)(view)


_attach()


def postprocess(result: Schema, generator: Any, request: Any, public: bool) -> Schema:
    """drf-spectacular POSTPROCESSING_HOOKS entry: add the components, and drop the optional
    trailing slash the URL patterns tolerate (`/Users/?` is documented as `/Users`)."""
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
