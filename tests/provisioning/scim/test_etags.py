"""ETags (RFC 7644 §3.14): `meta.version` as a weak ETag header, `If-Match` and `If-None-Match`."""

from __future__ import annotations

import re

import pytest

from tests.factories import UserFactory
from tests.provisioning.scim.conftest import new_user_body
from tests.provisioning.scim.documents import GROUP, error, expected_group, patch_body, version
from workspaces.models import DashboardUser, Role

WEAK = re.compile(r'^W/"[^"]+"$')


@pytest.fixture
def user_url(scim) -> str:
    return f"Users/{scim.post('Users', new_user_body()).json()['id']}"


@pytest.fixture
def member(company) -> DashboardUser:
    return UserFactory(company=company, email="grace@example.com")


@pytest.fixture
def group_url(scim) -> str:
    body = {"schemas": [GROUP], "displayName": "Engineers"}
    return f"Groups/{scim.post('Groups', body).json()['id']}"


def current_user_version(url: str) -> str:
    return version(DashboardUser.objects.get(public_id=url.split("/")[1]).updated_at)


def current_group_version(url: str) -> str:
    return version(Role.objects.get(public_id=url.split("/")[1]).updated_at)


def assert_etag_is_meta_version(response) -> None:
    assert WEAK.match(response["ETag"]), response["ETag"]
    assert response["ETag"] == response.json()["meta"]["version"]


# ---------------------------------------------------------------------------------------------
# The header


def test_users_carry_the_version_as_a_weak_etag_on_every_answer(scim):
    created = scim.post("Users", new_user_body())
    url = f"Users/{created.json()['id']}"
    put = scim.put(url, new_user_body(title="Countess"))
    patched = scim.patch(url, patch_body({"op": "add", "path": "nickName", "value": "Babs"}))
    fetched = scim.get(url)

    for response in (created, put, patched, fetched):
        assert_etag_is_meta_version(response)
    assert fetched["ETag"] == current_user_version(url)
    assert len({created["ETag"], put["ETag"], patched["ETag"]}) == 3


def test_groups_carry_the_version_as_a_weak_etag_on_every_answer(scim, member):
    created = scim.post("Groups", {"schemas": [GROUP], "displayName": "Engineers"})
    url = f"Groups/{created.json()['id']}"
    put = scim.put(url, {"schemas": [GROUP], "displayName": "Engineering"})
    patched = scim.patch(
        url, patch_body({"op": "add", "path": "members", "value": [{"value": member.public_id}]})
    )
    fetched = scim.get(url)

    for response in (created, put, fetched):
        assert_etag_is_meta_version(response)
    # A group PATCH answers 204, with the new version in the header.
    assert (patched.status_code, patched.content) == (204, b"")
    assert patched["ETag"] == fetched["ETag"] == current_group_version(url)
    assert len({created["ETag"], put["ETag"], patched["ETag"]}) == 3


def test_adding_a_member_changes_the_members_version(scim, group_url, member):
    before = scim.get(f"Users/{member.public_id}")["ETag"]

    scim.patch(
        group_url,
        patch_body({"op": "add", "path": "members", "value": [{"value": member.public_id}]}),
    )

    after = scim.get(f"Users/{member.public_id}")
    assert after["ETag"] != before
    assert after.json()["permissions"]["roles"][0]["roleName"] == "Engineers"


def test_renaming_a_group_changes_its_members_versions(scim, group_url, member):
    scim.patch(
        group_url,
        patch_body({"op": "add", "path": "members", "value": [{"value": member.public_id}]}),
    )
    before = scim.get(f"Users/{member.public_id}")["ETag"]

    scim.patch(group_url, patch_body({"op": "replace", "path": "displayName", "value": "Eng"}))

    response = scim.get(f"Users/{member.public_id}", HTTP_IF_NONE_MATCH=before)
    assert response.status_code == 200
    assert response.json()["permissions"]["roles"][0]["roleName"] == "Eng"


# ---------------------------------------------------------------------------------------------
# If-None-Match


@pytest.mark.parametrize("kind", ["user", "group"])
def test_if_none_match_with_the_current_version_is_304(scim, user_url, group_url, kind):
    url = user_url if kind == "user" else group_url
    current = scim.get(url)["ETag"]

    for header in (current, current.removeprefix("W/"), f'W/"other", {current}', "*"):
        response = scim.get(url, HTTP_IF_NONE_MATCH=header)

        assert (response.status_code, response.content) == (304, b""), header
        assert response["ETag"] == current


@pytest.mark.parametrize("kind", ["user", "group"])
def test_if_none_match_with_a_stale_version_is_200_with_the_document(
    scim, user_url, group_url, kind
):
    url = user_url if kind == "user" else group_url
    stale = scim.get(url)["ETag"]
    if kind == "user":
        scim.patch(url, patch_body({"op": "add", "path": "nickName", "value": "Babs"}))
    else:
        scim.patch(url, patch_body({"op": "replace", "path": "displayName", "value": "Eng"}))

    response = scim.get(url, HTTP_IF_NONE_MATCH=stale)

    assert response.status_code == 200
    assert response["ETag"] != stale
    assert_etag_is_meta_version(response)


# ---------------------------------------------------------------------------------------------
# If-Match


USER_WRITES = {
    "put": new_user_body(title="Countess"),
    "patch": patch_body({"op": "add", "path": "nickName", "value": "Babs"}),
    "delete": None,
}


def send(scim, method: str, url: str, body, **headers):
    if method == "delete":
        return scim.delete(url, **headers)
    return getattr(scim, method)(url, body, **headers)


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_if_match_with_a_stale_version_is_412_and_changes_nothing_for_users(scim, method):
    url = f"Users/{scim.post('Users', new_user_body()).json()['id']}"
    stale = scim.get(url)["ETag"]
    scim.patch(url, patch_body({"op": "add", "path": "title", "value": "Countess"}))
    before = scim.get(url).json()
    body = USER_WRITES[method]

    response = send(scim, method, url, body, HTTP_IF_MATCH=stale)

    assert (response.status_code, response.json()) == (412, error(412))
    assert scim.get(url).json() == before


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_if_match_with_the_current_version_succeeds_for_users(scim, method):
    url = f"Users/{scim.post('Users', new_user_body()).json()['id']}"
    current = scim.get(url)["ETag"]
    body = USER_WRITES[method]

    response = send(scim, method, url, body, HTTP_IF_MATCH=current)

    assert response.status_code == (204 if method == "delete" else 200)
    if method != "delete":
        assert response["ETag"] != current


def group_writes() -> dict[str, object]:
    return {
        "put": {"schemas": [GROUP], "displayName": "Renamed"},
        "patch": patch_body({"op": "replace", "path": "displayName", "value": "Renamed"}),
        "delete": None,
    }


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_if_match_with_a_stale_version_is_412_and_changes_nothing_for_groups(
    scim, group_url, method
):
    stale = scim.get(group_url)["ETag"]
    scim.patch(group_url, patch_body({"op": "replace", "path": "externalId", "value": "e1"}))
    role = Role.objects.get(public_id=group_url.split("/")[1])

    response = send(scim, method, group_url, group_writes()[method], HTTP_IF_MATCH=stale)

    assert (response.status_code, response.json()) == (412, error(412))
    assert scim.get(group_url).json() == expected_group(role, members=())


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_if_match_with_the_current_version_succeeds_for_groups(scim, group_url, method):
    current = scim.get(group_url)["ETag"]

    response = send(scim, method, group_url, group_writes()[method], HTTP_IF_MATCH=current)

    assert response.status_code == {"put": 200, "patch": 204, "delete": 204}[method]
    if method == "delete":
        assert not Role.objects.filter(public_id=group_url.split("/")[1]).exists()
    else:
        assert Role.objects.get(public_id=group_url.split("/")[1]).name == "Renamed"


def test_if_match_star_matches_any_current_version(scim, user_url):
    response = scim.patch(
        user_url,
        patch_body({"op": "add", "path": "nickName", "value": "Babs"}),
        HTTP_IF_MATCH="*",
    )

    assert response.status_code == 200
