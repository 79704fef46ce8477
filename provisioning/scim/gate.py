"""The request gate, applied to every SCIM request: token, origin, client IP, daily rate limit.

DRF calls `ScimTokenAuthentication` first and `DailyRateThrottle` second; a failure in either
becomes a SCIM error (401 with `WWW-Authenticate: Bearer`, or 429 with `Retry-After`).
"""

from __future__ import annotations

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.throttling import BaseThrottle

from provisioning import allowlist, failed_attempts, integration_cache, tokens
from provisioning.client_ip import client_ip
from provisioning.models import ScimIntegration
from provisioning.origin import origin_matches
from provisioning.ratelimit import count_request
from provisioning.services import scim_token_record_use
from workspaces.fetch import fetch

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
        # Sent as text (workspaces/fetch.py); token_prefix is unique. The default workspace
        # comes along: creates and updates need it, and a join is cheaper than a second query.
        found = fetch(
            ScimIntegration,
            "token_prefix = %s",
            [prefix],
            limit=1,
            related=("company", "default_workspace"),
        )
        integration = found[0] if found else None
        if integration is not None:
            integration_cache.put(prefix, integration, generation)
    # Checked on every request, cached or not: the cache is keyed by the prefix alone.
    if integration is None or not tokens.token_matches(token, integration.token_hash):
        return None
    return integration


class ScimTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <SCIM token>`, then the origin header, then the IP allowlist."""

    def authenticate(self, request):
        ip = client_ip(request)
        token = _presented_token(request)
        if token is None:
            raise exceptions.NotAuthenticated("A SCIM bearer token is required.")
        if failed_attempts.blocked(ip):
            raise exceptions.Throttled(
                wait=failed_attempts.WINDOW_SECONDS,
                detail="Too many invalid SCIM tokens from this address; try again later.",
            )
        integration = _integration_for(token)
        if integration is None:
            failed_attempts.record(ip)
            raise exceptions.AuthenticationFailed("The SCIM token is not valid.")
        # From here on the company is known, so the request log can attribute even a refusal
        # (and reuses the client address worked out here).
        request._request.scim_integration = integration
        request._request.scim_client_ip = ip
        presented_origin = next(
            (request.META[h] for h in ORIGIN_HEADERS if request.META.get(h)), None
        )
        # Identity providers can't add headers: for them the origin is checked only when sent.
        origin_optional = not integration.is_custom and presented_origin is None
        if not origin_optional and not origin_matches(integration.service_origin, presented_origin):
            raise exceptions.AuthenticationFailed(
                "The X-Request-Origin header does not match the configured service origin."
            )
        if not allowlist.parse_stored(integration.ip_allowlist).allows(ip):
            raise exceptions.AuthenticationFailed("The client IP address is not on the allowlist.")
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
