from __future__ import annotations

from django.contrib import admin

from provisioning.models import ActivityEvent, RequestLogEntry, ScimIntegration


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


@admin.register(RequestLogEntry)
class RequestLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "company", "method", "path", "status", "duration_ms", "client_ip"]
    list_filter = ["method", "status", "company"]
    search_fields = ["path", "client_ip"]
    list_select_related = ["company"]
    date_hierarchy = "created_at"
