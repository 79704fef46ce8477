"""The dashboard's background work, run by the task queue's worker (`manage.py procrastinate
worker`, README "Background work")."""

from __future__ import annotations

from procrastinate import JobContext, RetryStrategy
from procrastinate.contrib.django import app

from workspaces import invitations

# A mail server may be down or slow for hours: 16 retries, waiting 2, 4, 8 ... seconds, doubling
# (about a day and a half in all), before the invitation is marked failed; staff can resend it.
INVITATION_RETRY = RetryStrategy(max_attempts=16, exponential_wait=2)


# The name is what migration 0007's trigger enqueues for each new `Invitation`.
@app.task(name="workspaces.tasks.invitation_send", retry=INVITATION_RETRY, pass_context=True)
def invitation_send(context: JobContext, invitation_id: int) -> None:
    last_attempt = context.job.attempts >= INVITATION_RETRY.max_attempts
    invitations.deliver(invitation_id, last_attempt=last_attempt)
