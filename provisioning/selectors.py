"""Reads for the SCIM Provisioning settings page. Every query starts from the user's company."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from provisioning.models import ActivityEvent, DailyRequestCount, RequestLogEntry, ScimIntegration
from workspaces.models import Company, DashboardUser, Workspace
from workspaces.permissions import SCIM_SETTINGS_PERMISSIONS
from workspaces.selectors import workspaces_for_company

ACTIVITY_ROWS = 10
REQUEST_LOG_ROWS = 10

# The names a "settings changed" event lists, in the words of the form's labels.
FIELD_LABELS: dict[str, Promise] = {
    "provisioning_method": _("Provisioning method"),
    "default_workspace": _("Default Workspace"),
    "service_origin": _("Service Origin"),
    "ip_allowlist": _("IP Allowlisting"),
}


def scim_settings_company(user: DashboardUser) -> Company | None:
    """The company whose SCIM settings this user may manage, or None (a 403)."""
    if not user.is_authenticated or user.company_id is None:
        return None
    held = set(user.company_permissions or [])
    return user.company if held & SCIM_SETTINGS_PERMISSIONS else None


def integration_for_company(company: Company) -> ScimIntegration | None:
    return (
        ScimIntegration.objects.select_related("default_workspace", "token_created_by")
        .filter(company=company)
        .first()
    )


def settings_workspaces(company: Company) -> QuerySet[Workspace]:
    """The choices for Default Workspace: this company's workspaces and no one else's."""
    return workspaces_for_company(company).order_by("name")


@dataclass(frozen=True)
class ActivityRow:
    label: str
    actor: DashboardUser | None
    ip: str | None
    created_at: datetime
    fields: list[str]


def recent_activity(company: Company, limit: int = ACTIVITY_ROWS) -> list[ActivityRow]:
    events = ActivityEvent.objects.filter(company=company).select_related("actor")[:limit]
    return [
        ActivityRow(
            label=event.get_kind_display(),
            actor=event.actor,
            ip=event.ip,
            created_at=event.created_at,
            fields=[
                str(FIELD_LABELS.get(name, name)) for name in (event.detail or {}).get("fields", [])
            ],
        )
        for event in events
    ]


def recent_requests(company: Company, limit: int = REQUEST_LOG_ROWS) -> QuerySet[RequestLogEntry]:
    return RequestLogEntry.objects.filter(company=company)[:limit]


@dataclass(frozen=True)
class DailyUsage:
    count: int
    limit: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.count / self.limit)) if self.limit else 100

    @property
    def level(self) -> str:
        """How full the meter is, for its colour: ok, warn (80 %) or full."""
        if self.count >= self.limit:
            return "full"
        return "warn" if self.percent >= 80 else "ok"


def requests_today(company: Company) -> DailyUsage:
    # The limit resets at midnight UTC, whatever the viewer's time zone (Braze counts per day).
    today = timezone.now().astimezone(UTC).date()
    row = DailyRequestCount.objects.filter(company=company, day=today).first()
    return DailyUsage(count=row.count if row else 0, limit=settings.SCIM_DAILY_REQUEST_LIMIT)
