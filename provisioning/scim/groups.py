"""SCIM Group documents (company roles) <-> service arguments, checked against `resources.GROUP`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from provisioning.scim import resources
from provisioning.scim.errors import bad_request
from provisioning.scim.etags import version_of
from provisioning.scim.resources import GROUP
from provisioning.scim.urns import GROUP_SCHEMA
from provisioning.scim.users import iso_time
from workspaces.models import Role

_MEMBERS = GROUP.find("members")[1]


@dataclass(frozen=True)
class GroupInput:
    display_name: str
    external_id: str
    members: list[str] | None  # public ids; None: the request did not mention members


def member_ids(value: Any) -> list[str]:
    """`[{"value": "<user id>"}, ...]` -> ["<user id>", ...] (Okta adds `display`, Entra `$ref`)."""
    return [member["value"] for member in resources.clean(value, _MEMBERS, "members") or []]


def parse_group(data: Any) -> GroupInput:
    if not isinstance(data, dict):
        raise bad_request("The body must be a JSON object.", "invalidSyntax")
    resources.check_schemas(data, GROUP_SCHEMA)
    values = resources.clean(data, GROUP.root, "")
    fields, _ = GROUP.stored(values)
    members = values.get("members")
    return GroupInput(
        display_name=fields["name"],
        external_id=fields.get("external_id", ""),
        members=[member["value"] for member in members] if members is not None else None,
    )


def render_group(
    role: Role,
    *,
    location: str,
    members: list[tuple[str, str]] | None,
    member_url: Callable[[str], str],
) -> dict:
    doc = {"schemas": [GROUP_SCHEMA], "id": role.public_id, "displayName": role.name}
    if role.external_id:
        doc["externalId"] = role.external_id
    if members is not None:
        doc["members"] = [
            {"value": public_id, "type": "User", "$ref": member_url(public_id)}
            for public_id, _email in members
        ]
    doc["meta"] = {
        "resourceType": "Group",
        "created": iso_time(role.created_at),
        "lastModified": iso_time(role.updated_at),
        "location": location,
        "version": version_of(role.updated_at),
    }
    return doc
