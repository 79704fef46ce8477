"""The permission and department vocabularies of the Braze permissions object.

The strings are identifiers copied exactly from the Braze SCIM appendix (legacy and granular tabs),
so they live in this one module and every validator imports them from here.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.TextChoices):
    AGENCY = "agency", _("Agency / Third Party")
    BI = "bi", _("BI / Analytics")
    C_SUITE = "c_suite", _("C-Suite")
    ENGINEERING = "engineering", _("Engineering")
    FINANCE = "finance", _("Finance")
    MARKETING = "marketing", _("Marketing / Editorial")
    PM = "pm", _("Product Management")


COMPANY_PERMISSIONS = frozenset({"admin", "manage_company_settings", "add_remove_app_groups"})

# Company permissions that may open Settings > Admin Settings > SCIM Provisioning.
SCIM_SETTINGS_PERMISSIONS = frozenset({"admin", "manage_company_settings"})

LEGACY_WORKSPACE_PERMISSIONS = frozenset(
    """
    admin basic_access approve_deny_campaigns send_campaigns_canvases publish_cards edit_segments
    export_user_data view_pii view_user_profile manage_dashboard_users manage_media_library
    view_usage_data import_update_user_data view_billing_details dev_console launch_content_blocks
    manage_external_integrations manage_apps manage_teams manage_events_attributes_purchases
    manage_tags manage_email_settings manage_subscription_groups manage_approval_settings
    manage_catalogs_dashboard_permission
    """.split()
)

LEGACY_TEAM_PERMISSIONS = frozenset(
    """
    admin basic_access approve_deny_campaigns send_campaigns_canvases publish_cards edit_segments
    export_user_data view_user_profile manage_dashboard_users manage_media_library
    """.split()
)

# Order matters only for the team list below, which takes the first 37 of these.
_GRANULAR_WORKSPACE_ORDERED = """
    view_campaigns edit_campaigns archive_campaigns view_canvases edit_canvases archive_canvases
    view_frequency_caps edit_frequency_caps view_message_prioritization edit_message_prioritization
    view_content_blocks view_feature_flags edit_feature_flags archive_feature_flags view_segments
    edit_segments edit_global_control_group view_iam_templates edit_iam_templates
    archive_iam_templates view_email_templates edit_email_templates archive_email_templates
    view_webhook_templates edit_webhook_templates archive_webhook_templates view_link_templates
    edit_link_templates view_media_library_assets view_locations edit_locations archive_locations
    view_promotion_codes edit_promotion_codes export_promotion_codes view_preference_centers
    edit_preference_centers edit_reports view_banner_templates view_multi_language_settings
    use_operator view_decisioning_studio_agents view_decisioning_studio_conversion_event
    launch_campaigns launch_canvases edit_dashboard_users edit_media_library_assets
    delete_media_library_asset view_import_users import_users edit_user_data view_api_keys
    edit_api_keys view_internal_user_groups edit_internal_user_groups view_message_activity_log
    view_event_user_log view_api_identifiers view_api_usage_dashboard view_api_limits
    view_api_usage_alerts edit_api_usage_alerts view_sdk_debugger edit_sdk_debugger
    launch_content_blocks edit_cloud_data_ingestion edit_app_settings view_push_settings
    edit_push_settings view_teams edit_teams archive_teams view_custom_attributes
    edit_custom_attributes blocklist_custom_attributes delete_custom_attributes
    export_custom_attributes view_custom_events edit_custom_events blocklist_custom_events
    delete_custom_events export_custom_events edit_custom_event_property_segmentation view_products
    edit_products blocklist_products edit_purchase_property_segmentation view_tags edit_tags
    delete_tags view_email_settings edit_email_settings view_catalogs edit_catalogs export_catalogs
    delete_catalogs
""".split()
GRANULAR_WORKSPACE_PERMISSIONS = frozenset(_GRANULAR_WORKSPACE_ORDERED)

GRANULAR_TEAM_PERMISSIONS = frozenset(
    _GRANULAR_WORKSPACE_ORDERED[:37]
    + """
    view_reports create_reports edit_reports view_banner_templates view_multi_language_settings
    use_operator view_decisioning_studio_agents view_decisioning_studio_conversion_event
    launch_campaigns launch_canvases edit_dashboard_users
    """.split()
)

WORKSPACE_PERMISSIONS = LEGACY_WORKSPACE_PERMISSIONS | GRANULAR_WORKSPACE_PERMISSIONS
TEAM_PERMISSIONS = LEGACY_TEAM_PERMISSIONS | GRANULAR_TEAM_PERMISSIONS


def unknown_permissions(values: Iterable[str], vocabulary: frozenset[str]) -> list[str]:
    """The values not in the vocabulary, in the order given, without repeats."""
    return list(dict.fromkeys(v for v in values if v not in vocabulary))


def _list_validator(vocabulary: frozenset[str], kind: str):
    """A model-field validator: a JSON list of strings, each in `vocabulary`."""

    def validate(value: object) -> None:
        from django.core.exceptions import ValidationError

        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError(_("Enter a list of permission strings."), code="invalid")
        bad = unknown_permissions(value, vocabulary)
        if bad:
            raise ValidationError(
                _("Unknown %(kind)s: %(values)s"),
                code="unknown",
                params={"kind": kind, "values": ", ".join(bad)},
            )

    validate.__name__ = validate.__qualname__ = f"validate_{kind.replace(' ', '_')}s"
    return validate


validate_company_permissions = _list_validator(COMPANY_PERMISSIONS, "company permission")
validate_workspace_permissions = _list_validator(WORKSPACE_PERMISSIONS, "workspace permission")
validate_team_permissions = _list_validator(TEAM_PERMISSIONS, "team permission")
