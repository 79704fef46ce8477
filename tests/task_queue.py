"""The task queue as tests see it: what is enqueued, and running it.

`run_worker` is procrastinate's real worker on a connection of its own, as `manage.py
procrastinate worker` runs it, for tests whose writes are committed (`transaction=True`).
Tests inside a transaction that is rolled back afterwards can't use it (the worker would not
see their rows): they run the enqueued work themselves, with `deliver_enqueued_invitations`.
"""

from __future__ import annotations

import threading

from django.db import connection, connections
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from workspaces import invitations

INVITATION_TASK = "workspaces.tasks.invitation_send"


def enqueued(task_name: str) -> list[dict]:
    """The arguments of the jobs of `task_name` waiting to run, oldest first."""
    jobs = ProcrastinateJob.objects.filter(task_name=task_name, status="todo").order_by("id")
    return [job.args for job in jobs]


def deliver_enqueued_invitations() -> None:
    for args in enqueued(INVITATION_TASK):
        invitations.deliver(args["invitation_id"], last_attempt=False)


def run_worker() -> None:
    """Run every job that is due, then return (procrastinate's `wait=False`). Its tasks close
    their connections when they end, as with `CONN_MAX_AGE=0`, so that none outlives the test
    (the threads they ran in are gone, and the test database is dropped at the end)."""
    database = connections.settings["default"]
    kept, database["CONN_MAX_AGE"] = database["CONN_MAX_AGE"], 0
    failures: list[BaseException] = []

    def work() -> None:
        try:
            app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)
        except BaseException as error:  # handed to the test's thread below
            failures.append(error)

    try:
        with app.replace_connector(app.connector.get_worker_connector()):
            # A thread of its own, for an event loop of its own: the browser tests' Playwright
            # keeps one running in the test's thread.
            worker = threading.Thread(target=work)
            worker.start()
            worker.join()
    finally:
        database["CONN_MAX_AGE"] = kept
    if failures:
        raise failures[0]


def make_retries_due() -> None:
    """As if every retry's backoff had elapsed."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'")


def empty_the_queue() -> None:
    """Jobs left by earlier tests that committed: Django's flush between tests leaves the task
    queue's tables alone (their models are not managed by Django)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
