from django.urls import path
from django.views.generic import RedirectView

app_name = "provisioning"

urlpatterns = [
    path("settings/admin/scim/", RedirectView.as_view(url="/admin/"), name="settings"),
]
