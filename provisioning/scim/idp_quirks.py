"""Small, named normalisations for what real identity providers send (see
`shared/reference/idp-requests.md`). Each runs before validation, so the validators stay strict.
"""

from __future__ import annotations

from typing import Any

from provisioning.scim.errors import bad_request


def boolean_from_string(value: Any, attribute: str) -> bool:
    """Entra ID's default job sends booleans as strings: `"active": "False"`."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise bad_request(f"'{attribute}' must be a boolean.")


def canonical_op(op: Any) -> str:
    """Entra ID capitalises PATCH ops ("Replace", "Add", "Remove")."""
    if not isinstance(op, str) or op.strip().lower() not in ("add", "remove", "replace"):
        raise bad_request(f"Unknown PATCH op: {op!r}.", "invalidSyntax")
    return op.strip().lower()


def canonical_keys(document: dict, names: dict[str, str]) -> dict:
    """Entra's test suite sends PascalCase names (`UserName`, `Active`); RFC 7643 §2.1 says
    attribute names are case-insensitive, so map each key to its canonical spelling."""
    return {
        names.get(key.lower(), key) if isinstance(key, str) else key: v
        for key, v in document.items()
    }


def patch_operations(body: dict) -> Any:
    """Some clients send `operations` in lower case (indigo-iam); the RFC key is `Operations`."""
    for key, value in body.items():
        if isinstance(key, str) and key.lower() == "operations":
            return value
    return None


def expand_dotted_keys(value: dict) -> dict:
    """Entra's path-less PATCH sends `{"name.givenName": "Ada"}`; make it `{"name": {...}}`.

    URN-qualified keys (`urn:...:User:employeeNumber`) are left whole for the caller to route.
    """
    expanded: dict = {}
    for key, item in value.items():
        if isinstance(key, str) and "." in key and not key.lower().startswith("urn:"):
            head, _, tail = key.partition(".")
            nested = expanded.setdefault(head, {})
            if not isinstance(nested, dict):
                raise bad_request(f"Conflicting values for {head!r}.", "invalidSyntax")
            nested[tail] = item
        elif isinstance(item, dict):
            # A copy: a later dotted key is merged into it and must not write into the request.
            expanded[key] = {**item, **expanded.get(key, {})}
        else:
            expanded[key] = item
    return expanded


def manager_object(value: Any) -> Any:
    """Entra may send the enterprise `manager` as a bare id string rather than `{"value": id}`."""
    if isinstance(value, str):
        return {"value": value} if value else None
    return value
