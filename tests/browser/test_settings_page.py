from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from provisioning.models import DailyRequestCount, RequestLogEntry, ScimIntegration
from provisioning.tokens import hash_token
from tests.factories import WorkspaceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOKEN = re.compile(r"^scim_[A-Za-z0-9_-]{40,}$")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def fill_required(page: Page) -> None:
    page.select_option("#id_default_workspace", label="Production")
    page.fill("#id_service_origin", "HTTPS://Okta.Example.com/")


def generate(page: Page) -> str:
    fill_required(page)
    page.get_by_role("button", name="Generate SCIM Token").click()
    token = page.locator("#scim-token-value")
    expect(token).to_have_value(TOKEN)
    return token.input_value()


def test_generate_is_disabled_until_the_required_fields_are_filled(
    page: Page, signed_in, workspace, screenshot
):
    page.set_viewport_size(DESKTOP)
    signed_in()
    button = page.get_by_role("button", name="Generate SCIM Token")
    expect(button).to_be_disabled()
    screenshot("en-desktop-empty")
    page.fill("#id_service_origin", "okta.example.com")
    expect(button).to_be_disabled()  # one required field is not enough
    page.select_option("#id_default_workspace", label="Production")
    expect(button).to_be_enabled()
    page.fill("#id_service_origin", "   ")
    expect(button).to_be_disabled()


def test_server_errors_name_each_bad_allowlist_entry(page: Page, signed_in, workspace, screenshot):
    page.set_viewport_size(DESKTOP)
    signed_in()
    fill_required(page)
    page.fill("#id_ip_allowlist", "10.0.0.1, 300.1.1.1, 10.0.0.9-10.0.0.1")
    page.get_by_role("button", name="Generate SCIM Token").click()
    errors = page.locator("#id_ip_allowlist_error")
    expect(errors).to_contain_text("300.1.1.1, 10.0.0.9-10.0.0.1")
    screenshot("en-desktop-errors")
    assert not ScimIntegration.objects.exists()


def test_generating_shows_the_token_once_and_a_reload_shows_it_masked(
    page: Page, signed_in, workspace, live_server, screenshot
):
    WorkspaceFactory(company=workspace.company, name="Staging")
    page.set_viewport_size(DESKTOP)
    signed_in()
    token = generate(page)
    expect(page.locator("#scim-endpoint")).to_have_value(f"{live_server.url}/scim/v2/")
    expect(page.get_by_text("This token will only be shown once.")).to_be_visible()
    expect(page.get_by_role("button", name="Copy")).to_have_count(2)
    screenshot("en-desktop-token-shown")
    integration = ScimIntegration.objects.get()
    assert integration.token_hash == hash_token(token)
    assert integration.service_origin == "https://okta.example.com"

    page.goto(f"{live_server.url}/settings/admin/scim/")
    masked = page.locator("#scim-token-masked")
    expect(masked).to_have_value(f"{token[:13]}••••••••{token[-4:]}")
    expect(page.locator("body")).not_to_contain_text(token)
    expect(page.get_by_role("button", name="Reset Token")).to_be_visible()
    expect(page.locator("#id_service_origin")).to_have_value("https://okta.example.com")
    screenshot("en-desktop-token-masked")


def test_reset_after_confirming_shows_a_new_token(
    page: Page, signed_in, workspace, live_server, screenshot
):
    page.set_viewport_size(DESKTOP)
    signed_in()
    first = generate(page)
    page.goto(f"{live_server.url}/settings/admin/scim/")

    dialogs: list[str] = []

    def accept(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.get_by_role("button", name="Reset Token").click()
    second = page.locator("#scim-token-value")
    expect(second).to_have_value(TOKEN)
    assert second.input_value() != first
    assert "stops working immediately" in dialogs[0]
    assert ScimIntegration.objects.get().token_hash == hash_token(second.input_value())
    screenshot("en-desktop-token-reset")


def test_dismissing_the_reset_dialog_keeps_the_token(page: Page, signed_in, workspace, live_server):
    signed_in()
    first = generate(page)
    page.goto(f"{live_server.url}/settings/admin/scim/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Reset Token").click()
    expect(page.locator("#scim-token-masked")).to_be_visible()
    assert ScimIntegration.objects.get().token_hash == hash_token(first)


def test_the_german_page_shows_the_german_labels(
    page: Page, signed_in, workspace, live_server, screenshot
):
    page.set_viewport_size(DESKTOP)
    signed_in()
    page.select_option("#language-select", "de")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    nav = page.get_by_role("navigation", name="Einstellungen").first
    expect(nav).to_contain_text("Admin-Einstellungen")
    expect(page.get_by_role("heading", level=1)).to_have_text("SCIM Provisioning")
    expect(page.get_by_label("Standardarbeitsbereich")).to_be_visible()
    expect(page.get_by_label("Service-Ursprung")).to_be_visible()
    expect(page.get_by_role("button", name="SCIM-Token generieren")).to_be_disabled()
    screenshot("de-desktop-empty")
    fill_required(page)
    page.get_by_role("button", name="SCIM-Token generieren").click()
    expect(page.get_by_text("Dieser Token wird nur einmal angezeigt.")).to_be_visible()
    screenshot("de-desktop-token-shown")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/settings/admin/scim/")
    screenshot("de-mobile-token-masked")


def test_the_page_fits_a_phone(page: Page, signed_in, workspace, screenshot):
    for status in (201, 409, 200):
        RequestLogEntry.objects.create(
            company=workspace.company,
            method="POST",
            path="/scim/v2/Users",
            status=status,
            duration_ms=37,
            client_ip="198.51.100.4",
        )
    DailyRequestCount.objects.create(
        company=workspace.company, day=datetime.now(UTC).date(), count=4321
    )
    page.set_viewport_size(PHONE)
    signed_in()
    screenshot("en-mobile-empty")
    generate(page)
    screenshot("en-mobile-token-shown")
    page.set_viewport_size(DESKTOP)
    screenshot("en-desktop-with-request-log")
    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]


def test_the_login_page_looks_right(page: Page, live_server, screenshot):
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/settings/admin/scim/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    expect(page.get_by_label("Email")).to_be_focused()
    screenshot("en-desktop-login")
