"""schemathesis against the OpenAPI description: every SCIM operation, authenticated, in-process
through the WSGI app. Checks: never a 5xx, and every response matches the documented schema.

The suite runs a moderate number of generated examples per operation (25, the same ones every
run; about 500 requests in all). Every other example that names a resource is pointed at a real
User or Group of the company, so PUT, PATCH and DELETE reach real documents, not only 404s.

A heavier campaign: hundreds of random examples per operation plus schemathesis's coverage phase
(boundary values of every documented parameter and attribute; thousands of requests for the User
bodies alone), a few minutes:

    SCIM_FUZZ_EXAMPLES=500 .venv/bin/python -m pytest tests/reliability/test_fuzz_openapi.py
"""

from __future__ import annotations

import itertools
import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from config.wsgi import application
from tests.factories import RoleFactory, UserFactory
from tests.provisioning.scim.conftest import ORIGIN, make_integration

HEAVY = "SCIM_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("SCIM_FUZZ_EXAMPLES", "25"))

pytestmark = pytest.mark.django_db


def _openapi_document() -> dict:
    """The document /api/schema/?format=json serves (tests/provisioning/scim/test_openapi.py
    checks that they agree), built without a request: schemathesis's lazy fixture loader reads
    a node attribute pytest 9 removed, so the schema is loaded eagerly at collection."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


schema = schemathesis.openapi.from_dict(_openapi_document()).include(path_regex="^/scim/v2/")
schema.app = application
schema.config.phases.coverage.enabled = HEAVY


@pytest.fixture
def scim_token(company, workspace, settings) -> str:
    settings.ALLOWED_HOSTS = ["localhost"]  # schemathesis's WSGI client sends Host: localhost
    return make_integration(company, workspace)[1]


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """What Django's test Client does around each request: schemathesis calls the WSGI app
    directly, whose request_started/finished handlers would close the connection holding the
    test's transaction."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def real_ids(company, workspace) -> dict[str, str]:
    user = UserFactory(company=company, email="fuzz@acme.example")
    role = RoleFactory(company=company, name="Fuzzers")
    return {"Users": str(user.public_id), "Groups": str(role.public_id)}


_calls = itertools.count()


def _aim_at_a_real_resource(case, real_ids: dict[str, str]) -> None:
    if "public_id" in (case.path_parameters or {}) and next(_calls) % 2:
        resource = "Users" if "/Users/" in case.operation.path else "Groups"
        case.path_parameters["public_id"] = real_ids[resource]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=not os.environ.get("SCIM_FUZZ_RANDOM"),
)
def test_no_operation_answers_5xx_or_breaks_its_schema(case, scim_token, real_ids):
    _aim_at_a_real_resource(case, real_ids)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {scim_token}", "X-Request-Origin": ORIGIN},
        checks=[not_a_server_error, response_schema_conformance],
    )
