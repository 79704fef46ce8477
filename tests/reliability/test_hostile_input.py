"""Hostile input through the API: each gets a clear answer in the SCIM error schema (or the 2xx
RFC 7644 prescribes), never a 500 and never a side effect."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from provisioning.models import RequestLogEntry
from provisioning.scim import limits, listing
from tests.provisioning.scim.conftest import new_user_body
from tests.provisioning.scim.documents import error
from workspaces.models import DashboardUser, Role

pytestmark = pytest.mark.django_db

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
SEARCH = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}
# A lone UTF-16 surrogate as JSON spells it: valid JSON, but no UTF-8 (nor PostgreSQL) can hold it.
SURROGATE = "\\ud800"


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


@pytest.mark.parametrize(
    "schemas", [True, "urn:ietf:params:scim:api:messages:2.0:SearchRequest", 7]
)
@pytest.mark.parametrize("path", ["Users/.search", "Groups/.search"])
def test_a_search_body_whose_schemas_is_no_list_is_400(scim, path, schemas):
    """Found by schemathesis's coverage phase: `"schemas": true` was a 500."""
    response = scim.post(path, {"schemas": schemas, "sortOrder": "descending"})
    assert_scim_error(response, 400, "invalidSyntax")


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


@pytest.fixture
def group_id(scim) -> str:
    return scim.post("Groups", {"schemas": [GROUP], "displayName": "Engineers"}).json()["id"]


def _with(body: dict, where: str) -> str:
    """`body` as JSON text with the lone surrogate put where the placeholder `@` stands."""
    return json.dumps(body).replace(json.dumps(where), f'"{SURROGATE}"')


def _surrogate_bodies(user_id: str, group_id: str) -> list[tuple[str, str, str]]:
    user = new_user_body("grace@example.com", externalId="x", password="a long passphrase")
    patch_value = {"Operations": [{"op": "replace", "path": "name.givenName", "value": "@"}]}
    members = {"Operations": [{"op": "add", "path": "members", "value": [{"value": "@"}]}]}
    return [
        ("post", "Users", _with({**user, "name": {"givenName": "@"}}, "@")),
        ("post", "Users", _with({**user, "externalId": "@"}, "@")),
        ("post", "Users", _with({**user, "password": "@"}, "@")),
        (
            "put",
            f"Users/{user_id}",
            _with({**user, "userName": "ada@example.com", "title": "@"}, "@"),
        ),
        ("patch", f"Users/{user_id}", _with(patch_value, "@")),
        ("post", "Groups", _with({"schemas": [GROUP], "displayName": "@"}, "@")),
        (
            "post",
            "Groups",
            _with({"schemas": [GROUP], "displayName": "G", "members": [{"value": "@"}]}, "@"),
        ),
        ("patch", f"Groups/{group_id}", _with(members, "@")),
        ("post", "Users/.search", _with({**SEARCH, "attributes": ["@"]}, "@")),
    ]


def test_a_lone_surrogate_in_any_string_of_a_body_is_400_and_writes_nothing(
    scim, user_id, group_id
):
    for method, path, body in _surrogate_bodies(user_id, group_id):
        assert_scim_error(scim.send(method, path, body), 400, "invalidValue")
    assert DashboardUser.objects.count() == 1
    assert list(Role.objects.values_list("name", flat=True)) == ["Engineers"]
    assert DashboardUser.objects.get().given_name == "Ada"


@pytest.mark.parametrize("escape", [SURROGATE, "\\u0000", "\\udfff\\ud800"])
@pytest.mark.parametrize(
    "expression",
    ['userName eq "{}"', 'name.givenName co "{}"', 'emails[value sw "{}"]', 'id gt "{}"'],
)
def test_a_string_no_database_can_hold_in_a_filter_is_400_invalid_filter(
    scim, user_id, expression, escape
):
    # In a filter the character arrives as the filter grammar's own escape (RFC 7644 §3.4.2.2
    # takes JSON's string syntax).
    expression = expression.format(escape)
    assert_scim_error(scim.get("Users", {"filter": expression}), 400, "invalidFilter")
    response = scim.post("Users/.search", {**SEARCH, "filter": expression})
    assert_scim_error(response, 400, "invalidFilter")
    group_filter = expression.replace("userName", "displayName").replace("emails", "members")
    if "givenName" not in group_filter:
        assert_scim_error(scim.get("Groups", {"filter": group_filter}), 400, "invalidFilter")


def test_a_lone_surrogate_in_a_patch_path_filter_is_400(scim, user_id, group_id):
    path = f'members[value eq "{SURROGATE}"]'
    response = scim.patch(f"Groups/{group_id}", {"Operations": [{"op": "remove", "path": path}]})
    assert_scim_error(response, 400, "invalidPath")
    path = f'emails[type eq "{SURROGATE}"].value'
    operation = {"op": "add", "path": path, "value": "ada@example.com"}
    response = scim.patch(f"Users/{user_id}", {"Operations": [operation]})
    assert_scim_error(response, 400, "invalidPath")


@pytest.mark.parametrize(
    "body",
    ['{"startIndex": 1e400}', '{"count": -1e400}', '{"count": 1E+999}', '{"count": NaN}'],
)
def test_a_number_beyond_a_double_in_a_body_is_400(scim, user_id, body):
    response = scim.post("Users/.search", body)
    assert response.status_code == 400
    assert_scim_error(response, 400, response.json().get("scimType"))
    user = json.dumps(new_user_body("grace@example.com"))[:-1] + ', "active": 1e400}'
    assert_scim_error(scim.post("Users", user), 400, "invalidValue")


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
@pytest.mark.parametrize("collection", ["Users", "Groups"])
@pytest.mark.parametrize("bad_id", ["%00", "a%00b", "%C3%A9t%C3%A9", "x" * 300])
def test_an_id_that_cannot_be_ours_is_a_404_without_asking_the_database(
    scim, user_id, group_id, method, collection, bad_id
):
    # PostgreSQL text cannot hold a NUL: the lookup used to fail and answer "could not be stored".
    body = {"Operations": [{"op": "replace", "path": "displayName", "value": "x"}]}
    if method == "put":
        body = (
            new_user_body() if collection == "Users" else {"schemas": [GROUP], "displayName": "x"}
        )
    path = f"{collection}/{bad_id}"
    with CaptureQueriesContext(connection) as queries:
        response = (
            scim.delete(path)
            if method == "delete"
            else (scim.get(path) if method == "get" else scim.send(method, path, body))
        )
    assert_scim_error(response, 404)
    assert not [q for q in queries if re.search(r'public_id"? = ', q["sql"])]
    assert RequestLogEntry.objects.filter(path__startswith=f"/scim/v2/{collection}/").exists()


# ---------------------------------------------------------------------------------------------
# Bounded work per request


@pytest.mark.parametrize("key", ["attributes", "excludedAttributes"])
def test_more_attribute_names_than_the_cap_is_400_invalid_value(scim, user_id, key):
    names = ",".join(["userName"] * (limits.MAX_ATTRIBUTE_NAMES + 1))
    body = assert_scim_error(scim.get("Users", {key: names}), 400, "invalidValue")
    assert str(limits.MAX_ATTRIBUTE_NAMES) in body["detail"]
    names_list = ["id"] * 150_000  # the request, within the body size bound
    response = scim.post("Groups/.search", {**SEARCH, key: names_list})
    assert_scim_error(response, 400, "invalidValue")
    response = scim.get(f"Users/{user_id}", {key: names})
    assert_scim_error(response, 400, "invalidValue")


def test_an_attribute_name_longer_than_the_cap_is_400_invalid_value(scim, user_id):
    name = "a" * (limits.MAX_ATTRIBUTE_NAME_LENGTH + 1)
    assert_scim_error(scim.get("Users", {"attributes": name}), 400, "invalidValue")
    response = scim.post("Users/.search", {**SEARCH, "excludedAttributes": [name]})
    assert_scim_error(response, 400, "invalidValue")


def test_as_many_attribute_names_as_the_cap_are_answered(scim, user_id):
    names = ["nope"] * (limits.MAX_ATTRIBUTE_NAMES - 1) + ["userName"]
    response = scim.get("Users", {"attributes": ",".join(names)})
    assert response.status_code == 200
    assert response.json()["Resources"][0].keys() == {"schemas", "id", "userName"}


def test_attribute_names_are_resolved_once_per_request_not_per_resource(scim, user_id, monkeypatch):
    for n in range(99):
        scim.post("Users", new_user_body(f"user{n}@example.com"))
    calls = []
    real = listing.attribute_selection
    monkeypatch.setattr(
        listing, "attribute_selection", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    response = scim.get("Users", {"attributes": "userName,name.givenName", "count": "100"})
    assert response.json()["itemsPerPage"] == 100
    assert len(calls) == 1
    calls.clear()
    response = scim.post("Users/.search", {**SEARCH, "excludedAttributes": ["emails"]})
    assert response.json()["itemsPerPage"] == 100
    assert len(calls) == 2  # the query string's (empty) and the body's


def test_a_filter_with_more_terms_than_the_cap_is_400_invalid_filter(scim):
    expression = " or ".join(["id pr"] * (limits.MAX_FILTER_TERMS + 1))
    assert len(expression) < limits.MAX_FILTER_LENGTH
    body = assert_scim_error(scim.get("Users", {"filter": expression}), 400, "invalidFilter")
    assert str(limits.MAX_FILTER_TERMS) in body["detail"]
    expression = " or ".join(["id pr"] * limits.MAX_FILTER_TERMS)
    assert scim.get("Groups", {"filter": expression}).status_code == 200


def _member_patch(operations: int, members_each: int, ids: list[str]) -> dict:
    value = [{"value": ids[n % len(ids)]} for n in range(members_each)]
    return {"Operations": [{"op": "add", "path": "members", "value": value}] * operations}


def test_a_group_patch_beyond_the_value_cap_is_400_and_changes_nothing(scim, user_id, group_id):
    too_many = _member_patch(limits.MAX_PATCH_OPERATIONS, 11, [user_id])
    assert limits.MAX_PATCH_OPERATIONS * 11 > limits.MAX_PATCH_VALUES
    body = assert_scim_error(scim.patch(f"Groups/{group_id}", too_many), 400, "invalidValue")
    assert str(limits.MAX_PATCH_VALUES) in body["detail"]
    one_big_op = _member_patch(1, limits.MAX_PATCH_VALUES + 1, [user_id])
    assert_scim_error(scim.patch(f"Groups/{group_id}", one_big_op), 400, "invalidValue")
    assert not Role.objects.get(public_id=group_id).assignments.exists()


def test_a_patch_with_more_operations_than_the_cap_is_400(scim, user_id, group_id):
    too_many = _member_patch(limits.MAX_PATCH_OPERATIONS + 1, 1, [user_id])
    body = assert_scim_error(scim.patch(f"Groups/{group_id}", too_many), 400, "invalidValue")
    assert str(limits.MAX_PATCH_OPERATIONS) in body["detail"]
    operation = {"op": "replace", "path": "title", "value": "x"}
    body = {"Operations": [operation] * (limits.MAX_PATCH_OPERATIONS + 1)}
    assert_scim_error(scim.patch(f"Users/{user_id}", body), 400, "invalidValue")


def test_a_group_patch_at_the_caps_is_applied(scim, user_id, group_id):
    per_op = limits.MAX_PATCH_VALUES // limits.MAX_PATCH_OPERATIONS
    response = scim.patch(
        f"Groups/{group_id}", _member_patch(limits.MAX_PATCH_OPERATIONS, per_op, [user_id])
    )
    assert response.status_code == 204
    assert Role.objects.get(public_id=group_id).assignments.count() == 1


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


class StalledBody:
    """What the server's socket does when the client stops sending its body past the deadline
    (config/gunicorn_worker.py)."""

    def read(self, *args) -> bytes:
        raise TimeoutError("the client did not send the request in time")

    readline = read


def test_a_body_that_stops_arriving_is_400_not_500(scim):
    response = scim.post("Users", new_user_body(), **{"wsgi.input": StalledBody()})
    assert response.status_code == 400
    assert response.json() == error(
        400, "invalidSyntax", detail="The request body did not arrive in full."
    )
    assert not DashboardUser.objects.exists()
