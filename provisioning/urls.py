from __future__ import annotations

from django.urls import path
from django.views.generic import RedirectView

from provisioning import views

app_name = "provisioning"

# The settings page's one clean URL; the older Braze paths point at it.
legacy = RedirectView.as_view(pattern_name="provisioning:settings", permanent=True)

urlpatterns = [
    path("settings/admin/scim/", views.settings_page, name="settings"),
    path("settings/admin/scim/token/reset/", views.token_reset, name="token_reset"),
    # Older navigation: Company Settings > Automated User Provisioning.
    path("company-settings/automated-user-provisioning/", legacy, name="legacy_company_settings"),
    # The alias Braze's help pages use (/scim/automated_user_provisioning/).
    path("scim/automated_user_provisioning/", legacy, name="legacy_scim_alias"),
]
