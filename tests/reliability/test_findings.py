"""Regression tests for what the fuzzing and hostile-input tests in this package found."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_creating_a_group_with_attributes_that_leave_out_meta_still_gives_201_and_location(scim):
    # schemathesis: `POST /Groups?attributes=then` answered 500 (the Location header was read
    # from the filtered document, which had no `meta`).
    response = scim.post(
        "Groups?attributes=displayName",
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Ops"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": body["id"],
        "displayName": "Ops",
    }
    assert response["Location"] == f"http://testserver/scim/v2/Groups/{body['id']}"
