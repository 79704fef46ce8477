"""`active: false` suspends a user (RFC 7643 §4.1.1): sign-in refused, data kept, still listed;
`active: true` restores; DELETE stays a permanent delete."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse

from tests.provisioning.scim.conftest import new_user_body
from tests.provisioning.scim.documents import error, expected_user, list_response, patch_body
from workspaces.models import DashboardUser

PASSWORD = "Analytical-Engine-1843"


@pytest.fixture
def ada(scim) -> DashboardUser:
    body = new_user_body(password=PASSWORD, externalId="ext-ada", title="Countess")
    response = scim.post("Users", body)
    assert response.status_code == 201, response.json()
    return DashboardUser.objects.get(public_id=response.json()["id"])


def suspend_by_put(scim, user: DashboardUser):
    body = new_user_body(active=False, externalId="ext-ada", title="Countess")
    return scim.put(f"Users/{user.public_id}", body)


def suspend_by_patch(scim, user: DashboardUser):
    return scim.patch(
        f"Users/{user.public_id}", patch_body({"op": "replace", "path": "active", "value": False})
    )


def suspend_by_entra_patch(scim, user: DashboardUser):
    return scim.patch(
        f"Users/{user.public_id}",
        patch_body({"op": "Replace", "path": "active", "value": "False"}),
    )


def suspend_by_okta_patch(scim, user: DashboardUser):
    return scim.patch(
        f"Users/{user.public_id}", patch_body({"op": "replace", "value": {"active": False}})
    )


SUSPEND = pytest.mark.parametrize(
    "suspend",
    [suspend_by_put, suspend_by_patch, suspend_by_entra_patch, suspend_by_okta_patch],
    ids=["put", "patch", "entra-string-patch", "okta-path-less-patch"],
)


def signs_in(email: str, password: str) -> bool:
    return authenticate(username=email, password=password) is not None


def login_page_accepts(email: str, password: str) -> bool:
    response = Client().post(reverse("login"), {"username": email, "password": password})
    return response.status_code == 302


def suspended_document(ada: DashboardUser, workspace) -> dict:
    ada.refresh_from_db()
    return expected_user(ada, workspaces=(workspace,), title="Countess", active=False)


@SUSPEND
def test_suspending_refuses_sign_in(scim, ada, suspend):
    assert signs_in("ada@example.com", PASSWORD)
    assert login_page_accepts("ada@example.com", PASSWORD)

    response = suspend(scim, ada)

    assert response.status_code == 200
    assert not signs_in("ada@example.com", PASSWORD)
    assert not login_page_accepts("ada@example.com", PASSWORD)


@SUSPEND
def test_suspending_keeps_the_data_and_the_user_is_still_returned(scim, ada, workspace, suspend):
    response = suspend(scim, ada)

    stored = DashboardUser.objects.get(pk=ada.pk)
    assert (stored.given_name, stored.family_name, stored.external_id, stored.department) == (
        "Ada",
        "Lovelace",
        "ext-ada",
        "engineering",
    )
    assert stored.has_usable_password()
    assert response.json() == suspended_document(ada, workspace)
    assert scim.get(f"Users/{ada.public_id}").json() == suspended_document(ada, workspace)


@SUSPEND
def test_a_suspended_user_is_found_by_filter_with_active_false(scim, ada, workspace, suspend):
    suspend(scim, ada)

    by_name = scim.get("Users", {"filter": 'userName eq "ada@example.com"'})
    inactive = scim.get("Users", {"filter": "active eq false"})
    active = scim.get("Users", {"filter": "active eq true"})

    assert by_name.json() == list_response([suspended_document(ada, workspace)])
    assert inactive.json() == list_response([suspended_document(ada, workspace)])
    assert active.json() == list_response([])


def test_a_suspended_users_open_session_stops_working(scim, ada):
    browser = Client()
    browser.force_login(ada)
    settings_url = reverse("provisioning:settings")
    # Signed in but not an admin: refused, not sent to the login page.
    assert browser.get(settings_url).status_code == 403

    suspend_by_patch(scim, ada)

    response = browser.get(settings_url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    "restore",
    [
        lambda scim, user: scim.put(
            f"Users/{user.public_id}",
            new_user_body(active=True, externalId="ext-ada", title="Countess"),
        ),
        lambda scim, user: scim.patch(
            f"Users/{user.public_id}",
            patch_body({"op": "Replace", "path": "active", "value": "True"}),
        ),
        lambda scim, user: scim.patch(
            f"Users/{user.public_id}", patch_body({"op": "replace", "value": {"active": True}})
        ),
    ],
    ids=["put", "entra-string-patch", "okta-path-less-patch"],
)
def test_active_true_restores_sign_in_with_the_same_password(scim, ada, workspace, restore):
    suspend_by_patch(scim, ada)

    response = restore(scim, ada)

    assert response.status_code == 200
    ada.refresh_from_db()
    assert response.json() == expected_user(ada, workspaces=(workspace,), title="Countess")
    assert signs_in("ada@example.com", PASSWORD)
    assert login_page_accepts("ada@example.com", PASSWORD)


def test_suspending_twice_is_harmless(scim, ada, workspace):
    suspend_by_patch(scim, ada)
    version = DashboardUser.objects.get(pk=ada.pk).updated_at

    response = suspend_by_entra_patch(scim, ada)

    assert response.json() == suspended_document(ada, workspace)
    assert DashboardUser.objects.get(pk=ada.pk).updated_at == version


def test_delete_is_permanent_even_for_a_suspended_user(scim, ada):
    suspend_by_patch(scim, ada)

    response = scim.delete(f"Users/{ada.public_id}")

    assert response.status_code == 204
    assert not DashboardUser.objects.filter(pk=ada.pk).exists()
    gone = scim.get(f"Users/{ada.public_id}")
    assert (gone.status_code, gone.json()) == (404, error(404))
    assert scim.get("Users", {"filter": "active eq false"}).json() == list_response([])
    assert not signs_in("ada@example.com", PASSWORD)


def test_a_deleted_user_can_be_created_again(scim, ada):
    scim.delete(f"Users/{ada.public_id}")

    response = scim.post("Users", new_user_body())

    assert response.status_code == 201
    assert response.json()["id"] != ada.public_id
