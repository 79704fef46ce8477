"""Rendering a page of 100 users: the project's renderer (`users.render_user`, described by
`resources.py`) against scim2-models' resource classes (`User[EnterpriseUser]`), in one process
against the database of $DATABASE_URL (bench/README.md, "The description of the resources").

    DATABASE_URL=... DEBUG=True PYTHONPATH=. .venv/bin/python bench/resource_models.py

The users are created in a transaction that is rolled back.
"""

from __future__ import annotations

import os
import statistics
import timeit

import orjson
from scim2_models import Context, Email, EnterpriseUser, Manager, Meta, Name, PhoneNumber, User


def create_page(workspace) -> list:
    from tests.factories import UserFactory
    from workspaces import selectors
    from workspaces.models import WorkspaceMembership

    page = []
    for i in range(100):
        user = UserFactory(
            company=workspace.company,
            email=f"user{i}@example.com",
            department="engineering",
            external_id=f"ext-{i}",
            directory_attributes={
                "title": "Engineer",
                "phoneNumbers": [{"value": "+1 555 0100", "type": "work"}],
                "enterprise": {"employeeNumber": str(i), "manager": {"value": "boss"}},
            },
        )
        WorkspaceMembership.objects.create(user=user, workspace=workspace, permissions=["x"])
        page.append(user)
    return selectors.users_with_access(page)


def ours(page, workspace) -> bytes:
    from provisioning.scim import users

    return orjson.dumps(
        [
            users.render_user(
                found,
                location=f"https://h/scim/v2/Users/{found.user.public_id}",
                braze_shape=False,
                default_workspace_id=workspace.pk,
            )
            for found in page
        ]
    )


def theirs(page) -> bytes:
    from provisioning.scim.etags import version_of

    documents = []
    for found in page:
        user, kept = found.user, found.user.directory_attributes
        enterprise = kept["enterprise"]
        model = User[EnterpriseUser](
            id=user.public_id,
            external_id=user.external_id,
            user_name=user.email,
            name=Name(
                given_name=user.given_name,
                family_name=user.family_name,
                formatted=user.get_full_name(),
            ),
            display_name=user.get_full_name(),
            title=kept["title"],
            emails=[Email(value=user.email, type="work", primary=True)],
            phone_numbers=[PhoneNumber(**p) for p in kept["phoneNumbers"]],
            active=user.is_active,
            meta=Meta(
                resource_type="User",
                created=user.created_at,
                last_modified=user.updated_at,
                location=f"https://h/scim/v2/Users/{user.public_id}",
                version=version_of(user.updated_at),
            ),
        )
        model[EnterpriseUser] = EnterpriseUser(
            employee_number=enterprise["employeeNumber"],
            manager=Manager(value=enterprise["manager"]["value"]),
        )
        documents.append(model.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    return orjson.dumps(documents)


def milliseconds(function) -> float:
    runs = [min(timeit.repeat(function, number=20, repeat=5)) / 20 * 1000 for _ in range(3)]
    return statistics.median(runs)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import transaction

    from tests.factories import CompanyFactory, WorkspaceFactory

    with transaction.atomic():
        workspace = WorkspaceFactory(company=CompanyFactory(name="Bench render"))
        page = create_page(workspace)
        print(f"users.render_user:      {milliseconds(lambda: ours(page, workspace)):.2f} ms")
        print(f"scim2-models User[...]: {milliseconds(lambda: theirs(page)):.2f} ms")
        transaction.set_rollback(True)
