"""The OpenAPI description of the SCIM API (`/api/schema/`) and its docs page (`/api/docs/`).

Importing `openapi` attaches the hand-written SCIM schemas to the views before the first schema is
generated. Swagger UI's files come from drf-spectacular-sidecar and are served by the app itself
(whitenoise), so the docs page loads nothing from a CDN.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from provisioning.scim import openapi  # noqa: F401  (attaches the annotations)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
