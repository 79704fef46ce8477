"""Delivering one invitation, as the task queue's worker calls it."""

from __future__ import annotations

import pytest
from django.core import mail

from bench.server import free_port
from tests.factories import UserFactory
from workspaces import invitations, services
from workspaces.models import Invitation

pytestmark = pytest.mark.django_db


def test_an_invitation_is_sent_once_even_if_its_job_runs_again(company):
    ada = UserFactory(company=company, email="ada@example.com", given_name="Ada")
    invitation = services.user_invite(user=ada, base_url="https://dash.example/")
    invitations.deliver(invitation.pk, last_attempt=False)
    invitations.deliver(invitation.pk, last_attempt=False)  # a retry after the email went out
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    invitation.refresh_from_db()
    assert (invitation.status, invitation.attempts) == ("sent", 1)
    assert "https://dash.example/accounts/set-password/" in mail.outbox[0].body


def test_the_invitation_of_a_user_deleted_meanwhile_sends_nothing(company):
    ada = UserFactory(company=company, email="ada@example.com")
    invitation = services.user_invite(user=ada, base_url="https://dash.example/")
    ada.delete()
    invitations.deliver(invitation.pk, last_attempt=False)
    assert mail.outbox == []


def test_a_failure_is_recorded_and_raised_for_the_queue_to_retry(company, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    ada = UserFactory(company=company, email="ada@example.com")
    invitation = services.user_invite(user=ada, base_url="https://dash.example/")
    with pytest.raises(ConnectionRefusedError):
        invitations.deliver(invitation.pk, last_attempt=False)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.attempts) == ("queued", 1)
    with pytest.raises(ConnectionRefusedError):
        invitations.deliver(invitation.pk, last_attempt=True)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.attempts) == ("failed", 2)
    assert invitation.last_error.startswith("ConnectionRefusedError: ")
    assert Invitation.objects.count() == 1
