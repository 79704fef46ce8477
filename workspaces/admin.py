from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from workspaces.models import (
    Company,
    DashboardUser,
    PermissionSet,
    Role,
    RoleAssignment,
    Team,
    TeamMembership,
    Workspace,
    WorkspaceMembership,
)


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
class DashboardUserAdmin(BaseUserAdmin):
    add_form = DashboardUserCreationForm
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
    list_filter = [
        "company",
        ("workspaces", admin.RelatedOnlyFieldListFilter),
        "department",
        "is_active",
        "is_staff",
    ]
    search_fields = ["email", "given_name", "family_name", "external_id", "public_id"]
    ordering = ["email"]
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
