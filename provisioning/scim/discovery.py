"""The discovery endpoints (RFC 7644 §4): /ServiceProviderConfig, /ResourceTypes, /Schemas.

They sit behind the same gate as /Users. RFC 7644 §4 allows serving /ServiceProviderConfig
without authentication, but Okta and Entra ID send the token on every request anyway, and one gate
for every SCIM URL is simpler to reason about (and to rate-limit) than an exception.
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from rest_framework.request import Request
from rest_framework.response import Response

from provisioning.scim.errors import ScimError, not_found
from provisioning.scim.limits import MAX_COUNT
from provisioning.scim.resources import GROUP, USER, resource_type_document, schema_document
from provisioning.scim.urns import LIST_RESPONSE_SCHEMA, SERVICE_PROVIDER_CONFIG_SCHEMA
from provisioning.scim.views import ScimView

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
            "sent as 'Authorization: Bearer <token>'. Custom (Braze-compatible) clients also "
            "send the 'X-Request-Origin' header set to the configured service origin; for "
            "identity providers it is checked only when sent.",
            "specUri": "https://www.rfc-editor.org/info/rfc6750",
            "primary": True,
        }
    ],
}

# The Groups endpoints are served once their URL exists; until then the Group resource type and
# schema are not advertised, so discovery never promises an endpoint that answers 404.
GROUPS_URL_NAME = "scim:groups"


def groups_served() -> bool:
    try:
        reverse(GROUPS_URL_NAME)
    except NoReverseMatch:
        return False
    return True


# Only the attributes the parser accepts and the renderer returns are published (`resources.py`),
# so a client that builds its requests from them (scim2-tester does) sends nothing the server
# would refuse or silently drop.
SCHEMAS = {r: [schema_document(s) for s in r.schemas] for r in (USER, GROUP)}
RESOURCE_TYPES = {r: resource_type_document(r) for r in (USER, GROUP)}


def served() -> tuple:
    return (USER, GROUP) if groups_served() else (USER,)


def resource_types() -> list[dict[str, Any]]:
    return [RESOURCE_TYPES[resource] for resource in served()]


def schema_documents() -> list[dict[str, Any]]:
    return [doc for resource in served() for doc in SCHEMAS[resource]]


class DiscoveryView(ScimView):
    """GET only: DRF answers other methods with 405, rendered as a SCIM error."""

    def with_meta(self, doc: dict[str, Any], resource_type: str, location: str) -> dict[str, Any]:
        return {**doc, "meta": {"resourceType": resource_type, "location": location}}

    def list_response(self, resources: list[dict[str, Any]]) -> Response:
        # RFC 7644 §4: filtering is not supported here, and a filter must not look honoured.
        if self.request.query_params.get("filter"):
            raise ScimError(403, "Filtering is not supported on discovery endpoints.")
        # Paging and sorting parameters are ignored (RFC 7644 §4): the whole list, always.
        return Response(
            {
                "schemas": [LIST_RESPONSE_SCHEMA],
                "totalResults": len(resources),
                "startIndex": 1,
                "itemsPerPage": len(resources),
                "Resources": resources,
            }
        )


class ServiceProviderConfigView(DiscoveryView):
    def get(self, request: Request) -> Response:
        location = self.absolute("scim:service-provider-config")
        return Response(self.with_meta(SERVICE_PROVIDER_CONFIG, "ServiceProviderConfig", location))


class ResourceTypesView(DiscoveryView):
    def document(self, resource_type: dict[str, Any]) -> dict[str, Any]:
        location = self.absolute("scim:resource-type", resource_type["id"])
        return self.with_meta(resource_type, "ResourceType", location)

    def get(self, request: Request, resource_type_id: str | None = None) -> Response:
        if resource_type_id is None:
            return self.list_response([self.document(rt) for rt in resource_types()])
        for resource_type in resource_types():
            if resource_type["id"].lower() == resource_type_id.lower():
                return Response(self.document(resource_type))
        raise not_found(f"No resource type {resource_type_id!r}.")


class ResourceTypeView(ResourceTypesView):
    """One resource type: a class of its own, so the OpenAPI description has two operations."""


class SchemasView(DiscoveryView):
    def document(self, schema: dict[str, Any]) -> dict[str, Any]:
        return self.with_meta(schema, "Schema", self.absolute("scim:schema", schema["id"]))

    def get(self, request: Request, schema_id: str | None = None) -> Response:
        if schema_id is None:
            return self.list_response([self.document(s) for s in schema_documents()])
        # Schema URNs compare case-insensitively, like attribute names (RFC 7643 §2.1).
        for schema in schema_documents():
            if schema["id"].lower() == schema_id.lower():
                return Response(self.document(schema))
        raise not_found(f"No schema {schema_id!r}.")


class SchemaView(SchemasView):
    """One schema, by its URN."""
