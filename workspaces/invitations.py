"""Invitation emails: asking for one (an `Invitation` row, which enqueues its delivery), what
it says, and delivering it, which the task queue's worker does (workspaces/tasks.py)."""

from __future__ import annotations

from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext

from workspaces.models import DashboardUser, Invitation

# Enough of an SMTP error to tell staff what went wrong, however long the server's answer.
ERROR_LENGTH = 500


def invitation_for(user: DashboardUser, base_url: str) -> Invitation:
    """An unsaved invitation of `user`, written in the current (the request's) language, its
    link starting with `base_url`; saving it enqueues the email."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    return Invitation(user=user, base_url=base_url, language=language)


def deliver(invitation_id: int, *, last_attempt: bool) -> None:
    """Send the invitation's email and record how it went. A failure is raised again, for the
    task queue to retry; after the last attempt the invitation is marked failed."""
    invitation = Invitation.objects.select_related("user__company").filter(pk=invitation_id).first()
    if invitation is None or invitation.status == Invitation.Status.SENT:
        return  # its user was deleted meanwhile, or a retry came after the email went out
    invitation.attempts += 1
    try:
        with translation.override(invitation.language):
            subject, body = compose(invitation)
        send_mail(subject, body, None, [invitation.user.email])
    except Exception as error:
        invitation.last_error = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
        if last_attempt:
            invitation.status = Invitation.Status.FAILED
        invitation.save(update_fields=["attempts", "last_error", "status"])
        raise
    invitation.status = Invitation.Status.SENT
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["attempts", "status", "sent_at"])


def compose(invitation: Invitation) -> tuple[str, str]:
    """The subject and the body, in the active language. The link is made when the email is
    sent, so its validity (PASSWORD_RESET_TIMEOUT) starts then, however long the mail server
    was down."""
    user = invitation.user
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = urljoin(invitation.base_url, reverse("password_reset_confirm", args=[uid, token]))
    hello = gettext("Hello %(name)s,") % {"name": user.given_name or user.email}
    created = gettext("An account was created for you on the %(company)s dashboard.") % {
        "company": user.company.name if user.company else ""
    }
    choose = gettext("Choose your password here to sign in:")
    sign_in_name = gettext("Your sign-in name is your email address:")
    body = f"{hello}\n\n{created}\n{choose}\n\n{link}\n\n{sign_in_name} {user.email}\n"
    return gettext("Your dashboard account is ready"), body
