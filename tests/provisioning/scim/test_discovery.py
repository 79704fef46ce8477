"""Discovery endpoints (RFC 7644 §4): ServiceProviderConfig, ResourceTypes, Schemas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client
from scim2_models import ResourceType, Schema, ScimProvider, ServiceProviderConfig

from provisioning.scim import discovery
from tests.provisioning.scim.conftest import ScimClient

BASE = "http://testserver/scim/v2"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
DASHBOARD = "urn:ietf:params:scim:schemas:extension:dashboard:2.0:User"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"


@pytest.fixture(params=[True, False], ids=["groups-served", "groups-not-yet-served"])
def groups(request, monkeypatch) -> bool:
    monkeypatch.setattr(discovery, "groups_served", lambda: request.param)
    return request.param


def user_resource_type() -> dict:
    return {
        "schemas": [RESOURCE_TYPE],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "Dashboard users",
        "schema": USER,
        "schemaExtensions": [
            {"schema": ENTERPRISE, "required": False},
            {"schema": DASHBOARD, "required": False},
        ],
        "meta": {"resourceType": "ResourceType", "location": f"{BASE}/ResourceTypes/User"},
    }


def group_resource_type() -> dict:
    return {
        "schemas": [RESOURCE_TYPE],
        "id": "Group",
        "name": "Group",
        "endpoint": "/Groups",
        "description": "Company roles",
        "schema": GROUP,
        "meta": {"resourceType": "ResourceType", "location": f"{BASE}/ResourceTypes/Group"},
    }


def published_schemas() -> dict[str, dict]:
    """The schema documents as reviewed in the golden file (not as the code builds them), by
    URN, with their `meta`."""
    golden = json.loads((Path(__file__).parent / "golden" / "documents.json").read_text())
    step = next(s for s in golden["steps"] if s["step"] == "discovery: the schemas")
    return {doc["id"]: doc for doc in step["response"]["body"]["Resources"]}


def schema_resource(urn: str) -> dict:
    doc = published_schemas()[urn]
    assert doc["schemas"] == [SCHEMA]
    assert doc["meta"] == {"resourceType": "Schema", "location": f"{BASE}/Schemas/{urn}"}
    return doc


def list_response(resources: list[dict]) -> dict:
    return {
        "schemas": [LIST],
        "totalResults": len(resources),
        "startIndex": 1,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def error(status: int, detail: str) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": str(status),
        "detail": detail,
    }


# ---------------------------------------------------------------------------------------------
# ServiceProviderConfig


def test_service_provider_config_tells_what_is_supported(scim: ScimClient):
    response = scim.get("ServiceProviderConfig")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/scim+json"
    assert response.json() == {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": 1000},
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
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": f"{BASE}/ServiceProviderConfig",
        },
    }
    ServiceProviderConfig.model_validate(response.json())


def test_service_provider_config_is_behind_the_token(db):
    response = Client().get("/scim/v2/ServiceProviderConfig")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="SCIM"'
    assert response.json() == error(401, "A SCIM bearer token is required.")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["ServiceProviderConfig", "ResourceTypes", "Schemas"])
def test_discovery_endpoints_answer_only_get(scim: ScimClient, method: str, path: str):
    response = scim.send(method, path, {"schemas": [USER]})

    assert response.status_code == 405
    assert response.json() == error(405, f'Method "{method.upper()}" not allowed.')


# ---------------------------------------------------------------------------------------------
# ResourceTypes


def test_resource_types_list_the_served_resources(scim: ScimClient, groups: bool):
    response = scim.get("ResourceTypes")

    expected = [user_resource_type()] + ([group_resource_type()] if groups else [])
    assert response.status_code == 200
    assert response.json() == list_response(expected)


def test_resource_types_ignore_paging(scim: ScimClient, groups: bool):
    response = scim.get("ResourceTypes", {"startIndex": "5", "count": "0"})

    expected = [user_resource_type()] + ([group_resource_type()] if groups else [])
    assert response.json() == list_response(expected)


def test_a_filter_on_discovery_is_refused_rather_than_ignored(scim: ScimClient):
    # RFC 7644 §4: a 403, so a client cannot believe its filter was applied.
    response = scim.get("Schemas", {"filter": 'id eq "x"'})

    assert response.status_code == 403
    assert response.json() == error(403, "Filtering is not supported on discovery endpoints.")


def test_resource_type_by_id(scim: ScimClient):
    response = scim.get("ResourceTypes/User")

    assert response.status_code == 200
    assert response.json() == user_resource_type()


def test_group_resource_type_exists_only_while_groups_are_served(scim: ScimClient, groups: bool):
    response = scim.get("ResourceTypes/Group")

    if groups:
        assert response.json() == group_resource_type()
    else:
        assert response.status_code == 404
        assert response.json() == error(404, "No resource type 'Group'.")


def test_unknown_resource_type_is_a_scim_404(scim: ScimClient):
    response = scim.get("ResourceTypes/Device")

    assert response.status_code == 404
    assert response.json() == error(404, "No resource type 'Device'.")


# ---------------------------------------------------------------------------------------------
# Schemas


def test_schemas_list_every_published_schema(scim: ScimClient, groups: bool):
    response = scim.get("Schemas")

    urns = [USER, ENTERPRISE, DASHBOARD] + ([GROUP] if groups else [])
    assert response.status_code == 200
    assert response.json() == list_response([schema_resource(urn) for urn in urns])


@pytest.mark.parametrize("urn", [USER, ENTERPRISE, DASHBOARD, USER.upper()])
def test_schema_by_urn(scim: ScimClient, urn: str):
    response = scim.get(f"Schemas/{urn}")

    assert response.status_code == 200
    assert response.json() == schema_resource(USER if urn == USER.upper() else urn)


def test_unknown_schema_is_a_scim_404(scim: ScimClient):
    urn = "urn:ietf:params:scim:schemas:core:2.0:Device"
    response = scim.get(f"Schemas/{urn}")

    assert response.status_code == 404
    assert response.json() == error(404, f"No schema {urn!r}.")


def test_discovery_requires_the_token(db):
    for path in ("ResourceTypes", "ResourceTypes/User", "Schemas", f"Schemas/{USER}"):
        response = Client().get(f"/scim/v2/{path}")
        assert response.status_code == 401, path


def test_a_wrong_origin_is_refused(scim: ScimClient):
    response = scim.get("Schemas", HTTP_X_REQUEST_ORIGIN="https://evil.example")

    assert response.status_code == 401


# ---------------------------------------------------------------------------------------------
# What the schemas say (the facts a client builds its requests from)


def _attribute(doc: dict, name: str) -> dict:
    return next(a for a in doc["attributes"] if a["name"] == name)


def test_user_schema_publishes_only_supported_attributes(scim: ScimClient):
    user_schema = scim.get(f"Schemas/{USER}").json()
    names = [a["name"] for a in user_schema["attributes"]]

    assert names == [
        "userName", "name", "displayName", "nickName", "profileUrl", "title", "userType",
        "preferredLanguage", "locale", "timezone", "active", "password", "emails",
        "phoneNumbers", "addresses",
    ]  # fmt: skip
    assert _attribute(user_schema, "userName")["required"] is True
    assert _attribute(user_schema, "password")["returned"] == "never"


def test_dashboard_extension_describes_department_and_permissions(scim: ScimClient):
    dashboard = scim.get(f"Schemas/{DASHBOARD}").json()
    department = _attribute(dashboard, "department")
    permissions = _attribute(dashboard, "permissions")

    assert department["canonicalValues"] == [
        "agency", "bi", "c_suite", "engineering", "finance", "marketing", "pm",
    ]  # fmt: skip
    assert [s["name"] for s in permissions["subAttributes"]] == [
        "companyPermissions",
        "roles",
        "appGroup",
    ]
    assert permissions["subAttributes"][0]["canonicalValues"] == [
        "add_remove_app_groups",
        "admin",
        "manage_company_settings",
    ]


def test_a_group_member_needs_its_value_as_the_schema_says(scim: ScimClient):
    """RFC 7643 §8.7.1 leaves members.value optional; this server refuses a member without one
    (it names nobody), and its /Schemas used to say otherwise."""
    group = scim.get(f"Schemas/{GROUP}").json()
    members = _attribute(group, "members")
    assert _attribute({"attributes": members["subAttributes"]}, "value")["required"] is True

    body = {"schemas": [GROUP], "displayName": "Ops", "members": [{"display": "Ada"}]}
    response = scim.post("Groups", body)

    assert response.status_code == 400
    assert response.json()["detail"] == "'members.value' is required."


def test_published_documents_compose_into_a_client_model(scim: ScimClient, groups: bool):
    """What an RFC-following client (scim2-models, used by scim2-tester) does with them."""
    schemas = [Schema.model_validate(s) for s in scim.get("Schemas").json()["Resources"]]
    types = [ResourceType.model_validate(r) for r in scim.get("ResourceTypes").json()["Resources"]]
    config = ServiceProviderConfig.model_validate(scim.get("ServiceProviderConfig").json())

    provider = ScimProvider.from_discovery(schemas, types, config)

    assert [rt.id for rt in provider.resource_types] == ["User"] + (["Group"] if groups else [])
