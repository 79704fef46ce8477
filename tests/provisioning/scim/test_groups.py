"""/Groups: company roles as SCIM Groups (CRUD, membership PATCH, permissions through roles,
tenant isolation and the query budget of list requests)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PermissionSetFactory, RoleFactory, UserFactory, WorkspaceFactory
from tests.provisioning.scim.documents import (
    GROUP,
    error,
    expected_group,
    list_response,
    patch_body,
    role_entry,
)
from workspaces import selectors
from workspaces.models import DashboardUser, Role


@pytest.fixture
def users(company) -> list[DashboardUser]:
    return [UserFactory(company=company, email=f"user{i}@example.com") for i in range(3)]


@pytest.fixture
def role(company, users) -> Role:
    """ "Engineers", held by the first two users."""
    role = RoleFactory(company=company, name="Engineers", external_id="okta-eng")
    role.members.add(users[0], users[1])
    return role


def group_body(name: str, members: list[DashboardUser] = (), **extra) -> dict:
    body = {"schemas": [GROUP], "displayName": name, **extra}
    if members:
        body["members"] = [{"value": m.public_id} for m in members]
    return body


def member_ids(role: Role) -> set[str]:
    return set(role.members.values_list("public_id", flat=True))


def group_patch(scim, role: Role, *operations: dict):
    return scim.patch(f"Groups/{role.public_id}", patch_body(*operations))


# ---------------------------------------------------------------------------------------------
# CRUD


def test_post_creates_a_group_with_members(scim, company, users):
    response = scim.post("Groups", group_body("Analysts", users[:2], externalId="x-1"))

    assert response.status_code == 201
    role = Role.objects.get(company=company, name="Analysts")
    assert response["Location"] == f"http://testserver/scim/v2/Groups/{role.public_id}"
    assert response.json() == expected_group(role, members=tuple(users[:2]))
    assert role.external_id == "x-1"


def test_get_returns_the_whole_group(scim, role, users):
    response = scim.get(f"Groups/{role.public_id}")

    assert response.status_code == 200
    assert response.json() == expected_group(role, members=(users[0], users[1]))


def test_get_with_excluded_members_leaves_them_out(scim, role):
    response = scim.get(f"Groups/{role.public_id}", {"excludedAttributes": "members"})

    assert response.json() == expected_group(role, members=None)


def test_list_filters_by_display_name_and_excludes_members(scim, company, role):
    RoleFactory(company=company, name="Marketing")

    response = scim.get(
        "Groups", {"filter": 'displayName eq "engineers"', "excludedAttributes": "members"}
    )

    assert response.json() == list_response([expected_group(role, members=None)])


def test_list_filters_by_member(scim, company, role, users):
    other = RoleFactory(company=company, name="Marketing")
    other.members.add(users[2])

    response = scim.get("Groups", {"filter": f'members[value eq "{users[2].public_id}"]'})

    assert response.json() == list_response([expected_group(other, members=(users[2],))])


def test_list_with_no_match_is_empty(scim, role):
    response = scim.get("Groups", {"filter": 'displayName eq "Nobody"'})

    assert response.json() == list_response([])


def test_a_bad_group_filter_is_400_invalid_filter(scim, role):
    response = scim.get("Groups", {"filter": 'userName eq "x"'})

    assert (response.status_code, response.json()) == (400, error(400, "invalidFilter"))


def test_put_renames_and_replaces_the_members(scim, role, users):
    response = scim.put(f"Groups/{role.public_id}", group_body("Engineering", [users[1], users[2]]))

    role.refresh_from_db()
    assert (role.name, member_ids(role)) == (
        "Engineering",
        {users[1].public_id, users[2].public_id},
    )
    assert response.json() == expected_group(role, members=(users[1], users[2]))


def test_delete_removes_the_group_and_its_grants_but_not_the_users(scim, role, users):
    response = scim.delete(f"Groups/{role.public_id}")

    assert (response.status_code, response.content) == (204, b"")
    assert not Role.objects.filter(pk=role.pk).exists()
    assert DashboardUser.objects.filter(pk__in=[u.pk for u in users]).count() == 3
    gone = scim.get(f"Groups/{role.public_id}")
    assert (gone.status_code, gone.json()) == (404, error(404))


def test_display_name_is_unique_per_company(scim, role):
    response = scim.post("Groups", group_body("Engineers"))

    assert (response.status_code, response.json()) == (409, error(409, "uniqueness"))


def test_renaming_onto_another_groups_name_is_409_and_changes_nothing(scim, company, role):
    other = RoleFactory(company=company, name="Marketing")

    response = group_patch(
        scim, other, {"op": "replace", "path": "displayName", "value": "Engineers"}
    )

    assert (response.status_code, response.json()) == (409, error(409, "uniqueness"))
    other.refresh_from_db()
    assert other.name == "Marketing"


def test_the_same_display_name_in_another_company_is_fine(other_company_scim, role):
    response = other_company_scim.post("Groups", group_body("Engineers"))

    assert response.status_code == 201
    assert Role.objects.filter(name="Engineers").count() == 2


@pytest.mark.parametrize(
    "body",
    [
        {"displayName": "No schemas"},
        {"schemas": [GROUP]},
        {"schemas": [GROUP], "displayName": 7},
        {"schemas": [GROUP], "displayName": "x", "members": "nope"},
        {"schemas": [GROUP], "displayName": "x", "members": [{"display": "no value"}]},
    ],
)
def test_an_invalid_group_body_is_400(scim, company, body):
    response = scim.post("Groups", body)

    assert response.status_code == 400
    assert response.json()["schemas"] == error(400)["schemas"]
    assert not Role.objects.filter(company=company).exists()


def test_an_unknown_member_id_is_400_and_nothing_is_created_or_changed(scim, company, role):
    created = scim.post(
        "Groups",
        {"schemas": [GROUP], "displayName": "Ghosts", "members": [{"value": "no-such-user"}]},
    )
    patched = group_patch(
        scim,
        role,
        {"op": "replace", "path": "displayName", "value": "Renamed"},
        {"op": "add", "path": "members", "value": [{"value": "no-such-user"}]},
    )

    assert (created.status_code, created.json()) == (400, error(400, "invalidValue"))
    assert (patched.status_code, patched.json()) == (400, error(400, "invalidValue"))
    assert not Role.objects.filter(name="Ghosts").exists()
    role.refresh_from_db()
    assert role.name == "Engineers"


# ---------------------------------------------------------------------------------------------
# Membership through PATCH


def test_add_members_keeps_the_existing_ones(scim, role, users):
    response = group_patch(
        scim, role, {"op": "add", "path": "members", "value": [{"value": users[2].public_id}]}
    )

    assert response.status_code == 204
    assert member_ids(role) == {u.public_id for u in users}


def test_adding_an_existing_member_again_is_harmless(scim, role, users):
    response = group_patch(
        scim, role, {"op": "Add", "path": "members", "value": [{"value": users[0].public_id}]}
    )

    assert response.status_code == 204
    assert member_ids(role) == {users[0].public_id, users[1].public_id}


def test_remove_by_value_filter_keeps_the_other_members(scim, role, users):
    response = group_patch(
        scim, role, {"op": "remove", "path": f'members[value eq "{users[0].public_id}"]'}
    )

    assert response.status_code == 204
    assert member_ids(role) == {users[1].public_id}


def test_remove_by_value_list_keeps_the_other_members(scim, role, users):
    """Entra without aadOptscim062020 lists the members to remove as the value."""
    response = group_patch(
        scim,
        role,
        {"op": "Remove", "path": "members", "value": [{"value": users[1].public_id}]},
    )

    assert response.status_code == 204
    assert member_ids(role) == {users[0].public_id}


def test_removing_a_non_member_is_not_an_error(scim, role, users):
    response = group_patch(
        scim, role, {"op": "remove", "path": f'members[value eq "{users[2].public_id}"]'}
    )

    assert response.status_code == 204
    assert member_ids(role) == {users[0].public_id, users[1].public_id}


def test_remove_without_a_value_removes_every_member(scim, role):
    response = group_patch(scim, role, {"op": "remove", "path": "members"})

    assert response.status_code == 204
    assert member_ids(role) == set()
    assert scim.get(f"Groups/{role.public_id}").json() == expected_group(role, members=())


def test_replace_with_a_partial_list_keeps_only_those(scim, role, users):
    response = group_patch(
        scim,
        role,
        {"op": "replace", "path": "members", "value": [{"value": users[1].public_id}]},
    )

    assert response.status_code == 204
    assert member_ids(role) == {users[1].public_id}


def test_okta_path_less_replace_renames_and_sets_the_members(scim, role, users):
    response = group_patch(
        scim,
        role,
        {
            "op": "replace",
            "value": {
                "id": role.public_id,
                "displayName": "Engineering",
                "members": [{"value": users[2].public_id, "display": users[2].email}],
            },
        },
    )

    assert response.status_code == 204
    role.refresh_from_db()
    assert (role.name, member_ids(role)) == ("Engineering", {users[2].public_id})


def test_okta_path_less_replace_with_no_members_empties_the_group(scim, role):
    response = group_patch(
        scim,
        role,
        {
            "op": "replace",
            "value": {"members": [], "id": role.public_id, "displayName": "Engineers"},
        },
    )

    assert response.status_code == 204
    assert member_ids(role) == set()


def test_a_path_less_rename_keeps_the_members(scim, role, users):
    response = group_patch(
        scim, role, {"op": "replace", "value": {"id": role.public_id, "displayName": "Eng"}}
    )

    assert response.status_code == 204
    role.refresh_from_db()
    assert (role.name, member_ids(role)) == ("Eng", {users[0].public_id, users[1].public_id})


def test_a_patch_asking_for_attributes_answers_200_with_the_group(scim, role, users):
    response = scim.patch(
        f"Groups/{role.public_id}?attributes=displayName,members",
        patch_body({"op": "remove", "path": f'members[value eq "{users[0].public_id}"]'}),
    )

    assert response.status_code == 200
    full = expected_group(role, members=(users[1],))
    assert response.json() == {k: full[k] for k in ("schemas", "id", "displayName", "members")}


@pytest.mark.parametrize(
    ("operation", "scim_type"),
    [
        ({"op": "add", "path": 'members[value eq "x"]', "value": []}, "invalidPath"),
        ({"op": "remove", "path": 'members[display eq "x"]'}, "invalidPath"),
        ({"op": "replace", "path": "title", "value": "x"}, "invalidPath"),
        ({"op": "replace", "path": "displayName", "value": ""}, "invalidValue"),
        ({"op": "remove", "path": "displayName"}, "invalidValue"),
        ({"op": "remove"}, "noTarget"),
    ],
)
def test_an_invalid_group_patch_is_400_and_changes_nothing(scim, role, users, operation, scim_type):
    response = group_patch(scim, role, operation)

    assert (response.status_code, response.json()) == (400, error(400, scim_type))
    assert scim.get(f"Groups/{role.public_id}").json() == expected_group(
        role, members=(users[0], users[1])
    )


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "id", "value": "another-id"},
        {"op": "replace", "path": "meta.version", "value": 'W/"1"'},
        {"op": "remove", "path": "meta"},
        {"op": "replace", "value": {"id": "another-id", "meta": {"version": 'W/"1"'}}},
    ],
)
def test_read_only_attributes_in_a_group_patch_are_ignored(scim, role, users, operation):
    """They were a 400 invalidPath ("Groups have no attribute 'id' to change")."""
    rename = {"op": "replace", "path": "displayName", "value": "Platform"}

    response = group_patch(scim, role, operation, rename)

    assert response.status_code == 204
    role.refresh_from_db()
    assert scim.get(f"Groups/{role.public_id}").json() == expected_group(
        role, members=(users[0], users[1])
    )
    assert role.name == "Platform"


def test_a_group_put_ignores_read_only_attributes(scim, role, users):
    body = group_body("Engineers", users[:1], id="another-id", meta={"resourceType": "User"})
    body["members"][0]["display"] = "Someone"

    response = scim.put(f"Groups/{role.public_id}", body)

    assert response.status_code == 200, response.json()
    role.refresh_from_db()
    assert response.json() == expected_group(role, members=(users[0],))


# ---------------------------------------------------------------------------------------------
# Roles grant permissions


def test_a_members_role_grants_that_roles_workspace_permissions(scim, company, workspace, users):
    analytics = WorkspaceFactory(company=company, name="Analytics")
    pset = PermissionSetFactory(workspace=analytics, name="Readers", permissions=["view_pii"])
    role = RoleFactory(company=company, name="Analysts")
    role.permission_sets.add(pset)
    user = users[2]
    assert analytics not in selectors.user_workspace_permissions(user)

    group_patch(scim, role, {"op": "add", "path": "members", "value": [{"value": user.public_id}]})

    assert selectors.user_workspace_permissions(user)[analytics] == {"view_pii"}
    document = scim.get(f"Users/{user.public_id}").json()
    assert document["permissions"]["roles"] == [role_entry(role)]
    assert role_entry(role)["appGroup"][0]["appGroupPermissionSets"][0]["permissions"] == [
        "view_pii"
    ]

    group_patch(scim, role, {"op": "remove", "path": "members"})

    assert analytics not in selectors.user_workspace_permissions(user)
    assert scim.get(f"Users/{user.public_id}").json()["permissions"]["roles"] == []


# ---------------------------------------------------------------------------------------------
# Tenant isolation


def test_another_company_cannot_see_or_touch_a_group(other_company_scim, role, users):
    url = f"Groups/{role.public_id}"
    answers = [
        other_company_scim.get(url),
        other_company_scim.put(url, group_body("Stolen")),
        other_company_scim.patch(
            url, patch_body({"op": "replace", "path": "displayName", "value": "Stolen"})
        ),
        other_company_scim.delete(url),
    ]

    assert [(a.status_code, a.json()) for a in answers] == [(404, error(404))] * 4
    role.refresh_from_db()
    assert (role.name, member_ids(role)) == ("Engineers", {users[0].public_id, users[1].public_id})


def test_another_companys_groups_never_appear_in_a_list(other_company_scim, role):
    everything = other_company_scim.get("Groups")
    by_name = other_company_scim.get("Groups", {"filter": 'displayName eq "Engineers"'})
    by_id = other_company_scim.get("Groups", {"filter": f'id eq "{role.public_id}"'})

    assert everything.json() == by_name.json() == by_id.json() == list_response([])


def test_another_company_cannot_add_our_user_to_its_group(other_company_scim, users):
    theirs = other_company_scim.post("Groups", group_body("Theirs")).json()["id"]

    added = other_company_scim.patch(
        f"Groups/{theirs}",
        patch_body({"op": "add", "path": "members", "value": [{"value": users[0].public_id}]}),
    )
    created = other_company_scim.post("Groups", group_body("Also theirs", [users[0]]))

    assert (added.status_code, added.json()) == (400, error(400, "invalidValue"))
    assert (created.status_code, created.json()) == (400, error(400, "invalidValue"))
    assert not users[0].roles.exists()


# ---------------------------------------------------------------------------------------------
# Query budget: a list costs the same number of queries for 3 or 30 rows


def queries_for(scim, path: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = scim.get(path, params)
    assert response.status_code == 200, response.json()
    return len(captured)


def populate(company, workspace, count: int) -> None:
    """`count` more users, each in the workspace and in both of the company's "Role" roles."""
    roles = list(Role.objects.filter(company=company, name__startswith="Role"))
    if not roles:
        pset = PermissionSetFactory(workspace=workspace)
        roles = [RoleFactory(company=company, name=f"Role {i}") for i in range(2)]
        for role in roles:
            role.permission_sets.add(pset)
    for _ in range(count):
        user = UserFactory(company=company)
        user.workspaces.add(workspace)
        user.roles.add(*roles)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("Users", {}),
        ("Users", {"filter": 'userName co "@example.com" and active eq true'}),
        ("Users", {"filter": 'emails[type eq "work"].value sw "person"', "sortBy": "userName"}),
        ("Groups", {}),
        ("Groups", {"filter": 'displayName sw "Role"'}),
        ("Groups", {"excludedAttributes": "members"}),
    ],
)
def test_a_list_costs_the_same_queries_for_3_and_30_rows(
    scim, company, workspace, django_assert_max_num_queries, path, params
):
    populate(company, workspace, 3)
    small = queries_for(scim, path, params)
    populate(company, workspace, 27)

    with django_assert_max_num_queries(small):
        response = scim.get(path, params)

    resources = response.json()["Resources"]
    assert len(resources) >= 2
    if path == "Groups" and "excludedAttributes" not in params:
        assert {len(g["members"]) for g in resources} == {30}


def test_a_group_member_list_costs_the_same_for_3_and_30_members(
    scim, company, django_assert_max_num_queries
):
    role = RoleFactory(company=company, name="Big")
    role.members.add(*[UserFactory(company=company) for _ in range(3)])
    small = queries_for(scim, f"Groups/{role.public_id}", {})
    role.members.add(*[UserFactory(company=company) for _ in range(27)])

    with django_assert_max_num_queries(small):
        response = scim.get(f"Groups/{role.public_id}")

    assert len(response.json()["members"]) == 30


def test_group_names_are_unique_per_company_ignoring_case(scim):
    assert scim.post("Groups", group_body("Engineering", [])).status_code == 201
    response = scim.post("Groups", group_body("ENGINEERING", []))
    assert response.status_code == 409
    assert response.json()["scimType"] == "uniqueness"


def test_a_blank_display_name_is_refused(scim):
    response = scim.post("Groups", group_body("   ", []))
    assert response.status_code == 400
    assert not Role.objects.filter(name="").exists()


def test_a_search_request_asking_for_members_as_a_list_gets_them(scim, company, users):
    scim.post("Groups", group_body("Analysts", users[:2]))
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "attributes": ["displayName", "members"],
    }
    response = scim.post("Groups/.search", body)
    (group,) = response.json()["Resources"]
    assert len(group["members"]) == 2
