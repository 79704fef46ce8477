"""What a `permissions` object names, resolved within one company."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PermissionSetFactory, RoleFactory, TeamFactory, WorkspaceFactory
from workspaces.selectors import AccessRefs, Ref, ResolvedRefs, access_refs_resolve

pytestmark = pytest.mark.django_db


def test_it_resolves_by_name_and_by_id_in_one_query_per_kind_named(company, workspace):
    team = TeamFactory(workspace=workspace, name="Growth")
    pset = PermissionSetFactory(workspace=workspace, name="Marketer")
    role = RoleFactory(company=company, name="Analysts")
    refs = AccessRefs(
        workspaces=(Ref("name", "Production"), Ref("public_id", workspace.public_id)),
        teams=(Ref("public_id", team.public_id),),
        permission_sets=(Ref("name", "Marketer"),),
        roles=(Ref("name", "Analysts"),),
    )
    with CaptureQueriesContext(connection) as captured:
        found = access_refs_resolve(company=company, refs=refs)
    assert len(captured) == 4
    assert found == ResolvedRefs(
        workspaces={refs.workspaces[0]: workspace, refs.workspaces[1]: workspace},
        teams={refs.teams[0]: team},
        permission_sets={refs.permission_sets[0]: pset},
        roles={refs.roles[0]: role},
    )


def test_a_kind_not_named_costs_no_query(company, workspace, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = access_refs_resolve(
            company=company, refs=AccessRefs(workspaces=(Ref("name", "Production"),))
        )
    assert found.workspaces == {Ref("name", "Production"): workspace}
    with django_assert_num_queries(0):
        assert access_refs_resolve(company=company, refs=AccessRefs()) == ResolvedRefs(
            workspaces={}, teams={}, permission_sets={}, roles={}
        )


def test_another_companys_rows_and_unknown_names_are_left_out(company, workspace):
    elsewhere = WorkspaceFactory(name="Elsewhere")
    other_team = TeamFactory(workspace=elsewhere, name="Theirs")
    refs = AccessRefs(
        workspaces=(Ref("name", "Elsewhere"), Ref("public_id", elsewhere.public_id)),
        teams=(Ref("name", "Theirs"), Ref("public_id", other_team.public_id)),
        roles=(Ref("name", "Nobody"),),
    )
    found = access_refs_resolve(company=company, refs=refs)
    assert found == ResolvedRefs(workspaces={}, teams={}, permission_sets={}, roles={})
