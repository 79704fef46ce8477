"""The operations the bench drives: one request template each, filled from a pool of rows.

The same template feeds wrk (through lua/scim.lua) and the SQL query count (through Django's
test client), so both measure the same request. Placeholders: `{name}` is a field of the pool row
or one of scim.lua's per-thread values (`n`, `tid`, `run`, `active`) or an operation variable.
The headers are templates too: every row carries the token and origin of its company, so each
request goes out as that company's identity provider would send it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USERS = "/scim/v2/Users"
PLACEHOLDER = re.compile(r"\{([A-Za-z0-9]+)\}")  # Lua's %w+: no underscore
# Braze's documented User shape: a workspace ("appGroup") grant by name with one permission.
PERMISSIONS = {
    "appGroup": [{"appGroupName": "Production", "appGroupPermissions": ["basic_access"]}]
}


def _json(doc: dict) -> str:
    return json.dumps(doc, separators=(",", ":"))


def _patch(operation: dict) -> str:
    return _json({"schemas": [PATCH_SCHEMA], "Operations": [operation]})


def _user(email: str, given: str, family: str) -> str:
    return _json(
        {
            "schemas": [USER_SCHEMA],
            "userName": email,
            "name": {"givenName": given, "familyName": family},
            "department": "marketing",
            "permissions": PERMISSIONS,
        }
    )


@dataclass(frozen=True)
class Op:
    name: str
    method: str
    path: str
    body: str | None = None
    # users | companies | pages | prefixes | deletable | add (bench/run.py, `build_pools`)
    pool: str = "companies"
    floor_ratio: float | None = None  # the throughput target, as a fraction of the floor
    note: str = ""
    expect: frozenset[int] = field(default=frozenset(range(200, 300)))


OPERATIONS = [
    Op("floor", "GET", "/bench/floor?email={email}", pool="users", note="bench/floor.py"),
    Op(
        "lookup_hit",
        "GET",
        USERS + "?filter=userName%20eq%20%22{email}%22",
        pool="users",
        floor_ratio=0.70,
    ),
    Op(
        "lookup_miss",
        "GET",
        USERS + "?filter=userName%20eq%20%22nobody.{run}.{tid}.{n}%40acme.example%22",
        floor_ratio=0.70,
    ),
    Op("get", "GET", USERS + "/{id}", pool="users", floor_ratio=0.70),
    Op("list_first", "GET", USERS + "?startIndex=1&count=100", pool="pages", floor_ratio=0.15),
    Op(
        "list_last",
        "GET",
        USERS + "?startIndex={last}&count=100",
        pool="pages",
        floor_ratio=0.15,
    ),
    Op(
        "filter_sw",
        "GET",
        USERS + "?filter=name.familyName%20sw%20%22{prefix}%22&count=10",
        pool="prefixes",
    ),
    Op(
        "put",
        "PUT",
        USERS + "/{id}",
        _user("{email}", "Put{n}", "{family}"),
        pool="users",
        floor_ratio=0.40,
    ),
    Op(
        "patch_replace",
        "PATCH",
        USERS + "/{id}",
        _patch({"op": "replace", "path": "name.givenName", "value": "Patch{n}"}),
        pool="users",
        floor_ratio=0.40,
    ),
    Op(
        "patch_suspend",
        "PATCH",
        USERS + "/{id}",
        # `active` is a JSON boolean: the placeholder goes in unquoted.
        _patch({"op": "replace", "path": "active", "value": "ACTIVE"}).replace(
            '"ACTIVE"', "{active}"
        ),
        pool="users",
        floor_ratio=0.40,
    ),
    Op(
        "group_add_10",
        "PATCH",
        "/scim/v2/Groups/{small}",
        _patch({"op": "add", "path": "members", "value": [{"value": "{id}"}]}),
        pool="add",
    ),
    Op(
        "group_add_10k",
        "PATCH",
        "/scim/v2/Groups/{big}",
        _patch({"op": "add", "path": "members", "value": [{"value": "{id}"}]}),
        pool="add",
    ),
    Op(
        "post",
        "POST",
        USERS,
        _user("bench.{run}.{tid}.{n}@new.example", "Post{n}", "Bench"),
        floor_ratio=0.40,
    ),
    Op("delete", "DELETE", USERS + "/{id}", pool="deletable"),
]
BY_NAME = {op.name: op for op in OPERATIONS}


def fill(template: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)


def headers(*, body: bool) -> dict[str, str]:
    result = {
        "Authorization": "Bearer {token}",
        "X-Request-Origin": "{origin}",
        "Accept": "application/scim+json",
    }
    if body:
        result["Content-Type"] = "application/scim+json"
    return result


def write_lua_data(
    path: Path,
    op: Op,
    *,
    pool: list[dict],
    variables: dict[str, str],
    headers: dict[str, str],
    run: str,
    nthreads: int,
) -> None:
    data = {
        "method": op.method,
        "path": op.path,
        "body": op.body,
        "headers": headers,
        "pool": pool,
        "vars": variables,
        "run": run,
        "nthreads": nthreads,
    }
    path.write_text("return " + _lua(data) + "\n")


def _lua(value) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        text = json.dumps(value)  # ASCII-only: every escape JSON uses here is valid Lua too
        if "\\u" in text:
            raise ValueError(f"non-ASCII text cannot go to Lua: {value!r}")
        return text
    if isinstance(value, list):
        return "{" + ",".join(_lua(v) for v in value) + "}"
    if isinstance(value, dict):
        return "{" + ",".join(f"[{_lua(str(k))}]={_lua(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))
