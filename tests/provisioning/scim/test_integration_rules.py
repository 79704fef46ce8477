"""The integration's rules live on the model: the settings page, the Django admin, the service and
the request gate all hold to them, and a row written around them never turns into a 500."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from provisioning.models import ScimIntegration
from provisioning.services import integration_configure, scim_token_issue
from tests.factories import CompanyFactory, WorkspaceFactory
from tests.provisioning.scim.conftest import ORIGIN, ScimClient, new_user_body
from tests.provisioning.scim.documents import error
from workspaces.models import DashboardUser

pytestmark = pytest.mark.django_db

GATE_LOGGER = "provisioning.scim.gate"


def admin_form(integration: ScimIntegration, **overrides) -> dict:
    return {
        "company": integration.company_id,
        "provisioning_method": integration.provisioning_method,
        "default_workspace": integration.default_workspace_id,
        "service_origin": integration.service_origin,
        "ip_allowlist": integration.ip_allowlist,
        **overrides,
    }


def admin_change(staff_client, integration: ScimIntegration, **overrides):
    url = reverse("admin:provisioning_scimintegration_change", args=[integration.pk])
    return staff_client.post(url, admin_form(integration, **overrides))


# --- The Django admin validates and normalises like the settings page ----------------------


def test_the_admin_refuses_an_allowlist_that_does_not_parse(staff_client, integration):
    response = admin_change(staff_client, integration, ip_allowlist="garbage, 999.1.1.1")
    assert response.status_code == 200
    assert (
        "These entries are not IP addresses, CIDR blocks or ranges: garbage, 999.1.1.1"
        in response.content.decode()
    )
    integration.refresh_from_db()
    assert integration.ip_allowlist == ""


def test_the_admin_stores_origin_and_allowlist_normalised(staff_client, integration):
    response = admin_change(
        staff_client,
        integration,
        service_origin="HTTPS://Okta.Example.com/",
        ip_allowlist="10.1.2.3/8,  2001:DB8::1",
    )
    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.service_origin == "https://okta.example.com"
    assert integration.ip_allowlist == "10.0.0.0/8, 2001:db8::1"


def test_the_admin_refuses_a_default_workspace_of_another_company(staff_client, integration):
    foreign = WorkspaceFactory(company=CompanyFactory(name="Globex"), name="Globex Production")
    response = admin_change(staff_client, integration, default_workspace=foreign.pk)
    assert response.status_code == 200
    assert "Select one of the company&#x27;s own workspaces." in response.content.decode()
    integration.refresh_from_db()
    assert integration.default_workspace.company_id == integration.company_id


def test_the_admin_shows_and_saves_the_provisioning_method(staff_client, integration):
    url = reverse("admin:provisioning_scimintegration_change", args=[integration.pk])
    assert 'name="provisioning_method"' in staff_client.get(url).content.decode()
    assert admin_change(staff_client, integration, provisioning_method="okta").status_code == 302
    integration.refresh_from_db()
    assert integration.provisioning_method == "okta"


# --- The service (scripts, the scim_token command) -------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("service_origin", "ftp://x/y"), ("ip_allowlist", "garbage"), ("provisioning_method", "x")],
)
def test_the_service_refuses_what_the_model_refuses(company, workspace, field, value):
    settings = {
        "default_workspace": workspace,
        "service_origin": ORIGIN,
        "ip_allowlist": "",
        "provisioning_method": "custom",
        field: value,
    }
    with pytest.raises(ValidationError) as refused:
        integration_configure(company=company, actor=None, ip=None, **settings)
    assert field in refused.value.message_dict
    assert not ScimIntegration.objects.exists()


def test_the_service_refuses_a_default_workspace_of_another_company(company):
    foreign = WorkspaceFactory(company=CompanyFactory(name="Globex"))
    with pytest.raises(ValidationError) as refused:
        integration_configure(
            company=company,
            default_workspace=foreign,
            service_origin=ORIGIN,
            ip_allowlist="",
            actor=None,
            ip=None,
        )
    assert refused.value.message_dict == {
        "default_workspace": ["Select one of the company's own workspaces."]
    }


# --- The database holds the rules it can express ------------------------------------------


def test_the_database_refuses_an_unknown_provisioning_method(integration):
    with pytest.raises(IntegrityError), transaction.atomic():
        ScimIntegration.objects.filter(pk=integration.pk).update(provisioning_method="bogus")


def test_the_database_refuses_a_default_workspace_of_another_company(integration):
    foreign = WorkspaceFactory(company=CompanyFactory(name="Globex"))
    with pytest.raises(IntegrityError), transaction.atomic():
        ScimIntegration.objects.filter(pk=integration.pk).update(default_workspace=foreign)
        connection.check_constraints()  # the key is deferred: checked as at a commit


# --- The gate never turns a stored value into a 500 ---------------------------------------


def assert_refused_naming(response, setting: str) -> None:
    assert response.status_code == 403
    assert response.json() == error(
        403,
        detail=f"The SCIM integration's {setting} setting is not valid; "
        "an administrator must correct it in the SCIM settings.",
    )


def gate_errors(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == GATE_LOGGER and r.levelno == logging.ERROR]


def test_a_stored_allowlist_that_does_not_parse_refuses_with_403_and_one_log_line(
    scim, integration, caplog
):
    ScimIntegration.objects.filter(pk=integration.pk).update(ip_allowlist="garbage, 999.1.1.1")
    with caplog.at_level(logging.ERROR, logger=GATE_LOGGER):
        assert_refused_naming(scim.get("Users"), "IP allowlist")
    assert len(gate_errors(caplog)) == 1
    assert "IP allowlist" in gate_errors(caplog)[0].getMessage()


def test_a_stored_origin_that_does_not_parse_refuses_with_403(scim, integration, caplog):
    ScimIntegration.objects.filter(pk=integration.pk).update(service_origin="not an origin")
    with caplog.at_level(logging.ERROR, logger=GATE_LOGGER):
        assert_refused_naming(scim.get("Users"), "service origin")
    assert len(gate_errors(caplog)) == 1


def test_a_stored_origin_in_another_spelling_still_matches_its_own_text(scim, integration):
    ScimIntegration.objects.filter(pk=integration.pk).update(
        service_origin="HTTPS://IDP.Example.com/"
    )
    response = scim.get("Users", HTTP_X_REQUEST_ORIGIN="HTTPS://IDP.Example.com/")
    assert response.status_code == 200


def test_a_stored_default_workspace_of_another_company_refuses_every_request(
    scim, integration, caplog
):
    foreign = WorkspaceFactory(company=CompanyFactory(name="Globex"))
    # Deferred, the database's key is checked at a commit, which this test's transaction never
    # reaches: the row stands for one saved before the key existed.
    stored = ScimIntegration.objects.filter(pk=integration.pk)
    stored.update(default_workspace=foreign)
    with caplog.at_level(logging.ERROR, logger=GATE_LOGGER):
        assert_refused_naming(scim.post("Users", new_user_body()), "default workspace")
    assert len(gate_errors(caplog)) == 1
    assert not DashboardUser.objects.filter(company=foreign.company).exists()
    assert not foreign.memberships.exists()
    stored.update(default_workspace=integration.default_workspace)  # the key is checked after


def test_a_misconfigured_integration_does_not_affect_another_company(
    scim, integration, other_company_scim
):
    ScimIntegration.objects.filter(pk=integration.pk).update(ip_allowlist="garbage")
    assert scim.get("Users").status_code == 403
    assert other_company_scim.get("Users").status_code == 200


def test_an_integration_saved_through_the_settings_page_passes_the_gate(
    admin_client, company, workspace
):
    admin_client.post(
        "/settings/admin/scim/",
        {
            "provisioning_method": "custom",
            "default_workspace": workspace.pk,
            "service_origin": "HTTPS://Okta.Example.com/",
            "ip_allowlist": "127.0.0.0/8",
        },
    )
    integration = ScimIntegration.objects.get(company=company)
    assert integration.service_origin == "https://okta.example.com"
    token = scim_token_issue(integration=integration, actor=None, ip=None)
    client = ScimClient(Client(), token, origin="HTTPS://Okta.Example.com/")
    assert client.get("Users").status_code == 200
