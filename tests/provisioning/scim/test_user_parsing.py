"""Parsing a User document is pure: what it names is left for a selector to resolve."""

from __future__ import annotations

import pytest

from provisioning.scim import users
from provisioning.scim.errors import ScimError
from tests.factories import PermissionSetFactory, RoleFactory, TeamFactory, WorkspaceFactory
from tests.provisioning.scim.conftest import new_user_body
from workspaces import selectors, services
from workspaces.selectors import AccessRefs, Ref, ResolvedRefs

pytestmark = pytest.mark.django_db


def test_parsing_reads_nothing_and_returns_the_references_unresolved(django_assert_num_queries):
    body = new_user_body(
        permissions={
            "companyPermissions": ["add_remove_app_groups"],
            "roles": [{"roleName": "Analysts"}],
            "appGroup": [
                {
                    "appGroupName": "Nowhere yet",
                    "appGroupPermissions": ["basic_access"],
                    "appGroupPermissionSets": [{"appGroupPermissionSetId": "ps-1"}],
                    "team": [{"teamName": "Growth", "teamPermissions": ["edit_segments"]}],
                }
            ],
        }
    )
    with django_assert_num_queries(0):
        parsed = users.parse_user(body)
    assert parsed.access == users.PermissionsInput(
        company_permissions=["add_remove_app_groups"],
        roles=[Ref("name", "Analysts")],
        app_groups=[
            users.AppGroupInput(
                workspace=Ref("name", "Nowhere yet"),
                permissions=["basic_access"],
                permission_set=Ref("public_id", "ps-1"),
                teams=[(Ref("name", "Growth"), ["edit_segments"])],
            )
        ],
    )
    assert parsed.access.refs() == AccessRefs(
        workspaces=(Ref("name", "Nowhere yet"),),
        teams=(Ref("name", "Growth"),),
        permission_sets=(Ref("public_id", "ps-1"),),
        roles=(Ref("name", "Analysts"),),
    )


def test_a_reference_nothing_answers_is_a_400_naming_it():
    parsed = users.parse_permissions({"appGroup": [{"appGroupName": "Nowhere"}]})
    nothing = ResolvedRefs(workspaces={}, teams={}, permission_sets={}, roles={})
    with pytest.raises(ScimError) as raised:
        users.user_access(parsed, nothing)
    assert (raised.value.status, raised.value.detail) == (400, "Unknown workspace: 'Nowhere'.")


@pytest.fixture
def stored(company):
    """A user in two workspaces, one with a permission set and a team, holding a role."""
    north = WorkspaceFactory(company=company, name="North")
    south = WorkspaceFactory(company=company, name="South")
    team = TeamFactory(workspace=north, name="Growth")
    pset = PermissionSetFactory(workspace=north, name="Editors")
    role = RoleFactory(company=company, name="Analysts")
    user = services.user_create(
        company=company,
        email="held@example.com",
        profile=services.UserProfile(),
        access=services.UserAccess(
            company_permissions=["add_remove_app_groups"],
            workspaces=[
                services.WorkspaceGrant(
                    workspace=north,
                    permissions=["basic_access"],
                    permission_set=pset,
                    teams=[services.TeamGrant(team=team, permissions=["edit_segments"])],
                ),
                services.WorkspaceGrant(workspace=south),
            ],
            roles=[role],
        ),
    ).user
    return selectors.user_get_for_company(company=company, public_id=user.public_id)


def _held(**changes) -> dict:
    """The stored user's access as a request names it, by names, with `changes` made to it."""
    north = {
        "appGroupName": "North",
        "appGroupPermissions": ["basic_access"],
        "appGroupPermissionSets": [{"appGroupPermissionSetName": "Editors"}],
        "team": [{"teamName": "Growth", "teamPermissions": ["edit_segments"]}],
    }
    perms = {
        "companyPermissions": ["add_remove_app_groups"],
        "roles": [{"roleName": "Analysts"}],
        "appGroup": [{"appGroupName": "South"}, north],
    }
    return {**perms, **changes}


@pytest.mark.parametrize(
    ("permissions", "same"),
    [
        pytest.param(_held(), True, id="by names, workspaces in another order"),
        pytest.param(
            _held(appGroup=[{"appGroupName": "South", "appGroupPermissions": ["basic_access"]}]),
            False,
            id="a workspace's permissions differ, another is left",
        ),
        pytest.param(
            _held(appGroup=[*_held()["appGroup"], {"appGroupName": "South"}]),
            False,
            id="a workspace given twice",
        ),
        pytest.param(
            _held(appGroup=[*_held()["appGroup"], {"appGroupName": "West"}]),
            False,
            id="a workspace the user isn't in",
        ),
        pytest.param(_held(roles=[]), False, id="the role dropped"),
        pytest.param(_held(companyPermissions=[]), False, id="company permissions dropped"),
        pytest.param(_held(appGroup=[]), False, id="no workspace: the default one applies"),
    ],
)
def test_a_request_naming_the_stored_access_is_told_apart_from_any_change(
    stored, permissions, same, django_assert_num_queries
):
    requested = users.parse_permissions(permissions)
    with django_assert_num_queries(0):
        assert users.names_stored_access(requested, stored) is same


def test_the_stored_access_named_by_ids_is_the_same_access(stored):
    by_ids = users.parse_permissions(users.render_permissions(stored))
    assert users.names_stored_access(by_ids, stored)
    north = next(a for a in stored.workspaces if a.workspace.name == "North")
    moved = _held()
    moved["appGroup"][1]["team"] = [{"teamId": north.workspace.public_id}]  # not a team's id
    assert not users.names_stored_access(users.parse_permissions(moved), stored)
