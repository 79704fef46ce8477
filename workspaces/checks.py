"""System checks for what the dashboard needs from its deployment."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

# Backends that deliver nothing: fine for development and tests, never for production.
UNDELIVERED_MAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
}


@checks.register(checks.Tags.security, deploy=True)
def check_invitations_are_delivered(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Invitations carry set-password links: printed to a log they leak, dropped they lock the new
    user out."""
    if settings.EMAIL_BACKEND not in UNDELIVERED_MAIL_BACKENDS:
        return []
    return [
        checks.Error(
            "Invitation emails are not delivered: set EMAIL_URL to your mail server, e.g. "
            "smtp+tls://user:password@smtp.example.com:587.",
            hint=f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}.",
            id="workspaces.E001",
        )
    ]
