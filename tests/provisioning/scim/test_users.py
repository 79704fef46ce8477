"""The Braze-compatible User endpoints: whole documents, errors, uniqueness, invitations."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import set_script_prefix

from tests.factories import (
    CompanyAdminFactory,
    PermissionSetFactory,
    RoleFactory,
    TeamFactory,
    UserFactory,
    WorkspaceFactory,
)
from tests.provisioning.scim.conftest import new_user_body
from tests.provisioning.scim.documents import (
    ENTERPRISE,
    LIST,
    USER,
    app_group,
    error,
    expected_user,
    rfc_user,
)
from tests.task_queue import INVITATION_TASK, deliver_enqueued_invitations, enqueued
from workspaces.models import (
    DashboardUser,
    Invitation,
    RoleAssignment,
    TeamMembership,
    WorkspaceMembership,
)

pytestmark = pytest.mark.django_db


def test_create_returns_201_with_the_whole_document_location_and_etag(scim, workspace):
    response = scim.post("Users", new_user_body())
    assert response.status_code == 201
    assert response["Content-Type"] == "application/scim+json"
    body = response.json()
    user = DashboardUser.objects.get(email="ada@example.com")
    assert body == expected_user(user, workspaces=(workspace,))
    assert response["Location"] == body["meta"]["location"]
    assert response["ETag"] == body["meta"]["version"]
    assert body["lastSignInAt"] == "N/A"
    assert re.fullmatch(r"\d{4} [A-Z][a-z]{2} \d{1,2}, \d{1,2}:\d\d [AP]M", body["createdAt"])


def test_create_with_the_full_braze_permissions_object(scim, company, workspace):
    staging = WorkspaceFactory(company=company, name="Staging")
    team = TeamFactory(workspace=staging, name="Growth")
    pset = PermissionSetFactory(workspace=workspace, name="Marketer")
    role = RoleFactory(company=company, name="Analysts")
    body = new_user_body(
        permissions={
            "companyPermissions": ["manage_company_settings"],
            "roles": [{"roleName": "Analysts"}],
            "appGroup": [
                {
                    "appGroupName": "Production",
                    "appGroupPermissionSets": [{"appGroupPermissionSetName": "Marketer"}],
                },
                {
                    "appGroupId": staging.public_id,
                    "appGroupPermissions": ["basic_access", "view_campaigns"],
                    "team": [{"teamName": "Growth", "teamPermissions": ["edit_segments"]}],
                },
            ],
        }
    )
    response = scim.post("Users", body)
    assert response.status_code == 201, response.json()
    assert response.json()["permissions"] == {
        "companyPermissions": ["manage_company_settings"],
        "roles": [{"roleName": role.name, "roleId": role.public_id, "appGroup": []}],
        "appGroup": [
            app_group(workspace, permission_set=pset),
            app_group(
                staging, ["basic_access", "view_campaigns"], teams=((team, ["edit_segments"]),)
            ),
        ],
    }


def test_the_appendix_spelling_of_the_permission_set_id_is_accepted(scim, workspace):
    pset = PermissionSetFactory(workspace=workspace)
    body = new_user_body(
        permissions={
            "appGroup": [
                {
                    "appGroupId": workspace.public_id,
                    "appGroupPermissionSets": [{"appGroupPermissionSetID": pset.public_id}],
                }
            ]
        }
    )
    response = scim.post("Users", body)
    assert response.status_code == 201
    assert WorkspaceMembership.objects.get(user__email="ada@example.com").permission_set == pset


def test_get_by_id_returns_the_same_document(scim, workspace):
    created = scim.post("Users", new_user_body()).json()
    response = scim.get(f"Users/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


def test_search_by_username_is_a_list_response(scim, workspace):
    created = scim.post("Users", new_user_body()).json()
    response = scim.get("Users", {"filter": 'userName eq "ADA@EXAMPLE.COM"'})
    assert response.status_code == 200
    assert response.json() == {
        "schemas": [LIST],
        "totalResults": 1,
        "startIndex": 1,
        "itemsPerPage": 1,
        "Resources": [created],
    }


def test_search_miss_is_zero_results_not_404(scim):
    response = scim.get("Users", {"filter": 'userName eq "nobody@example.com"'})
    assert response.status_code == 200
    assert response.json() == {
        "schemas": [LIST],
        "totalResults": 0,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
    }


def test_list_pages_in_a_stable_order(scim, company):
    emails = [f"user{i}@example.com" for i in range(7)]
    for email in emails:
        UserFactory(company=company, email=email)
    seen = []
    for start in (1, 4, 7):
        body = scim.get("Users", {"startIndex": start, "count": 3}).json()
        assert body["totalResults"] == 7
        assert body["startIndex"] == start
        seen += [r["userName"] for r in body["Resources"]]
    assert seen == emails


def test_put_replaces_the_user(scim, workspace, company):
    created = scim.post(
        "Users", new_user_body(permissions={"companyPermissions": ["add_remove_app_groups"]})
    ).json()
    response = scim.put(
        f"Users/{created['id']}",
        new_user_body(
            name={"givenName": "Augusta", "familyName": "King"},
            department="finance",
            permissions={
                "appGroup": [{"appGroupName": "Production", "appGroupPermissions": ["admin"]}]
            },
        ),
    )
    assert response.status_code == 200
    user = DashboardUser.objects.get(email="ada@example.com")
    assert response.json() == expected_user(
        user,
        permissions={
            "companyPermissions": [],
            "roles": [],
            "appGroup": [app_group(workspace, ["admin"])],
        },
    )
    assert (user.given_name, user.family_name, user.department) == ("Augusta", "King", "finance")
    assert user.company_permissions == []


def test_put_without_permissions_or_department_keeps_them(scim, workspace):
    created = scim.post(
        "Users", new_user_body(permissions={"companyPermissions": ["add_remove_app_groups"]})
    ).json()
    body = new_user_body()
    del body["department"]
    response = scim.put(f"Users/{created['id']}", body)
    assert response.status_code == 200
    user = DashboardUser.objects.get(email="ada@example.com")
    assert user.department == "engineering"
    assert user.company_permissions == ["add_remove_app_groups"]


def test_put_cannot_change_the_username(scim, workspace):
    created = scim.post("Users", new_user_body()).json()
    response = scim.put(f"Users/{created['id']}", new_user_body("someone.else@example.com"))
    assert response.status_code == 400
    assert response.json() == error(400, "mutability", detail="userName cannot be changed.")
    assert DashboardUser.objects.filter(email="ada@example.com").exists()


def test_put_may_repeat_the_username_in_another_case(scim, workspace):
    created = scim.post("Users", new_user_body()).json()
    response = scim.put(f"Users/{created['id']}", new_user_body("ADA@example.com"))
    assert response.status_code == 200
    assert response.json()["userName"] == "ada@example.com"


def test_delete_removes_the_user_permanently(scim, workspace):
    created = scim.post("Users", new_user_body()).json()
    response = scim.delete(f"Users/{created['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert not DashboardUser.objects.filter(email="ada@example.com").exists()
    assert not WorkspaceMembership.objects.exists()
    assert scim.get(f"Users/{created['id']}").status_code == 404
    assert scim.post("Users", new_user_body()).status_code == 201  # the email is free again


def test_deleting_the_last_admin_is_refused_with_a_clear_4xx(scim, company):
    admin = CompanyAdminFactory(company=company)
    response = scim.delete(f"Users/{admin.public_id}")
    assert response.status_code == 409
    assert "last administrator" in response.json()["detail"]
    assert DashboardUser.objects.filter(pk=admin.pk).exists()


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_an_unknown_id_is_a_scim_404(scim, method):
    response = (
        scim.put("Users/nope", new_user_body())
        if method == "put"
        else getattr(scim, method)("Users/nope")
    )
    assert response.status_code == 404
    assert response["Content-Type"] == "application/scim+json"
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert response.json()["status"] == "404"


@pytest.mark.parametrize("email", ["ada@example.com", "ADA@Example.COM"])
def test_a_duplicate_in_any_case_is_409_uniqueness(scim, workspace, email):
    assert scim.post("Users", new_user_body("ada@example.com")).status_code == 201
    response = scim.post("Users", new_user_body(email))
    assert response.status_code == 409
    assert response.json() == error(
        409, "uniqueness", detail="User already exists in the database."
    )
    assert DashboardUser.objects.count() == 1


def test_an_email_taken_in_another_company_is_409_without_saying_where(scim, workspace):
    UserFactory(email="ada@example.com")  # another company
    response = scim.post("Users", new_user_body("Ada@Example.com"))
    assert response.status_code == 409
    assert response.json() == error(
        409, "uniqueness", detail="User already exists in the database."
    )
    assert "Company" not in response.content.decode()


BAD_BODIES = [
    ("not json", "{", "invalidSyntax"),
    ("an array", [], "invalidSyntax"),
    ("no schemas", {"userName": "a@example.com"}, "invalidSyntax"),
    ("wrong schema", new_user_body(schemas=["urn:x"]), "invalidSyntax"),
    ("no userName", {k: v for k, v in new_user_body().items() if k != "userName"}, "invalidValue"),
    ("userName not an email", new_user_body("not-an-email"), "invalidValue"),
    ("userName a number", new_user_body(42), "invalidValue"),
    ("name not an object", new_user_body(name="Ada"), "invalidValue"),
    ("givenName a list", new_user_body(name={"givenName": ["Ada"]}), "invalidValue"),
    ("givenName too long", new_user_body(name={"givenName": "A" * 151}), "invalidValue"),
    ("unknown department", new_user_body(department="sales"), "invalidValue"),
    ("active not boolean", new_user_body(active="maybe"), "invalidValue"),
    ("unknown attribute", new_user_body(favouriteColour="blue"), "invalidSyntax"),
    ("permissions not an object", new_user_body(permissions=["admin"]), "invalidValue"),
    (
        "unknown company permission",
        new_user_body(permissions={"companyPermissions": ["owner"]}),
        "invalidValue",
    ),
    (
        "unknown workspace",
        new_user_body(permissions={"appGroup": [{"appGroupName": "Nope"}]}),
        "invalidValue",
    ),
    (
        "unknown workspace permission",
        new_user_body(
            permissions={
                "appGroup": [{"appGroupName": "Production", "appGroupPermissions": ["fly"]}]
            }
        ),
        "invalidValue",
    ),
    (
        "unknown team",
        new_user_body(
            permissions={"appGroup": [{"appGroupName": "Production", "team": [{"teamName": "X"}]}]}
        ),
        "invalidValue",
    ),
    ("unknown role", new_user_body(permissions={"roles": [{"roleId": "nope"}]}), "invalidValue"),
    (
        "workspace without name or id",
        new_user_body(permissions={"appGroup": [{"appGroupPermissions": []}]}),
        "invalidValue",
    ),
    ("NUL in a string", new_user_body(name={"givenName": "A\u0000"}), "invalidValue"),
    (
        "duplicate keys",
        '{"userName": "a@example.com", "userName": "b@example.com"}',
        "invalidSyntax",
    ),
]


@pytest.mark.parametrize(("case", "body", "scim_type"), BAD_BODIES, ids=[c[0] for c in BAD_BODIES])
def test_bad_input_is_a_400_and_writes_nothing(scim, workspace, case, body, scim_type):
    response = scim.post("Users", body)
    assert response.status_code == 400, response.content
    payload = response.json()
    assert payload["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert payload["status"] == "400"
    assert payload["scimType"] == scim_type
    assert payload["detail"]
    assert not DashboardUser.objects.exists()


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (new_user_body(department="sales"), "sales"),
        (new_user_body(permissions={"appGroup": [{"appGroupName": "Nope"}]}), "Nope"),
        (new_user_body(permissions={"companyPermissions": ["owner"]}), "owner"),
        (new_user_body(permissions={"roles": [{"roleName": "Ghosts"}]}), "Ghosts"),
    ],
)
def test_an_unknown_value_is_named_in_the_error(scim, workspace, body, named):
    assert named in scim.post("Users", body).json()["detail"]


def test_a_failed_update_changes_nothing(scim, workspace):
    created = scim.post(
        "Users",
        new_user_body(
            permissions={
                "appGroup": [{"appGroupName": "Production", "appGroupPermissions": ["admin"]}]
            }
        ),
    ).json()
    response = scim.put(
        f"Users/{created['id']}",
        new_user_body(
            name={"givenName": "Changed"},
            permissions={
                "appGroup": [
                    {"appGroupName": "Production", "appGroupPermissions": ["basic_access"]},
                    {"appGroupName": "Missing"},
                ]
            },
        ),
    )
    assert response.status_code == 400
    assert scim.get(f"Users/{created['id']}").json() == created


def test_a_team_from_another_workspace_is_refused(scim, company, workspace):
    other = TeamFactory(workspace=WorkspaceFactory(company=company), name="Elsewhere")
    response = scim.post(
        "Users",
        new_user_body(
            permissions={
                "appGroup": [{"appGroupName": "Production", "team": [{"teamId": other.public_id}]}]
            }
        ),
    )
    assert response.status_code == 400
    assert not TeamMembership.objects.exists()


def test_an_oversized_body_is_413(scim, settings):
    settings.SCIM_MAX_BODY_BYTES = 1000
    response = scim.post("Users", new_user_body(name={"givenName": "x" * 2000}))
    assert response.status_code == 413
    assert response.json()["status"] == "413"


def test_a_wrong_content_type_is_415_in_the_error_schema(scim):
    response = scim.post("Users", "userName=a", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["status"] == "415"


def test_plain_json_is_accepted_and_returned_when_asked_for(scim, workspace):
    response = scim.post(
        "Users", new_user_body(), content_type="application/json", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "repeat", [1, 2]
)  # the second round is answered from the remembered choices
def test_each_accept_header_gets_its_own_media_type(scim, repeat):
    for accept, expected in [
        ("application/json", "application/json"),
        ("application/scim+json", "application/scim+json"),
        ("", "application/scim+json"),
        ("*/*", "application/scim+json"),
        ("application/json;q=0.5, application/scim+json", "application/scim+json"),
    ]:
        for _ in range(repeat):
            response = scim.get("Users", HTTP_ACCEPT=accept)
            assert response.status_code == 200
            assert response["Content-Type"] == expected, accept
    assert scim.get("Users", HTTP_ACCEPT="text/html").status_code == 406


def test_an_unknown_endpoint_is_a_scim_404(scim):
    response = scim.get("Widgets")
    assert response.status_code == 404
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_a_created_user_is_invited_by_email_and_can_then_sign_in(scim, workspace, client):
    scim.post("Users", new_user_body())
    assert mail.outbox == []  # the request only enqueued it
    deliver_enqueued_invitations()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    assert message.body.startswith("Hello Ada,")
    assert "on the Acme dashboard" in message.body
    link = re.search(r"http://testserver(/accounts/set-password/\S+)", message.body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    response = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": "a-Strong-passw0rd!", "new_password2": "a-Strong-passw0rd!"},
    )
    assert response.status_code == 302
    assert client.login(username="ada@example.com", password="a-Strong-passw0rd!")
    user_id = DashboardUser.objects.get(email="ada@example.com").public_id
    assert scim.get(f"Users/{user_id}").json()["lastSignInAt"] != "N/A"


@pytest.mark.parametrize(
    ("language", "hello", "sign_in_name"),
    [
        ("en", "Hello Ada,", "Your sign-in name is your email address: ada@example.com"),
        ("de", "Hallo Ada,", "Ihr Anmeldename ist Ihre E-Mail-Adresse: ada@example.com"),
    ],
)
def test_the_invitation_is_written_in_the_request_language(
    scim, workspace, language, hello, sign_in_name
):
    scim.post("Users", new_user_body(), HTTP_ACCEPT_LANGUAGE=language)
    deliver_enqueued_invitations()  # outside the request, in the language the request had
    lines = mail.outbox[0].body.splitlines()
    assert lines[0] == hello
    assert "Acme" in lines[2]
    assert lines[5].startswith("http://testserver/accounts/set-password/")
    assert lines[7] == sign_in_name


def test_no_invitation_is_enqueued_when_the_create_fails(scim, workspace):
    UserFactory(email="ada@example.com")
    assert scim.post("Users", new_user_body()).status_code == 409
    assert Invitation.objects.count() == 0
    assert enqueued(INVITATION_TASK) == []


def test_a_user_created_with_a_password_is_not_invited(scim, workspace):
    assert scim.post("Users", new_user_body(password="a-Strong-passw0rd!")).status_code == 201
    assert enqueued(INVITATION_TASK) == []


def test_roles_are_echoed_with_their_workspace_permission_sets(scim, company, workspace):
    role = RoleFactory(company=company, name="Analysts")
    pset = PermissionSetFactory(workspace=workspace, name="Viewer", permissions=["view_campaigns"])
    role.permission_sets.add(pset)
    response = scim.post(
        "Users", new_user_body(permissions={"roles": [{"roleId": role.public_id}]})
    )
    assert response.json()["permissions"]["roles"] == [
        {
            "roleName": "Analysts",
            "roleId": role.public_id,
            "appGroup": [
                {
                    "appGroupName": "Production",
                    "appGroupId": workspace.public_id,
                    "appGroupPermissionSets": [
                        {
                            "appGroupPermissionSetName": "Viewer",
                            "appGroupPermissionSetId": pset.public_id,
                            "permissions": ["view_campaigns"],
                        }
                    ],
                }
            ],
        }
    ]
    assert RoleAssignment.objects.filter(role=role).count() == 1


def test_identity_providers_get_the_rfc_shape_with_dashboard_attributes_under_their_urn(
    idp_scim, workspace
):
    response = idp_scim.post("Users", new_user_body())
    assert response.status_code == 201
    user = DashboardUser.objects.get(email="ada@example.com")
    assert response.json() == rfc_user(expected_user(user, workspaces=(workspace,)))


def test_dashboard_attributes_are_accepted_under_their_urn_too(idp_scim, workspace):
    body = new_user_body()
    del body["department"]
    body["urn:ietf:params:scim:schemas:extension:dashboard:2.0:User"] = {
        "department": "finance",
        "permissions": {"companyPermissions": ["add_remove_app_groups"]},
    }
    response = idp_scim.post("Users", body)
    assert response.status_code == 201
    user = DashboardUser.objects.get(email="ada@example.com")
    assert (user.department, user.company_permissions) == ("finance", ["add_remove_app_groups"])


def test_unassigned_attributes_are_left_out_not_sent_empty(idp_scim, workspace):
    body = new_user_body(name={})
    del body["department"]
    doc = idp_scim.post("Users", body).json()
    assert "name" not in doc and "displayName" not in doc and "externalId" not in doc
    # No department and only the default access: the extension has nothing to say.
    assert "urn:ietf:params:scim:schemas:extension:dashboard:2.0:User" not in doc
    assert doc["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:User"]


def test_the_rfc_shape_shows_permissions_that_differ_from_the_default(idp_scim, workspace):
    body = new_user_body(permissions={"companyPermissions": ["add_remove_app_groups"]})
    doc = idp_scim.post("Users", body).json()
    assert doc["urn:ietf:params:scim:schemas:extension:dashboard:2.0:User"]["permissions"] == {
        "companyPermissions": ["add_remove_app_groups"],
        "roles": [],
        "appGroup": [
            {
                "appGroupName": "Production",
                "appGroupId": workspace.public_id,
                "appGroupPermissions": [],
            }
        ],
    }


@pytest.mark.parametrize(
    ("start", "count", "expected_emails"),
    [(1, 10, 4), (3, 10, 2), (4, 1, 1), (9, 5, 0), (1, 4, 4), (2, 2, 2)],
)
def test_total_results_is_right_on_short_full_and_empty_pages(
    scim, company, start, count, expected_emails
):
    for i in range(4):
        UserFactory(company=company, email=f"page{i}@example.com")
    body = scim.get("Users", {"startIndex": start, "count": count}).json()
    assert body["totalResults"] == 4
    assert body["itemsPerPage"] == len(body["Resources"]) == expected_emails


def test_a_bad_sort_order_is_400_even_with_sort_by(scim):
    response = scim.get("Users", {"sortBy": "userName", "sortOrder": "sideways"})
    assert response.status_code == 400


def test_a_put_of_the_document_just_read_is_accepted(scim, workspace):
    """RFC 7644 §3.5.1: read-only attributes in a PUT are ignored, so GET-modify-PUT works."""
    created = scim.post("Users", new_user_body()).json()
    document = scim.get(f"Users/{created['id']}").json()
    document["name"]["givenName"] = "Augusta"
    response = scim.put(f"Users/{created['id']}", document)
    assert response.status_code == 200, response.json()
    assert response.json()["name"]["givenName"] == "Augusta"
    assert response.json()["permissions"] == created["permissions"]


@pytest.mark.parametrize(
    "extra",
    [
        {"profileUrl": 123},
        {"preferredLanguage": ["de"]},
        {"emails": [{"value": 5}]},
        {"emails": [{"value": "a@example.com", "primary": "maybe"}]},
        {"phoneNumbers": [{"value": "+1 555", "colour": "red"}]},
        {"addresses": "Main Street"},
    ],
)
def test_stored_directory_attributes_must_have_scim_types(scim, workspace, extra):
    response = scim.post("Users", new_user_body(**extra))
    assert response.status_code == 400
    assert not DashboardUser.objects.exists()


def test_entra_string_booleans_in_emails_are_accepted(scim, workspace):
    body = new_user_body(emails=[{"value": "ada@example.com", "type": "work", "primary": "True"}])
    response = scim.post("Users", body)
    assert response.status_code == 201
    assert response.json()["emails"] == [
        {"value": "ada@example.com", "type": "work", "primary": True}
    ]


def test_a_repeated_put_changes_nothing_not_even_the_version(scim, workspace):
    """Identity providers resend the same PUT; it must not churn memberships or ETags."""
    body = new_user_body(
        permissions={"appGroup": [{"appGroupName": "Production", "appGroupPermissions": ["admin"]}]}
    )
    created = scim.post("Users", body).json()
    membership_ids = set(WorkspaceMembership.objects.values_list("pk", flat=True))
    first = scim.put(f"Users/{created['id']}", body)
    second = scim.put(f"Users/{created['id']}", body)
    assert first.status_code == second.status_code == 200
    assert first["ETag"] == second["ETag"] == created["meta"]["version"]
    assert set(WorkspaceMembership.objects.values_list("pk", flat=True)) == membership_ids


def test_a_put_that_changes_only_permission_order_is_a_change(scim, workspace):
    def body(perms):
        return new_user_body(
            permissions={"appGroup": [{"appGroupName": "Production", "appGroupPermissions": perms}]}
        )

    created = scim.post("Users", body(["admin", "basic_access"])).json()
    response = scim.put(f"Users/{created['id']}", body(["basic_access", "admin"]))
    assert response["ETag"] != created["meta"]["version"]
    assert response.json()["permissions"]["appGroup"][0]["appGroupPermissions"] == [
        "basic_access",
        "admin",
    ]


def test_locations_follow_the_script_prefix_the_app_is_mounted_under(scim, workspace):
    """The collection's path is reversed once per process: per prefix, not once for all."""
    user = UserFactory(company=workspace.company)
    set_script_prefix("/dashboard/")  # what the WSGI handler does with SCRIPT_NAME
    try:
        mounted = scim.get(f"Users/{user.public_id}").json()
    finally:
        set_script_prefix("/")
    plain = scim.get(f"Users/{user.public_id}").json()
    base = "http://testserver"
    assert mounted["meta"]["location"] == f"{base}/dashboard/scim/v2/Users/{user.public_id}"
    assert plain["meta"]["location"] == f"{base}/scim/v2/Users/{user.public_id}"


# ---------------------------------------------------------------------------------------------
# Unassigned values (RFC 7643 §2.5)


def test_null_is_unassigned_inside_multi_valued_values_too(scim, workspace):
    """`"addresses": [{"country": null, ...}]` was a 400 ("must be a string"), which stopped a
    widely used provisioning test collection at its first user."""
    body = new_user_body(
        addresses=[{"type": "work", "streetAddress": "1 Main St", "country": None}],
        phoneNumbers=[{"value": "+1 555 0100", "display": None, "primary": None}, None],
        emails=[{"value": "ada@example.com", "type": "work", "primary": True, "display": None}],
        name={"givenName": "Ada", "familyName": "Lovelace", "middleName": None},
        title=None,
        **{ENTERPRISE: {"employeeNumber": None, "manager": {"value": "boss-1", "$ref": None}}},
    )

    response = scim.post("Users", body)

    assert response.status_code == 201, response.json()
    user = DashboardUser.objects.get(email="ada@example.com")
    assert response.json() == expected_user(
        user,
        workspaces=(workspace,),
        schemas=[USER, ENTERPRISE],
        addresses=[{"type": "work", "streetAddress": "1 Main St"}],
        phoneNumbers=[{"value": "+1 555 0100"}],
        **{ENTERPRISE: {"manager": {"value": "boss-1"}}},
    )


def test_a_put_ignores_read_only_attributes(scim, workspace):
    created = scim.post("Users", new_user_body()).json()
    body = new_user_body(
        id="someone-else",
        meta={"resourceType": "Group", "version": 'W/"1"', "created": "2000-01-01T00:00:00Z"},
        groups=[{"value": "g-1", "display": "Admins"}],
        title="Countess",
    )

    response = scim.put(f"Users/{created['id']}", body)

    assert response.status_code == 200, response.json()
    user = DashboardUser.objects.get(email="ada@example.com")
    assert response.json() == expected_user(user, workspaces=(workspace,), title="Countess")
    assert user.public_id == created["id"]


def test_asking_for_an_extension_and_one_of_its_attributes_returns_the_extension_whole(scim):
    manager = {"value": "boss-1", "displayName": "The Boss"}
    body = new_user_body(**{ENTERPRISE: {"employeeNumber": "42", "manager": manager}})
    user_id = scim.post("Users", body).json()["id"]

    for names in (
        f"{ENTERPRISE},{ENTERPRISE}:manager.value",
        f"{ENTERPRISE}:manager.value,{ENTERPRISE}",
    ):
        response = scim.get(f"Users/{user_id}", {"attributes": names})
        assert response.json()[ENTERPRISE] == {"employeeNumber": "42", "manager": manager}, names
