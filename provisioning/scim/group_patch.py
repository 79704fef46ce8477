"""PATCH on Groups: membership operations go straight to the role's assignments (so adding one
member to a 10,000-member group touches one row), everything else through the generic engine."""

from __future__ import annotations

from collections.abc import Callable

from scim2_models.path import Comparison, LogicalExpr, ValuePath
from scim2_models.path.expressions import LogicalOperator

from provisioning.scim import idp_quirks, patch
from provisioning.scim.groups import GroupInput, member_ids, parse_group
from provisioning.scim.urns import GROUP_SCHEMA
from workspaces import services
from workspaces.models import Role


def _is_members(op: patch.Operation) -> bool:
    if op.path is None:
        return False
    attr_path = op.path.attr_path if isinstance(op.path, ValuePath) else op.path
    return attr_path.attr.lower() == "members" and not attr_path.sub_attr


def split(operations: list[patch.Operation]) -> tuple[list[patch.Operation], list[patch.Operation]]:
    """Separate member operations from the rest; a path-less value may hold both (Okta sends
    `{"op": "replace", "value": {"id": .., "displayName": .., "members": [..]}}`, whose `id`
    `patch.writable` has dropped)."""
    members, others = [], []
    for op in operations:
        if _is_members(op):
            members.append(op)
        elif op.path is None and isinstance(op.value, dict):
            value = idp_quirks.canonical_keys(op.value, {"members": "members"})
            rest = {k: v for k, v in value.items() if k != "members"}
            if "members" in value:
                members.append(patch.Operation(op.op, None, value["members"], "members"))
            if rest:
                others.append(patch.Operation(op.op, None, rest, None))
        else:
            others.append(op)
    return members, others


def attributes(document: dict) -> GroupInput:
    """The group's displayName and externalId after the operations, checked as a PUT's."""
    return parse_group({"schemas": [GROUP_SCHEMA], **document})


def _filtered_ids(op: patch.Operation) -> list[str]:
    """`members[value eq "a"]` or `members[value eq "a" or value eq "b"]` -> ["a", "b"]."""
    node = op.path.val_filter
    terms = (
        node.terms if isinstance(node, LogicalExpr) and node.op == LogicalOperator.or_ else (node,)
    )
    ids = []
    for term in terms:
        if not (
            isinstance(term, Comparison)
            and term.attr_path.attr.lower() == "value"
            and term.op.value.lower() == "eq"
            and isinstance(term.value, str)
        ):
            raise patch.invalid_path(f"Unsupported member filter: {op.raw_path}.")
        ids.append(term.value)
    return ids


def apply_member_operation(
    role: Role, op: patch.Operation, resolve: Callable[[list[str]], set[int]]
) -> None:
    if isinstance(op.path, ValuePath):
        if op.op != "remove":
            raise patch.invalid_path("Only remove may select members by a filter.")
        # Removing someone who is not (or no longer) a member is not an error.
        services.role_remove_members(role=role, users=_resolve_known(role, _filtered_ids(op)))
        return
    if op.op == "remove":
        if op.value is None:
            services.role_clear_members(role=role)
        else:  # Entra without aadOptscim062020 lists the members to remove as the value
            services.role_remove_members(
                role=role, users=_resolve_known(role, member_ids(op.value))
            )
        return
    ids = resolve(member_ids(op.value if isinstance(op.value, list) else [op.value]))
    if op.op == "add":
        services.role_add_members(role=role, users=ids)
    else:
        services.role_set_members(role=role, users=ids)


def _resolve_known(role: Role, public_ids: list[str]) -> set[int]:
    from workspaces import selectors

    return set(selectors.user_ids_by_public_id(role.company_id, set(public_ids)).values())
