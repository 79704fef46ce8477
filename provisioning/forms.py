"""The Settings > Admin Settings > SCIM Provisioning form. The server's validation is the truth;
the page's JavaScript only mirrors the required fields to enable the Generate button."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from provisioning import allowlist
from provisioning.models import ScimIntegration
from provisioning.origin import OriginError, normalize_origin
from provisioning.selectors import FIELD_LABELS, settings_workspaces
from workspaces.models import Company


class ScimSettingsForm(forms.Form):
    error_messages = {
        "invalid_origin": _(
            "Enter an origin such as https://okta.example.com or okta.example.com: a scheme "
            "(http or https) and a host name, without a path, query or user name."
        ),
        "too_many_entries": _("The allowlist can hold at most %(max)d entries."),
    }

    provisioning_method = forms.ChoiceField(
        label=FIELD_LABELS["provisioning_method"],
        choices=ScimIntegration.Method.choices,
        initial=ScimIntegration.Method.CUSTOM,
        help_text=_(
            "Okta and Microsoft Entra ID cannot send the X-Request-Origin header: for them it is "
            "checked only when present. Custom clients must send it and receive Braze's format."
        ),
    )
    default_workspace = forms.ModelChoiceField(
        queryset=None,
        label=FIELD_LABELS["default_workspace"],
        empty_label=_("Select a workspace"),
        help_text=_(
            "New users are added to this workspace when the SCIM API request names no workspace."
        ),
        error_messages={
            "required": _("Select the workspace new users are added to."),
            "invalid_choice": _("Select one of your company's workspaces."),
        },
    )
    service_origin = forms.CharField(
        label=FIELD_LABELS["service_origin"],
        max_length=255,
        help_text=_(
            "Where your SCIM requests come from, sent in the X-Request-Origin header. Custom "
            "clients must send it with every request."
        ),
        error_messages={"required": _("Enter the service origin of your SCIM requests.")},
        widget=forms.TextInput(
            attrs={"placeholder": "https://okta.example.com", "autocomplete": "off"}
        ),
    )
    ip_allowlist = forms.CharField(
        label=FIELD_LABELS["ip_allowlist"],
        required=False,
        help_text=_(
            "A comma-separated list of IP addresses, CIDR blocks (10.0.0.0/24) or "
            "ranges (10.0.0.1-10.0.0.9), IPv4 or IPv6. Leave it empty to accept requests from "
            "any address."
        ),
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "203.0.113.7, 198.51.100.0/24, 2001:db8::/32"}
        ),
    )

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Scoped here, so a posted id of another company's workspace is an invalid choice.
        self.fields["default_workspace"].queryset = settings_workspaces(company)

    def clean_service_origin(self) -> str:
        try:
            return normalize_origin(self.cleaned_data["service_origin"])
        except OriginError:
            raise forms.ValidationError(
                self.error_messages["invalid_origin"], code="invalid_origin"
            ) from None

    def clean_ip_allowlist(self) -> str:
        try:
            parsed = allowlist.parse(self.cleaned_data["ip_allowlist"])
        except allowlist.AllowlistError as error:
            raise self._allowlist_error(error) from None
        # Stored (and shown back) normalised: "10.1.2.3/8" becomes "10.0.0.0/8".
        return str(parsed)

    def _allowlist_error(self, error: allowlist.AllowlistError) -> forms.ValidationError:
        if error.too_many:
            return forms.ValidationError(
                self.error_messages["too_many_entries"],
                code="too_many_entries",
                params={"max": allowlist.MAX_ENTRIES},
            )
        bad = ", ".join(error.bad_entries)
        message = ngettext(
            "This entry is not an IP address, CIDR block or range: %(entries)s",
            "These entries are not IP addresses, CIDR blocks or ranges: %(entries)s",
            len(error.bad_entries),
        )
        return forms.ValidationError(message, code="invalid_entries", params={"entries": bad})
