"""Query-string features shared by every resource: paging, sorting, attribute selection,
ListResponse envelopes and ETag preconditions (RFC 7644 §3.4.2, §3.9, §3.14)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from provisioning.scim.errors import (
    LIST_RESPONSE_SCHEMA,
    SEARCH_REQUEST_SCHEMA,
    ScimError,
    bad_request,
)
from provisioning.scim.filters import Attribute, sort_field

DEFAULT_COUNT = 100
MAX_COUNT = 1000
MAX_START_INDEX = 2**31 - 1
ALWAYS_RETURNED = {"id", "schemas"}


def _integer(params, name: str, default: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if isinstance(raw, bool):
        raise bad_request(f"'{name}' must be an integer.")
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise bad_request(f"'{name}' must be an integer.") from None


@dataclass
class Page:
    queryset: QuerySet
    total: int
    start_index: int

    def envelope(self, resources: list[dict], params) -> dict:
        return {
            "schemas": [LIST_RESPONSE_SCHEMA],
            "totalResults": self.total,
            "startIndex": self.start_index,
            "itemsPerPage": len(resources),
            "Resources": [select_attributes(r, params) for r in resources],
        }


def paginate(
    queryset: QuerySet,
    params,
    *,
    sort_attributes: dict[str, Attribute],
    core_schema: str,
    extensions: tuple[str, ...] = (),
) -> Page:
    # RFC 7644 §3.4.2.4: startIndex < 1 means 1; a negative count means 0.
    start = min(max(_integer(params, "startIndex", 1), 1), MAX_START_INDEX)
    count = min(max(_integer(params, "count", DEFAULT_COUNT), 0), MAX_COUNT)
    order = ["pk"]
    if params.get("sortBy"):
        field = sort_field(params["sortBy"], sort_attributes, core_schema, extensions)
        descending = str(params.get("sortOrder", "ascending")).lower() == "descending"
        order = [f"-{field}" if descending else field, "-pk" if descending else "pk"]
    elif str(params.get("sortOrder", "ascending")).lower() not in ("ascending", "descending"):
        raise bad_request("'sortOrder' must be ascending or descending.")
    total = queryset.count()
    page = queryset.order_by(*order)[start - 1 : start - 1 + count] if count else queryset.none()
    return Page(queryset=page, total=total, start_index=start)


def _names(params, key: str) -> list[str]:
    raw = params.get(key)
    if not raw:
        return []
    if isinstance(raw, list):
        raw = ",".join(str(r) for r in raw)
    return [name.strip() for name in str(raw).split(",") if name.strip()]


def _short(name: str, doc: dict) -> str:
    """Strip a schema URN prefix naming the core or an extension schema, keep the rest."""
    for schema in doc.get("schemas", []):
        if name.lower().startswith(schema.lower() + ":"):
            return name[len(schema) + 1 :]
    return name


def _find_key(doc: dict, name: str) -> str | None:
    return next((k for k in doc if k.lower() == name.lower()), None)


def select_attributes(doc: dict, params) -> dict:
    """Apply `attributes` / `excludedAttributes` (mutually exclusive, RFC 7644 §3.4.2.5)."""
    wanted, excluded = _names(params, "attributes"), _names(params, "excludedAttributes")
    if wanted and excluded:
        raise bad_request("Use either 'attributes' or 'excludedAttributes', not both.")
    if wanted:
        result = {k: v for k, v in doc.items() if k in ALWAYS_RETURNED}
        for name in wanted:
            _copy_path(doc, result, _short(name, doc))
        return result
    result = dict(doc)
    for name in excluded:
        head, _, sub = _short(name, doc).partition(".")
        key = _find_key(result, head)
        if key is None or key in ALWAYS_RETURNED:
            continue
        if sub and isinstance(result[key], dict):
            result[key] = {k: v for k, v in result[key].items() if k.lower() != sub.lower()}
        elif not sub:
            del result[key]
    return result


def _copy_path(source: dict, target: dict, name: str) -> None:
    head, _, sub = name.partition(".")
    key = _find_key(source, head)
    if key is None:
        return
    if not sub or not isinstance(source[key], dict | list):
        target[key] = source[key]
        return
    if isinstance(source[key], dict):
        sub_key = _find_key(source[key], sub)
        if sub_key is not None:
            target.setdefault(key, {})[sub_key] = source[key][sub_key]
    else:
        target[key] = [
            {k: v for k, v in item.items() if k.lower() == sub.lower()}
            for item in source[key]
            if isinstance(item, dict)
        ]


def search_request_params(body: dict) -> dict[str, Any]:
    """A SearchRequest body (RFC 7644 §3.4.3) as the same parameters a GET would carry."""
    schemas = body.get("schemas")
    if schemas is not None and SEARCH_REQUEST_SCHEMA not in (schemas or []):
        raise bad_request(f"'schemas' must be [{SEARCH_REQUEST_SCHEMA}].", "invalidSyntax")
    params: dict[str, Any] = {}
    for key in (
        "filter",
        "sortBy",
        "sortOrder",
        "startIndex",
        "count",
        "attributes",
        "excludedAttributes",
    ):
        if body.get(key) is not None:
            params[key] = body[key]
    if "filter" in params and not isinstance(params["filter"], str):
        raise ScimError(400, "'filter' must be a string.", "invalidFilter")
    return params


def _etags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


def etag_matches(header: str | None, version: str) -> bool:
    """Weak comparison, as If-None-Match requires; `*` matches any current resource."""
    if not header:
        return False
    tags = _etags(header)
    return "*" in tags or version.removeprefix("W/") in tags


def check_if_match(header: str | None, version: str) -> None:
    if header and not etag_matches(header, version):
        raise ScimError(412, "The resource has changed since you read it (If-Match failed).")
