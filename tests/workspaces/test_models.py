from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import PASSWORD, CompanyFactory, UserFactory, WorkspaceFactory
from workspaces import permissions
from workspaces.models import DashboardUser, Workspace

pytestmark = pytest.mark.django_db


def test_email_is_unique_ignoring_case_at_the_database():
    UserFactory(email="Ada@Example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        DashboardUser.objects.create(email="ada@example.COM")


def test_email_is_unique_across_companies():
    UserFactory(email="ada@example.com", company=CompanyFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        DashboardUser.objects.create(email="ADA@example.com", company=CompanyFactory())


def test_email_keeps_the_case_it_was_given():
    user = UserFactory(email="Ada.Lovelace@Example.com")
    user.refresh_from_db()
    assert user.email == "Ada.Lovelace@Example.com"


def test_workspace_names_are_unique_per_company_only():
    first, second = CompanyFactory(), CompanyFactory()
    WorkspaceFactory(company=first, name="Production")
    WorkspaceFactory(company=second, name="Production")
    with pytest.raises(IntegrityError), transaction.atomic():
        Workspace.objects.create(company=first, name="Production")


def test_public_ids_are_opaque_and_distinct():
    a, b = UserFactory(), UserFactory()
    assert a.public_id != b.public_id
    assert [len(part) for part in a.public_id.split("-")] == [8, 8, 8, 8]
    assert str(a.pk) not in a.public_id.split("-")


def test_sign_in_matches_email_in_any_case():
    user = UserFactory(email="grace@example.com")
    signed_in = authenticate(username="GRACE@EXAMPLE.COM", password=PASSWORD)
    assert signed_in == user


def test_suspended_user_cannot_sign_in():
    UserFactory(email="grace@example.com", is_active=False)
    assert authenticate(username="grace@example.com", password=PASSWORD) is None


def test_successful_sign_in_records_last_sign_in(client):
    user = UserFactory(email="grace@example.com")
    assert user.last_sign_in_at is None
    assert client.login(username="grace@example.com", password=PASSWORD)
    user.refresh_from_db()
    assert user.last_sign_in_at is not None


def test_permission_fields_reject_unknown_strings():
    user = UserFactory.build(company_permissions=["admin", "root"])
    with pytest.raises(ValidationError) as info:
        user.full_clean(exclude=["password", "company"])
    assert "root" in str(info.value)


def test_granular_team_list_starts_with_the_first_37_workspace_strings():
    # The reference: the first 37 workspace strings, view_campaigns through edit_preference_centers.
    assert permissions._GRANULAR_WORKSPACE_ORDERED[36] == "edit_preference_centers"
    assert "edit_preference_centers" in permissions.GRANULAR_TEAM_PERMISSIONS
    assert "edit_reports" in permissions.GRANULAR_TEAM_PERMISSIONS
    assert "view_reports" in permissions.GRANULAR_TEAM_PERMISSIONS
    assert "view_reports" not in permissions.GRANULAR_WORKSPACE_PERMISSIONS
    assert "edit_api_keys" not in permissions.GRANULAR_TEAM_PERMISSIONS


def test_department_vocabulary_is_the_seven_braze_values():
    assert set(permissions.Department.values) == {
        "agency", "bi", "c_suite", "engineering", "finance", "marketing", "pm"
    }  # fmt: skip
