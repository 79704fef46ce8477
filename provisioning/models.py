"""The SCIM integration of a company: its settings, its token (hashed), and what happened to it."""

from __future__ import annotations

from contextlib import suppress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from provisioning import allowlist
from provisioning.origin import OriginError, normalize_origin
from provisioning.tokens import mask
from workspaces.models import Company, Workspace


def validate_service_origin(value: str) -> None:
    try:
        normalize_origin(value)
    except OriginError:
        raise ValidationError(
            _(
                "Enter an origin such as https://okta.example.com or okta.example.com: a scheme "
                "(http or https) and a host name, without a path, query or user name."
            ),
            code="invalid_origin",
        ) from None


def validate_ip_allowlist(value: str) -> None:
    try:
        allowlist.parse(value)
    except allowlist.AllowlistError as error:
        if error.too_many:
            raise ValidationError(
                _("The allowlist can hold at most %(max)d entries."),
                code="too_many_entries",
                params={"max": allowlist.MAX_ENTRIES},
            ) from None
        message = ngettext(
            "This entry is not an IP address, CIDR block or range: %(entries)s",
            "These entries are not IP addresses, CIDR blocks or ranges: %(entries)s",
            len(error.bad_entries),
        )
        raise ValidationError(
            message, code="invalid_entries", params={"entries": ", ".join(error.bad_entries)}
        ) from None


class ProvisioningMethod(models.TextChoices):
    # Braze's "Custom" integration: its clients send X-Request-Origin and read Braze's shape.
    CUSTOM = "custom", _("Custom (Braze-compatible API)")
    # Identity providers can't add headers; they get the standard SCIM document shape.
    OKTA = "okta", _("Okta")
    ENTRA = "entra", _("Microsoft Entra ID")
    SCIM = "scim", _("Other SCIM 2.0 client")


class ScimIntegration(models.Model):
    """One per company (Braze allows one "SCIM bridge" per company)."""

    Method = ProvisioningMethod

    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, related_name="scim_integration"
    )
    default_workspace = models.ForeignKey(
        Workspace, on_delete=models.PROTECT, related_name="+", verbose_name=_("default workspace")
    )
    provisioning_method = models.CharField(
        _("provisioning method"),
        max_length=10,
        choices=ProvisioningMethod.choices,
        default=ProvisioningMethod.CUSTOM,
    )
    service_origin = models.CharField(
        _("service origin"), max_length=255, validators=[validate_service_origin]
    )
    ip_allowlist = models.TextField(
        _("IP allowlist"), blank=True, validators=[validate_ip_allowlist]
    )

    # The token itself is never stored: a lookup prefix, a SHA-256 hash and the last 4 characters.
    token_prefix = models.CharField(
        max_length=16, unique=True, null=True, blank=True, editable=False
    )
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    token_last4 = models.CharField(max_length=4, blank=True, editable=False)
    token_created_at = models.DateTimeField(_("token created at"), null=True, blank=True)
    token_created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("token created by"),
    )
    token_last_used_at = models.DateTimeField(_("token last used at"), null=True, blank=True)
    token_last_used_ip = models.GenericIPAddressField(
        _("token last used from"), null=True, blank=True
    )

    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("SCIM integration")
        verbose_name_plural = _("SCIM integrations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(provisioning_method__in=ProvisioningMethod.values),
                name="scim_integration_known_method",
            )
        ]
        # The default workspace belongs to the integration's company: clean() says so to people,
        # and on PostgreSQL a foreign key on (company, default workspace) holds every other writer
        # to it (migration 0006).

    def __str__(self) -> str:
        return f"SCIM integration of {self.company}"

    def clean(self) -> None:
        """Stores each setting in the one spelling the request gate compares with. The field
        validators have already refused what does not parse; that is left as typed for them."""
        super().clean()
        with suppress(OriginError):
            self.service_origin = normalize_origin(self.service_origin)
        with suppress(allowlist.AllowlistError):
            # "10.1.2.3/8" is stored (and shown back) as "10.0.0.0/8".
            self.ip_allowlist = str(allowlist.parse(self.ip_allowlist))
        if (
            self.company_id
            and self.default_workspace_id
            and self.default_workspace.company_id != self.company_id
        ):
            raise ValidationError(
                {
                    "default_workspace": ValidationError(
                        _("Select one of the company's own workspaces."),
                        code="other_company",
                    )
                }
            )

    @property
    def has_token(self) -> bool:
        return bool(self.token_hash)

    @property
    def masked_token(self) -> str:
        """`scim_AbCdEfGh••••••••wxyz`, or "" without a token: all that is ever shown again."""
        return mask(self.token_prefix or "", self.token_last4) if self.has_token else ""

    @property
    def is_custom(self) -> bool:
        """Braze's custom API: the origin header is required, documents have Braze's shape."""
        return self.provisioning_method == self.Method.CUSTOM


class ActivityEvent(models.Model):
    """A change an admin made on the settings page, shown under "Recent activity"."""

    class Kind(models.TextChoices):
        TOKEN_GENERATED = "token_generated", _("SCIM token generated")
        TOKEN_RESET = "token_reset", _("SCIM token reset")
        SETTINGS_CHANGED = "settings_changed", _("Settings changed")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="scim_activity")
    kind = models.CharField(_("event"), max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("activity event")
        verbose_name_plural = _("activity events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "-created_at"], name="activity_company_time_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"


class RequestLogEntry(models.Model):
    """One SCIM API request: never the token, never the body."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="scim_requests")
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    status = models.PositiveSmallIntegerField(_("status"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("SCIM request")
        verbose_name_plural = _("SCIM request log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "-created_at"], name="request_company_time_idx"),
            # The admin's list of every company's requests, newest first, and the retention
            # job's oldest rows (provisioning/retention.py).
            models.Index(fields=["-created_at", "-id"], name="request_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} → {self.status}"


class DailyRequestCount(models.Model):
    """The per-company daily request counter behind the rate limit, shared by every process."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "day"], name="one_counter_per_company_day")
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.day}: {self.count}"
