"""Replays of what Okta and Microsoft Entra ID send (shared/reference/idp-requests.md §3), end to
end through the API, in the order a provisioning job sends it."""

from __future__ import annotations

import uuid

from tests.provisioning.scim.documents import (
    ENTERPRISE,
    GROUP,
    PATCH_OP,
    USER,
    expected_group,
    expected_user,
    list_response,
)
from workspaces.models import DashboardUser, Role

OKTA = {"HTTP_USER_AGENT": "Okta SCIM Client 1.0.0"}
ENTRA = {"HTTP_ADSCIMVERSION": "6.0"}
ENTRA_TYPE = "application/scim+json; charset=utf-8"
ADSCIM_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"


def okta_patch(scim, url: str, *operations: dict):
    return scim.patch(url, {"schemas": [PATCH_OP], "Operations": list(operations)}, **OKTA)


def entra_send(scim, method: str, url: str, body: dict):
    return getattr(scim, method)(url, body, content_type=ENTRA_TYPE, **ENTRA)


def entra_patch(scim, url: str, *operations: dict):
    return entra_send(scim, "patch", url, {"schemas": [PATCH_OP], "Operations": list(operations)})


def stored(public_id: str) -> DashboardUser:
    return DashboardUser.objects.get(public_id=public_id)


# ---------------------------------------------------------------------------------------------
# Okta


def okta_create(scim, email: str, external_id: str) -> dict:
    body = {
        "schemas": [USER],
        "userName": email,
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": True, "value": email, "type": "work"}],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": external_id,
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }
    return scim.post("Users", body, **OKTA)


def test_okta_user_lifecycle(scim, workspace):
    # 1. Existence check: upper-cased userName, with paging parameters. Nothing yet.
    check = {
        "filter": 'userName eq "TEST.USER@OKTA.LOCAL"',
        "startIndex": "1",
        "count": "100",
    }
    assert scim.get("Users", check, **OKTA).json() == list_response([])

    # 2. Create, with the password, locale, groups and externalId Okta sends.
    created = okta_create(scim, "test.user@okta.local", "00u1abcd")
    assert created.status_code == 201
    user = stored(created.json()["id"])
    expected = expected_user(
        user,
        workspaces=(workspace,),
        displayName="Test User",
        emails=[{"primary": True, "value": "test.user@okta.local", "type": "work"}],
        locale="en-US",
    )
    assert created.json() == expected
    assert (user.email, user.external_id, user.has_usable_password()) == (
        "test.user@okta.local",
        "00u1abcd",
        True,
    )

    # 3. The same check now finds the user; a repeated create is a 409.
    assert scim.get("Users", check, **OKTA).json() == list_response([expected])
    again = okta_create(scim, "Test.User@okta.local", "00u1abcd")
    assert (again.status_code, again.json()["scimType"]) == (409, "uniqueness")

    # 4. Deactivate and reactivate with path-less replaces.
    url = f"Users/{user.public_id}"
    off = okta_patch(scim, url, {"op": "replace", "value": {"active": False}})
    assert off.status_code == 200
    assert off.json() == expected_user(stored(user.public_id), **_same(expected, active=False))
    on = okta_patch(scim, url, {"op": "replace", "value": {"active": True}})
    assert on.json() == expected_user(stored(user.public_id), **_same(expected))

    # 5. An AIW app deactivates with a full PUT instead.
    put = scim.put(
        url,
        {**{k: v for k, v in _okta_body(expected).items()}, "active": False},
        **OKTA,
    )
    assert put.json() == expected_user(stored(user.public_id), **_same(expected, active=False))


def _same(expected: dict, **changes) -> dict:
    """The content of an earlier expected document, for `expected_user` overrides."""
    keep = {k: v for k, v in expected.items() if k not in ("id", "meta", "createdAt")}
    return {**keep, **changes}


def _okta_body(expected: dict) -> dict:
    return {
        "schemas": [USER],
        "userName": expected["userName"],
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": expected["emails"],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": expected["externalId"],
    }


def test_okta_group_push(scim):
    ids = [okta_create(scim, f"u{i}@okta.local", f"00u{i}").json()["id"] for i in range(3)]
    users = [stored(i) for i in ids]

    created = scim.post(
        "Groups",
        {"schemas": [GROUP], "displayName": "Okta Eng", "members": [{"value": ids[0]}]},
        **OKTA,
    )
    assert created.status_code == 201
    url = f"Groups/{created.json()['id']}"
    role = Role.objects.get(public_id=created.json()["id"])

    # Every membership push starts with a rename, then one request removes and adds.
    rename = okta_patch(
        scim, url, {"op": "replace", "value": {"id": role.public_id, "displayName": "Engineering"}}
    )
    assert rename.status_code == 204
    push = okta_patch(
        scim,
        url,
        {"op": "remove", "path": f'members[value eq "{ids[0]}"]'},
        {"op": "add", "path": "members", "value": [{"value": ids[1], "display": users[1].email}]},
    )
    assert push.status_code == 204
    role.refresh_from_db()
    assert scim.get(url, **OKTA).json() == expected_group(role, members=(users[1],))

    # Full push, then the empty form that clears the group.
    full = okta_patch(
        scim,
        url,
        {"op": "replace", "path": "members", "value": [{"value": ids[1]}, {"value": ids[2]}]},
    )
    assert full.status_code == 204
    assert scim.get(url).json() == expected_group(role, members=(users[1], users[2]))
    empty = okta_patch(
        scim,
        url,
        {
            "op": "replace",
            "value": {"members": [], "id": role.public_id, "displayName": "Engineering"},
        },
    )
    assert empty.status_code == 204
    role.refresh_from_db()
    assert scim.get(url).json() == expected_group(role, members=())


def test_okta_import_pages_with_count_100(scim, company):
    from tests.factories import UserFactory

    users = [UserFactory(company=company, email=f"import{i:03}@okta.local") for i in range(250)]

    pages = []
    for start in (1, 101, 201):
        page = scim.get("Users", {"startIndex": str(start), "count": "100"}, **OKTA).json()
        assert (page["totalResults"], page["startIndex"]) == (250, start)
        assert page["itemsPerPage"] == len(page["Resources"]) == (100 if start < 201 else 50)
        pages.extend(r["id"] for r in page["Resources"])

    assert pages == [u.public_id for u in users]  # every user once, in a stable order
    one = scim.get("Users", {"count": "1", "startIndex": "1"}, **OKTA).json()
    assert one == list_response([expected_user(users[0])], total=250)


def test_okta_unknown_id_is_a_scim_404(scim):
    response = scim.get("Users/00000000-00000000-00000000-00000000", **OKTA)

    assert response.status_code == 404
    assert response.json() == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "404",
        "detail": "User not found",
    }


# ---------------------------------------------------------------------------------------------
# Entra ID, default job (no aadOptscim062020)


def test_entra_test_connection_finds_nothing_and_says_200(scim):
    random_user = scim.get("Users", {"filter": f'userName eq "{uuid.uuid4()}"'}, **ENTRA)
    random_group = scim.get("Groups", {"filter": f'displayName eq "{uuid.uuid4()}"'}, **ENTRA)
    by_external = scim.get("Users", {"filter": f'externalId eq "{uuid.uuid4()}"'}, **ENTRA)

    for response in (random_user, random_group, by_external):
        assert (response.status_code, response.json()) == (200, list_response([]))


def entra_create(scim, email: str, external_id: str):
    body = {
        "schemas": [USER, ENTERPRISE],
        "externalId": external_id,
        "userName": email,
        "active": "True",  # Entra may send booleans as strings, in POST too
        "displayName": "Barbara Jensen",
        "emails": [{"primary": True, "type": "work", "value": email}],
        "name": {"familyName": "Jensen", "givenName": "Barbara"},
        ENTERPRISE: {"employeeNumber": "701984", "department": "Tour Operations"},
    }
    return entra_send(scim, "post", "Users", body)


def test_entra_user_lifecycle(scim, workspace):
    created = entra_create(scim, "bjensen@contoso.example", "bjensen")
    assert created.status_code == 201
    user_id = created.json()["id"]
    url = f"Users/{user_id}"
    base = {
        "schemas": [USER, ENTERPRISE],
        "displayName": "Barbara Jensen",
        "emails": [{"primary": True, "type": "work", "value": "bjensen@contoso.example"}],
        ENTERPRISE: {"employeeNumber": "701984", "department": "Tour Operations"},
    }
    assert created.json() == expected_user(stored(user_id), workspaces=(workspace,), **base)

    # Queries Entra runs to match users.
    for expression in (
        'userName eq "bjensen@contoso.example"',
        'externalId eq "bjensen"',
        'emails[type eq "work"].value eq "bjensen@contoso.example"',
    ):
        found = scim.get("Users", {"filter": expression}, **ENTRA)
        assert found.json() == list_response(
            [expected_user(stored(user_id), workspaces=(workspace,), **base)]
        ), expression

    # Add a single value.
    nick = entra_patch(scim, url, {"op": "Add", "path": "nickName", "value": "Babs"})
    assert nick.status_code == 200

    # The periodic update: one op per attribute.
    update = entra_patch(
        scim,
        url,
        {"op": "Replace", "path": "displayName", "value": "Babs Jensen"},
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "babs@contoso.example"},
        {"op": "Replace", "path": "name.givenName", "value": "Babs"},
        {"op": "Replace", "path": "name.familyName", "value": "Jensen-Smith"},
        {"op": "Replace", "path": "externalId", "value": "babs"},
        {"op": "Replace", "path": f"{ENTERPRISE}:employeeNumber", "value": "701985"},
    )
    user = stored(user_id)
    assert (user.given_name, user.family_name, user.external_id) == ("Babs", "Jensen-Smith", "babs")
    updated = {
        **base,
        "displayName": "Babs Jensen",
        "nickName": "Babs",
        "emails": [{"primary": True, "type": "work", "value": "babs@contoso.example"}],
        "name": {
            "formatted": "Babs Jensen-Smith",
            "givenName": "Babs",
            "familyName": "Jensen-Smith",
        },
        ENTERPRISE: {"employeeNumber": "701985", "department": "Tour Operations"},
    }
    assert update.json() == expected_user(user, workspaces=(workspace,), **updated)

    # Disable: "Replace" with the string "False"; the user is still found, inactive.
    disabled = entra_patch(scim, url, {"op": "Replace", "path": "active", "value": "False"})
    inactive = expected_user(stored(user_id), workspaces=(workspace,), **updated, active=False)
    assert disabled.json() == inactive
    found = scim.get("Users", {"filter": 'userName eq "bjensen@contoso.example"'}, **ENTRA)
    assert found.json() == list_response([inactive])

    # Delete.
    assert scim.delete(url, **ENTRA).status_code == 204
    assert scim.get(url, **ENTRA).status_code == 404


def test_entra_update_with_aadoptscim062020_is_one_path_op_and_one_path_less_op(scim, workspace):
    user_id = entra_create(scim, "bjensen@contoso.example", "bjensen").json()["id"]
    url = f"Users/{user_id}"

    response = entra_patch(
        scim,
        url,
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "babs@contoso.example"},
        {
            "op": "replace",
            "value": {
                "displayName": "Babs Jensen",
                "name.givenName": "Babs",
                "name.familyName": "Jensen-Smith",
                f"{ENTERPRISE}:employeeNumber": "701985",
            },
        },
    )
    disabled = entra_patch(scim, url, {"op": "replace", "path": "active", "value": False})

    assert response.status_code == 200
    expected = expected_user(
        stored(user_id),
        workspaces=(workspace,),
        schemas=[USER, ENTERPRISE],
        displayName="Babs Jensen",
        emails=[{"primary": True, "type": "work", "value": "babs@contoso.example"}],
        name={"formatted": "Babs Jensen-Smith", "givenName": "Babs", "familyName": "Jensen-Smith"},
        **{ENTERPRISE: {"employeeNumber": "701985", "department": "Tour Operations"}},
    )
    assert disabled.json() == expected


def test_entra_group_lifecycle(scim):
    ids = [entra_create(scim, f"u{i}@contoso.example", f"u{i}").json()["id"] for i in range(3)]
    users = [stored(i) for i in ids]

    created = entra_send(
        scim,
        "post",
        "Groups",
        {
            "schemas": [GROUP, ADSCIM_GROUP],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "Group1DisplayName",
            "meta": {"resourceType": "Group"},
        },
    )
    assert created.status_code == 201
    role = Role.objects.get(public_id=created.json()["id"])
    assert created.json() == expected_group(role, members=())
    url = f"Groups/{role.public_id}"

    # Add members (Entra sends `$ref: null`), one request per member.
    for public_id in ids:
        added = entra_patch(
            scim,
            url,
            {"op": "Add", "path": "members", "value": [{"$ref": None, "value": public_id}]},
        )
        assert added.status_code == 204

    # Remove, default form (value list) and aadOptscim062020 form (value filter).
    assert (
        entra_patch(
            scim, url, {"op": "Remove", "path": "members", "value": [{"value": ids[0]}]}
        ).status_code
        == 204
    )
    assert (
        entra_patch(
            scim, url, {"op": "remove", "path": f'members[value eq "{ids[1]}"]'}
        ).status_code
        == 204
    )
    role.refresh_from_db()
    assert scim.get(url, **ENTRA).json() == expected_group(role, members=(users[2],))

    # Rename with a plain string value.
    renamed = entra_patch(scim, url, {"op": "Replace", "path": "displayName", "value": "Group1New"})
    assert renamed.status_code == 204
    role.refresh_from_db()
    assert role.name == "Group1New"

    # The lookups Entra runs for groups.
    found = scim.get(
        "Groups",
        {"excludedAttributes": "members", "filter": 'displayName eq "Group1New"'},
        **ENTRA,
    )
    assert found.json() == list_response([expected_group(role, members=None)])
    single = scim.get(url, {"excludedAttributes": "members"}, **ENTRA)
    assert single.json() == expected_group(role, members=None)

    # Delete.
    assert scim.delete(url, **ENTRA).status_code == 204
    assert scim.get(url, **ENTRA).status_code == 404
    assert stored(ids[2]).roles.count() == 0


def test_entra_postman_pascal_case_user_and_group(scim, workspace):
    created = entra_send(
        scim,
        "post",
        "Users",
        {
            "schemas": [USER, ENTERPRISE],
            "UserName": "UPPER@contoso.example",
            "Active": "True",
            "DisplayName": "BobIsAmazing",
            "Emails": [{"Primary": True, "type": "work", "value": "UPPER@contoso.example"}],
            ENTERPRISE: {"Manager": {"Value": "SuzzyQ"}},
        },
    )
    assert created.status_code == 201, created.json()
    user_id = created.json()["id"]

    found = scim.get("Users", {"filter": 'UserName eq "upper@contoso.example"'}, **ENTRA)
    subset = scim.get(f"Users/{user_id}", {"attributes": "userName,emails"}, **ENTRA)

    assert found.json()["totalResults"] == 1
    assert found.json()["Resources"][0]["userName"] == "UPPER@contoso.example"  # case kept
    assert found.json()["Resources"][0][ENTERPRISE] == {"manager": {"value": "SuzzyQ"}}
    assert subset.json() == {
        "schemas": [USER, ENTERPRISE],
        "id": user_id,
        "userName": "UPPER@contoso.example",
        # Sub-attribute names are case-insensitive too: stored and returned canonically.
        "emails": [{"primary": True, "type": "work", "value": "UPPER@contoso.example"}],
    }
