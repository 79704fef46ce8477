from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.test import Client

from provisioning.services import integration_configure, scim_token_issue
from tests.factories import CompanyFactory, WorkspaceFactory

ORIGIN = "https://idp.example.com"


@dataclass
class ScimClient:
    """A Django test client that sends what an identity provider sends."""

    client: Client
    token: str
    origin: str = ORIGIN
    base: str = "/scim/v2"

    def headers(self, extra: dict | None = None) -> dict:
        headers = {
            "HTTP_AUTHORIZATION": f"Bearer {self.token}",
            "HTTP_X_REQUEST_ORIGIN": self.origin,
        }
        headers.update(extra or {})
        return {k: v for k, v in headers.items() if v is not None}

    def url(self, path: str) -> str:
        return path if path.startswith("/") else f"{self.base}/{path}"

    def get(self, path: str, params: dict | None = None, **headers):
        return self.client.get(self.url(path), params or {}, **self.headers(headers))

    def delete(self, path: str, **headers):
        return self.client.delete(self.url(path), **self.headers(headers))

    def send(self, method: str, path: str, body, content_type="application/scim+json", **headers):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return getattr(self.client, method)(
            self.url(path), data=data, content_type=content_type, **self.headers(headers)
        )

    def post(self, path: str, body, **kwargs):
        return self.send("post", path, body, **kwargs)

    def put(self, path: str, body, **kwargs):
        return self.send("put", path, body, **kwargs)

    def patch(self, path: str, body, **kwargs):
        return self.send("patch", path, body, **kwargs)


def make_integration(company, workspace, *, origin=ORIGIN, allowlist="", method="custom"):
    integration = integration_configure(
        company=company,
        default_workspace=workspace,
        service_origin=origin,
        ip_allowlist=allowlist,
        actor=None,
        ip=None,
        provisioning_method=method,
    )
    return integration, scim_token_issue(integration=integration, actor=None, ip=None)


@pytest.fixture
def integration_and_token(company, workspace):
    return make_integration(company, workspace)


@pytest.fixture
def integration(integration_and_token):
    return integration_and_token[0]


@pytest.fixture
def scim(integration_and_token) -> ScimClient:
    return ScimClient(Client(), integration_and_token[1])


@pytest.fixture
def idp_scim(company, workspace) -> ScimClient:
    """An identity provider's client: an Okta integration, which sends no origin header."""
    _, token = make_integration(company, workspace, method="okta")
    return ScimClient(Client(), token, origin=None)


@pytest.fixture
def other_company_scim(db) -> ScimClient:
    company = CompanyFactory(name="Globex")
    workspace = WorkspaceFactory(company=company, name="Globex Production")
    _, token = make_integration(company, workspace, origin="https://idp.globex.example")
    return ScimClient(Client(), token, origin="https://idp.globex.example")


def new_user_body(email: str = "ada@example.com", **extra) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": email,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "department": "engineering",
        **extra,
    }
