"""The admin's SCIM request log: filters that need no pass over the log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from provisioning.models import RequestLogEntry

pytestmark = pytest.mark.django_db

LOG = reverse("admin:provisioning_requestlogentry_changelist")


def entry(company, method: str, path: str, status: int, age=timedelta()) -> RequestLogEntry:
    return RequestLogEntry.objects.create(
        company=company,
        method=method,
        path=path,
        status=status,
        duration_ms=1,
        created_at=timezone.now() - age,
    )


def shown(staff_client, **params) -> set[str]:
    page = staff_client.get(LOG, params).content.decode()
    return {path for path in ("/a-200", "/b-404", "/c-429", "/d-500", "/e-old") if path in page}


def test_the_request_log_filters_by_status_class_method_and_time(staff_client, company):
    entry(company, "GET", "/a-200", 200)
    entry(company, "POST", "/b-404", 404)
    entry(company, "GET", "/c-429", 429)
    entry(company, "PATCH", "/d-500", 500)
    entry(company, "GET", "/e-old", 200, age=timedelta(days=20))
    assert shown(staff_client) == {"/a-200", "/b-404", "/c-429", "/d-500", "/e-old"}
    assert shown(staff_client, status_class="2") == {"/a-200", "/e-old"}
    assert shown(staff_client, status_class="4") == {"/b-404", "/c-429"}
    assert shown(staff_client, status_class="429") == {"/c-429"}
    assert shown(staff_client, status_class="5") == {"/d-500"}
    assert shown(staff_client, method="GET") == {"/a-200", "/c-429", "/e-old"}
    week_ago = str(timezone.now() - timedelta(days=7))  # as the filter's own links write it
    assert "/e-old" not in shown(staff_client, created_at__gte=week_ago)
