"""Invitations through a mail server outage: the SCIM create enqueues the email in its own
statement and answers at once; procrastinate's real worker (on its own connection, as `manage.py
procrastinate worker` runs it) sends it to a real SMTP server on loopback, which the test starts
and stops to play the outage."""

from __future__ import annotations

from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from procrastinate.contrib.django.models import ProcrastinateJob

from bench.server import free_port
from tests.provisioning.scim.conftest import new_user_body
from tests.task_queue import (
    INVITATION_TASK,
    empty_the_queue,
    enqueued,
    make_retries_due,
    run_worker,
)
from workspaces import services
from workspaces.models import DashboardUser, Invitation
from workspaces.services import UserAccess, UserProfile, WorkspaceGrant
from workspaces.tasks import INVITATION_RETRY

pytestmark = pytest.mark.django_db(transaction=True)


class SmtpServer:
    """A real SMTP server on a loopback port, keeping what it receives; down until `start()`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Message] = []
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append(message_from_bytes(envelope.content))
        return "250 Message accepted"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()  # returns once the server answers

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def mail_server(settings):
    empty_the_queue()
    server = SmtpServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield server
    server.stop()


def test_an_invitation_survives_the_mail_server_being_down_and_arrives_when_it_comes_back(
    scim, workspace, mail_server
):
    assert scim.post("Users", new_user_body()).status_code == 201
    invitation = Invitation.objects.get(user__email="ada@example.com")
    # The request only enqueued it: nothing tried the mail server, so its state made no wait.
    assert (invitation.status, invitation.attempts) == ("queued", 0)
    assert enqueued(INVITATION_TASK) == [{"invitation_id": invitation.pk}]

    run_worker()  # the mail server is down
    invitation.refresh_from_db()
    assert (invitation.status, invitation.attempts) == ("queued", 1)
    assert invitation.last_error.startswith("ConnectionRefusedError")
    assert mail_server.received == []

    mail_server.start()
    make_retries_due()
    run_worker()
    [message] = mail_server.received
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Your dashboard account is ready"
    assert "http://testserver/accounts/set-password/" in message.get_payload()
    invitation.refresh_from_db()
    assert (invitation.status, invitation.attempts) == ("sent", 2)
    assert invitation.sent_at is not None
    assert enqueued(INVITATION_TASK) == []


def test_a_rolled_back_create_enqueues_nothing(company, workspace, mail_server):
    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), transaction.atomic():
        services.user_create(
            company=company,
            email="ada@example.com",
            profile=UserProfile(),
            access=UserAccess(workspaces=[WorkspaceGrant(workspace=workspace)]),
            invite_base_url="https://dashboard.example/",
        )
        assert len(enqueued(INVITATION_TASK)) == 1  # inside the transaction, with the user
        raise Abandoned
    assert not DashboardUser.objects.filter(email="ada@example.com").exists()
    assert enqueued(INVITATION_TASK) == []
    mail_server.start()
    run_worker()
    assert mail_server.received == []


def test_after_its_last_retry_an_invitation_is_marked_failed_with_the_reason(
    scim, workspace, mail_server
):
    scim.post("Users", new_user_body())
    for _ in range(INVITATION_RETRY.max_attempts + 1):
        make_retries_due()
        run_worker()
    invitation = Invitation.objects.get()
    assert invitation.status == "failed"
    assert invitation.attempts == INVITATION_RETRY.max_attempts + 1
    assert invitation.last_error.startswith("ConnectionRefusedError")
    job = ProcrastinateJob.objects.get(task_name=INVITATION_TASK)
    assert job.status == "failed"
