from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PermissionSetFactory, RoleFactory, TeamFactory, UserFactory
from workspaces.models import DashboardUser

pytestmark = pytest.mark.django_db

MODELS = ["company", "workspace", "team", "permissionset", "role", "dashboarduser"]


@pytest.mark.parametrize("model", MODELS)
def test_staff_can_open_every_admin_list_and_change_page(staff_client, workspace, model):
    user = UserFactory(company=workspace.company, email="ada@example.com", given_name="Ada")
    objects = {
        "company": workspace.company,
        "workspace": workspace,
        "team": TeamFactory(workspace=workspace),
        "permissionset": PermissionSetFactory(workspace=workspace),
        "role": RoleFactory(company=workspace.company),
        "dashboarduser": user,
    }
    changelist = reverse(f"admin:workspaces_{model}_changelist")
    assert staff_client.get(changelist).status_code == 200
    assert staff_client.get(changelist, {"q": "ada"}).status_code == 200
    change = reverse(f"admin:workspaces_{model}_change", args=[objects[model].pk])
    assert staff_client.get(change).status_code == 200
    assert staff_client.get(reverse(f"admin:workspaces_{model}_add")).status_code == 200


def test_user_list_filters_by_company_department_and_active_state(staff_client, workspace):
    UserFactory(company=workspace.company, email="ada@example.com", department="bi")
    UserFactory(email="other@example.com", department="finance", is_active=False)
    url = reverse("admin:workspaces_dashboarduser_changelist")
    page = staff_client.get(url, {"company__id__exact": workspace.company.pk}).content.decode()
    assert "ada@example.com" in page and "other@example.com" not in page
    page = staff_client.get(url, {"department__exact": "finance"}).content.decode()
    assert "other@example.com" in page and "ada@example.com" not in page
    page = staff_client.get(url, {"is_active__exact": "0"}).content.decode()
    assert "other@example.com" in page and "ada@example.com" not in page


def test_user_search_finds_by_name(staff_client):
    UserFactory(email="x1@example.com", given_name="Grace", family_name="Hopper")
    UserFactory(email="x2@example.com", given_name="Ada", family_name="Lovelace")
    page = staff_client.get(
        reverse("admin:workspaces_dashboarduser_changelist"), {"q": "hopper"}
    ).content.decode()
    assert "x1@example.com" in page and "x2@example.com" not in page


def test_staff_can_add_a_user_through_the_admin(staff_client, workspace):
    response = staff_client.post(
        reverse("admin:workspaces_dashboarduser_add"),
        {
            "email": "new@example.com",
            "password": "",
            "given_name": "New",
            "family_name": "Person",
            "company": workspace.company.pk,
            "department": "bi",
            **{
                f"{prefix}-{field}": value
                for prefix in ["workspace_memberships", "team_memberships", "role_assignments"]
                for field, value in [("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0")]
            },
        },
    )
    assert response.status_code == 302
    user = DashboardUser.objects.get(email="new@example.com")
    assert user.company == workspace.company
    assert not user.has_usable_password()


@pytest.mark.parametrize("who", ["anonymous", "company_admin"])
def test_non_staff_are_sent_to_the_admin_login(client, company_admin, who):
    if who == "company_admin":
        client.force_login(company_admin)
    response = client.get(reverse("admin:workspaces_dashboarduser_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
