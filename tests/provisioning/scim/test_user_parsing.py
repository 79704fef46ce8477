"""Parsing a User document is pure: what it names is left for a selector to resolve."""

from __future__ import annotations

import pytest

from provisioning.scim import users
from provisioning.scim.errors import ScimError
from tests.provisioning.scim.conftest import new_user_body
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
