"""With the database unreachable, pages and the SCIM API answer 503 and say so clearly."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from tests.provisioning.scim.conftest import new_user_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_down(monkeypatch):
    """Every query fails the way psycopg does when the server is gone."""
    from django.db.backends.utils import CursorWrapper

    def fail(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", fail)
    monkeypatch.setattr(CursorWrapper, "executemany", fail)


def test_the_scim_api_answers_503_in_its_error_schema(scim, database_down):
    response = scim.post("Users", new_user_body())
    assert response.status_code == 503
    assert response["Content-Type"] == "application/scim+json"
    assert response["Retry-After"] == "30"
    assert response.json() == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "503",
        "detail": "The service is temporarily unavailable; retry later.",
    }


def test_the_settings_page_shows_a_friendly_error(admin_client, database_down):
    response = admin_client.get("/settings/admin/scim/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "temporarily unavailable" in page
    assert "Traceback" not in page and "OperationalError" not in page
