from __future__ import annotations

import json
from functools import cached_property

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from workspaces import services
from workspaces.models import (
    Company,
    DashboardUser,
    Invitation,
    PermissionSet,
    Role,
    RoleAssignment,
    Team,
    TeamMembership,
    Workspace,
    WorkspaceMembership,
)


class EstimatedCountPaginator(Paginator):
    """Counts up to `EXACT_UP_TO` rows; beyond that takes PostgreSQL's estimate (what EXPLAIN
    says the query returns), since a COUNT(*) reads every one of a million users or ten million
    log entries (bench/README.md, "Scale of the staff pages")."""

    EXACT_UP_TO = 10_000

    @cached_property
    def count(self) -> int:
        rows = self.object_list.order_by()  # an order costs a count, and changes nothing
        counted = rows[: self.EXACT_UP_TO + 1].count()
        if counted <= self.EXACT_UP_TO:
            return counted
        plan = json.loads(rows.explain(format="json"))
        return max(counted, int(plan[0]["Plan"]["Plan Rows"]))


class LargeTableAdmin(admin.ModelAdmin):
    """For tables of millions of rows: no count of the whole table beside the filtered one, the
    filtered one estimated when large, and no "Show counts" link (a count per filter choice)."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER


class EmailSearch:
    """Search by an email address or its beginning, ignoring case, or by a user's public id,
    each through an index (migration 0008): the default search, `icontains` over several
    fields, reads every row of the table."""

    email_field = "email"
    public_id_field = "public_id"
    search_help_text = _("An email address or its beginning, or a user id.")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        queryset = queryset.annotate(email_lower=Lower(self.email_field))
        found = Q(email_lower__startswith=term.lower()) | Q(**{self.public_id_field: term})
        return queryset.filter(found), False


def _resend_invitations(model_admin: admin.ModelAdmin, request: HttpRequest, users) -> None:
    """Queue a new invitation for each of these users and say how many went."""
    base_url = request.build_absolute_uri("/")
    invited = 0
    for user in users:
        services.user_invite(user=user, base_url=base_url)
        invited += 1
    message = ngettext("%(count)d invitation queued.", "%(count)d invitations queued.", invited) % {
        "count": invited
    }
    model_admin.message_user(request, message, messages.SUCCESS)


@admin.action(description=_("Resend invitation"))
def resend_invitation_to_users(model_admin, request: HttpRequest, queryset: QuerySet) -> None:
    _resend_invitations(model_admin, request, queryset)


class WorkspaceMembershipInline(admin.TabularInline):
    model = WorkspaceMembership
    extra = 0
    autocomplete_fields = ["workspace", "permission_set"]


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["team"]


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["role", "user"]
    readonly_fields = ["created_at"]


class DashboardUserCreationForm(forms.ModelForm):
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput,
        required=False,
        help_text=_("Leave empty to let the user set one through the invitation link."),
    )

    class Meta:
        model = DashboardUser
        fields = ["email", "given_name", "family_name", "company", "department"]

    def save(self, commit: bool = True) -> DashboardUser:
        user = super().save(commit=False)
        password = self.cleaned_data.get("password")
        user.set_password(password) if password else user.set_unusable_password()
        if commit:
            user.save()
        return user


@admin.register(DashboardUser)
class DashboardUserAdmin(EmailSearch, LargeTableAdmin, BaseUserAdmin):
    add_form = DashboardUserCreationForm
    actions = [resend_invitation_to_users]
    list_display = [
        "email",
        "given_name",
        "family_name",
        "company",
        "department",
        "is_active",
        "is_staff",
        "last_sign_in_at",
        "created_at",
    ]
    # Filters whose choices need no pass over the users (a workspace filter listing only the
    # workspaces that have members would read every membership).
    list_filter = ["company", "department", "is_active", "is_staff"]
    search_fields = ["email"]  # what EmailSearch looks in; shows the search box
    ordering = [Lower("email")]  # the order of the unique index on it
    list_select_related = ["company"]
    readonly_fields = ["public_id", "created_at", "updated_at", "last_sign_in_at"]
    filter_horizontal = ["groups", "user_permissions"]
    inlines = [WorkspaceMembershipInline, TeamMembershipInline, RoleAssignmentInline]
    fieldsets = [
        (None, {"fields": ["email", "password", "public_id"]}),
        (_("Profile"), {"fields": ["given_name", "family_name", "department", "external_id"]}),
        (_("Company"), {"fields": ["company", "company_permissions"]}),
        (_("Status"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["created_at", "updated_at", "last_sign_in_at"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "password",
                    "given_name",
                    "family_name",
                    "company",
                    "department",
                ],
            },
        )
    ]

    def save_model(self, request: HttpRequest, obj: DashboardUser, form, change: bool) -> None:
        if change:  # the SCIM document may change: a new version (ETag), as a SCIM write makes
            obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)
        if not change and not obj.has_usable_password():
            # As the password field's help text promises. In the admin's transaction: enqueued
            # only if the user is saved.
            services.user_invite(user=obj, base_url=request.build_absolute_uri("/"))


@admin.register(Invitation)
class InvitationAdmin(EmailSearch, LargeTableAdmin):
    """What became of each invitation email; staff can send a user a new one."""

    list_display = ["user", "company", "status", "attempts", "last_error", "created_at", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["user__company"]
    search_fields = ["user__email"]
    email_field = "user__email"
    public_id_field = "user__public_id"
    actions = ["resend"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # an invitation is sent to a user: the action below, or the user's page

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("company"), ordering="user__company__name")
    def company(self, invitation: Invitation) -> Company | None:
        return invitation.user.company

    @admin.action(description=_("Resend invitation"))
    def resend(self, request: HttpRequest, queryset: QuerySet) -> None:
        users = DashboardUser.objects.filter(pk__in=queryset.values("user_id"))
        _resend_invitations(self, request, users)


class WorkspaceInline(admin.TabularInline):
    model = Workspace
    extra = 0
    fields = ["name", "public_id"]
    readonly_fields = ["public_id"]
    show_change_link = True


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    inlines = [WorkspaceInline]


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0
    fields = ["name", "public_id"]
    readonly_fields = ["public_id"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "public_id", "created_at"]
    list_filter = ["company"]
    search_fields = ["name", "public_id", "company__name"]
    list_select_related = ["company"]
    readonly_fields = ["public_id"]
    inlines = [TeamInline]


@admin.register(Team, PermissionSet)
class WorkspacePartAdmin(admin.ModelAdmin):
    """Teams and permission sets: named parts of one workspace."""

    list_display = ["name", "workspace", "public_id"]
    list_filter = ["workspace__company", "workspace"]
    search_fields = ["name", "public_id", "workspace__name"]
    list_select_related = ["workspace"]
    readonly_fields = ["public_id"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "public_id", "updated_at"]
    list_filter = ["company"]
    search_fields = ["name", "public_id"]
    list_select_related = ["company"]
    readonly_fields = ["public_id", "created_at"]
    filter_horizontal = ["permission_sets"]
    inlines = [RoleAssignmentInline]
