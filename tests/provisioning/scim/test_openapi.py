"""The OpenAPI description at /api/schema/ and its docs page: valid OpenAPI 3, every SCIM operation,
no CDN, and — what a generated client or schemathesis relies on — real responses that validate
against the documented status codes, headers and response schemas."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest
from django.core.management import call_command
from django.test import Client
from drf_spectacular.validation import validate_schema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.factories import PermissionSetFactory, RoleFactory, TeamFactory, UserFactory
from tests.provisioning.scim.conftest import new_user_body

pytestmark = pytest.mark.django_db

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
DASHBOARD = "urn:ietf:params:scim:schemas:extension:dashboard:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
BASE = "urn:openapi"

SCIM_OPERATIONS = {
    ("/scim/v2/Users", "get"): "listUsers",
    ("/scim/v2/Users", "post"): "createUser",
    ("/scim/v2/Users/.search", "post"): "searchUsers",
    ("/scim/v2/Users/{public_id}", "get"): "getUser",
    ("/scim/v2/Users/{public_id}", "put"): "replaceUser",
    ("/scim/v2/Users/{public_id}", "patch"): "patchUser",
    ("/scim/v2/Users/{public_id}", "delete"): "deleteUser",
    ("/scim/v2/Groups", "get"): "listGroups",
    ("/scim/v2/Groups", "post"): "createGroup",
    ("/scim/v2/Groups/.search", "post"): "searchGroups",
    ("/scim/v2/Groups/{public_id}", "get"): "getGroup",
    ("/scim/v2/Groups/{public_id}", "put"): "replaceGroup",
    ("/scim/v2/Groups/{public_id}", "patch"): "patchGroup",
    ("/scim/v2/Groups/{public_id}", "delete"): "deleteGroup",
    ("/scim/v2/ServiceProviderConfig", "get"): "getServiceProviderConfig",
    ("/scim/v2/ResourceTypes", "get"): "listResourceTypes",
    ("/scim/v2/ResourceTypes/{resource_type_id}", "get"): "getResourceType",
    ("/scim/v2/Schemas", "get"): "listSchemas",
    ("/scim/v2/Schemas/{schema_id}", "get"): "getSchema",
}


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


class Conformance:
    """Checks a real response against the operation the schema documents for it."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.registry = Registry().with_resource(
            BASE, Resource(contents=document, specification=DRAFT7)
        )
        self.operations = {
            op["operationId"]: op
            for item in document["paths"].values()
            for op in item.values()
            if isinstance(op, dict) and "operationId" in op
        }

    def validate(self, instance: Any, component: str) -> None:
        validator = jsonschema.Draft7Validator(
            {"$ref": f"{BASE}#/components/schemas/{component}"},
            registry=self.registry,
            format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER,
        )
        validator.validate(instance)

    def validate_schema(self, instance: Any, schema: dict[str, Any]) -> None:
        ref = schema["$ref"].removeprefix("#/components/schemas/")
        self.validate(instance, ref)

    def request_schema(self, operation_id: str) -> dict[str, Any]:
        content = self.operations[operation_id]["requestBody"]["content"]
        return content["application/scim+json"]["schema"]

    def check(self, operation_id: str, response) -> Any:
        documented = self.operations[operation_id]["responses"]
        status = str(response.status_code)
        assert status in documented, f"{operation_id} answered undocumented {status}"
        spec = documented[status]
        for name, header in spec.get("headers", {}).items():
            if header.get("required"):
                assert response.has_header(name), f"{operation_id} {status}: no {name}"
                if header["schema"]["type"] == "integer":
                    assert re.fullmatch(r"-?\d+", response[name]), (name, response[name])
        if "content" not in spec:
            assert not response.content, f"{operation_id} {status} should have no body"
            return None
        media_type = response["Content-Type"].split(";")[0]
        assert media_type in spec["content"]
        body = json.loads(response.content)
        self.validate_schema(body, spec["content"][media_type]["schema"])
        return body


@pytest.fixture
def conformance(openapi: dict[str, Any]) -> Conformance:
    return Conformance(openapi)


# ---------------------------------------------------------------------------------------------
# The document itself


def test_the_schema_is_valid_openapi_3(openapi):
    assert openapi["openapi"].startswith("3.0")
    validate_schema(openapi)


def test_the_schema_is_yaml_by_default():
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert b"/scim/v2/Users" in response.content


def test_generation_has_no_warnings(tmp_path):
    # `spectacular --fail-on-warn` exits non-zero on any warning or error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))


def test_it_lists_every_scim_operation_and_nothing_else(openapi):
    found = {
        (path, method): op["operationId"]
        for path, item in openapi["paths"].items()
        for method, op in item.items()
    }
    assert found == SCIM_OPERATIONS


def test_every_operation_needs_the_token_and_the_origin_header(openapi):
    schemes = openapi["components"]["securitySchemes"]
    assert schemes["scimToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["scimToken"]["description"],
    }
    assert schemes["requestOrigin"]["in"] == "header"
    assert schemes["requestOrigin"]["name"] == "X-Request-Origin"
    for item in openapi["paths"].values():
        for op in item.values():
            assert op["security"] == [{"scimToken": [], "requestOrigin": []}]


def test_every_body_and_error_is_in_both_media_types(openapi):
    for item in openapi["paths"].values():
        for op in item.values():
            bodies = [op["requestBody"]] if "requestBody" in op else []
            bodies += [r for r in op["responses"].values() if "content" in r]
            for body in bodies:
                assert set(body["content"]) == {"application/scim+json", "application/json"}
            assert op["responses"]["401"]["headers"]["WWW-Authenticate"]["required"]


def test_the_department_enum_is_the_dashboards(openapi):
    from workspaces.permissions import Department

    schemas = openapi["components"]["schemas"]
    for component in ("User", "UserRequest"):
        for where in (schemas[component], schemas[component]["properties"][DASHBOARD]):
            assert where["properties"]["department"]["enum"] == list(Department.values)


# ---------------------------------------------------------------------------------------------
# The docs page


def test_the_docs_page_loads_everything_from_this_app():
    client = Client()
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assets = re.findall(r"""(?:src|href)="(/static/[^"]+)\"""", html)
    assert len(assets) >= 3
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        served.close()


# ---------------------------------------------------------------------------------------------
# Real responses conform to the schema


def test_the_documented_request_examples_are_valid(conformance, openapi):
    create = openapi["paths"]["/scim/v2/Users"]["post"]["requestBody"]["content"]
    for media in create.values():
        for example in media.get("examples", {}).values():
            conformance.validate(example["value"], "UserRequest")


def test_user_lifecycle_responses_conform(scim, conformance, company, workspace):
    team = TeamFactory(workspace=workspace, name="Growth")
    PermissionSetFactory(workspace=workspace, name="Marketer")
    RoleFactory(company=company, name="Analysts")
    body = new_user_body(
        externalId="00u1",
        emails=[{"value": "ada@example.com", "type": "work", "primary": True}],
        phoneNumbers=[{"value": "+1 555 0100", "type": "mobile"}],
        title="Countess",
        permissions={
            "companyPermissions": ["manage_company_settings"],
            "roles": [{"roleName": "Analysts"}],
            "appGroup": [
                {
                    "appGroupName": "Production",
                    "appGroupPermissions": ["basic_access"],
                    "appGroupPermissionSets": [{"appGroupPermissionSetName": "Marketer"}],
                    "team": [{"teamId": team.public_id, "teamPermissions": ["edit_segments"]}],
                }
            ],
        },
        **{ENTERPRISE: {"employeeNumber": "42", "manager": {"value": "boss-1"}}},
    )
    conformance.validate(body, "UserRequest")
    created = conformance.check("createUser", scim.post("Users", body))
    user_id = created["id"]
    assert created[ENTERPRISE]["employeeNumber"] == "42"

    fetched = scim.get(f"Users/{user_id}")
    conformance.check("getUser", fetched)
    conformance.check("getUser", scim.get(f"Users/{user_id}", HTTP_IF_NONE_MATCH=fetched["ETag"]))
    conformance.check("getUser", scim.get(f"Users/{user_id}", {"attributes": "userName"}))
    conformance.check("getUser", scim.get(f"Users/{user_id}", {"excludedAttributes": "meta"}))

    listed = conformance.check("listUsers", scim.get("Users"))
    assert listed["totalResults"] == 1
    conformance.check("listUsers", scim.get("Users", {"filter": 'userName eq "nobody@x.org"'}))
    conformance.check("listUsers", scim.get("Users", {"count": 0}))
    search = {"schemas": [SEARCH], "filter": 'userName sw "ada"', "attributes": ["emails.value"]}
    conformance.validate(search, "SearchRequest")
    conformance.check("searchUsers", scim.post("Users/.search", search))

    replacement = new_user_body(name={"givenName": "Augusta", "familyName": "King"})
    conformance.validate(replacement, "UserRequest")
    conformance.check("replaceUser", scim.put(f"Users/{user_id}", replacement))
    patch = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
    conformance.validate(patch, "PatchOp")
    conformance.check("patchUser", scim.patch(f"Users/{user_id}", patch))
    conformance.check("deleteUser", scim.delete(f"Users/{user_id}"))


def test_group_lifecycle_responses_conform(scim, conformance, company):
    member = UserFactory(company=company, email="grace@example.com")
    body = {
        "schemas": [GROUP],
        "displayName": "Analysts",
        "externalId": "g-1",
        "members": [{"value": member.public_id}],
    }
    conformance.validate(body, "GroupRequest")
    created = conformance.check("createGroup", scim.post("Groups", body))
    group_id = created["id"]
    assert created["members"][0]["value"] == member.public_id

    fetched = scim.get(f"Groups/{group_id}")
    conformance.check("getGroup", fetched)
    conformance.check(
        "getGroup", scim.get(f"Groups/{group_id}", HTTP_IF_NONE_MATCH=fetched["ETag"])
    )
    conformance.check("listGroups", scim.get("Groups", {"excludedAttributes": "members"}))
    conformance.check("searchGroups", scim.post("Groups/.search", {"schemas": [SEARCH]}))

    patch = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "remove", "path": f'members[value eq "{member.public_id}"]'}],
    }
    conformance.validate(patch, "PatchOp")
    conformance.check("patchGroup", scim.patch(f"Groups/{group_id}", patch))
    conformance.check("patchGroup", scim.patch(f"Groups/{group_id}?attributes=displayName", patch))
    conformance.check("replaceGroup", scim.put(f"Groups/{group_id}", {**body, "members": []}))
    conformance.check("deleteGroup", scim.delete(f"Groups/{group_id}"))


def test_discovery_responses_conform(scim, conformance):
    conformance.check("getServiceProviderConfig", scim.get("ServiceProviderConfig"))
    types = conformance.check("listResourceTypes", scim.get("ResourceTypes"))
    for resource_type in types["Resources"]:
        conformance.check("getResourceType", scim.get(f"ResourceTypes/{resource_type['id']}"))
    schemas = conformance.check("listSchemas", scim.get("Schemas"))
    for schema in schemas["Resources"]:
        conformance.check("getSchema", scim.get(f"Schemas/{schema['id']}"))
    conformance.check("getSchema", scim.get("Schemas/urn:nope"))


def test_error_responses_conform(scim, conformance, company):
    unauthenticated = Client().get("/scim/v2/Users/abc")
    assert unauthenticated.status_code == 401
    conformance.check("getUser", unauthenticated)
    wrong_origin = scim.get("Users", HTTP_X_REQUEST_ORIGIN="https://evil.example")
    assert wrong_origin.status_code == 401
    conformance.check("listUsers", wrong_origin)

    assert conformance.check("getUser", scim.get("Users/missing"))["status"] == "404"
    bad = conformance.check("createUser", scim.post("Users", new_user_body("not-an-email")))
    assert bad["status"] == "400"
    assert conformance.check("createUser", scim.post("Users", "{nope"))["scimType"] == (
        "invalidSyntax"
    )
    assert (
        conformance.check("listUsers", scim.get("Users", {"filter": "userName xx"}))["scimType"]
        == "invalidFilter"
    )

    user_id = UserFactory(company=company, email="ada@example.com").public_id
    duplicate = scim.post("Users", new_user_body("ADA@example.com"))
    assert conformance.check("createUser", duplicate)["scimType"] == "uniqueness"
    stale = scim.put(f"Users/{user_id}", new_user_body(), HTTP_IF_MATCH='W/"0"')
    assert conformance.check("replaceUser", stale)["status"] == "412"
    moved = scim.put(f"Users/{user_id}", new_user_body("eve@example.com"))
    assert conformance.check("replaceUser", moved)["scimType"] == "mutability"
    wrong_type = scim.post("Users", new_user_body(), content_type="text/plain")
    assert conformance.check("createUser", wrong_type)["status"] == "415"
    not_json = scim.get("Users", HTTP_ACCEPT="text/html")
    assert conformance.check("listUsers", not_json)["status"] == "406"


def test_oversized_bodies_and_the_rate_limit_conform(scim, conformance, settings):
    settings.SCIM_MAX_BODY_BYTES = 100
    big = scim.post("Users", new_user_body(title="x" * 200))
    assert conformance.check("createUser", big)["status"] == "413"
    settings.SCIM_DAILY_REQUEST_LIMIT = 1
    limited = scim.get("Users")
    assert limited.status_code == 429
    conformance.check("listUsers", limited)
