from __future__ import annotations

import pytest
from django.contrib import admin
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.factories import PermissionSetFactory, RoleFactory, TeamFactory, UserFactory
from tests.task_queue import INVITATION_TASK, deliver_enqueued_invitations, enqueued
from workspaces import services
from workspaces.admin import EstimatedCountPaginator
from workspaces.models import DashboardUser, Invitation

pytestmark = pytest.mark.django_db

MODELS = ["company", "workspace", "team", "permissionset", "role", "dashboarduser", "invitation"]
USERS = reverse("admin:workspaces_dashboarduser_changelist")
INVITATIONS = reverse("admin:workspaces_invitation_changelist")


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
        "invitation": services.user_invite(user=user, base_url="https://dash.example/"),
    }
    changelist = reverse(f"admin:workspaces_{model}_changelist")
    assert staff_client.get(changelist).status_code == 200
    assert staff_client.get(changelist, {"q": "ada"}).status_code == 200
    change = reverse(f"admin:workspaces_{model}_change", args=[objects[model].pk])
    assert staff_client.get(change).status_code == 200
    add = staff_client.get(reverse(f"admin:workspaces_{model}_add")).status_code
    assert add == (403 if model == "invitation" else 200)  # invitations come from users


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


def test_user_search_finds_an_email_by_its_beginning_ignoring_case_or_a_user_id(staff_client):
    grace = UserFactory(email="Grace.Hopper@example.com")
    UserFactory(email="ada@example.com")
    UserFactory(email="hopper.fan@example.com")
    for term in ["grace", "GRACE.hopper@EXAMPLE.com", f" {grace.public_id} "]:
        page = staff_client.get(USERS, {"q": term}).content.decode()
        assert "Grace.Hopper@example.com" in page, term
        assert "ada@example.com" not in page and "hopper.fan@example.com" not in page, term
    # A term that would match the middle of an address: prefixes only, read through an index.
    page = staff_client.get(USERS, {"q": "hopper@"}).content.decode()
    assert "Grace.Hopper@example.com" not in page
    page = staff_client.get(USERS, {"q": "%"}).content.decode()  # not a wildcard
    assert "ada@example.com" not in page


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
    # ...and, as the password's help text says, invited to choose one.
    [invitation] = user.invitations.all()
    assert enqueued(INVITATION_TASK) == [{"invitation_id": invitation.pk}]
    deliver_enqueued_invitations()
    assert mail.outbox[0].to == ["new@example.com"]


def test_resend_invitation_queues_a_new_one_for_each_selected_user(staff_client, workspace):
    ada = UserFactory(company=workspace.company, email="ada@example.com")
    bob = UserFactory(company=workspace.company, email="bob@example.com")
    UserFactory(company=workspace.company, email="carol@example.com")
    response = staff_client.post(
        USERS,
        {"action": "resend_invitation_to_users", "_selected_action": [ada.pk, bob.pk]},
        follow=True,
    )
    assert "2 invitations queued." in response.content.decode()
    assert sorted(i.user.email for i in Invitation.objects.all()) == [
        "ada@example.com",
        "bob@example.com",
    ]
    assert len(enqueued(INVITATION_TASK)) == 2


def test_staff_see_what_became_of_each_invitation_and_can_resend_it(staff_client, workspace):
    ada = UserFactory(company=workspace.company, email="ada@example.com")
    failed = services.user_invite(user=ada, base_url="https://dash.example/")
    failed.status, failed.attempts = Invitation.Status.FAILED, 17
    failed.last_error = "SMTPServerDisconnected: Connection unexpectedly closed"
    failed.save()
    page = staff_client.get(INVITATIONS, {"status__exact": "failed"}).content.decode()
    assert "ada@example.com" in page and "Failed" in page
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in page

    response = staff_client.post(
        INVITATIONS, {"action": "resend", "_selected_action": [failed.pk]}, follow=True
    )
    assert "1 invitation queued." in response.content.decode()
    newest = Invitation.objects.first()
    assert (newest.user, newest.status, newest.attempts) == (ada, "queued", 0)
    assert enqueued(INVITATION_TASK)[-1] == {"invitation_id": newest.pk}


def test_a_resent_invitation_keeps_the_language_of_the_first(staff_client, workspace):
    ada = UserFactory(company=workspace.company, email="ada@example.com")
    with translation.override("de"):
        services.user_invite(user=ada, base_url="https://dash.example/")
    staff_client.post(USERS, {"action": "resend_invitation_to_users", "_selected_action": [ada.pk]})
    assert [i.language for i in Invitation.objects.all()] == ["de", "de"]


def test_a_large_list_is_counted_by_the_planner_not_by_counting_every_row(
    staff_client, workspace, monkeypatch
):
    for i in range(5):
        UserFactory(company=workspace.company, email=f"user{i}@example.com")
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_UP_TO", 3)
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(USERS)
    assert response.status_code == 200
    assert "_facets" not in response.content.decode()  # no count for every filter choice
    sql = [q["sql"] for q in queries]
    counts = [q for q in sql if "COUNT(" in q.upper()]
    assert counts and all("LIMIT 4" in q for q in counts)  # counted only up to the bound
    assert any(q.startswith("EXPLAIN") for q in sql)


def test_a_small_list_is_counted_exactly(workspace):
    for i in range(3):
        UserFactory(company=workspace.company, email=f"user{i}@example.com")
    users = DashboardUser.objects.order_by("pk")
    assert EstimatedCountPaginator(users, 2).count == 3


@pytest.mark.parametrize("who", ["anonymous", "company_admin"])
def test_non_staff_are_sent_to_the_admin_login(client, company_admin, who):
    if who == "company_admin":
        client.force_login(company_admin)
    response = client.get(reverse("admin:workspaces_dashboarduser_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_staff_edit_gives_the_user_a_new_version_for_its_scim_etag(rf):
    user = UserFactory(given_name="Ada")
    before = user.updated_at
    user.given_name = "Augusta"
    admin.site._registry[DashboardUser].save_model(rf.post("/"), user, form=None, change=True)
    user.refresh_from_db()
    assert user.given_name == "Augusta"
    assert user.updated_at > before
