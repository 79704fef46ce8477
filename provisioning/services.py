"""Writes for the SCIM integration: its settings, its token and its activity trail."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from provisioning import tokens
from provisioning.models import ActivityEvent, ScimIntegration
from workspaces.models import Company, DashboardUser, Workspace

# The token's last use is written at most this often, so busy integrations don't rewrite one row
# on every request.
LAST_USED_RESOLUTION_SECONDS = 60

# What an admin configures; the rest of the row is the token's.
SETTINGS = ("provisioning_method", "default_workspace", "service_origin", "ip_allowlist")


def activity_record(
    *,
    company: Company,
    kind: str,
    actor: DashboardUser | None,
    ip: str | None,
    detail: dict | None = None,
) -> ActivityEvent:
    return ActivityEvent.objects.create(
        company=company, kind=kind, actor=actor, ip=ip, detail=detail or {}
    )


@transaction.atomic
def integration_configure(
    *,
    company: Company,
    default_workspace: Workspace,
    service_origin: str,
    ip_allowlist: str,
    actor: DashboardUser | None,
    ip: str | None,
    provisioning_method: str = ScimIntegration.Method.CUSTOM,
) -> ScimIntegration:
    """Create or update the company's integration; the token is left as it is.

    Raises ValidationError for settings the model refuses; stores them as the model normalises them.
    """
    integration = ScimIntegration.objects.select_for_update().filter(
        company=company
    ).first() or ScimIntegration(company=company)
    wanted = ScimIntegration(
        company=company,
        provisioning_method=provisioning_method,
        default_workspace=default_workspace,
        service_origin=service_origin,
        ip_allowlist=ip_allowlist,
    )
    wanted.full_clean(exclude=["company"], validate_unique=False)
    fields = [ScimIntegration._meta.get_field(name) for name in SETTINGS]
    changed = [
        f.name for f in fields if f.value_from_object(integration) != f.value_from_object(wanted)
    ]
    if integration.pk and not changed:
        return integration
    for name in changed:
        setattr(integration, name, getattr(wanted, name))
    integration.updated_at = timezone.now()
    integration.save()
    activity_record(
        company=company,
        kind=ActivityEvent.Kind.SETTINGS_CHANGED,
        actor=actor,
        ip=ip,
        detail={"fields": changed},
    )
    return integration


@transaction.atomic
def scim_token_issue(
    *, integration: ScimIntegration, actor: DashboardUser | None, ip: str | None
) -> str:
    """Issue a new token, replacing any old one at once; return the plaintext (shown once)."""
    integration = ScimIntegration.objects.select_for_update().get(pk=integration.pk)
    kind = (
        ActivityEvent.Kind.TOKEN_RESET
        if integration.has_token
        else ActivityEvent.Kind.TOKEN_GENERATED
    )
    while True:
        new = tokens.generate_token()
        try:
            with transaction.atomic():
                ScimIntegration.objects.filter(pk=integration.pk).update(
                    token_prefix=new.prefix,
                    token_hash=new.hash,
                    token_last4=new.last4,
                    token_created_at=timezone.now(),
                    token_created_by=actor,
                    token_last_used_at=None,
                    token_last_used_ip=None,
                )
            break
        except IntegrityError:  # a prefix collision: astronomically rare, simply draw again
            continue
    activity_record(company=integration.company, kind=kind, actor=actor, ip=ip)
    return new.plaintext


def scim_token_record_use(*, integration: ScimIntegration, ip: str | None) -> None:
    now = timezone.now()
    last = integration.token_last_used_at
    if (
        last
        and integration.token_last_used_ip == ip
        and (now - last).total_seconds() < LAST_USED_RESOLUTION_SECONDS
    ):
        return
    integration.token_last_used_at, integration.token_last_used_ip = now, ip
    ScimIntegration.objects.filter(pk=integration.pk).update(
        token_last_used_at=now, token_last_used_ip=ip
    )
