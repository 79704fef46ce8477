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

from provisioning.scim import schemas
from provisioning.scim.errors import LIST_RESPONSE_SCHEMA, ScimError, not_found
from provisioning.scim.views import ScimView

# The Groups endpoints are served once their URL exists; until then the Group resource type and
# schema are not advertised, so discovery never promises an endpoint that answers 404.
GROUPS_URL_NAME = "scim:groups"


def groups_served() -> bool:
    try:
        reverse(GROUPS_URL_NAME)
    except NoReverseMatch:
        return False
    return True


def resource_types() -> list[dict[str, Any]]:
    types = [schemas.USER_RESOURCE_TYPE]
    if groups_served():
        types.append(schemas.GROUP_RESOURCE_TYPE)
    return types


def schema_documents() -> list[dict[str, Any]]:
    docs = [
        schemas.USER_SCHEMA_DOC,
        schemas.ENTERPRISE_USER_SCHEMA_DOC,
        schemas.DASHBOARD_USER_SCHEMA_DOC,
    ]
    if groups_served():
        docs.append(schemas.GROUP_SCHEMA_DOC)
    return [schemas.schema_document(doc) for doc in docs]


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
        return Response(
            self.with_meta(schemas.SERVICE_PROVIDER_CONFIG, "ServiceProviderConfig", location)
        )


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
