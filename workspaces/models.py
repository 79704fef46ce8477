"""The dashboard's own world: companies, workspaces, teams, roles and dashboard users.

Nothing here imports the SCIM app (`provisioning`). Writes go through `services.py`, reads
through `selectors.py`.
"""

from __future__ import annotations

import re
import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workspaces.permissions import (
    Department,
    validate_company_permissions,
    validate_team_permissions,
    validate_workspace_permissions,
)


def new_public_id() -> str:
    """An opaque, unguessable id for the API (Braze shows 19-24 hex characters)."""
    return secrets.token_hex(12)


def new_user_public_id() -> str:
    """A user id in Braze's shape: four groups of eight hex characters (from one read of the
    random source: each read lets go of the GIL, bench/README.md "Random reads")."""
    digits = secrets.token_hex(16)
    return "-".join(digits[i : i + 8] for i in range(0, 32, 8))


# Wider than the two functions above make (hex and dashes), so an id made some other URL-safe way
# still works; as long as the longest public_id column.
_PUBLIC_ID = re.compile(r"[0-9A-Za-z_-]{1,40}")


def could_be_public_id(value: str) -> bool:
    """Whether `value` could name a row by its public id. Anything else names none, and is not
    worth a query: PostgreSQL refuses text holding a NUL rather than finding nothing."""
    return _PUBLIC_ID.fullmatch(value) is not None


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Workspace(models.Model):
    """What Braze's API still calls an "app group"."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="workspaces")
    name = models.CharField(_("name"), max_length=200)
    public_id = models.CharField(
        _("public id"), max_length=32, unique=True, default=new_public_id, editable=False
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("workspace")
        verbose_name_plural = _("workspaces")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"], name="workspace_name_unique_per_company"
            ),
            # The target of foreign keys that must stay within one company (a SCIM
            # integration's default workspace).
            models.UniqueConstraint(fields=["company", "id"], name="workspace_company_id_key"),
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=200)
    public_id = models.CharField(
        _("public id"), max_length=32, unique=True, default=new_public_id, editable=False
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "name"], name="team_name_unique_per_workspace"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.workspace})"


class PermissionSet(models.Model):
    """A named bundle of workspace permissions, defined per workspace."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="permission_sets"
    )
    name = models.CharField(_("name"), max_length=200)
    public_id = models.CharField(
        _("public id"), max_length=32, unique=True, default=new_public_id, editable=False
    )
    permissions = models.JSONField(
        _("permissions"), default=list, blank=True, validators=[validate_workspace_permissions]
    )

    class Meta:
        verbose_name = _("permission set")
        verbose_name_plural = _("permission sets")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "name"], name="permission_set_name_unique_per_workspace"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.workspace})"


class Role(models.Model):
    """A company-level role; holding it grants its permission sets in their workspaces."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(_("name"), max_length=200)
    public_id = models.CharField(
        _("public id"), max_length=32, unique=True, default=new_public_id, editable=False
    )
    permission_sets = models.ManyToManyField(
        PermissionSet, blank=True, related_name="roles", verbose_name=_("permission sets")
    )
    external_id = models.CharField(_("external id"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["name"]
        constraints = [
            # Case-insensitive, like the `displayName eq` lookups IdPs find their groups with.
            models.UniqueConstraint(
                F("company"), Lower("name"), name="role_name_ci_unique_per_company"
            )
        ]

    def __str__(self) -> str:
        return self.name


def email_matches(email: str) -> Exact:
    """`lower(email) = lower(<email>)`: the shape the unique functional index serves.

    Django's `iexact` compiles to `UPPER(...)` on PostgreSQL, which that index cannot serve.
    """
    return Exact(Lower("email"), Lower(Value(email)))


class DashboardUserManager(BaseUserManager["DashboardUser"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> DashboardUser:
        # Sign-in matches the email case-insensitively, like the uniqueness constraint.
        return self.get(email_matches(username or ""))

    def create_user(self, email: str, password: str | None = None, **fields) -> DashboardUser:
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> DashboardUser:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class DashboardUser(AbstractBaseUser, PermissionsMixin):
    """A person who signs in to the dashboard; their email is the SCIM `userName`."""

    public_id = models.CharField(
        _("public id"), max_length=40, unique=True, default=new_user_public_id, editable=False
    )
    # Stored as given (Okta expects the case it sent back); unique ignoring case, see Meta.
    email = models.EmailField(_("email"), max_length=254)
    given_name = models.CharField(_("given name"), max_length=150, blank=True)
    family_name = models.CharField(_("family name"), max_length=150, blank=True)
    department = models.CharField(
        _("department"), max_length=20, choices=Department.choices, blank=True
    )
    company = models.ForeignKey(
        Company,
        on_delete=models.CASCADE,
        related_name="users",
        null=True,
        blank=True,
        help_text=_("Empty only for staff who belong to no company."),
    )
    company_permissions = models.JSONField(
        _("company permissions"),
        default=list,
        blank=True,
        validators=[validate_company_permissions],
    )
    external_id = models.CharField(_("external id"), max_length=255, blank=True)
    # What an identity provider keeps about the person that the dashboard itself doesn't use
    # (display name, title, enterprise attributes such as employee number or manager).
    directory_attributes = models.JSONField(_("directory attributes"), default=dict, blank=True)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Suspended users keep their data but cannot sign in."),
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    last_sign_in_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)
    # Django's own last_login is replaced by last_sign_in_at, kept by services.user_record_sign_in.
    last_login = None

    workspaces = models.ManyToManyField(
        Workspace, through="WorkspaceMembership", related_name="members", blank=True
    )
    teams = models.ManyToManyField(
        Team, through="TeamMembership", related_name="members", blank=True
    )
    roles = models.ManyToManyField(
        Role, through="RoleAssignment", related_name="members", blank=True
    )

    objects = DashboardUserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("dashboard user")
        verbose_name_plural = _("dashboard users")
        ordering = ["email"]
        constraints = [
            # Braze: an email is unique across the whole instance, whatever its case.
            models.UniqueConstraint(Lower("email"), name="dashboard_user_email_ci_unique"),
        ]
        indexes = [
            models.Index(fields=["company", "id"], name="user_company_id_idx"),
            models.Index(fields=["company", "family_name"], name="user_company_family_idx"),
        ]
        # Migrations 0003 and 0008 add prefix-search indexes (`lower(email) LIKE 'ab%'`).

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def get_short_name(self) -> str:
        return self.given_name


class UserCountBlock(models.Model):
    """How many of a company's users have an id in one block of `USER_BLOCK_SIZE` ids: a running
    count kept by PostgreSQL triggers on every insert, delete and company change of a user, even
    by raw SQL (migration 0005). With it a page of the company's users at any `startIndex`, and its
    `totalResults`, need no walk over every user (`selectors.company_users_page`).

    Each writing database session adds to its own `slot` of the block (its process id modulo 16),
    so concurrent creates don't queue on one row; a block's count is the sum of its slots.
    """

    company_id = models.IntegerField()  # not a foreign key: a derived count, never a reference
    block = models.IntegerField()  # user id // USER_BLOCK_SIZE
    slot = models.SmallIntegerField()
    users = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company_id", "block", "slot"], name="user_count_block_slot_unique"
            )
        ]

    def __str__(self) -> str:
        return f"company {self.company_id}, block {self.block}, slot {self.slot}: {self.users}"


USER_BLOCK_SIZE = 1024  # the migration's triggers use the same number (`id >> 10`)


class WorkspaceMembership(models.Model):
    user = models.ForeignKey(
        DashboardUser, on_delete=models.CASCADE, related_name="workspace_memberships"
    )
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    permissions = models.JSONField(
        _("workspace permissions"),
        default=list,
        blank=True,
        validators=[validate_workspace_permissions],
    )
    permission_set = models.ForeignKey(
        PermissionSet, on_delete=models.SET_NULL, null=True, blank=True, related_name="memberships"
    )

    class Meta:
        verbose_name = _("workspace membership")
        verbose_name_plural = _("workspace memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "workspace"], name="one_membership_per_workspace"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace}"


class TeamMembership(models.Model):
    user = models.ForeignKey(
        DashboardUser, on_delete=models.CASCADE, related_name="team_memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    permissions = models.JSONField(
        _("team permissions"), default=list, blank=True, validators=[validate_team_permissions]
    )

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="one_membership_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        DashboardUser, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="assignments")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="one_assignment_per_role")
        ]
        indexes = [models.Index(fields=["role", "user"], name="role_assignment_role_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} as {self.role}"


class Invitation(models.Model):
    """An email that invites a user created without a password to choose one, and what became
    of it.

    The row is the outbox: inserting it enqueues its delivery in the same statement (a trigger,
    migration 0007, defers the task `workspaces.tasks.invitation_send`), so a create that rolls
    back enqueues nothing and one that commits always has its job, however the row was written.
    The task queue's worker sends it, retrying while the mail server is down or slow, and
    records here how that went (workspaces/invitations.py).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        DashboardUser, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("user")
    )
    # Where the set-password link points and the language the email is written in: those of the
    # request that created the user.
    base_url = models.CharField(_("site address"), max_length=255)
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_status_display()})"
