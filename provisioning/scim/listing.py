"""Query-string features shared by every resource: paging, sorting, attribute selection and
ListResponse envelopes (RFC 7644 §3.4.2, §3.9)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from provisioning.scim.errors import ScimError, bad_request
from provisioning.scim.filters import sort_field
from provisioning.scim.limits import (
    DEFAULT_COUNT,
    MAX_ATTRIBUTE_NAME_LENGTH,
    MAX_ATTRIBUTE_NAMES,
    MAX_COUNT,
    MAX_START_INDEX,
)
from provisioning.scim.resources import RESOURCES, Resource
from provisioning.scim.urns import LIST_RESPONSE_SCHEMA, SEARCH_REQUEST_SCHEMA

# RFC 7643 §3: `schemas`, and what the description says is returned always.
ALWAYS_RETURNED = {"schemas"} | {
    attribute.name
    for resource in RESOURCES
    for attribute in resource.core.attributes
    if attribute.returned == "always"
}


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
    rows: list
    total: int
    start_index: int

    def envelope(self, resources: list[dict], selection: AttributeSelection) -> dict:
        if selection:
            resources = [selection.apply(r) for r in resources]
        return {
            "schemas": [LIST_RESPONSE_SCHEMA],
            "totalResults": self.total,
            "startIndex": self.start_index,
            "itemsPerPage": len(resources),
            "Resources": resources,
        }


def paginate(queryset: QuerySet, params, resource: Resource) -> Page:
    start, count = _window(params)
    sort_order = _sort_order(params)
    order = ["pk"]
    if params.get("sortBy"):
        field = sort_field(params["sortBy"], resource)
        descending = sort_order == "descending"
        order = [f"-{field}" if descending else field, "-pk" if descending else "pk"]
    rows = _page_rows(queryset, order, start, count)
    # A short page that isn't empty (or is the first) already says how many there are: the
    # usual `userName eq` lookup needs no COUNT(*).
    if len(rows) < count and (rows or start == 1):
        total = start - 1 + len(rows)
    else:
        total = queryset.count()
    return Page(rows=rows, total=total, start_index=start)


def page_in_id_order(params, read: Callable[[int, int], tuple[list, int]]) -> Page:
    """The page of an unfiltered, unsorted list, read by `read(offset, limit)`, which returns
    the rows and how many there are in all (`selectors.company_users_page`)."""
    _sort_order(params)  # checked, though without sortBy it changes nothing
    start, count = _window(params)
    rows, total = read(start - 1, count)
    return Page(rows=rows, total=total, start_index=start)


def page_of_unique_match(rows: list, params) -> Page:
    """The page of a search that matches at most one resource: no ORDER BY, no COUNT(*)."""
    start, count = _window(params)
    return Page(rows=rows[:count] if start == 1 else [], total=len(rows), start_index=start)


def _sort_order(params) -> str:
    sort_order = str(params.get("sortOrder") or "ascending").lower()
    if sort_order not in ("ascending", "descending"):
        raise bad_request("'sortOrder' must be ascending or descending.")
    return sort_order


def _window(params) -> tuple[int, int]:
    # RFC 7644 §3.4.2.4: startIndex < 1 means 1; a negative count means 0.
    start = min(max(_integer(params, "startIndex", 1), 1), MAX_START_INDEX)
    count = min(max(_integer(params, "count", DEFAULT_COUNT), 0), MAX_COUNT)
    return start, count


def _page_rows(queryset: QuerySet, order: list[str], start: int, count: int) -> list:
    if not count:
        return []
    ordered = queryset.order_by(*order)
    if start == 1:
        return list(ordered[:count])
    # Far pages: find the ids first (an index-only walk), then fetch just those rows, rather
    # than dragging every skipped row through OFFSET.
    ids = list(ordered.values_list("pk", flat=True)[start - 1 : start - 1 + count])
    return list(queryset.filter(pk__in=ids).order_by(*order)) if ids else []


def attribute_names(params, key: str) -> list[str]:
    """`attributes` / `excludedAttributes` as a list, from a query string or a SearchRequest,
    refused beyond the bounds in `limits` before anything else is done with them."""
    raw = params.get(key)
    if not raw:
        return []
    if isinstance(raw, list):
        if len(raw) > MAX_ATTRIBUTE_NAMES:
            raise bad_request(f"'{key}' may name at most {MAX_ATTRIBUTE_NAMES} attributes.")
        raw = ",".join(str(r) for r in raw)
    names = [name.strip() for name in str(raw).split(",") if name.strip()]
    if len(names) > MAX_ATTRIBUTE_NAMES:
        raise bad_request(f"'{key}' may name at most {MAX_ATTRIBUTE_NAMES} attributes.")
    if any(len(name) > MAX_ATTRIBUTE_NAME_LENGTH for name in names):
        raise bad_request(
            f"Each name in '{key}' may be at most {MAX_ATTRIBUTE_NAME_LENGTH} characters."
        )
    return names


Path = tuple[str, ...]


@dataclass(frozen=True)
class AttributeSelection:
    """`attributes` or `excludedAttributes` (RFC 7644 §3.4.2.5), resolved once per request to
    paths in the document (`("name", "givenName")`, `(<enterprise URN>, "manager", "value")`)
    and applied to each resource document. Names the resource doesn't have are ignored. Falsy
    when the request asks for neither."""

    wanted: tuple[Path, ...] = field(default=())
    excluded: tuple[Path, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.wanted or self.excluded)

    def apply(self, doc: dict) -> dict:
        if self.wanted:
            result = {k: v for k, v in doc.items() if k in ALWAYS_RETURNED}
            for path in self.wanted:
                _copy_path(doc, result, path)
            return {k: v for k, v in result.items() if v != {}}
        if self.excluded:
            result = dict(doc)
            for path in self.excluded:
                _remove_path(result, path)
            return result
        return doc

    def shows(self, name: str) -> bool:
        """Whether the documents keep the top-level attribute `name`."""
        if self.wanted:
            return any(path[0] == name for path in self.wanted)
        return (name,) not in self.excluded


def attribute_selection(
    params, resource: Resource | None, *, braze_shape: bool = False
) -> AttributeSelection:
    """The request's attribute selection; the two parameters are mutually exclusive. In Braze's
    shape the flat extension's attributes sit at the top level of the document."""
    wanted = attribute_names(params, "attributes")
    excluded = attribute_names(params, "excludedAttributes")
    if wanted and excluded:
        raise bad_request("Use either 'attributes' or 'excludedAttributes', not both.")
    if resource is None or not (wanted or excluded):
        return AttributeSelection()
    flat = resource.flat.id if braze_shape and resource.flat else None

    def paths(names: list[str]) -> tuple[Path, ...]:
        found = (resource.find(name) for name in names)
        resolved = (p[1:] if p[0] == flat else p for p, _ in filter(None, found))
        # Repeats change nothing; a page applies each path once per resource.
        return tuple(dict.fromkeys(p for p in resolved if p))

    return AttributeSelection(paths(wanted), paths(excluded))


def _copy_path(source: dict, target: dict, path: Path) -> None:
    head, rest = path[0], path[1:]
    if head not in source or target.get(head) is source[head]:
        return  # absent, or already copied whole
    value = source[head]
    if not rest or not isinstance(value, dict | list):
        target[head] = value
    elif isinstance(value, dict):
        inner: dict = {}
        _copy_path(value, inner, rest)
        if inner:
            target.setdefault(head, {}).update(inner)
    else:  # a sub-attribute of every value of a multi-valued attribute
        target[head] = [
            {k: v for k, v in item.items() if k == rest[0]}
            for item in value
            if isinstance(item, dict)
        ]


def _remove_path(target: dict, path: Path) -> None:
    head, rest = path[0], path[1:]
    if head not in target or (not rest and head in ALWAYS_RETURNED):
        return
    value = target[head]
    if not rest:
        del target[head]
    elif isinstance(value, dict):
        target[head] = dict(value)  # a copy: the document may be shared
        _remove_path(target[head], rest)
    elif isinstance(value, list):
        target[head] = [
            {k: v for k, v in item.items() if k != rest[0]} if isinstance(item, dict) else item
            for item in value
        ]


def search_request_params(body: dict) -> dict[str, Any]:
    """A SearchRequest body (RFC 7644 §3.4.3) as the same parameters a GET would carry."""
    schemas = body.get("schemas")
    if schemas is not None and (
        not isinstance(schemas, list) or SEARCH_REQUEST_SCHEMA not in schemas
    ):
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
