"""Hostile input through the API: each gets a clear answer in the SCIM error schema (or the 2xx
RFC 7644 prescribes), never a 500 and never a side effect."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.provisioning.scim.conftest import new_user_body
from workspaces.models import DashboardUser

pytestmark = pytest.mark.django_db

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def assert_scim_error(response, status: int, scim_type: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/scim+json"
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert isinstance(body["detail"], str) and "Traceback" not in body["detail"]
    assert body.get("scimType") == scim_type
    return body


@pytest.fixture
def user_id(scim) -> str:
    return scim.post("Users", new_user_body()).json()["id"]


# ---------------------------------------------------------------------------------------------
# Headers


def test_an_enormous_bearer_token_is_a_plain_401(scim):
    scim.token = "scim_" + "x" * 100_000
    body = assert_scim_error(scim.get("Users"), 401)
    assert body["detail"] == "The SCIM token is not valid."


def test_an_enormous_origin_header_is_a_plain_401(scim):
    scim.origin = "https://" + "a" * 100_000 + ".example"
    assert_scim_error(scim.get("Users"), 401)


def test_an_enormous_if_none_match_is_just_a_miss(scim, user_id):
    response = scim.get(f"Users/{user_id}", HTTP_IF_NONE_MATCH='W/"x", ' * 20_000)
    assert response.status_code == 200


def test_an_enormous_if_match_is_a_412_and_changes_nothing(scim, user_id):
    response = scim.delete(f"Users/{user_id}", HTTP_IF_MATCH='W/"x", ' * 20_000)
    assert_scim_error(response, 412)
    assert DashboardUser.objects.filter(public_id=user_id).exists()


# ---------------------------------------------------------------------------------------------
# Filters and paging (RFC 7644 §3.4.2)


@pytest.mark.parametrize(
    "expression",
    [
        'userName eq "' + "a" * 5000 + '"',
        " or ".join(['userName eq "a"'] * 300),
        "(" * 40 + 'userName eq "a"' + ")" * 40,
        "not(" * 40 + "userName pr" + ")" * 40,
    ],
    ids=["long-value", "many-terms", "deep-parentheses", "deep-not"],
)
def test_an_enormous_or_deep_filter_is_400_invalid_filter(scim, expression):
    assert_scim_error(scim.get("Users", {"filter": expression}), 400, "invalidFilter")
    search = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}
    response = scim.post("Groups/.search", {**search, "filter": expression})
    assert_scim_error(response, 400, "invalidFilter")


@pytest.mark.parametrize(
    ("params", "start_index", "items"),
    [
        ({"startIndex": "-5"}, 1, 1),  # < 1 means 1
        ({"startIndex": "0"}, 1, 1),
        ({"count": "-3"}, 1, 0),  # negative means 0
        ({"count": "0"}, 1, 0),
        ({"startIndex": "99999999999999999999"}, 2**31 - 1, 0),
    ],
)
def test_out_of_range_paging_follows_the_rfc(scim, user_id, params, start_index, items):
    body = scim.get("Users", params).json()
    assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (
        1,
        start_index,
        items,
    )


def test_a_huge_count_is_capped_at_1000(scim, user_id):
    with CaptureQueriesContext(connection) as queries:
        response = scim.get("Users", {"count": "99999999999"})
    assert response.status_code == 200
    page_query = next(q["sql"] for q in queries if "LIMIT" in q["sql"] and "email" in q["sql"])
    assert "LIMIT 1000" in page_query


@pytest.mark.parametrize("value", ["abc", "1e3", "0x10", "1.5", "", "true"])
@pytest.mark.parametrize("name", ["startIndex", "count"])
def test_a_non_integer_start_index_or_count_is_400(scim, user_id, name, value):
    response = scim.get("Users", {name: value})
    if value == "":  # absent, in effect
        assert response.status_code == 200
    else:
        assert_scim_error(response, 400, "invalidValue")


def test_non_integer_paging_in_a_search_body_is_400(scim):
    search = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}
    for bad in ({"count": "ten"}, {"startIndex": [1]}, {"count": True}, {"count": {"a": 1}}):
        assert_scim_error(scim.post("Users/.search", {**search, **bad}), 400, "invalidValue")


# ---------------------------------------------------------------------------------------------
# Bodies and content types


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/json",
        "application/xml",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "",
    ],
)
def test_a_body_in_another_media_type_is_415_and_writes_nothing(scim, content_type):
    response = scim.post("Users", new_user_body(), content_type=content_type)
    assert_scim_error(response, 415)
    assert not DashboardUser.objects.filter(email="ada@example.com").exists()


def test_json_with_a_byte_order_mark_is_400_invalid_syntax(scim):
    # RFC 8259 §8.1: senders MUST NOT add a BOM; a parser MAY ignore it. We refuse it clearly.
    raw = b"\xef\xbb\xbf" + json.dumps(new_user_body()).encode()
    assert_scim_error(scim.post("Users", raw), 400, "invalidSyntax")
    assert not DashboardUser.objects.filter(email="ada@example.com").exists()


def test_deeply_nested_json_is_400_invalid_syntax(scim, user_id):
    deep = "[" * 10_000 + "]" * 10_000
    body = json.dumps(new_user_body()).replace('"engineering"', deep)
    assert_scim_error(scim.post("Users", body), 400, "invalidSyntax")
    patch_body = '{"Operations":[{"op":"add","path":"title","value":' + deep + "}]}"
    assert_scim_error(scim.patch(f"Users/{user_id}", patch_body), 400, "invalidSyntax")


@pytest.mark.parametrize("body", ["[]", "null", "42", '"text"', "{}", "{", "\x00"])
def test_a_body_that_is_not_a_json_object_is_400(scim, body):
    assert_scim_error(scim.post("Users", body), 400, "invalidSyntax")


def test_a_body_on_get_is_ignored(scim, user_id):
    response = scim.client.generic(
        "GET", "/scim/v2/Users", data=b"{not json", content_type="text/plain", **scim.headers()
    )
    assert response.status_code == 200
    assert response.json()["totalResults"] == 1


def test_an_enormous_attributes_list_is_harmless(scim, user_id):
    response = scim.get("Users", {"attributes": ",".join(["nope"] * 20_000)})
    assert response.status_code == 200
    assert response.json()["Resources"][0].keys() == {"schemas", "id"}


# ---------------------------------------------------------------------------------------------
# Methods


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "FOO"])
@pytest.mark.parametrize("path", ["Users", "Users/{id}", "Groups", "ServiceProviderConfig"])
def test_other_http_methods_are_405_in_the_scim_error_schema(scim, user_id, method, path):
    url = scim.url(path.format(id=user_id))
    response = scim.client.generic(method, url, **scim.headers())
    assert_scim_error(response, 405)


@pytest.mark.parametrize(
    "header", ["HTTP_X_HTTP_METHOD_OVERRIDE", "HTTP_X_HTTP_METHOD", "HTTP_X_METHOD_OVERRIDE"]
)
def test_a_method_override_header_never_deletes(scim, user_id, header):
    assert scim.get(f"Users/{user_id}", **{header: "DELETE"}).status_code == 200
    response = scim.post(f"Users/{user_id}", {}, **{header: "DELETE"})
    assert_scim_error(response, 405)
    response = scim.get(f"Users?_method=DELETE&id={user_id}", **{header: "DELETE"})
    assert response.status_code == 200
    assert DashboardUser.objects.filter(public_id=user_id).exists()


def test_search_over_get_is_405(scim):
    assert_scim_error(scim.get("Users/.search"), 405)
