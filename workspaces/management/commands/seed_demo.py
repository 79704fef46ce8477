"""Demo data for trying the app: `python manage.py seed_demo [--users N]`.

Running it again changes nothing that exists, except the printed password, which is set anew so
the printed login always works.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from tqdm import tqdm

from workspaces.models import (
    Company,
    DashboardUser,
    PermissionSet,
    Role,
    Team,
    Workspace,
    WorkspaceMembership,
    email_matches,
)
from workspaces.services import UserAccess, UserProfile, WorkspaceGrant, user_create

COMPANY = "Acme Corp"
DOMAIN = "acme.example"
WORKSPACES = {
    "Production": ["Growth", "Lifecycle"],
    "Staging": ["QA"],
    "Sandbox": [],
}
PERMISSION_SETS = {"Marketer": ["basic_access", "send_campaigns_canvases", "edit_segments"]}
PEOPLE = [
    ("ada.lovelace", "Ada", "Lovelace", "engineering"),
    ("grace.hopper", "Grace", "Hopper", "engineering"),
    ("mary.jackson", "Mary", "Jackson", "marketing"),
    ("katherine.johnson", "Katherine", "Johnson", "bi"),
]
BATCH = 2000


class Command(BaseCommand):
    help = "Create a demo company with workspaces, teams, roles and users (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=0, help="Ensure N extra bulk users exist.")
        parser.add_argument("--password", help="Password for the demo logins (default: random).")

    def handle(self, *args, users: int, password: str | None, **opts) -> None:
        password = password or secrets.token_urlsafe(12)
        with transaction.atomic():
            company, production = self._company()
            admin = self._people(company, production)
            admin.set_password(password)
            admin.save(update_fields=["password"])
            staff = self._staff(password)
        if users:
            self._bulk_users(company, production, users)
        self.stdout.write(self.style.SUCCESS(f"Demo company: {company.name}"))
        self.stdout.write(f"  Company admin (settings page): {admin.email} / {password}")
        self.stdout.write(f"  Staff (Django admin /admin/): {staff.email} / {password}")

    def _company(self) -> tuple[Company, Workspace]:
        company, _ = Company.objects.get_or_create(name=COMPANY)
        workspaces = {}
        for name, teams in WORKSPACES.items():
            workspaces[name], _ = Workspace.objects.get_or_create(company=company, name=name)
            for team in teams:
                Team.objects.get_or_create(workspace=workspaces[name], name=team)
        for name, perms in PERMISSION_SETS.items():
            pset, _ = PermissionSet.objects.get_or_create(
                workspace=workspaces["Production"], name=name, defaults={"permissions": perms}
            )
            role, _ = Role.objects.get_or_create(company=company, name=f"{name}s")
            role.permission_sets.add(pset)
        return company, workspaces["Production"]

    def _people(self, company: Company, production: Workspace) -> DashboardUser:
        admin = DashboardUser.objects.filter(email_matches(f"admin@{DOMAIN}")).first()
        if admin is None:
            admin = user_create(
                company=company,
                email=f"admin@{DOMAIN}",
                profile=UserProfile(given_name="Alex", family_name="Admin", department="pm"),
                access=UserAccess(
                    company_permissions=["admin"],
                    workspaces=[WorkspaceGrant(workspace=production, permissions=["admin"])],
                ),
            ).user
        for local, given, family, department in PEOPLE:
            if not DashboardUser.objects.filter(email_matches(f"{local}@{DOMAIN}")).exists():
                user_create(
                    company=company,
                    email=f"{local}@{DOMAIN}",
                    profile=UserProfile(
                        given_name=given, family_name=family, department=department
                    ),
                    access=UserAccess(
                        workspaces=[
                            WorkspaceGrant(workspace=production, permissions=["basic_access"])
                        ]
                    ),
                )
        return admin

    def _staff(self, password: str) -> DashboardUser:
        staff = DashboardUser.objects.filter(email_matches(f"staff@{DOMAIN}")).first()
        if staff is None:
            staff = DashboardUser(email=f"staff@{DOMAIN}", given_name="Sam", family_name="Staff")
        staff.is_staff = staff.is_superuser = True
        staff.set_password(password)
        staff.save()
        return staff

    def _bulk_users(self, company: Company, workspace: Workspace, wanted: int) -> None:
        prefix = "user."
        have = DashboardUser.objects.filter(company=company, email__startswith=prefix).count()
        unusable = make_password(None)  # one hash for all: hashing per user would take minutes
        with tqdm(total=wanted, initial=min(have, wanted), desc="users", unit="user") as bar:
            for start in range(have, wanted, BATCH):
                stop = min(start + BATCH, wanted)
                with transaction.atomic():
                    created = DashboardUser.objects.bulk_create(
                        DashboardUser(
                            company=company,
                            email=f"{prefix}{i:07d}@{DOMAIN}",
                            given_name=f"User{i}",
                            family_name=f"Demo{i % 997:03d}",
                            department="marketing",
                            password=unusable,
                        )
                        for i in range(start, stop)
                    )
                    if not all(u.pk for u in created):  # backends that return no ids (none today)
                        created = DashboardUser.objects.filter(
                            company=company, email__in=[u.email for u in created]
                        )
                    WorkspaceMembership.objects.bulk_create(
                        WorkspaceMembership(
                            user=u, workspace=workspace, permissions=["basic_access"]
                        )
                        for u in created
                    )
                bar.update(stop - start)
