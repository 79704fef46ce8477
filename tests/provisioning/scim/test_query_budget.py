"""Each SCIM request runs a fixed number of SQL queries, whatever the size of the data."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import PermissionSetFactory, RoleFactory, TeamFactory, WorkspaceFactory
from tests.provisioning.scim.conftest import ORIGIN, ScimClient, make_integration, new_user_body
from workspaces import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def warm_gate(scim, settings):
    """The first request also records the token's first use; measure steady-state requests.
    A limit this low makes the rate counter count every request in its row (ratelimit.py), so
    each request runs its counter query rather than one in LEASE_MAX."""
    settings.SCIM_DAILY_REQUEST_LIMIT = 1000
    scim.get("Users", {"count": 0})


def queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code < 300, response.content
    return len(captured)


def rich_permissions(company, n: int) -> dict:
    """A permissions object naming n workspaces, each with a team and a permission set, n roles."""
    groups, roles = [], []
    for i in range(n):
        ws = WorkspaceFactory(company=company, name=f"WS {n}-{i}")
        team = TeamFactory(workspace=ws, name=f"Team {i}")
        pset = PermissionSetFactory(workspace=ws, name=f"Set {i}")
        role = RoleFactory(company=company, name=f"Role {n}-{i}")
        role.permission_sets.add(pset)
        roles.append({"roleId": role.public_id})
        groups.append(
            {
                "appGroupId": ws.public_id,
                "appGroupPermissions": ["basic_access"],
                "appGroupPermissionSets": [{"appGroupPermissionSetId": pset.public_id}],
                "team": [{"teamId": team.public_id, "teamPermissions": ["edit_segments"]}],
            }
        )
    return {"companyPermissions": ["add_remove_app_groups"], "roles": roles, "appGroup": groups}


def test_create_get_and_put_cost_the_same_for_1_or_8_workspaces(scim, company, workspace):
    counts = {}
    for n in (1, 8):
        body = new_user_body(f"user{n}@example.com", permissions=rich_permissions(company, n))
        create = queries(lambda body=body: scim.post("Users", body))
        user_id = scim.get("Users", {"filter": f'userName eq "user{n}@example.com"'}).json()[
            "Resources"
        ][0]["id"]
        get = queries(lambda user_id=user_id: scim.get(f"Users/{user_id}"))
        put = queries(lambda user_id=user_id, body=body: scim.put(f"Users/{user_id}", body))
        counts[n] = (create, get, put)
    assert counts[1] == counts[8]
    create, get, put = counts[8]
    # token, rate counter, the user and its access (one query), the request log
    assert get == 4


def test_a_put_that_keeps_the_memberships_does_not_read_them_again(scim, company, workspace):
    body = new_user_body("kept@example.com", permissions=rich_permissions(company, 2))
    user_id = scim.post("Users", body).json()["id"]

    def put(document) -> tuple[dict, int]:
        with CaptureQueriesContext(connection) as captured:
            response = scim.put(f"Users/{user_id}", document)
        assert response.status_code == 200, response.content
        return response.json(), len(captured)

    renamed = {**body, "name": {"givenName": "Renamed", "familyName": "User"}}
    answered, profile_only = put(renamed)
    assert answered == scim.get(f"Users/{user_id}").json()  # rendered without a re-read
    assert answered["name"]["givenName"] == "Renamed"
    no_roles = {**renamed, "permissions": {**body["permissions"], "roles": []}}
    answered, with_memberships = put(no_roles)
    assert answered == scim.get(f"Users/{user_id}").json()
    assert answered["permissions"]["roles"] == []
    # The PUT that repeats the user's access looks nothing up. Replacing memberships looks up
    # the three kinds it names (workspaces, permission sets, teams), then three DELETEs and two
    # INSERTs; without roles what was written is rendered without reading it back.
    assert with_memberships - profile_only == 8


def test_list_and_filter_cost_the_same_for_3_or_30_users(scim, company, workspace):
    def add_users(start: int, stop: int) -> None:
        for i in range(start, stop):
            user = services.user_create(
                company=company,
                email=f"bulk{i}@example.com",
                profile=services.UserProfile(given_name="B", family_name=f"User{i}"),
                access=services.UserAccess(
                    workspaces=[services.WorkspaceGrant(workspace=workspace, permissions=["admin"])]
                ),
            ).user
            role = RoleFactory(company=company, name=f"R{i}")
            services.role_add_members(role=role, users=[user])

    add_users(0, 3)
    small = (
        queries(lambda: scim.get("Users", {"count": 100})),
        queries(lambda: scim.get("Users", {"filter": 'userName sw "bulk"'})),
        queries(lambda: scim.get("Groups")),
    )
    add_users(3, 30)
    large = (
        queries(lambda: scim.get("Users", {"count": 100})),
        queries(lambda: scim.get("Users", {"filter": 'userName sw "bulk"'})),
        queries(lambda: scim.get("Groups")),
    )
    assert small == large


@pytest.mark.parametrize("method", ["custom", "okta"])
def test_what_a_write_answers_is_what_a_read_answers_later(company, workspace, method):
    """Writes render the object they wrote (no re-read of the row): it must be the stored user."""
    _, token = make_integration(company, workspace, method=method)
    client = ScimClient(Client(), token, origin=None if method == "okta" else ORIGIN)
    body = new_user_body(
        "written@example.com",
        permissions=rich_permissions(company, 2),
        emails=[{"value": "w@example.com", "type": "work", "primary": True}],
        externalId="ext-1",
    )
    created = client.post("Users", body)
    assert created.status_code == 201
    user_id = created.json()["id"]
    assert created.json() == client.get(f"Users/{user_id}").json()
    body["name"] = {"givenName": "Changed", "familyName": "Person"}
    body["permissions"]["roles"] = []
    replaced = client.put(f"Users/{user_id}", body)
    assert replaced.json() == client.get(f"Users/{user_id}").json()


def test_what_a_permissions_object_names_costs_one_query_per_kind(scim, company, workspace):
    """No name is kept in memory: a create reads each kind its `permissions` object names
    (workspaces, teams, permission sets, roles) in one query, and nothing more when it names
    none. A replace that names just the access the user holds reads none of them."""
    rich = rich_permissions(company, 2)
    bodies = {
        "none": {},
        "one workspace": {"permissions": {"appGroup": [{"appGroupName": "Production"}]}},
        "every kind": {"permissions": rich},
    }
    costs = {}
    for label, extra in bodies.items():
        body = new_user_body(f"{label.replace(' ', '-')}@example.com", **extra)
        create = queries(lambda body=body: scim.post("Users", body))
        user_id = scim.get("Users", {"filter": f'userName eq "{body["userName"]}"'}).json()[
            "Resources"
        ][0]["id"]
        renamed = {**body, "name": {"givenName": "Renamed", "familyName": "User"}}
        replace = queries(
            lambda user_id=user_id, renamed=renamed: scim.put(f"Users/{user_id}", renamed)
        )
        costs[label] = (create, replace)
    none_create, none_replace = costs["none"]
    assert costs["one workspace"] == (none_create + 1, none_replace)
    # The create also reads back what it wrote, as every create that assigns roles does.
    assert costs["every kind"] == (none_create + 4 + 1, none_replace)
