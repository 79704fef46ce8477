from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from health_check.views import HealthCheckView

from monitoring.metrics import metrics_view

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="provisioning:settings", permanent=False)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/set-password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url="/accounts/login/"),
        name="password_reset_confirm",
    ),
    path("", include("provisioning.urls")),
    path("scim/v2/", include("provisioning.scim.urls", namespace="scim")),
    path("api/", include("provisioning.scim.schema_urls")),
    # For operators: Prometheus (token or address allowlist) and load balancers (the database).
    path("metrics", metrics_view, name="metrics"),
    path(
        "health/", HealthCheckView.as_view(checks=["health_check.checks.Database"]), name="health"
    ),
]
