from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from provisioning.models import ActivityEvent, RequestLogEntry, ScimIntegration
from workspaces.admin import LargeTableAdmin


@admin.register(ScimIntegration)
class ScimIntegrationAdmin(admin.ModelAdmin):
    list_display = [
        "company",
        "provisioning_method",
        "default_workspace",
        "service_origin",
        "masked_token",
        "token_created_at",
        "token_last_used_at",
    ]
    search_fields = ["company__name", "service_origin"]
    list_select_related = ["company", "default_workspace"]
    autocomplete_fields = ["company", "default_workspace"]
    list_filter = ["provisioning_method"]
    # The token is managed on the settings page only; staff see its masked form, never its hash.
    # The settings are validated and normalised by the model, as on the settings page.
    fields = [
        "company",
        "provisioning_method",
        "default_workspace",
        "service_origin",
        "ip_allowlist",
        "masked_token",
        "token_created_at",
        "token_created_by",
        "token_last_used_at",
        "token_last_used_ip",
    ]
    readonly_fields = [
        "masked_token",
        "token_created_at",
        "token_created_by",
        "token_last_used_at",
        "token_last_used_ip",
    ]

    @admin.display(description="SCIM token")
    def masked_token(self, obj: ScimIntegration) -> str:
        return obj.masked_token or "—"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit trails: staff may read and prune them, not invent or edit entries."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ActivityEvent)
class ActivityEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "company", "kind", "actor", "ip"]
    list_filter = ["kind", "company"]
    search_fields = ["company__name", "actor__email"]
    list_select_related = ["company", "actor"]
    date_hierarchy = "created_at"


class MethodFilter(admin.SimpleListFilter):
    """The SCIM methods, named here: listing the methods found would read the whole log."""

    title = _("method")
    parameter_name = "method"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        return [(m, m) for m in ("GET", "POST", "PUT", "PATCH", "DELETE")]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        return queryset.filter(method=self.value()) if self.value() else queryset


class StatusFilter(admin.SimpleListFilter):
    """Classes of status, for the same reason."""

    title = _("status")
    parameter_name = "status_class"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        return [
            ("2", _("Success (2xx)")),
            ("4", _("Refused (4xx)")),
            ("429", _("Rate limited (429)")),
            ("5", _("Server error (5xx)")),
        ]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "429":
            return queryset.filter(status=429)
        if value in ("2", "4", "5"):
            return queryset.filter(status__gte=int(value) * 100, status__lt=int(value) * 100 + 100)
        return queryset


@admin.register(RequestLogEntry)
class RequestLogEntryAdmin(LargeTableAdmin, ReadOnlyAdmin):
    """Millions of rows: the newest first through an index on the time (migration 0008), filters
    whose choices need no pass over the log, a time filter instead of a date hierarchy (which
    lists the dates found)."""

    list_display = ["created_at", "company", "method", "path", "status", "duration_ms", "client_ip"]
    list_filter = [("created_at", admin.DateFieldListFilter), MethodFilter, StatusFilter, "company"]
    search_fields = ["path", "client_ip"]
    list_select_related = ["company"]
