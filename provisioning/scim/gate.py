"""The request gate, applied to every SCIM request: token, origin, client IP, daily rate limit.

DRF calls `ScimTokenAuthentication` first and `DailyRateThrottle` second; a failure in either
becomes a SCIM error (401 with `WWW-Authenticate: Bearer`, or 429 with `Retry-After`).
"""

from __future__ import annotations

import logging

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.throttling import BaseThrottle

from provisioning import allowlist, failed_attempts, integration_cache, store, tokens
from provisioning.client_ip import client_ip
from provisioning.models import ScimIntegration
from provisioning.origin import OriginError, normalize_origin, origin_matches
from provisioning.ratelimit import count_request
from provisioning.services import scim_token_record_use

logger = logging.getLogger(__name__)

ORIGIN_HEADERS = ("HTTP_X_REQUEST_ORIGIN", "HTTP_X_ORIGIN_REQUEST")  # the second: older Braze docs


def _presented_token(request) -> str | None:
    try:
        scheme, _, token = get_authorization_header(request).decode("latin-1").partition(" ")
    except UnicodeError:
        return None
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _integration_for(token: str) -> ScimIntegration | None:
    prefix = tokens.lookup_prefix(token)
    if prefix is None:
        return None
    integration = integration_cache.get(prefix)
    if integration is None:
        generation = integration_cache.generation()
        integration = store.integration_by_token_prefix(prefix)
        if integration is not None:
            integration_cache.put(prefix, integration, generation)
    # Checked on every request, cached or not: the cache is keyed by the prefix alone.
    if integration is None or not tokens.token_matches(token, integration.token_hash):
        return None
    return integration


def _refuse_misconfigured(integration: ScimIntegration, setting: str) -> exceptions.APIException:
    """A stored value the model's rules would refuse (written around them, by hand in SQL, say):
    the company's requests are refused, naming the setting, never answered with a 500."""
    logger.error(
        "SCIM integration %s of company %s has an invalid %s; its requests are refused",
        integration.pk,
        integration.company_id,
        setting,
    )
    return exceptions.PermissionDenied(
        f"The SCIM integration's {setting} setting is not valid; "
        "an administrator must correct it in the SCIM settings."
    )


def _check_origin(integration: ScimIntegration, presented: str | None) -> None:
    try:
        configured = normalize_origin(integration.service_origin)
    except OriginError:
        raise _refuse_misconfigured(integration, "service origin") from None
    if presented is None:
        # Identity providers can't add headers: for them the origin is checked only when sent.
        if integration.is_custom:
            raise exceptions.AuthenticationFailed("The X-Request-Origin header is missing.")
    elif not origin_matches(configured, presented):
        raise exceptions.AuthenticationFailed(
            "The X-Request-Origin header does not match the configured service origin."
        )


def _check_client_ip(integration: ScimIntegration, ip: str | None) -> None:
    try:
        allowed = allowlist.parse_stored(integration.ip_allowlist)
    except allowlist.AllowlistError:
        raise _refuse_misconfigured(integration, "IP allowlist") from None
    if not allowed.allows(ip):
        raise exceptions.AuthenticationFailed("The client IP address is not on the allowlist.")


def _check_default_workspace(integration: ScimIntegration) -> None:
    # Users are created in it: one of another company's would put them in that company.
    if integration.default_workspace.company_id != integration.company_id:
        raise _refuse_misconfigured(integration, "default workspace")


class ScimTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <SCIM token>`, then the origin header, then the IP allowlist."""

    def authenticate(self, request):
        ip = client_ip(request)
        token = _presented_token(request)
        if token is None:
            raise exceptions.NotAuthenticated("A SCIM bearer token is required.")
        integration = _integration_for(token)
        if integration is None:
            # Only invalid tokens are throttled: a valid one is never locked out by others'
            # failures behind the same address (a NAT, an identity provider's shared egress).
            if failed_attempts.blocked(ip):
                raise exceptions.Throttled(
                    wait=failed_attempts.WINDOW_SECONDS,
                    detail="Too many invalid SCIM tokens from this address; try again later.",
                )
            failed_attempts.record(ip)
            raise exceptions.AuthenticationFailed("The SCIM token is not valid.")
        # From here on the company is known, so the request log can attribute even a refusal
        # (and reuses the client address worked out here).
        request._request.scim_integration = integration
        request._request.scim_client_ip = ip
        presented_origin = next(
            (request.META[h] for h in ORIGIN_HEADERS if request.META.get(h)), None
        )
        _check_origin(integration, presented_origin)
        _check_client_ip(integration, ip)
        _check_default_workspace(integration)
        scim_token_record_use(integration=integration, ip=ip)
        return (None, integration)

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="SCIM"'


class DailyRateThrottle(BaseThrottle):
    """Braze's limit: N requests per day per company, shared by every SCIM endpoint."""

    def allow_request(self, request, view) -> bool:
        integration: ScimIntegration = request.auth
        self.status = count_request(integration.company_id)
        request._request.scim_rate = self.status
        return not self.status.exceeded

    def wait(self) -> float:
        return self.status.retry_after(timezone.now())
