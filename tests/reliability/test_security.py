"""The token stays secret; one company can neither see nor change nor detect another's data;
the pages carry their browser protections; production settings are strict."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.core import mail
from django.db import OperationalError
from django.test import Client

from provisioning import tokens
from provisioning.models import ActivityEvent, RequestLogEntry, ScimIntegration
from tests.factories import UserFactory
from tests.provisioning.scim.conftest import new_user_body
from tests.test_deploy_settings import PRODUCTION, manage
from workspaces.models import DashboardUser, Role, RoleAssignment, WorkspaceMembership

pytestmark = pytest.mark.django_db

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


# ---------------------------------------------------------------------------------------------
# The token never shows up


def secret_part(token: str) -> str:
    """What must never be seen: everything but the lookup prefix and the last four characters,
    which the settings page and the admin show on purpose (`scim_abcdefgh••••••••wxyz`)."""
    return token[tokens.PREFIX_LENGTH : -4]


@pytest.fixture
def everything_logged():
    """Every record of every logger at DEBUG, formatted with tracebacks, into one string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict}
    old_root_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_root_level)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def full_request_cycle(scim, monkeypatch) -> list:
    """2xx, 3xx, 4xx (every kind of refusal), 5xx and 503, with the real and a wrong token."""
    responses = [scim.get("ServiceProviderConfig"), scim.post("Users", new_user_body())]
    user_id = responses[-1].json()["id"]
    responses += [
        scim.get(f"Users/{user_id}"),
        scim.get(f"Users/{user_id}", HTTP_IF_NONE_MATCH=responses[-1]["ETag"]),
        scim.post("Users", new_user_body()),  # 409
        scim.get("Users", {"filter": "userName zz 1"}),  # 400
        scim.post("Users", "{", content_type="application/scim+json"),  # 400
        scim.patch(f"Users/{user_id}", {"Operations": []}),
        scim.delete(f"Users/{user_id}", HTTP_IF_MATCH='W/"old"'),  # 412
        scim.get("Users/nope"),  # 404
        scim.get("Users", HTTP_X_REQUEST_ORIGIN="https://evil.example"),  # 401 origin
        scim.get("Users", HTTP_AUTHORIZATION=f"Basic {scim.token}"),  # 401 scheme
        scim.get("Users", HTTP_AUTHORIZATION=f"Bearer {scim.token}x"),  # 401 wrong token
    ]
    from provisioning.scim import views

    def boom(*args, **kwargs):
        raise RuntimeError("unexpected")

    with monkeypatch.context() as patched:
        patched.setattr(views.UsersView, "search", boom)
        responses.append(scim.get("Users"))  # 500
    from django.db.backends.utils import CursorWrapper

    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patched:
        patched.setattr(views.UserDetailView, "get_user", down)
        responses.append(scim.get(f"Users/{user_id}"))  # 503
        patched.setattr(CursorWrapper, "execute", down)
        responses.append(scim.get("Users"))  # 503, failing in the gate
    return responses


def test_the_token_never_appears_in_logs_errors_mail_or_the_request_log(
    scim, integration, everything_logged, capsys, monkeypatch
):
    statuses = {r.status_code for r in full_request_cycle(scim, monkeypatch)}
    assert {200, 201, 304, 400, 401, 404, 409, 412, 500, 503} <= statuses
    secrets = [secret_part(scim.token), scim.token]
    logged = everything_logged.getvalue()
    assert "Unexpected error in the SCIM API" in logged  # the 500 was logged, traceback and all
    outputs = {
        "logs": logged,
        "stdout/stderr": "".join(capsys.readouterr()),
        "mail": "".join(m.body + m.subject for m in mail.outbox),
        "request log": repr(list(RequestLogEntry.objects.values())),
        "activity": repr(list(ActivityEvent.objects.values())),
        "stored integration": repr(ScimIntegration.objects.filter(pk=integration.pk).values()[0]),
    }
    for where, text in outputs.items():
        for secret in secrets:
            assert secret not in text, f"the token is in the {where}"
    assert RequestLogEntry.objects.filter(status=500).exists()


def test_error_bodies_and_headers_never_echo_the_token(scim, monkeypatch):
    for response in full_request_cycle(scim, monkeypatch):
        seen = response.content.decode() + repr(response.items())
        assert secret_part(scim.token) not in seen, response.status_code


def test_the_admin_and_the_settings_page_never_show_the_token(scim, integration, admin_client):
    scim.get("Users")  # a request log entry and a last use
    staff_client = Client()  # not the `client` fixture: admin_client signed that one in
    staff_client.force_login(
        UserFactory(company=None, email="staff@example.com", is_staff=True, is_superuser=True)
    )
    pages = [
        "/admin/provisioning/scimintegration/",
        f"/admin/provisioning/scimintegration/{integration.pk}/change/",
        "/admin/provisioning/requestlogentry/",
        "/admin/provisioning/activityevent/",
    ]
    for url in pages:
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert secret_part(scim.token) not in response.content.decode(), url
    masked = tokens.mask(scim.token[: tokens.PREFIX_LENGTH], scim.token[-4:])
    assert masked in staff_client.get(pages[0]).content.decode()
    settings_page = admin_client.get("/settings/admin/scim/").content.decode()
    assert secret_part(scim.token) not in settings_page
    assert masked in settings_page


# ---------------------------------------------------------------------------------------------
# Tenant isolation


@pytest.fixture
def globex(other_company_scim) -> dict:
    """Company B (Globex): two users, a group holding one of them, through its own token."""
    b = other_company_scim
    users = [
        b.post("Users", new_user_body(f"{name}@globex.example")).json()["id"]
        for name in ("hank", "mindy")
    ]
    group = b.post("Groups", {"schemas": [GROUP], "displayName": "Globex Ops"}).json()["id"]
    b.patch(
        f"Groups/{group}",
        {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": users[0]}]}],
        },
    )
    return {"client": b, "Users": users, "Groups": [group]}


def snapshot(client) -> dict:
    """Company B as B itself sees it, plus every row behind it."""
    company = ScimIntegration.objects.get(token_prefix=client.token[: tokens.PREFIX_LENGTH]).company
    users = DashboardUser.objects.filter(company=company)
    return {
        "Users": client.get("Users").json(),
        "Groups": client.get("Groups").json(),
        "user rows": list(users.order_by("pk").values()),
        "memberships": list(
            WorkspaceMembership.objects.filter(user__in=users).order_by("pk").values()
        ),
        "roles": list(Role.objects.filter(company=company).order_by("pk").values()),
        "assignments": list(RoleAssignment.objects.filter(user__in=users).order_by("pk").values()),
    }


def comparable(response) -> tuple:
    """A response with what differs between any two requests (rate-limit counters) left out."""
    headers = {k: v for k, v in response.items() if not k.startswith("X-RateLimit")}
    return response.status_code, response.content, headers


RANDOM_ID = "00000000-00000000-00000000-00000000"


def detail_requests(resource: str, public_id: str) -> dict:
    user_doc = new_user_body("hank@globex.example", active=False)
    group_doc = {"schemas": [GROUP], "displayName": "Mine now", "members": []}
    patch = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "path": "displayName", "value": "x"}]
        if resource == "Groups"
        else [{"op": "replace", "path": "active", "value": False}],
    }
    path = f"{resource}/{public_id}"
    return {
        "GET": lambda c: c.get(path),
        "GET If-None-Match *": lambda c: c.get(path, HTTP_IF_NONE_MATCH="*"),
        "PUT": lambda c: c.put(path, user_doc if resource == "Users" else group_doc),
        "PATCH": lambda c: c.patch(path, patch),
        "DELETE": lambda c: c.delete(path),
        "DELETE If-Match *": lambda c: c.delete(path, HTTP_IF_MATCH="*"),
    }


@pytest.mark.parametrize("resource", ["Users", "Groups"])
def test_another_companys_resources_are_exactly_as_missing_as_a_random_id(scim, globex, resource):
    before = snapshot(globex["client"])
    random = detail_requests(resource, RANDOM_ID)
    for theirs in globex[resource]:
        for name, send in detail_requests(resource, theirs).items():
            answer = comparable(send(scim))
            assert answer[0] == 404, (name, answer)
            # The id is in no body or header of a 404: byte for byte the answer to a random id.
            assert answer == comparable(random[name](scim)), name
    assert snapshot(globex["client"]) == before


def test_lists_searches_and_filters_never_show_another_companys_rows(scim, globex):
    scim.post("Users", new_user_body("mine@acme.example"))
    hank, group = globex["Users"][0], globex["Groups"][0]
    queries = {
        "Users": [
            None,
            'userName eq "hank@globex.example"',
            'userName co "globex"',
            f'id eq "{hank}"',
            "userName pr",
            'emails.value sw "hank"',
        ],
        "Groups": [
            None,
            'displayName eq "Globex Ops"',
            f'members.value eq "{hank}"',
            f'id eq "{group}"',
        ],
    }
    theirs = set(globex["Users"]) | set(globex["Groups"])
    for resource, filters in queries.items():
        for expression in filters:
            params = {"filter": expression} if expression else {}
            for response in (
                scim.get(resource, params),
                scim.post(f"{resource}/.search", {"schemas": [SEARCH], **params}),
            ):
                assert response.status_code == 200, (resource, expression)
                seen = {r["id"] for r in response.json()["Resources"]}
                assert not seen & theirs, (resource, expression)
                assert "globex" not in response.content.decode().lower(), (resource, expression)


def test_another_companys_user_cannot_be_made_a_member(scim, globex):
    before = snapshot(globex["client"])
    hank = globex["Users"][0]
    created = scim.post("Groups", {"schemas": [GROUP], "displayName": "Acme Ops"})
    mine = created.json()["id"]
    members = [{"value": hank}]

    def patch_op(**op) -> dict:
        return {"schemas": [PATCH_OP], "Operations": [op]}

    attempts = [
        scim.post("Groups", {"schemas": [GROUP], "displayName": "Sneaky", "members": members}),
        scim.put(f"Groups/{mine}", {"schemas": [GROUP], "displayName": "Ops", "members": members}),
        scim.patch(f"Groups/{mine}", patch_op(op="add", path="members", value=members)),
        scim.patch(f"Groups/{mine}", patch_op(op="replace", value={"members": members})),
    ]
    for response in attempts:
        assert response.status_code == 400, response.content
        assert response.json()["detail"] == f"Unknown member: {hank!r}."  # as for a random id
    # Removing someone who is not a member is not an error, and touches nothing of theirs.
    remove = patch_op(op="remove", path=f'members[value eq "{hank}"]')
    assert scim.patch(f"Groups/{mine}", remove).status_code == 204
    assert not Role.objects.filter(name="Sneaky").exists()
    assert snapshot(globex["client"]) == before


def test_their_token_and_ours_are_not_interchangeable(scim, globex):
    ours = scim.post("Users", new_user_body("mine@acme.example")).json()["id"]
    assert globex["client"].get(f"Users/{ours}").status_code == 404
    # A company's origin header does not open another company's integration either.
    response = scim.get("Users", HTTP_X_REQUEST_ORIGIN=globex["client"].origin)
    assert response.status_code == 401


# ---------------------------------------------------------------------------------------------
# The pages' browser protections


def test_the_settings_page_cannot_be_framed_or_sniffed(admin_client):
    response = admin_client.get("/settings/admin/scim/")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_the_settings_forms_refuse_a_post_without_a_csrf_token(company_admin, workspace):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(company_admin)
    for url in ("/settings/admin/scim/", "/settings/admin/scim/token/reset/"):
        response = browser.post(url, {"default_workspace": workspace.pk})
        assert response.status_code == 403, url
    assert not ScimIntegration.objects.filter(company=company_admin.company).exists()


def test_a_signed_in_browser_session_opens_no_scim_endpoint(admin_client, scim):
    # SCIM is exempt from CSRF because it takes no cookies: a session alone is a 401.
    response = admin_client.post(
        "/scim/v2/Users", json.dumps(new_user_body()), content_type="application/scim+json"
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_the_scim_api_and_the_openapi_description_are_not_sniffable(scim):
    for response in (scim.get("Users"), scim.get("/api/schema/?format=json")):
        assert response["X-Content-Type-Options"] == "nosniff"


# ---------------------------------------------------------------------------------------------
# Production settings


PROBE = """
import json
from django.conf import settings
from django.test import Client
names = ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
         "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
         "SECURE_SSL_REDIRECT", "SECURE_CONTENT_TYPE_NOSNIFF", "X_FRAME_OPTIONS", "DEBUG"]
plain = Client(HTTP_HOST="scim.example.com").get("/accounts/login/")
page = Client(HTTP_HOST="scim.example.com").get("/accounts/login/", secure=True)
print(json.dumps({
    "settings": {n: getattr(settings, n) for n in names},
    "plain": [plain.status_code, plain.get("Location")],
    "hsts": page.get("Strict-Transport-Security"),
    "csrf cookie secure": page.cookies["csrftoken"]["secure"],
}))
"""


def test_production_settings_make_cookies_secure_and_send_hsts():
    result = manage("shell", "-c", PROBE, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["settings"] == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
        "DEBUG": False,
    }
    assert seen["plain"] == [301, "https://scim.example.com/accounts/login/"]
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert seen["csrf cookie secure"] is True
