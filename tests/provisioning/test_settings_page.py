from __future__ import annotations

import logging
import re
from datetime import UTC, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from provisioning.forms import ScimSettingsForm
from provisioning.models import ActivityEvent, DailyRequestCount, RequestLogEntry, ScimIntegration
from provisioning.services import integration_configure, scim_token_issue
from provisioning.tokens import hash_token
from tests.factories import CompanyAdminFactory, CompanyFactory, UserFactory, WorkspaceFactory

URL = "/settings/admin/scim/"
RESET_URL = "/settings/admin/scim/token/reset/"
TOKEN = re.compile(r'id="scim-token-value"[^>]*value="(scim_[^"]+)"')

pytestmark = pytest.mark.django_db


def form_data(workspace, **overrides):
    return {
        "provisioning_method": "custom",
        "default_workspace": workspace.pk,
        "service_origin": "HTTPS://Okta.Example.com/",
        "ip_allowlist": "",
        **overrides,
    }


def shown_token(response) -> str:
    match = TOKEN.search(response.content.decode())
    assert match, "the response shows no token"
    return match.group(1)


@pytest.fixture
def integration(company, workspace, company_admin):
    return integration_configure(
        company=company,
        default_workspace=workspace,
        service_origin="https://okta.example.com",
        ip_allowlist="",
        actor=company_admin,
        ip="203.0.113.7",
    )


@pytest.fixture
def token(integration, company_admin):
    plaintext = scim_token_issue(integration=integration, actor=company_admin, ip="203.0.113.7")
    integration.refresh_from_db()
    return plaintext


# --- The form -----------------------------------------------------------------------------


def test_the_url_is_named_provisioning_settings():
    assert reverse("provisioning:settings") == URL


def test_the_form_normalises_origin_and_allowlist(company, workspace):
    form = ScimSettingsForm(
        form_data(workspace, ip_allowlist="10.1.2.3/8,  2001:DB8::1"), company=company
    )
    assert form.is_valid(), form.errors
    assert form.settings()["service_origin"] == "https://okta.example.com"
    assert form.settings()["ip_allowlist"] == "10.0.0.0/8, 2001:db8::1"


def test_the_form_requires_workspace_and_origin(company):
    form = ScimSettingsForm({"ip_allowlist": ""}, company=company)
    assert not form.is_valid()
    assert form.errors.as_data()["default_workspace"][0].code == "required"
    assert form.errors.as_data()["service_origin"][0].code == "required"
    assert "ip_allowlist" not in form.errors


def test_the_form_explains_a_junk_origin(company, workspace):
    form = ScimSettingsForm(form_data(workspace, service_origin="ftp://x/y"), company=company)
    assert not form.is_valid()
    assert form.errors.as_data()["service_origin"][0].code == "invalid_origin"
    assert "https://okta.example.com" in form.errors["service_origin"][0]


def test_the_form_names_every_bad_allowlist_entry(company, workspace):
    bad = form_data(workspace, ip_allowlist="10.0.0.1, 300.1.1.1, 10.0.0.9-10.0.0.1")
    form = ScimSettingsForm(bad, company=company)
    assert not form.is_valid()
    assert form.errors["ip_allowlist"] == [
        "These entries are not IP addresses, CIDR blocks or ranges: 300.1.1.1, 10.0.0.9-10.0.0.1"
    ]


def test_the_form_refuses_too_many_allowlist_entries(company, workspace):
    many = ", ".join(f"10.0.{n // 256}.{n % 256}" for n in range(201))
    form = ScimSettingsForm(form_data(workspace, ip_allowlist=many), company=company)
    assert form.errors["ip_allowlist"] == ["The allowlist can hold at most 200 entries."]


def test_the_workspace_select_lists_only_the_companys_own_workspaces(admin_client, workspace):
    other = WorkspaceFactory(company=CompanyFactory(name="Globex"), name="Globex Production")
    page = admin_client.get(URL).content.decode()
    assert "Production" in page
    assert other.name not in page


def test_a_posted_workspace_of_another_company_is_an_invalid_choice(admin_client, workspace):
    other = WorkspaceFactory(company=CompanyFactory(name="Globex"))
    response = admin_client.post(URL, form_data(workspace, default_workspace=other.pk))
    assert response.status_code == 200
    assert "Select one of your company&#x27;s workspaces." in response.content.decode()
    assert not ScimIntegration.objects.exists()


def test_an_invalid_post_shows_the_errors_and_saves_nothing(admin_client, workspace):
    response = admin_client.post(URL, form_data(workspace, service_origin="", action="generate"))
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert not ScimIntegration.objects.exists()
    assert not ActivityEvent.objects.exists()


# --- Access -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [URL, RESET_URL])
def test_anonymous_visitors_get_the_login_page(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_the_login_page_renders(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert 'autocomplete="current-password"' in response.content.decode()


def test_a_member_without_company_permissions_gets_403(client, member):
    client.force_login(member)
    response = client.get(URL)
    assert response.status_code == 403
    assert "You don't have access to this page" in response.content.decode()
    assert client.post(URL, {}).status_code == 403
    assert client.post(RESET_URL, {"confirm": "yes"}).status_code == 403


def test_manage_company_settings_is_enough(client, company, workspace):
    user = UserFactory(company=company, company_permissions=["manage_company_settings"])
    client.force_login(user)
    assert client.get(URL).status_code == 200


def test_add_remove_app_groups_is_not_enough(client, company):
    user = UserFactory(company=company, company_permissions=["add_remove_app_groups"])
    client.force_login(user)
    assert client.get(URL).status_code == 403


def test_staff_without_a_company_get_403(staff_client):
    assert staff_client.get(URL).status_code == 403


def test_an_admin_of_another_company_sees_and_changes_only_their_own(client, token, integration):
    globex = CompanyFactory(name="Globex")
    globex_workspace = WorkspaceFactory(company=globex, name="Globex Main")
    client.force_login(CompanyAdminFactory(company=globex))

    page = client.get(URL).content.decode()
    assert 'value="https://okta.example.com"' not in page
    assert integration.token_prefix not in page
    assert "Not set up" in page

    client.post(URL, form_data(globex_workspace, service_origin="globex.example"))
    client.post(RESET_URL, {"confirm": "yes", "token_prefix": integration.token_prefix})
    integration.refresh_from_db()
    assert integration.service_origin == "https://okta.example.com"
    assert integration.token_hash == hash_token(token)
    assert ScimIntegration.objects.get(company=globex).service_origin == "globex.example"


# --- Token lifecycle ------------------------------------------------------------------------


def test_generate_saves_the_settings_and_shows_the_token_once(admin_client, workspace):
    response = admin_client.post(URL, form_data(workspace, action="generate"))
    assert response.status_code == 200
    token = shown_token(response)
    page = response.content.decode()
    assert 'value="http://testserver/scim/v2/"' in page
    assert "This token will only be shown once." in page
    assert "no-store" in response["Cache-Control"]

    integration = ScimIntegration.objects.get()
    assert integration.service_origin == "https://okta.example.com"
    assert integration.token_hash == hash_token(token)
    assert integration.token_prefix == token[:13]

    later = admin_client.get(URL).content.decode()
    assert token not in later
    assert f"{token[:13]}••••••••{token[-4:]}" in later


def test_the_plaintext_is_never_stored_in_the_database_or_session_or_logs(
    admin_client, workspace, caplog
):
    with caplog.at_level(logging.DEBUG):
        token = shown_token(admin_client.post(URL, form_data(workspace, action="generate")))
        admin_client.get(URL)

    row = ScimIntegration.objects.values().get()
    assert token not in repr(row)
    assert all(token not in repr(e.detail) for e in ActivityEvent.objects.all())
    for session in Session.objects.all():
        assert token not in repr(session.get_decoded())
    assert token not in str(admin_client.cookies)
    assert token not in caplog.text
    assert token[13:] not in caplog.text


def test_a_second_generate_does_not_replace_the_token(admin_client, workspace, token):
    response = admin_client.post(URL, form_data(workspace, action="generate"), follow=True)
    assert "Use Reset Token to replace it." in response.content.decode()
    assert ScimIntegration.objects.get().token_hash == hash_token(token)


def test_saving_the_settings_keeps_the_token(admin_client, workspace, token):
    staging = WorkspaceFactory(company=workspace.company, name="Staging")
    response = admin_client.post(
        URL,
        form_data(staging, service_origin="okta.example.com", ip_allowlist="10.1.2.3/8"),
    )
    assert response.status_code == 302
    assert response["Location"] == URL
    integration = ScimIntegration.objects.get()
    assert integration.token_hash == hash_token(token)
    assert integration.default_workspace == staging
    assert integration.ip_allowlist == "10.0.0.0/8"
    page = admin_client.get(URL).content.decode()
    assert "SCIM settings saved." in page
    assert 'value="10.0.0.0/8"' not in page  # a textarea: shown as its content
    assert ">\n10.0.0.0/8</textarea>" in page


def test_reset_without_confirmation_shows_a_confirm_step(admin_client, token, integration):
    response = admin_client.post(RESET_URL, {"token_prefix": integration.token_prefix})
    assert response.status_code == 200
    assert "Reset the SCIM token?" in response.content.decode()
    assert 'name="confirm" value="yes"' in response.content.decode()
    assert ScimIntegration.objects.get().token_hash == hash_token(token)


def test_confirmed_reset_shows_a_new_token_and_the_old_one_stops_working(
    admin_client, token, integration
):
    response = admin_client.post(
        RESET_URL, {"confirm": "yes", "token_prefix": integration.token_prefix}
    )
    new = shown_token(response)
    assert new != token
    integration.refresh_from_db()
    assert integration.token_hash == hash_token(new)
    assert integration.token_hash != hash_token(token)
    assert not ScimIntegration.objects.filter(token_prefix=token[:13]).exists()
    assert ActivityEvent.objects.filter(kind="token_reset").count() == 1


def test_a_resubmitted_reset_changes_nothing(admin_client, token, integration):
    old_prefix = integration.token_prefix
    new = shown_token(admin_client.post(RESET_URL, {"confirm": "yes", "token_prefix": old_prefix}))
    response = admin_client.post(RESET_URL, {"confirm": "yes", "token_prefix": old_prefix})
    assert response.status_code == 302
    assert ScimIntegration.objects.get().token_hash == hash_token(new)


def test_reset_without_a_token_goes_back_to_the_page(admin_client, integration):
    response = admin_client.post(RESET_URL, {"confirm": "yes"})
    assert response.status_code == 302
    assert response["Location"] == URL


def test_the_page_shows_who_created_the_token_and_its_last_use(admin_client, token, integration):
    ScimIntegration.objects.filter(pk=integration.pk).update(
        token_last_used_at=timezone.now(), token_last_used_ip="198.51.100.9"
    )
    page = admin_client.get(URL).content.decode()
    assert "by admin@acme.example" in page
    assert "from 198.51.100.9" in page
    assert "Reset Token" in page


def test_the_actor_ip_is_recorded_from_remote_addr(admin_client, workspace, settings):
    settings.SCIM_TRUSTED_PROXY_COUNT = 0
    admin_client.post(
        URL,
        form_data(workspace, action="generate"),
        REMOTE_ADDR="203.0.113.50",
        HTTP_X_FORWARDED_FOR="6.6.6.6",
    )
    assert set(ActivityEvent.objects.values_list("ip", flat=True)) == {"203.0.113.50"}


# --- Redirects, activity, usage, language ---------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/", "/scim/automated_user_provisioning/", "/company-settings/automated-user-provisioning/"],
)
def test_the_root_and_legacy_routes_redirect_to_the_page(client, db, path):
    response = client.get(path)
    assert response.status_code in (301, 302)
    assert response["Location"] == URL


def test_recent_activity_lists_events_with_actor_and_ip(admin_client, token):
    page = admin_client.get(URL).content.decode()
    assert "Recent activity" in page
    assert "SCIM token generated" in page
    assert "Settings changed" in page
    assert "Default Workspace, Service Origin, IP Allowlisting" not in page  # allowlist was empty
    assert "Default Workspace, Service Origin" in page
    assert page.count("203.0.113.7") >= 2
    assert "admin@acme.example" in page


def test_another_companys_activity_and_requests_are_not_listed(admin_client, workspace):
    globex = CompanyFactory(name="Globex")
    ActivityEvent.objects.create(company=globex, kind="token_reset", ip="192.0.2.99")
    RequestLogEntry.objects.create(
        company=globex, method="DELETE", path="/scim/v2/Users/globex", status=204, duration_ms=3
    )
    page = admin_client.get(URL).content.decode()
    assert "192.0.2.99" not in page
    assert "/scim/v2/Users/globex" not in page


def test_the_request_log_shows_the_newest_requests_first(admin_client, company):
    now = timezone.now()
    for minutes, path in [(2, "/scim/v2/Users/older"), (1, "/scim/v2/Users/newer")]:
        RequestLogEntry.objects.create(
            company=company,
            created_at=now - timedelta(minutes=minutes),
            method="GET",
            path=path,
            status=200,
            duration_ms=12,
            client_ip="198.51.100.4",
        )
    page = admin_client.get(URL).content.decode()
    assert page.index("/scim/v2/Users/newer") < page.index("/scim/v2/Users/older")
    assert "12 ms" in page


def test_the_page_says_how_far_back_the_log_and_the_activity_go(admin_client, settings):
    settings.SCIM_REQUEST_LOG_RETENTION_DAYS = 14
    settings.ACTIVITY_RETENTION_DAYS = 1
    page = admin_client.get(URL).content.decode()
    log = page[page.index('id="requests-title"') :]
    activity = page[page.index('id="activity-title"') : page.index('id="requests-title"')]
    assert "Kept for 14 days" in log
    assert "Kept for 1 day<" in activity
    german = admin_client.get(URL, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "14 Tage lang aufbewahrt" in german


def test_the_meter_shows_todays_count_against_the_daily_limit(admin_client, company, settings):
    settings.SCIM_DAILY_REQUEST_LIMIT = 5000
    today = timezone.now().astimezone(UTC).date()
    DailyRequestCount.objects.create(company=company, day=today, count=4200)
    DailyRequestCount.objects.create(company=company, day=today - timedelta(days=1), count=99)
    page = admin_client.get(URL).content.decode()
    assert 'aria-valuenow="4200"' in page
    assert 'aria-valuemax="5000"' in page
    assert "meter--warn" in page
    assert "width: 84%" in page


def test_switching_to_german_shows_the_german_navigation(admin_client, workspace):
    response = admin_client.post("/i18n/setlang/", {"language": "de", "next": URL}, follow=True)
    page = response.content.decode()
    assert '<html lang="de">' in page
    assert "Admin-Einstellungen" in page
    assert "Standardarbeitsbereich" in page
    assert "SCIM-Token generieren" in page


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("pt-br", ["Configurações administrativas", "Provisionamento SCIM"]),
        ("fr", ["Paramètres d'administration", "Provisionnement SCIM"]),
        ("es", ["Configuración de administración", "Aprovisionamiento SCIM"]),
        ("ko", ["관리자 설정", "SCIM 프로비저닝"]),
    ],
)
def test_each_language_uses_the_seed_documents_navigation(admin_client, language, words):
    page = admin_client.get(URL, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for word in words:
        assert word in page


def test_the_provisioning_method_is_saved_and_a_bad_one_refused(admin_client, workspace, company):
    admin_client.post(URL, form_data(workspace, provisioning_method="entra"))
    assert ScimIntegration.objects.get(company=company).provisioning_method == "entra"
    response = admin_client.post(URL, form_data(workspace, provisioning_method="ldap"))
    assert response.status_code == 200
    assert "provisioning_method" in response.context["form"].errors
