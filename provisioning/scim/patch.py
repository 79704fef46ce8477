"""PATCH (RFC 7644 §3.5.2): operations applied to a resource's writable document, a plain dict.

The view builds the document from the stored resource, `writable` checks each operation's
attributes against the resource's description, `apply_operations` changes the document in memory,
and the view validates and saves the result in one transaction: one bad operation changes nothing.
Attribute names are matched case-insensitively; IdP quirks are undone by `idp_quirks` helpers.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from scim2_models.exceptions import SCIMException
from scim2_models.path import (
    AttrPath,
    Comparison,
    FilterNode,
    LogicalExpr,
    Not,
    Path,
    Present,
    ValuePath,
)
from scim2_models.path.expressions import LogicalOperator

from provisioning.scim import idp_quirks
from provisioning.scim.errors import ScimError, bad_request
from provisioning.scim.filters import filter_problem
from provisioning.scim.limits import MAX_PATCH_OPERATIONS, MAX_PATCH_VALUES
from provisioning.scim.resources import Resource, Schema
from provisioning.scim.urns import PATCH_OP_SCHEMA


@dataclass(frozen=True)
class Operation:
    op: str  # add | remove | replace
    path: AttrPath | ValuePath | None
    value: Any
    raw_path: str | None


def invalid_path(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidPath")


def no_target(detail: str) -> ScimError:
    return ScimError(400, detail, "noTarget")


def parse_operations(body: Any) -> list[Operation]:
    """Validate a PatchOp body. A missing `schemas` is tolerated (seen from real clients)."""
    if not isinstance(body, dict):
        raise bad_request("The body must be a PatchOp object.", "invalidSyntax")
    schemas = body.get("schemas")
    if schemas is not None and (not isinstance(schemas, list) or PATCH_OP_SCHEMA not in schemas):
        raise bad_request(f"'schemas' must be [{PATCH_OP_SCHEMA}].", "invalidSyntax")
    raw_ops = idp_quirks.patch_operations(body)
    if not isinstance(raw_ops, list) or not raw_ops:
        raise bad_request("'Operations' must be a non-empty array.", "invalidSyntax")
    if len(raw_ops) > MAX_PATCH_OPERATIONS:
        raise bad_request(f"At most {MAX_PATCH_OPERATIONS} operations per request.")
    operations = [_parse_operation(raw) for raw in raw_ops]
    # Each value (a group member, most often) is work of its own: bounded across the request.
    if sum(_value_count(op.value) for op in operations) > MAX_PATCH_VALUES:
        raise bad_request(f"At most {MAX_PATCH_VALUES} values per request, in all operations.")
    return operations


def _value_count(value: Any) -> int:
    """How many values an operation carries: the members of a path-less group value count too
    (Okta's `{"members": [...]}`)."""
    if isinstance(value, list):
        return len(value)
    if isinstance(value, dict):
        return max(1, sum(len(item) for item in value.values() if isinstance(item, list)))
    return 1


def _parse_operation(raw: Any) -> Operation:
    if not isinstance(raw, dict):
        raise bad_request("Each operation must be an object.", "invalidSyntax")
    raw = {k.lower() if isinstance(k, str) else k: v for k, v in raw.items()}
    op = idp_quirks.canonical_op(raw.get("op"))
    raw_path = raw.get("path")
    if raw_path is not None and not isinstance(raw_path, str):
        raise invalid_path("'path' must be a string.")
    path = None
    if raw_path and raw_path.strip():
        try:
            path = Path(raw_path.strip()).ast
        except (SCIMException, ValueError, RecursionError):
            raise invalid_path(f"The path is not valid: {raw_path!r}.") from None
        problem = filter_problem(path)
        if problem:
            raise invalid_path(problem)
    if op == "remove" and path is None:
        raise no_target("A remove operation needs a path.")
    if op != "remove" and "value" not in raw:
        raise bad_request(f"The {op} operation needs a value.", "invalidSyntax")
    return Operation(op=op, path=path, value=raw.get("value"), raw_path=raw_path)


# ---------------------------------------------------------------------------------------------
# The attributes operations name


def writable(operations: list[Operation], resource: Resource) -> list[Operation]:
    """The operations with what they may change: a path (or a key of a path-less value) that
    names no attribute of the resource is a 400 `invalidPath` (RFC 7644 §3.5.2); one that names
    a readOnly attribute is ignored, as in a PUT (RFC 7644 §3.5.1)."""
    kept = []
    for op in operations:
        if op.path is None:
            if isinstance(op.value, dict):
                value = {k: v for k, v in op.value.items() if not _read_only(str(k), resource)}
                op = Operation(op.op, None, value, None)
            kept.append(op)
        elif not _read_only(_path_name(op.path), resource):
            kept.append(op)
    return kept


def _path_name(path: AttrPath | ValuePath) -> str:
    attr_path = path.attr_path if isinstance(path, ValuePath) else path
    name = f"{attr_path.uri}:{attr_path.attr}" if attr_path.uri else attr_path.attr
    sub = attr_path.sub_attr or (path.sub_attr if isinstance(path, ValuePath) else None)
    return f"{name}.{sub}" if sub else name


def _read_only(name: str, resource: Resource) -> bool:
    """Whether `name` is a readOnly attribute, or inside one; a name the resource doesn't have
    is a 400."""
    if name.lower() == "schemas":
        return True  # says which schemas the document uses: not a value to change
    prefix, colon, short = name.rpartition(":")
    attribute, dot, _ = short.partition(".")
    parent = resource.find(f"{prefix}{colon}{attribute}") if dot else None
    if parent is not None and parent[1].mutability == "readOnly":
        return True
    found = resource.find(name)
    if found is None:
        raise invalid_path(f"Unknown attribute: {name!r}.")
    return found[1].mutability == "readOnly"


# ---------------------------------------------------------------------------------------------
# Applying operations to a document


def find_key(doc: dict, name: str) -> str | None:
    lowered = name.lower()
    return next((k for k in doc if isinstance(k, str) and k.lower() == lowered), None)


def _container(doc: dict, uri: str | None, resource: Resource) -> dict:
    """The dict an attribute lives in: the document itself (which also holds the flat
    extension's attributes, as Braze's shape does), or an extension's object."""
    if not uri or uri.lower() in _top_level(resource):
        return doc
    key = find_key(doc, uri)
    if key is None:
        key = uri
        doc[key] = {}
    if not isinstance(doc[key], dict):
        raise invalid_path(f"{uri} is not an extension object.")
    return doc[key]


def _top_level(resource: Resource) -> tuple[str, ...]:
    return tuple(schema.id.lower() for schema in (resource.core, resource.flat) if schema)


def _merge(current: Any, value: Any, op: str) -> Any:
    """RFC 7644 §3.5.2.1/3: complex values merge sub-attributes; add appends to multi-values."""
    if isinstance(current, dict) and isinstance(value, dict):
        merged = dict(current)
        for key, item in value.items():
            existing = find_key(merged, key)
            merged[existing or key] = item
        return merged
    if op == "add" and isinstance(current, list):
        additions = value if isinstance(value, list) else [value]
        return current + [item for item in additions if item not in current]
    return value


def _set(target: dict, name: str, value: Any, op: str) -> None:
    key = find_key(target, name) or name
    target[key] = _merge(target.get(key), value, op) if key in target else value


def _is_extension(name: str, resource: Resource) -> bool:
    return any(name.lower() == schema.id.lower() for schema in resource.extensions)


def _apply_attr_path(doc: dict, op: Operation, path: AttrPath, resource: Resource) -> None:
    whole = f"{path.uri}:{path.attr}" if path.uri else ""
    if _is_extension(whole, resource) and not path.sub_attr:
        # The path names a whole extension (`urn:...:enterprise:2.0:User`): the grammar reads
        # its last segment as an attribute name.
        if whole.lower() in _top_level(resource):
            _apply_to_top_level(doc, op, resource.flat)
        else:
            _apply_leaf(doc, whole, op)
        return
    target = _container(doc, path.uri, resource)
    if path.sub_attr:
        key = find_key(target, path.attr)
        if key is None:
            if op.op == "remove":
                return
            key = path.attr
            target[key] = {}
        parent = target[key]
        if isinstance(parent, list):  # e.g. `emails.value`: every value of a multi-valued attribute
            for item in parent:
                if isinstance(item, dict):
                    _apply_leaf(item, path.sub_attr, op)
            return
        if not isinstance(parent, dict):
            raise invalid_path(f"{path.attr} has no sub-attributes.")
        _apply_leaf(parent, path.sub_attr, op)
        return
    _apply_leaf(target, path.attr, op)


def _apply_to_top_level(doc: dict, op: Operation, flat: Schema) -> None:
    """An operation on the whole flat extension: on its attributes, at the top level."""
    if op.op == "remove":
        for attribute in flat.attributes:
            doc.pop(attribute.name, None)
    elif isinstance(op.value, dict):
        for name, value in op.value.items():
            if str(name).lower() != "schemas":  # some clients repeat it inside the object
                _set(doc, str(name), value, op.op)
    else:
        raise bad_request(f"The value for {flat.id} must be an object.")


def _apply_leaf(target: dict, name: str, op: Operation) -> None:
    if op.op == "remove":
        key = find_key(target, name)
        if key is not None:
            if isinstance(op.value, list) and isinstance(target[key], list):
                # Entra (without aadOptscim062020) removes members by listing them as the value.
                target[key] = [item for item in target[key] if not _listed(item, op.value)]
            else:
                del target[key]
        return
    _set(target, name, op.value, op.op)


def _listed(item: Any, values: list) -> bool:
    wanted = {str(v.get("value")) for v in values if isinstance(v, dict)}
    return isinstance(item, dict) and str(item.get("value")) in wanted


def _apply_value_path(doc: dict, op: Operation, path: ValuePath, resource: Resource) -> None:
    target = _container(doc, path.attr_path.uri, resource)
    key = find_key(target, path.attr_path.attr)
    items = target.get(key) if key else None
    if items is None:
        items = []
    if not isinstance(items, list):
        raise invalid_path(f"{path.attr_path.attr} is not multi-valued.")
    matched = [item for item in items if isinstance(item, dict) and matches(path.val_filter, item)]
    if op.op == "remove":
        if path.sub_attr:
            for item in matched:
                sub = find_key(item, path.sub_attr)
                if sub is not None:
                    del item[sub]
        else:
            items = [item for item in items if not any(item is m for m in matched)]
        target[key or path.attr_path.attr] = items
        return
    if not matched:
        # Entra adds `emails[type eq "work"].value` to a user who has no work email yet.
        created = _item_from_filter(path.val_filter)
        if created is None:
            raise no_target(f"No value matches {op.raw_path}.")
        items.append(created)
        matched = [created]
    for item in matched:
        if path.sub_attr:
            _set(item, path.sub_attr, op.value, op.op)
        elif isinstance(op.value, dict):
            item.update(_merge(item, op.value, op.op))
        else:
            raise bad_request(f"The value for {op.raw_path} must be an object.")
    target[key or path.attr_path.attr] = items


def _item_from_filter(node: FilterNode) -> dict | None:
    """`type eq "work"` (or an `and` of equalities) -> {"type": "work"}; anything else: None."""
    terms = (
        node.terms if isinstance(node, LogicalExpr) and node.op == LogicalOperator.and_ else (node,)
    )
    item = {}
    for term in terms:
        if (
            not isinstance(term, Comparison)
            or term.op.value.lower() != "eq"
            or term.attr_path.sub_attr
        ):
            return None
        item[term.attr_path.attr] = term.value
    return item


def matches(node: FilterNode, item: dict) -> bool:
    """Evaluate a value filter against one element of a multi-valued attribute, in memory."""
    if isinstance(node, LogicalExpr):
        results = (matches(term, item) for term in node.terms)
        return all(results) if node.op == LogicalOperator.and_ else any(results)
    if isinstance(node, Not):
        return not matches(node.expr, item)
    if isinstance(node, Present):
        key = find_key(item, node.attr_path.attr)
        return key is not None and item[key] not in (None, "", [], {})
    if isinstance(node, Comparison):
        key = find_key(item, node.attr_path.attr)
        return _compare(item.get(key) if key else None, node.op.value.lower(), node.value)
    raise invalid_path("Nested value paths are not allowed.")


def _compare(actual: Any, op: str, expected: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        if isinstance(actual, str):
            actual = actual.lower() == "true"
        return (actual == expected) if op == "eq" else (actual != expected) if op == "ne" else False
    left, right = str(actual if actual is not None else "").lower(), str(expected).lower()
    return {
        "eq": left == right,
        "ne": left != right,
        "co": right in left,
        "sw": left.startswith(right),
        "ew": left.endswith(right),
        "gt": left > right,
        "ge": left >= right,
        "lt": left < right,
        "le": left <= right,
    }.get(op, False)


def apply_operations(document: dict, operations: list[Operation], resource: Resource) -> dict:
    """Return a changed copy of `document`; the original is untouched if any operation fails."""
    doc = copy.deepcopy(document)
    for op in operations:
        if op.path is None:
            if not isinstance(op.value, dict):
                raise bad_request("A path-less operation needs an object value.", "invalidSyntax")
            for name, value in idp_quirks.expand_dotted_keys(op.value).items():
                _apply_value_key(doc, op, str(name), value, resource)
        elif isinstance(op.path, ValuePath):
            _apply_value_path(doc, op, op.path, resource)
        else:
            _apply_attr_path(doc, op, op.path, resource)
    return _one_primary(doc)


def _one_primary(doc: dict) -> dict:
    """RFC 7643 §2.4: at most one value of a multi-valued attribute is primary; the last one
    marked primary (the newest, after an add) wins."""
    for value in doc.values():
        if isinstance(value, list):
            primaries = [
                item for item in value if isinstance(item, dict) and item.get("primary") is True
            ]
            for item in primaries[:-1]:
                item["primary"] = False
    return doc


def _apply_value_key(doc: dict, op: Operation, name: str, value: Any, resource: Resource) -> None:
    """One key of a path-less value: a plain attribute, an extension object, or (Entra) a
    URN-qualified attribute such as `urn:...:enterprise:2.0:User:employeeNumber`."""
    if not name.lower().startswith("urn:") or _is_extension(name, resource):
        _set(doc, name, value, op.op)
        return
    uri, _, attr = name.rpartition(":")
    if uri.lower() != resource.core.id.lower() and not _is_extension(uri, resource):
        raise invalid_path(f"Unknown schema in {name!r}.")
    _set(_container(doc, uri, resource), attr, value, op.op)
