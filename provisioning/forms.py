"""The Settings > Admin Settings > SCIM Provisioning form: a ModelForm, so the rules and the
normalisation are the model's (the Django admin enforces the same). The page's JavaScript only
mirrors the required fields to enable the Generate button."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from provisioning.models import ScimIntegration
from provisioning.selectors import FIELD_LABELS, settings_workspaces
from workspaces.models import Company


class ScimSettingsForm(forms.ModelForm):
    class Meta:
        model = ScimIntegration
        fields = ["provisioning_method", "default_workspace", "service_origin", "ip_allowlist"]
        labels = FIELD_LABELS
        help_texts = {
            "provisioning_method": _(
                "Okta and Microsoft Entra ID cannot send the X-Request-Origin header: for them it "
                "is checked only when present. Custom clients must send it and receive Braze's "
                "format."
            ),
            "default_workspace": _(
                "New users are added to this workspace when the SCIM API request names no "
                "workspace."
            ),
            "service_origin": _(
                "Where your SCIM requests come from, sent in the X-Request-Origin header. Custom "
                "clients must send it with every request."
            ),
            "ip_allowlist": _(
                "A comma-separated list of IP addresses, CIDR blocks (10.0.0.0/24) or "
                "ranges (10.0.0.1-10.0.0.9), IPv4 or IPv6. Leave it empty to accept requests "
                "from any address."
            ),
        }
        error_messages = {
            "default_workspace": {
                "required": _("Select the workspace new users are added to."),
                "invalid_choice": _("Select one of your company's workspaces."),
            },
            "service_origin": {
                "required": _("Enter the service origin of your SCIM requests."),
            },
        }
        widgets = {
            "service_origin": forms.TextInput(
                attrs={"placeholder": "https://okta.example.com", "autocomplete": "off"}
            ),
            "ip_allowlist": forms.Textarea(
                attrs={"rows": 3, "placeholder": "203.0.113.7, 198.51.100.0/24, 2001:db8::/32"}
            ),
        }

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        kwargs.setdefault("instance", ScimIntegration(company=company))
        super().__init__(*args, **kwargs)
        # Scoped here, so a posted id of another company's workspace is an invalid choice.
        field = self.fields["default_workspace"]
        field.queryset = settings_workspaces(company)
        field.empty_label = _("Select a workspace")

    def settings(self) -> dict[str, Any]:
        """The valid settings as the model normalised them, for `integration_configure`."""
        return {name: getattr(self.instance, name) for name in self._meta.fields}
