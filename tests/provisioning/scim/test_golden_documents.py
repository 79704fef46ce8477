"""Golden SCIM documents: a fixed script of requests whose whole answers are pinned in a file.

The script below (`STEPS`) walks every endpoint of the API, in both document shapes (a `custom`
integration gets Braze's shape, an `okta` one the RFC 7643 shape), errors included. Each step's
request and answer (status, the headers an integrator reads, the JSON body) are compared with
`golden/documents.json` step by step: a failure names each step that changed, with a diff.

What varies from one run to the next is masked, the same way in requests and answers:
- users' and groups' generated ids become `<user-N>` / `<group-N>`, numbered in order of first
  appearance, wherever they occur (URLs, `Location`, `meta.location`, `members[].value`/`$ref`);
  a step refers to an earlier resource by its placeholder, and the runner swaps the real id in;
- ETags (`W/"<hex>"`) become `<etag-N>` per distinct value, so "unchanged" and "changed" still show;
- ISO 8601 and Braze-format times become `<iso-time>` / `<braze-time>` (a time in another format
  would stay unmasked and fail the test: the formats are pinned too);
- `X-RateLimit-Reset` becomes `<next-utc-midnight>` only when it is the next UTC midnight.
`X-RateLimit-Remaining` is not masked: each company's counter starts at the default limit in
every test, and every request that passes the token check counts once, so it is the same each run.
Lists are read in creation order (no sortBy) or with an explicit sortBy; nothing relies on an
order the database chooses, so SQLite and PostgreSQL give the same documents.
The fixture data (companies, workspaces, teams, permission sets, roles, users) is created here
with fixed public ids, so nothing from other tests or from the id generator leaks in.

After a deliberate change of the API, rewrite the golden file with one command and review the diff:

    GOLDEN_UPDATE=1 .venv/bin/python -m pytest -q -p no:randomly \
        tests/provisioning/scim/test_golden_documents.py
"""

from __future__ import annotations

import difflib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.test import Client

from tests.factories import (
    CompanyAdminFactory,
    CompanyFactory,
    PermissionSetFactory,
    RoleFactory,
    TeamFactory,
    UserFactory,
    WorkspaceFactory,
)
from tests.provisioning.scim.conftest import make_integration
from tests.provisioning.scim.documents import GROUP, PATCH_OP, SEARCH, USER

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "golden" / "documents.json"
ACME_ORIGIN = "https://idp.acme.example"
DASHBOARD = "urn:ietf:params:scim:schemas:extension:dashboard:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

# The headers an integrator reads; anything else (Vary, X-Frame-Options...) is the framework's.
RESPONSE_HEADERS = (
    "Content-Type",
    "Location",
    "ETag",
    "WWW-Authenticate",
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
)


# ---------------------------------------------------------------------------------------------
# The script


@dataclass(frozen=True)
class Step:
    """One request. `client` names the integration: "acme" (custom, Braze shape) or "initech"
    (Okta, RFC 7643 shape). `headers` add to or, with None, drop the client's usual headers."""

    name: str
    method: str
    path: str
    client: str = "acme"
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None
    content_type: str = "application/scim+json"
    headers: dict[str, str | None] = field(default_factory=dict)


def user_body(email: str, given: str, family: str, **extra: Any) -> dict:
    name = {"givenName": given, "familyName": family}
    return {"schemas": [USER], "userName": email, "name": name, **extra}


def patch(*operations: dict) -> dict:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


FULL_PERMISSIONS = {
    "companyPermissions": ["manage_company_settings"],
    "roles": [{"roleName": "Analysts"}],
    "appGroup": [
        {
            "appGroupName": "Production",
            "appGroupPermissionSets": [{"appGroupPermissionSetName": "Marketer"}],
        },
        {
            "appGroupId": "ws-acme-staging",
            "appGroupPermissions": ["basic_access", "view_campaigns"],
            "team": [{"teamName": "Growth", "teamPermissions": ["edit_segments"]}],
        },
    ],
}

DISCOVERY = [
    Step("discovery: the service provider config", "GET", "ServiceProviderConfig"),
    Step("discovery: the resource types", "GET", "ResourceTypes"),
    Step("discovery: the User resource type", "GET", "ResourceTypes/User"),
    Step("discovery: the schemas", "GET", "Schemas"),
    Step("discovery: the core User schema", "GET", f"Schemas/{USER}"),
    Step(
        "discovery: an identity provider reads the same config",
        "GET",
        "ServiceProviderConfig",
        client="initech",
    ),
]

BRAZE_USERS = [
    Step(
        "users: create without permissions (Braze shape)",
        "POST",
        "Users",
        body=user_body("ada@acme.example", "Ada", "Lovelace", department="engineering"),
    ),
    Step(
        "users: create with the full permissions object",
        "POST",
        "Users",
        body=user_body(
            "grace@acme.example",
            "Grace",
            "Hopper",
            department="bi",
            externalId="ext-grace",
            permissions=FULL_PERMISSIONS,
        ),
    ),
    Step("users: get by id", "GET", "Users/<user-1>"),
    # Without sortBy a list is in creation order (ids), the same on every database.
    Step("users: the first page, in creation order", "GET", "Users"),
    Step(
        "users: a page from startIndex with count",
        "GET",
        "Users",
        query={"startIndex": "2", "count": "1"},
    ),
    Step("users: sorted by userName", "GET", "Users", query={"sortBy": "userName"}),
    Step(
        "users: a sorted page from startIndex with count",
        "GET",
        "Users",
        query={"sortBy": "userName", "startIndex": "2", "count": "2"},
    ),
    Step(
        "users: filter userName eq, in another case",
        "GET",
        "Users",
        query={"filter": 'userName eq "ADA@ACME.EXAMPLE"'},
    ),
    Step(
        "users: a filter that matches nobody",
        "GET",
        "Users",
        query={"filter": 'userName eq "nobody@acme.example"'},
    ),
    Step(
        "users: filter with sw and and",
        "GET",
        "Users",
        query={"filter": 'userName sw "g" and name.familyName eq "Hopper"'},
    ),
    Step(
        "users: sortBy name.familyName descending",
        "GET",
        "Users",
        query={"sortBy": "name.familyName", "sortOrder": "descending", "attributes": "userName"},
    ),
    Step(
        "users: attributes",
        "GET",
        "Users/<user-2>",
        query={"attributes": "userName,name.givenName,department"},
    ),
    Step(
        "users: excludedAttributes",
        "GET",
        "Users/<user-2>",
        query={"excludedAttributes": "permissions,emails,name"},
    ),
    Step(
        "users: POST .search with a filter, attributes and paging",
        "POST",
        "Users/.search",
        body={
            "schemas": [SEARCH],
            "filter": 'emails.value co "acme"',
            "sortBy": "userName",
            "attributes": ["userName", "active"],
            "startIndex": 1,
            "count": 2,
        },
    ),
    Step(
        "users: plain JSON when the client asks for it",
        "GET",
        "Users/<user-1>",
        headers={"Accept": "application/json"},
    ),
    Step(
        "users: PUT replaces the profile and the permissions",
        "PUT",
        "Users/<user-1>",
        body=user_body(
            "ada@acme.example",
            "Augusta",
            "King",
            department="finance",
            permissions={
                "appGroup": [{"appGroupName": "Production", "appGroupPermissions": ["admin"]}]
            },
        ),
    ),
    Step(
        "users: the same PUT again changes nothing, not even the version",
        "PUT",
        "Users/<user-1>",
        body=user_body(
            "ada@acme.example",
            "Augusta",
            "King",
            department="finance",
            permissions={
                "appGroup": [{"appGroupName": "Production", "appGroupPermissions": ["admin"]}]
            },
        ),
    ),
    Step(
        "users: PATCH replaces the given name",
        "PATCH",
        "Users/<user-1>",
        body=patch({"op": "replace", "path": "name.givenName", "value": "Ada"}),
    ),
    Step(
        "users: PATCH active false suspends",
        "PATCH",
        "Users/<user-1>",
        body=patch({"op": "replace", "path": "active", "value": False}),
    ),
    Step(
        "users: PATCH active true restores",
        "PATCH",
        "Users/<user-1>",
        body=patch({"op": "replace", "path": "active", "value": True}),
    ),
    Step(
        "users: PATCH adds a home email",
        "PATCH",
        "Users/<user-1>",
        body=patch(
            {
                "op": "add",
                "path": "emails",
                "value": [{"value": "ada@home.example", "type": "home"}],
            }
        ),
    ),
    Step(
        "users: PATCH removes the home email",
        "PATCH",
        "Users/<user-1>",
        body=patch({"op": "remove", "path": 'emails[type eq "home"]'}),
    ),
    # <etag-9> is the version the PATCH above answered with: edit it when steps before it change.
    Step(
        "users: If-Match with the current ETag is served",
        "PATCH",
        "Users/<user-1>",
        headers={"If-Match": "<etag-9>"},
        body=patch({"op": "add", "path": "nickName", "value": "Countess"}),
    ),
    Step(
        "users: If-Match with a stale ETag is 412",
        "PUT",
        "Users/<user-1>",
        headers={"If-Match": "<etag-1>"},
        body=user_body("ada@acme.example", "Stale", "Write"),
    ),
    Step("users: DELETE", "DELETE", "Users/<user-1>"),
    Step("users: GET after DELETE is 404", "GET", "Users/<user-1>"),
]

RFC_USERS = [
    Step(
        "idp users: create (RFC 7643 shape, default access left out)",
        "POST",
        "Users",
        client="initech",
        body=user_body(
            "linus@initech.example",
            "Linus",
            "Torvalds",
            externalId="00u-linus",
            **{
                "schemas": [USER, ENTERPRISE],
                ENTERPRISE: {"employeeNumber": "42", "department": "Kernel"},
            },
        ),
    ),
    Step(
        "idp users: create with dashboard attributes under their URN",
        "POST",
        "Users",
        client="initech",
        body=user_body(
            "margaret@initech.example",
            "Margaret",
            "Hamilton",
            **{
                "schemas": [USER, DASHBOARD],
                DASHBOARD: {
                    "department": "engineering",
                    "permissions": {"companyPermissions": ["add_remove_app_groups"]},
                },
            },
        ),
    ),
    Step("idp users: get by id", "GET", "Users/<user-3>", client="initech"),
    Step(
        "idp users: list",
        "GET",
        "Users",
        client="initech",
    ),
    Step(
        "idp users: filter userName eq",
        "GET",
        "Users",
        client="initech",
        query={"filter": 'userName eq "linus@initech.example"'},
    ),
    Step(
        "idp users: Entra's capitalised op and string boolean",
        "PATCH",
        "Users/<user-3>",
        client="initech",
        body=patch({"op": "Replace", "path": "active", "value": "False"}),
    ),
    Step(
        "idp users: Okta's path-less replace",
        "PATCH",
        "Users/<user-3>",
        client="initech",
        body=patch({"op": "replace", "value": {"active": True, "displayName": "Linus T."}}),
    ),
    Step(
        "idp users: PUT",
        "PUT",
        "Users/<user-3>",
        client="initech",
        body=user_body("linus@initech.example", "Linus", "Torvalds", title="Fellow"),
    ),
    Step("idp users: DELETE", "DELETE", "Users/<user-4>", client="initech"),
]

GROUPS = [
    Step(
        "groups: create with members",
        "POST",
        "Groups",
        body={
            "schemas": [GROUP],
            "displayName": "Engineers",
            "externalId": "okta-eng",
            "members": [{"value": "acme-admin"}],
        },
    ),
    Step("groups: get by id", "GET", "Groups/<group-1>"),
    Step("groups: list, in creation order", "GET", "Groups"),
    Step(
        "groups: list, sorted by displayName descending",
        "GET",
        "Groups",
        query={"sortBy": "displayName", "sortOrder": "descending"},
    ),
    Step(
        "groups: filter displayName eq without members",
        "GET",
        "Groups",
        query={"filter": 'displayName eq "engineers"', "excludedAttributes": "members"},
    ),
    Step(
        "groups: PATCH adds a member",
        "PATCH",
        "Groups/<group-1>",
        body=patch({"op": "add", "path": "members", "value": [{"value": "<user-2>"}]}),
    ),
    Step(
        "groups: the member now holds the role",
        "GET",
        "Users/<user-2>",
        query={"attributes": "permissions"},
    ),
    Step(
        "groups: PATCH removes a member",
        "PATCH",
        "Groups/<group-1>",
        body=patch({"op": "remove", "path": 'members[value eq "acme-admin"]'}),
    ),
    Step(
        "groups: PATCH renames",
        "PATCH",
        "Groups/<group-1>",
        body=patch({"op": "replace", "path": "displayName", "value": "Engineering"}),
    ),
    Step("groups: get after the PATCHes", "GET", "Groups/<group-1>"),
    Step(
        "groups: PUT renames and replaces the members",
        "PUT",
        "Groups/<group-1>",
        body={
            "schemas": [GROUP],
            "displayName": "Platform",
            "members": [{"value": "acme-admin"}, {"value": "<user-2>"}],
        },
    ),
    Step(
        "groups: POST .search",
        "POST",
        "Groups/.search",
        body={
            "schemas": [SEARCH],
            "filter": 'displayName sw "P"',
            "excludedAttributes": ["members"],
        },
    ),
    Step(
        "groups: a duplicate displayName is 409",
        "POST",
        "Groups",
        body={"schemas": [GROUP], "displayName": "platform"},
    ),
    Step("groups: DELETE", "DELETE", "Groups/<group-1>"),
    Step("groups: GET after DELETE is 404", "GET", "Groups/<group-1>"),
    Step(
        "idp groups: create",
        "POST",
        "Groups",
        client="initech",
        body={"schemas": [GROUP], "displayName": "Kernel", "members": [{"value": "<user-3>"}]},
    ),
]

ERRORS = [
    Step("errors: no token is 401", "GET", "Users", headers={"Authorization": None}),
    Step(
        "errors: a wrong token is 401",
        "GET",
        "Users",
        headers={"Authorization": "Bearer not-a-real-token"},
    ),
    Step(
        "errors: a custom integration without X-Request-Origin is 401",
        "GET",
        "Users",
        headers={"X-Request-Origin": None},
    ),
    Step("errors: malformed JSON is 400 invalidSyntax", "POST", "Users", body='{"schemas": ['),
    Step(
        "errors: an unknown workspace is 400 invalidValue",
        "POST",
        "Users",
        body=user_body(
            "new@acme.example",
            "New",
            "User",
            permissions={"appGroup": [{"appGroupName": "Nowhere"}]},
        ),
    ),
    Step(
        "errors: a duplicate userName in another case is 409 uniqueness",
        "POST",
        "Users",
        body=user_body("GRACE@acme.example", "Grace", "Again"),
    ),
    Step(
        "errors: another company's email is 409 without saying where",
        "POST",
        "Users",
        body=user_body("bob@initech.example", "Bob", "Elsewhere"),
    ),
    Step(
        "errors: a bad filter is 400 invalidFilter", "GET", "Users", query={"filter": "userName eq"}
    ),
    Step("errors: an unknown user id is 404", "GET", "Users/no-such-user"),
    Step(
        "errors: an unknown group id is 404",
        "PATCH",
        "Groups/no-such-group",
        body=patch({"op": "replace", "path": "displayName", "value": "X"}),
    ),
    Step("errors: another company's user is 404", "GET", "Users/<user-2>", client="initech"),
    Step(
        "errors: an unsupported media type is 415",
        "POST",
        "Users",
        body="userName=someone@acme.example",
        content_type="text/plain",
    ),
    Step(
        "errors: more than 100 attribute names is 400",
        "GET",
        "Users",
        query={"attributes": ",".join(f"a{i}" for i in range(101))},
    ),
    Step(
        "errors: a NUL in a string is 400",
        "POST",
        "Users",
        body=user_body("nul@acme.example", "A\u0000", "Nul"),
    ),
    Step(
        "errors: a lone surrogate in a string is 400",
        "POST",
        "Users",
        # As raw JSON text: the escape is what a client sends, and a lone surrogate can't be
        # written to a UTF-8 file.
        body=json.dumps(user_body("\ud800@acme.example", "Lone", "Surrogate")),
    ),
    Step("errors: an id like %00 is 404", "GET", "Users/%00"),
    Step(
        "errors: a PUT that changes userName is 400 mutability",
        "PUT",
        "Users/<user-2>",
        body=user_body("someone.else@acme.example", "Grace", "Hopper"),
    ),
    Step(
        "errors: a PATCH of an unknown attribute is 400",
        "PATCH",
        "Users/<user-2>",
        body=patch({"op": "replace", "path": "favouriteColour", "value": "blue"}),
    ),
    Step("errors: deleting the company's last admin is 409", "DELETE", "Users/acme-admin"),
    Step("errors: an unknown endpoint is 404", "GET", "Widgets"),
    Step(
        "errors: a search at the root is 501",
        "POST",
        ".search",
        body={"schemas": [SEARCH], "filter": 'userName eq "ada@acme.example"'},
    ),
]

STEPS = DISCOVERY + BRAZE_USERS + RFC_USERS + GROUPS + ERRORS


# ---------------------------------------------------------------------------------------------
# Fixture data: explicit, with fixed public ids, so the documents depend on nothing else


@pytest.fixture
def clients(db) -> dict[str, tuple[str, str | None]]:
    """Two companies: Acme on a custom integration, Initech on Okta. Returns each client's token
    and the origin it sends (identity providers send none)."""
    acme = CompanyFactory(name="Acme")
    production = WorkspaceFactory(company=acme, name="Production", public_id="ws-acme-production")
    staging = WorkspaceFactory(company=acme, name="Staging", public_id="ws-acme-staging")
    TeamFactory(workspace=staging, name="Growth", public_id="team-acme-growth")
    marketer = PermissionSetFactory(
        workspace=production,
        name="Marketer",
        public_id="pset-acme-marketer",
        permissions=["basic_access", "edit_segments"],
    )
    analysts = RoleFactory(company=acme, name="Analysts", public_id="role-acme-analysts")
    analysts.permission_sets.add(marketer)
    CompanyAdminFactory(
        company=acme,
        email="admin@acme.example",
        given_name="Alice",
        family_name="Admin",
        department="c_suite",
        public_id="acme-admin",
    )
    initech = CompanyFactory(name="Initech")
    initech_production = WorkspaceFactory(
        company=initech, name="Initech Production", public_id="ws-initech-production"
    )
    UserFactory(
        company=initech,
        email="bob@initech.example",
        given_name="Bob",
        family_name="Slydell",
        public_id="initech-bob",
    )
    _, acme_token = make_integration(acme, production, origin=ACME_ORIGIN)
    _, initech_token = make_integration(initech, initech_production, method="okta")
    return {"acme": (acme_token, ACME_ORIGIN), "initech": (initech_token, None)}


# ---------------------------------------------------------------------------------------------
# Masking


USER_ID = re.compile(r"\b[0-9a-f]{8}(?:-[0-9a-f]{8}){3}\b")
GROUP_ID = re.compile(r"\b[0-9a-f]{24}\b")
ETAG = re.compile(r'W/"[0-9a-f]+"')
ISO_TIME = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?Z")
BRAZE_TIME = re.compile(r"\b\d{4} [A-Z][a-z]{2} \d{1,2}, \d{1,2}:\d\d [AP]M\b")
PLACEHOLDER = re.compile(r"<(?:user|group|etag)-\d+>")


class Masker:
    """Replaces what the server generates with stable placeholders, and back for requests."""

    def __init__(self) -> None:
        self.placeholders: dict[str, str] = {}  # real value -> placeholder
        self.counts: dict[str, int] = {}

    def _placeholder(self, kind: str, real: str) -> str:
        if real not in self.placeholders:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            self.placeholders[real] = f"<{kind}-{self.counts[kind]}>"
        return self.placeholders[real]

    def mask(self, value: Any) -> Any:
        """Strings are masked left to right, documents in the order the server wrote them, so
        placeholders are numbered in order of first appearance."""
        if isinstance(value, dict):
            return {key: self.mask(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.mask(item) for item in value]
        if not isinstance(value, str):
            return value
        for kind, pattern in (("etag", ETAG), ("user", USER_ID), ("group", GROUP_ID)):
            value = pattern.sub(lambda m, kind=kind: self._placeholder(kind, m[0]), value)
        value = ISO_TIME.sub("<iso-time>", value)
        return BRAZE_TIME.sub("<braze-time>", value)

    def unmask(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: self.unmask(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.unmask(item) for item in value]
        if not isinstance(value, str):
            return value
        reals = {placeholder: real for real, placeholder in self.placeholders.items()}
        return PLACEHOLDER.sub(lambda m: reals.get(m[0]) or self._unseen(m[0]), value)

    @staticmethod
    def _unseen(placeholder: str) -> str:
        raise AssertionError(f"a step refers to {placeholder} before any answer showed it")


def masked_reset(value: str) -> str:
    """The reset is the next UTC midnight (README: "epoch seconds of the next UTC midnight")."""
    seconds = int(value)
    # A minute's slack either way: a request made just before midnight, checked just after.
    is_next_midnight = seconds % 86400 == 0 and -60 < seconds - time.time() <= 86400 + 60
    return "<next-utc-midnight>" if is_next_midnight else value


# ---------------------------------------------------------------------------------------------
# The runner


def send(step: Step, masker: Masker, clients: dict) -> tuple[dict, dict]:
    """Sends one step; returns its request and its answer as the golden file records them."""
    token, origin = clients[step.client]
    headers = {"Authorization": f"Bearer <{step.client} token>", "X-Request-Origin": origin}
    headers = {name: value for name, value in (headers | step.headers).items() if value}
    meta = {
        f"HTTP_{name.upper().replace('-', '_')}": masker.unmask(value).replace(
            f"<{step.client} token>", token
        )
        for name, value in headers.items()
    }
    # `%` is safe: a step may hold an already-encoded path (`Users/%00`).
    url = "/scim/v2/" + quote(masker.unmask(step.path), safe="/:.%")
    if step.query:
        url += "?" + urlencode(masker.unmask(step.query))
    body = masker.unmask(step.body)
    data = body if body is None or isinstance(body, str) else json.dumps(body)
    kwargs = {} if data is None else {"data": data, "content_type": step.content_type}
    response = getattr(Client(), step.method.lower())(url, **kwargs, **meta)

    if data is not None:
        headers["Content-Type"] = step.content_type
    request = {
        "client": step.client,
        "method": step.method,
        "path": f"/scim/v2/{step.path}",
        "query": step.query or None,
        "headers": headers,
        "body": step.body,
    }
    return request, masker.mask(recorded_answer(response))


def recorded_answer(response) -> dict:
    headers = {name: response[name] for name in RESPONSE_HEADERS if response.has_header(name)}
    if "X-RateLimit-Reset" in headers:
        headers["X-RateLimit-Reset"] = masked_reset(headers["X-RateLimit-Reset"])
    body = None
    if response.content:
        try:
            body = json.loads(response.content)
        except ValueError:
            body = response.content.decode()
    return {"status": response.status_code, "headers": headers, "body": body}


def run_script(clients: dict) -> list[dict]:
    masker = Masker()
    records = []
    for step in STEPS:
        request, answer = send(step, masker, clients)
        records.append({"step": step.name, "request": request, "response": answer})
    return records


def dump(records: list[dict]) -> str:
    return json.dumps({"steps": records}, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_the_script_of_requests_gets_the_golden_documents(clients):
    # A round trip through JSON, so what is compared is exactly what the file can hold.
    actual = json.loads(dump(run_script(clients)))["steps"]
    if os.environ.get("GOLDEN_UPDATE"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(dump(actual), encoding="utf-8")
        pytest.skip(f"GOLDEN_UPDATE is set: rewrote {GOLDEN.name}; review the diff")
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))["steps"]

    assert [r["step"] for r in actual] == [r["step"] for r in golden], "the script changed"
    changed = [
        f"step {number}: {record['step']}\n{diff(expected, record)}"
        for number, (record, expected) in enumerate(zip(actual, golden, strict=True), start=1)
        if record != expected
    ]
    if changed:
        pytest.fail(f"{len(changed)} of {len(golden)} steps changed:\n\n" + "\n".join(changed))


def diff(expected: dict, actual: dict) -> str:
    """A unified diff of one step's pretty-printed JSON: pytest's own dict diff hides nested
    differences unless run with -vv."""
    lines = difflib.unified_diff(
        json.dumps(expected, indent=2, sort_keys=True, ensure_ascii=False).splitlines(),
        json.dumps(actual, indent=2, sort_keys=True, ensure_ascii=False).splitlines(),
        "golden",
        "now",
        lineterm="",
    )
    return "\n".join(lines)


def test_every_step_has_its_own_name():
    names = [step.name for step in STEPS]
    assert len(names) == len(set(names))
