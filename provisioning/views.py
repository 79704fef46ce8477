"""Settings > Admin Settings > SCIM Provisioning.

POST/redirect/GET for saving, except the two responses that carry a new token: those render it
directly, once. The plaintext is never put in the session, a message, a redirect or a log.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from provisioning import selectors, services
from provisioning.client_ip import client_ip
from provisioning.forms import ScimSettingsForm
from provisioning.models import ScimIntegration
from workspaces.models import Company

SCIM_API_PATH = "/scim/v2/"

View = Callable[..., HttpResponse]


def scim_settings_access(view: View) -> View:
    """Signed in (else the login page), and allowed to manage the company's SCIM (else 403)."""

    # never_cache: a page that may hold a token must not be kept by the browser or a proxy.
    @never_cache
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        company = selectors.scim_settings_company(request.user)
        if company is None:
            raise PermissionDenied
        return view(request, company, *args, **kwargs)

    return wrapper


@scim_settings_access
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest, company: Company) -> HttpResponse:
    integration = selectors.integration_for_company(company)
    if request.method == "GET":
        form = ScimSettingsForm(instance=integration, company=company)
        return _render_page(request, company, form, integration)
    # Validated on a new instance: the page keeps showing the stored integration's token card.
    form = ScimSettingsForm(request.POST, company=company)
    if not form.is_valid():
        return _render_page(request, company, form, integration)
    actor, ip = request.user, client_ip(request)
    integration = services.integration_configure(
        company=company, actor=actor, ip=ip, **form.settings()
    )
    if request.POST.get("action") == "generate" and not integration.has_token:
        token = services.scim_token_issue(integration=integration, actor=actor, ip=ip)
        return _render_token(request, company, token)
    if request.POST.get("action") == "generate":
        # A second Generate (double click, resubmitted form) must not replace a token silently.
        messages.info(request, _("A SCIM token already exists. Use Reset Token to replace it."))
    messages.success(request, _("SCIM settings saved."))
    return redirect("provisioning:settings")


@scim_settings_access
@require_http_methods(["GET", "POST"])
def token_reset(request: HttpRequest, company: Company) -> HttpResponse:
    """Confirmed (JS dialog or this view's own confirm step): issue a new token, shown once."""
    integration = selectors.integration_for_company(company)
    if integration is None or not integration.has_token:
        return redirect("provisioning:settings")
    confirmed = request.method == "POST" and request.POST.get("confirm") == "yes"
    if not confirmed:
        return render(
            request,
            "provisioning/token_reset_confirm.html",
            {"integration": integration, "masked_token": integration.masked_token},
        )
    # The form names the token it means to replace, so a resubmitted reset is a no-op.
    if request.POST.get("token_prefix") != integration.token_prefix:
        messages.info(request, _("This token was already reset. Nothing was changed."))
        return redirect("provisioning:settings")
    token = services.scim_token_issue(
        integration=integration, actor=request.user, ip=client_ip(request)
    )
    return _render_token(request, company, token)


def _render_token(request: HttpRequest, company: Company, token: str) -> HttpResponse:
    integration = selectors.integration_for_company(company)
    form = ScimSettingsForm(instance=integration, company=company)
    return _render_page(request, company, form, integration, new_token=token)


def _render_page(
    request: HttpRequest,
    company: Company,
    form: ScimSettingsForm,
    integration: ScimIntegration | None,
    new_token: str | None = None,
) -> HttpResponse:
    context = {
        "company": company,
        "form": form,
        "integration": integration,
        "has_token": bool(integration and integration.has_token),
        "masked_token": integration.masked_token if integration else "",
        "new_token": new_token,
        "endpoint": request.build_absolute_uri(SCIM_API_PATH),
        "activity": selectors.recent_activity(company),
        "requests": selectors.recent_requests(company),
        "usage": selectors.requests_today(company),
        "request_log_days": settings.SCIM_REQUEST_LOG_RETENTION_DAYS,
        "activity_days": settings.ACTIVITY_RETENTION_DAYS,
    }
    return render(request, "provisioning/settings.html", context)
