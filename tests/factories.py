from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from workspaces.models import Company, DashboardUser, PermissionSet, Role, Team, Workspace

PASSWORD = "correct-horse-battery-staple"


class CompanyFactory(DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Company {n}")


class WorkspaceFactory(DjangoModelFactory):
    class Meta:
        model = Workspace

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Workspace {n}")


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class PermissionSetFactory(DjangoModelFactory):
    class Meta:
        model = PermissionSet

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Permission set {n}")
    permissions = factory.LazyFunction(lambda: ["basic_access", "edit_segments"])


class RoleFactory(DjangoModelFactory):
    class Meta:
        model = Role

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Role {n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = DashboardUser
        skip_postgeneration_save = True

    company = factory.SubFactory(CompanyFactory)
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    given_name = "Pat"
    family_name = factory.Sequence(lambda n: f"Person{n}")
    department = "marketing"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class CompanyAdminFactory(UserFactory):
    company_permissions = factory.LazyFunction(lambda: ["admin"])
