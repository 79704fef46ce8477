"""PATCH /Users/{id} (RFC 7644 §3.5.2) and the IdP-quirk helpers it relies on."""

from __future__ import annotations

import pytest
from scim2_models.path import Path, ScimFilter

from provisioning.scim import idp_quirks, patch
from provisioning.scim.errors import ScimError
from provisioning.scim.resources import USER as USER_RESOURCE
from tests.factories import PermissionSetFactory, RoleFactory
from tests.provisioning.scim.conftest import new_user_body
from tests.provisioning.scim.documents import (
    ENTERPRISE,
    PATCH_OP,
    USER,
    error,
    expected_user,
    patch_body,
)
from workspaces.models import DashboardUser

SCHEMAS_WITH_ENTERPRISE = [USER, ENTERPRISE]


@pytest.fixture
def ada(scim) -> DashboardUser:
    response = scim.post("Users", new_user_body(externalId="ext-ada"))
    assert response.status_code == 201, response.json()
    return DashboardUser.objects.get(public_id=response.json()["id"])


def patched(scim, user: DashboardUser, *operations: dict, body: dict | None = None):
    return scim.patch(f"Users/{user.public_id}", body or patch_body(*operations))


def stored(user: DashboardUser) -> DashboardUser:
    return DashboardUser.objects.get(pk=user.pk)


def doc(user: DashboardUser, workspace, **overrides) -> dict:
    return expected_user(stored(user), workspaces=(workspace,), **overrides)


# ---------------------------------------------------------------------------------------------
# Paths


def test_replace_a_simple_attribute_returns_200_with_the_whole_resource(scim, ada, workspace):
    response = patched(scim, ada, {"op": "replace", "path": "externalId", "value": "ext-2"})

    assert response.status_code == 200
    assert stored(ada).external_id == "ext-2"
    assert response.json() == doc(ada, workspace)
    assert response.json()["externalId"] == "ext-2"


def test_replace_a_sub_attribute_keeps_its_siblings(scim, ada, workspace):
    response = patched(scim, ada, {"op": "replace", "path": "name.givenName", "value": "Augusta"})

    user = stored(ada)
    assert (user.given_name, user.family_name) == ("Augusta", "Lovelace")
    assert response.json() == doc(ada, workspace)


def test_add_a_single_value_attribute(scim, ada, workspace):
    response = patched(scim, ada, {"op": "Add", "path": "nickName", "value": "Babs"})

    assert response.json() == doc(ada, workspace, nickName="Babs")


def test_replace_through_a_value_filter_changes_only_the_matching_email(scim, workspace):
    emails = [
        {"value": "ada@example.com", "type": "work", "primary": True},
        {"value": "ada@home.example", "type": "home"},
    ]
    user_id = scim.post("Users", new_user_body(emails=emails)).json()["id"]
    user = DashboardUser.objects.get(public_id=user_id)

    response = patched(
        scim,
        user,
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "ada@work.example"},
    )

    assert response.json() == doc(
        user,
        workspace,
        emails=[
            {"value": "ada@work.example", "type": "work", "primary": True},
            {"value": "ada@home.example", "type": "home"},
        ],
    )


def test_remove_through_a_value_filter_drops_the_matching_email(scim, workspace):
    emails = [
        {"value": "ada@example.com", "type": "work", "primary": True},
        {"value": "ada@home.example", "type": "home"},
    ]
    user_id = scim.post("Users", new_user_body(emails=emails)).json()["id"]
    user = DashboardUser.objects.get(public_id=user_id)

    response = patched(scim, user, {"op": "remove", "path": 'emails[type eq "home"]'})

    assert response.json() == doc(user, workspace, emails=[emails[0]])


def test_add_through_a_value_filter_creates_the_missing_value(scim, ada, workspace):
    """Entra adds `emails[type eq "home"].value` to a user who has no such email yet. The sign-in
    email is shown as the work email only until the IdP sends emails of its own; from then on
    the IdP's list is the attribute (what it adds is exactly what it reads back)."""
    response = patched(
        scim, ada, {"op": "add", "path": 'emails[type eq "home"].value', "value": "a@home.example"}
    )

    assert response.json() == doc(
        ada,
        workspace,
        emails=[{"type": "home", "value": "a@home.example"}],
    )


def test_replace_an_urn_prefixed_enterprise_attribute(scim, ada, workspace):
    response = patched(
        scim,
        ada,
        {"op": "replace", "path": f"{ENTERPRISE}:employeeNumber", "value": "701984"},
        {"op": "add", "path": f"{ENTERPRISE}:manager", "value": "boss-id"},
    )

    assert response.json() == doc(
        ada,
        workspace,
        schemas=SCHEMAS_WITH_ENTERPRISE,
        **{ENTERPRISE: {"employeeNumber": "701984", "manager": {"value": "boss-id"}}},
    )


def test_remove_an_urn_prefixed_core_sub_attribute(scim, ada, workspace):
    response = patched(scim, ada, {"op": "remove", "path": f"{USER}:name.familyName"})

    assert stored(ada).family_name == ""
    assert response.json() == doc(ada, workspace)


def test_replace_permissions_replaces_the_memberships(scim, ada, workspace, company):
    role = RoleFactory(company=company, name="Analysts")
    role.permission_sets.add(PermissionSetFactory(workspace=workspace, name="Read only"))

    response = patched(
        scim,
        ada,
        {
            "op": "replace",
            "path": "permissions",
            "value": {
                "companyPermissions": ["manage_company_settings"],
                "roles": [{"roleName": "Analysts"}],
                "appGroup": [{"appGroupName": "Production", "appGroupPermissions": ["view_pii"]}],
            },
        },
    )

    user = stored(ada)
    assert user.company_permissions == ["manage_company_settings"]
    assert response.json() == expected_user(
        user,
        roles=(role,),
        permissions={
            "companyPermissions": ["manage_company_settings"],
            "roles": [doc(ada, workspace, roles=(role,))["permissions"]["roles"][0]],
            "appGroup": [
                {
                    "appGroupName": "Production",
                    "appGroupId": workspace.public_id,
                    "appGroupPermissions": ["view_pii"],
                    "team": [],
                }
            ],
        },
    )


def test_a_patch_that_does_not_touch_permissions_keeps_them(scim, ada, workspace):
    before = list(ada.workspace_memberships.values_list("pk", flat=True))

    patched(scim, ada, {"op": "replace", "path": "name.givenName", "value": "Augusta"})

    assert list(ada.workspace_memberships.values_list("pk", flat=True)) == before


# ---------------------------------------------------------------------------------------------
# Path-less values


def test_a_path_less_replace_merges_the_value_object(scim, ada, workspace):
    response = patched(
        scim,
        ada,
        {
            "op": "replace",
            "value": {
                "name": {"givenName": "Augusta"},
                "title": "Countess",
                f"{ENTERPRISE}": {"department": "Analytical Engines"},
            },
        },
    )

    assert response.json() == doc(
        ada,
        workspace,
        title="Countess",
        schemas=SCHEMAS_WITH_ENTERPRISE,
        **{ENTERPRISE: {"department": "Analytical Engines"}},
    )
    assert stored(ada).given_name == "Augusta"
    assert stored(ada).family_name == "Lovelace"


def test_a_path_less_value_with_dotted_and_urn_qualified_keys(scim, ada, workspace):
    """Entra with aadOptscim062020: `name.givenName` and `urn:...:User:employeeNumber` keys."""
    response = patched(
        scim,
        ada,
        {
            "op": "replace",
            "value": {
                "displayName": "Countess of Lovelace",
                "name.givenName": "Augusta",
                "name.familyName": "King",
                f"{ENTERPRISE}:employeeNumber": "1815",
            },
        },
    )

    assert (stored(ada).given_name, stored(ada).family_name) == ("Augusta", "King")
    assert response.json() == doc(
        ada,
        workspace,
        displayName="Countess of Lovelace",
        schemas=SCHEMAS_WITH_ENTERPRISE,
        **{ENTERPRISE: {"employeeNumber": "1815"}},
    )


# ---------------------------------------------------------------------------------------------
# Quirks


def test_capitalised_ops_and_string_booleans_are_accepted(scim, ada, workspace):
    response = patched(scim, ada, {"op": "Replace", "path": "active", "value": "False"})

    assert response.status_code == 200
    assert stored(ada).is_active is False
    assert response.json() == doc(ada, workspace)


def test_a_string_boolean_in_a_path_less_value_is_accepted(scim, ada, workspace):
    patched(scim, ada, {"op": "replace", "value": {"active": "False"}})
    assert stored(ada).is_active is False

    response = patched(scim, ada, {"op": "REPLACE", "value": {"Active": "true"}})

    assert stored(ada).is_active is True
    assert response.json() == doc(ada, workspace)


def test_pascal_case_attribute_names_are_matched(scim, ada, workspace):
    response = patched(
        scim,
        ada,
        {"op": "replace", "path": "Name.GivenName", "value": "Augusta"},
        {"op": "replace", "value": {"ExternalId": "ext-9", "Name.FamilyName": "King"}},
    )

    user = stored(ada)
    assert (user.given_name, user.family_name, user.external_id) == ("Augusta", "King", "ext-9")
    assert response.json() == doc(ada, workspace)


def test_a_patch_body_without_schemas_and_with_lowercase_operations_key(scim, ada, workspace):
    response = patched(
        scim,
        ada,
        body={"operations": [{"op": "replace", "path": "name.givenName", "value": "Augusta"}]},
    )

    assert response.status_code == 200
    assert stored(ada).given_name == "Augusta"
    assert response.json() == doc(ada, workspace)


def test_an_extra_op_key_is_ignored(scim, ada, workspace):
    """The Entra Postman suite sends `"name": "addMember"` alongside op/path/value."""
    response = patched(
        scim, ada, {"op": "add", "name": "addNick", "path": "nickName", "value": "Babs"}
    )

    assert response.json() == doc(ada, workspace, nickName="Babs")


# ---------------------------------------------------------------------------------------------
# Errors and atomicity


def test_a_bad_operation_after_a_good_one_changes_nothing(scim, ada):
    before = stored(ada)

    response = patched(
        scim,
        ada,
        {"op": "replace", "path": "name.givenName", "value": "Augusta"},
        {"op": "replace", "path": "active", "value": "maybe"},
    )

    assert (response.status_code, response.json()) == (400, error(400, "invalidValue"))
    after = stored(ada)
    assert (after.given_name, after.is_active, after.updated_at) == (
        before.given_name,
        before.is_active,
        before.updated_at,
    )


def test_a_failing_permissions_operation_rolls_back_the_profile_change(scim, ada):
    before = stored(ada)

    response = patched(
        scim,
        ada,
        {"op": "replace", "path": "externalId", "value": "changed"},
        {"op": "replace", "path": "permissions", "value": {"roles": [{"roleName": "Nope"}]}},
    )

    assert response.status_code == 400
    after = stored(ada)
    assert (after.external_id, after.updated_at) == ("ext-ada", before.updated_at)
    assert ada.workspace_memberships.count() == 1


@pytest.mark.parametrize(
    ("operation", "scim_type"),
    [
        ({"op": "remove"}, "noTarget"),
        ({"op": "remove", "path": ""}, "noTarget"),
        ({"op": "Remove", "value": {"nickName": "Babs"}}, "noTarget"),
        ({"op": "replace", "path": "userName", "value": "someone@example.com"}, "mutability"),
        ({"op": "replace", "value": {"userName": "someone@example.com"}}, "mutability"),
        ({"op": "delete", "path": "nickName"}, "invalidSyntax"),
        ({"op": "replace", "path": "nickName"}, "invalidSyntax"),
        ({"op": "replace", "path": 'emails[type eq "work"', "value": "x"}, "invalidPath"),
        ({"op": "replace", "path": 42, "value": "x"}, "invalidPath"),
        ({"op": "replace", "path": "name.givenName.first", "value": "x"}, "invalidPath"),
        ({"op": "replace", "path": "userName.value", "value": "x"}, "invalidPath"),
        # RFC 7644 §3.5.2: a path that names no attribute of the resource is invalidPath.
        ({"op": "replace", "path": "members", "value": []}, "invalidPath"),
        ({"op": "replace", "value": "not an object"}, "invalidSyntax"),
        ({"op": "replace", "path": "urn:example:unknown:1.0:User:x", "value": "x"}, "invalidPath"),
        ({"op": "replace", "path": "department", "value": "astrology"}, "invalidValue"),
    ],
)
def test_an_invalid_operation_is_400_and_changes_nothing(scim, ada, operation, scim_type):
    before = stored(ada)

    response = patched(scim, ada, operation)

    assert (response.status_code, response.json()) == (400, error(400, scim_type))
    assert stored(ada).updated_at == before.updated_at


@pytest.mark.parametrize(
    "body",
    [
        {"schemas": [PATCH_OP], "Operations": []},
        {"schemas": [PATCH_OP]},
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": []},
        {"schemas": [PATCH_OP], "Operations": {"op": "replace"}},
        {"schemas": [PATCH_OP], "Operations": ["replace"]},
    ],
)
def test_a_malformed_patch_body_is_400_invalid_syntax(scim, ada, body):
    response = patched(scim, ada, body=body)

    assert (response.status_code, response.json()) == (400, error(400, "invalidSyntax"))


def test_changing_only_the_case_of_the_user_name_is_not_a_mutation(scim, ada, workspace):
    response = patched(scim, ada, {"op": "replace", "path": "userName", "value": "ADA@example.com"})

    assert response.status_code == 200
    assert response.json() == doc(ada, workspace)


def test_patching_another_companys_user_is_404(other_company_scim, ada):
    response = patched(other_company_scim, ada, {"op": "replace", "path": "nickName", "value": "x"})

    assert (response.status_code, response.json()) == (404, error(404))
    assert "nickName" not in stored(ada).directory_attributes


# ---------------------------------------------------------------------------------------------
# Helpers: idp_quirks


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("True", True),
        ("False", False),
        (" TRUE ", True),
        ("false", False),
    ],
)
def test_boolean_from_string_accepts_booleans_and_their_strings(value, expected):
    assert idp_quirks.boolean_from_string(value, "active") is expected


@pytest.mark.parametrize("value", ["yes", "1", 1, 0, None, "", [], {"value": True}])
def test_boolean_from_string_refuses_anything_else(value):
    with pytest.raises(ScimError) as caught:
        idp_quirks.boolean_from_string(value, "active")

    assert (caught.value.status, caught.value.scim_type) == (400, "invalidValue")


@pytest.mark.parametrize(
    ("op", "expected"),
    [("add", "add"), ("Add", "add"), ("Replace", "replace"), (" REMOVE ", "remove")],
)
def test_canonical_op_lowercases_the_three_ops(op, expected):
    assert idp_quirks.canonical_op(op) == expected


@pytest.mark.parametrize("op", ["delete", "move", "", None, 1, ["add"]])
def test_canonical_op_refuses_other_ops(op):
    with pytest.raises(ScimError) as caught:
        idp_quirks.canonical_op(op)

    assert (caught.value.status, caught.value.scim_type) == (400, "invalidSyntax")


def test_canonical_keys_maps_known_names_and_keeps_the_rest():
    names = {"username": "userName", "active": "active"}

    assert idp_quirks.canonical_keys(
        {"UserName": "a", "ACTIVE": True, "Custom": 1, 7: "x"}, names
    ) == {"userName": "a", "active": True, "Custom": 1, 7: "x"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"Operations": [1]}, [1]),
        ({"operations": [2]}, [2]),
        ({"OPERATIONS": [3]}, [3]),
        ({"schemas": []}, None),
    ],
)
def test_patch_operations_finds_the_key_in_any_case(body, expected):
    assert idp_quirks.patch_operations(body) == expected


def test_expand_dotted_keys_nests_sub_attributes():
    value = {
        "name.givenName": "Ada",
        "name.familyName": "King",
        "displayName": "Ada",
        f"{ENTERPRISE}:employeeNumber": "1",
    }

    assert idp_quirks.expand_dotted_keys(value) == {
        "name": {"givenName": "Ada", "familyName": "King"},
        "displayName": "Ada",
        f"{ENTERPRISE}:employeeNumber": "1",
    }


def test_expand_dotted_keys_merges_with_an_object_of_the_same_name_in_either_order():
    for value in (
        {"name": {"formatted": "A K"}, "name.givenName": "Ada"},
        {"name.givenName": "Ada", "name": {"formatted": "A K"}},
    ):
        assert idp_quirks.expand_dotted_keys(value) == {
            "name": {"formatted": "A K", "givenName": "Ada"}
        }


def test_expand_dotted_keys_does_not_change_its_argument():
    inner = {"formatted": "A K"}
    value = {"name": inner, "name.givenName": "Ada"}

    idp_quirks.expand_dotted_keys(value)

    assert value == {"name": {"formatted": "A K"}, "name.givenName": "Ada"}


def test_expand_dotted_keys_refuses_a_conflicting_plain_value():
    with pytest.raises(ScimError) as caught:
        idp_quirks.expand_dotted_keys({"name": "Ada", "name.givenName": "Ada"})

    assert (caught.value.status, caught.value.scim_type) == (400, "invalidSyntax")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("boss-id", {"value": "boss-id"}),
        ("", None),
        ({"value": "boss-id"}, {"value": "boss-id"}),
        (None, None),
    ],
)
def test_manager_object_wraps_a_bare_id(value, expected):
    assert idp_quirks.manager_object(value) == expected


# ---------------------------------------------------------------------------------------------
# Helpers: patch.matches and patch.apply_operations


def value_filter(expression: str):
    return ScimFilter(expression).ast


@pytest.mark.parametrize(
    ("expression", "item", "expected"),
    [
        ('type eq "work"', {"type": "work"}, True),
        ('type eq "WORK"', {"Type": "Work"}, True),
        ('type eq "work"', {"type": "home"}, False),
        ('type ne "work"', {"type": "home"}, True),
        ('value co "@example"', {"value": "ada@example.com"}, True),
        ('value sw "ada"', {"value": "ada@example.com"}, True),
        ('value ew ".org"', {"value": "ada@example.com"}, False),
        ('value gt "b"', {"value": "c"}, True),
        ('value ge "c"', {"value": "c"}, True),
        ('value lt "b"', {"value": "c"}, False),
        ('value le "c"', {"value": "c"}, True),
        ("primary eq true", {"primary": True}, True),
        ("primary eq true", {"primary": "True"}, True),
        ("primary eq false", {"primary": True}, False),
        ("display pr", {"display": "Ada"}, True),
        ("display pr", {"display": ""}, False),
        ("display pr", {}, False),
        ('type eq "work" and primary eq true', {"type": "work", "primary": True}, True),
        ('type eq "work" and primary eq true', {"type": "work", "primary": False}, False),
        ('type eq "home" or primary eq true', {"type": "work", "primary": True}, True),
        ('not (type eq "home")', {"type": "work"}, True),
        ('value eq "x"', {}, False),
    ],
)
def test_matches_evaluates_a_value_filter_against_one_item(expression, item, expected):
    assert patch.matches(value_filter(expression), item) is expected


def apply(document: dict, *operations: dict) -> dict:
    return patch.apply_operations(
        document,
        patch.parse_operations(patch_body(*operations)),
        USER_RESOURCE,
    )


def test_apply_operations_returns_a_changed_copy_and_leaves_the_original():
    original = {"name": {"givenName": "Ada"}, "emails": [{"value": "a@x", "type": "work"}]}

    result = apply(
        original,
        {"op": "replace", "path": "name.givenName", "value": "Augusta"},
        {"op": "add", "path": "emails", "value": [{"value": "b@x", "type": "home"}]},
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "c@x"},
    )

    assert result == {
        "name": {"givenName": "Augusta"},
        "emails": [{"value": "c@x", "type": "work"}, {"value": "b@x", "type": "home"}],
    }
    assert original == {"name": {"givenName": "Ada"}, "emails": [{"value": "a@x", "type": "work"}]}


def test_apply_operations_add_does_not_duplicate_an_existing_value():
    result = apply(
        {"emails": [{"value": "a@x"}]}, {"op": "add", "path": "emails", "value": [{"value": "a@x"}]}
    )

    assert result == {"emails": [{"value": "a@x"}]}


def test_apply_operations_replace_of_a_multi_valued_attribute_replaces_the_list():
    result = apply(
        {"emails": [{"value": "a@x"}, {"value": "b@x"}]},
        {"op": "replace", "path": "emails", "value": [{"value": "c@x"}]},
    )

    assert result == {"emails": [{"value": "c@x"}]}


def test_apply_operations_routes_urn_keys_to_the_extension_object():
    result = apply(
        {"userName": "a@x"},
        {"op": "add", "value": {f"{ENTERPRISE}:employeeNumber": "7", "Name.GivenName": "Ada"}},
        {"op": "add", "path": f"{ENTERPRISE}:costCenter", "value": "CC"},
    )

    assert result == {
        "userName": "a@x",
        "Name": {"GivenName": "Ada"},
        ENTERPRISE: {"employeeNumber": "7", "costCenter": "CC"},
    }


def test_apply_operations_removes_by_sub_attribute_and_ignores_missing_targets():
    result = apply(
        {"name": {"givenName": "Ada", "familyName": "King"}, "emails": [{"value": "a@x"}]},
        {"op": "remove", "path": "name.familyName"},
        {"op": "remove", "path": "nickName"},
        {"op": "remove", "path": 'emails[type eq "home"]'},
    )

    assert result == {"name": {"givenName": "Ada"}, "emails": [{"value": "a@x"}]}


def test_apply_operations_refuses_an_unknown_schema_in_a_path_less_key():
    with pytest.raises(ScimError) as caught:
        apply({}, {"op": "add", "value": {"urn:example:Foo:1.0:User:x": "1"}})

    assert (caught.value.status, caught.value.scim_type) == (400, "invalidPath")


def test_apply_operations_refuses_a_value_path_add_with_no_way_to_build_the_item():
    with pytest.raises(ScimError) as caught:
        apply({"emails": []}, {"op": "add", "path": 'emails[value co "x"].type', "value": "work"})

    assert (caught.value.status, caught.value.scim_type) == (400, "noTarget")


def test_parse_operations_parses_paths_with_filters():
    (operation,) = patch.parse_operations(
        patch_body({"Op": "Remove", "Path": 'emails[type eq "work"].value'})
    )

    assert (operation.op, operation.raw_path) == ("remove", 'emails[type eq "work"].value')
    assert operation.path == Path('emails[type eq "work"].value').ast


# ---------------------------------------------------------------------------------------------
# What the description of the User says a PATCH may change


def test_a_patch_of_an_unknown_attribute_is_400_invalid_path(scim, ada):
    """RFC 7644 §3.5.2: a path naming no attribute is invalidPath (it was invalidSyntax)."""
    response = patched(scim, ada, {"op": "replace", "path": "favouriteColour", "value": "blue"})

    assert (response.status_code, response.json()) == (
        400,
        error(400, "invalidPath", detail="Unknown attribute: 'favouriteColour'."),
    )


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "id", "value": "someone-else"},
        {"op": "replace", "path": "meta.lastModified", "value": "2000-01-01T00:00:00Z"},
        {"op": "remove", "path": "meta"},
        {"op": "add", "path": "groups", "value": [{"value": "g-1"}]},
        {"op": "remove", "path": 'groups[value eq "g-1"]'},
        {"op": "replace", "value": {"id": "someone-else", "meta": {}, "groups": []}},
    ],
)
def test_read_only_attributes_in_a_patch_are_ignored(scim, ada, workspace, operation):
    response = patched(scim, ada, operation, {"op": "add", "path": "nickName", "value": "Ada"})

    assert response.status_code == 200, response.json()
    assert response.json() == doc(ada, workspace, externalId="ext-ada", nickName="Ada")
    assert stored(ada).public_id == ada.public_id


DASHBOARD = "urn:ietf:params:scim:schemas:extension:dashboard:2.0:User"


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "department", "value": "finance"},
        {"op": "replace", "path": f"{DASHBOARD}:department", "value": "finance"},
        {"op": "replace", "value": {"department": "finance"}},
        {"op": "replace", "value": {f"{DASHBOARD}:department": "finance"}},
        {"op": "replace", "value": {DASHBOARD: {"department": "finance"}}},
        {"op": "replace", "path": DASHBOARD, "value": {"department": "finance"}},
        # scim2-tester repeats the extension's URN inside its object.
        {
            "op": "replace",
            "path": DASHBOARD,
            "value": {"schemas": [DASHBOARD], "department": "finance"},
        },
    ],
)
def test_an_identity_provider_may_name_the_dashboard_attributes_either_way(
    idp_scim, workspace, operation
):
    """README: input is accepted in both shapes from every integration. On an identity
    provider's integration a PATCH of the unqualified `department` answered 200 and changed
    nothing."""
    user_id = idp_scim.post("Users", new_user_body(department="bi")).json()["id"]

    response = idp_scim.patch(f"Users/{user_id}", patch_body(operation))

    assert response.status_code == 200, response.json()
    user = DashboardUser.objects.get(public_id=user_id)
    assert user.department == "finance"
    assert response.json()[DASHBOARD] == {"department": "finance"}


def test_removing_the_whole_dashboard_extension_clears_department_and_permissions(
    idp_scim, workspace
):
    body = new_user_body(permissions={"companyPermissions": ["add_remove_app_groups"]})
    user_id = idp_scim.post("Users", body).json()["id"]

    response = idp_scim.patch(f"Users/{user_id}", patch_body({"op": "remove", "path": DASHBOARD}))

    assert response.status_code == 200, response.json()
    user = DashboardUser.objects.get(public_id=user_id)
    assert (user.department, user.company_permissions) == ("", [])
    assert DASHBOARD not in response.json()
