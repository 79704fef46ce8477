"""Query-string features shared by every resource: paging, sorting, attribute selection,
ListResponse envelopes and ETag preconditions (RFC 7644 §3.4.2, §3.9, §3.14)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from provisioning.scim.errors import (
    LIST_RESPONSE_SCHEMA,
    SEARCH_REQUEST_SCHEMA,
    ScimError,
    bad_request,
)
from provisioning.scim.filters import Attribute, sort_field
from provisioning.scim.limits import (
    DEFAULT_COUNT,
    MAX_ATTRIBUTE_NAME_LENGTH,
    MAX_ATTRIBUTE_NAMES,
    MAX_COUNT,
    MAX_START_INDEX,
)

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


def paginate(
    queryset: QuerySet,
    params,
    *,
    sort_attributes: dict[str, Attribute],
    core_schema: str,
    extensions: tuple[str, ...] = (),
) -> Page:
    start, count = _window(params)
    sort_order = _sort_order(params)
    order = ["pk"]
    if params.get("sortBy"):
        field = sort_field(params["sortBy"], sort_attributes, core_schema, extensions)
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


def _find_key(doc: dict, name: str) -> str | None:
    return next((k for k in doc if k.lower() == name.lower()), None)


def _locate(name: str, doc: dict) -> tuple[dict, str]:
    """Where an attribute name points: (the dict holding it, the path inside that dict).

    `urn:...:core:2.0:User:name.givenName` -> (doc, "name.givenName");
    `urn:...:enterprise:2.0:User:employeeNumber` -> (doc[urn], "employeeNumber");
    `urn:...:enterprise:2.0:User` (a whole extension) -> (doc, urn).
    """
    lowered = name.lower()
    for schema in doc.get("schemas", []):
        if lowered == schema.lower():
            return doc, schema
        if lowered.startswith(schema.lower() + ":"):
            rest = name[len(schema) + 1 :]
            container = doc.get(schema)
            return (container, rest) if isinstance(container, dict) else (doc, rest)
    return doc, name


@dataclass(frozen=True)
class AttributeSelection:
    """`attributes` or `excludedAttributes` (RFC 7644 §3.4.2.5), read and checked once per
    request and applied to each resource document: a page used to read them again for every
    resource. Falsy when the request asks for neither."""

    wanted: tuple[str, ...] = field(default=())
    excluded: tuple[str, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.wanted or self.excluded)

    def apply(self, doc: dict) -> dict:
        if self.wanted:
            return self._keep(doc)
        if self.excluded:
            return self._drop(doc)
        return doc

    def _keep(self, doc: dict) -> dict:
        result = {k: v for k, v in doc.items() if k in ALWAYS_RETURNED}
        for name in self.wanted:
            source, path = _locate(name, doc)
            if source is doc:
                _copy_path(doc, result, path)
            else:
                urn = next(k for k, v in doc.items() if v is source)
                _copy_path(source, result.setdefault(urn, {}), path)
        return {k: v for k, v in result.items() if v != {}}

    def _drop(self, doc: dict) -> dict:
        result = {k: (dict(v) if isinstance(v, dict) else v) for k, v in doc.items()}
        for name in self.excluded:
            source, path = _locate(name, doc)
            target = (
                result if source is doc else result[next(k for k, v in doc.items() if v is source)]
            )
            _remove_path(target, path)
        return result


def attribute_selection(params) -> AttributeSelection:
    """The request's attribute selection; the two parameters are mutually exclusive."""
    wanted = attribute_names(params, "attributes")
    excluded = attribute_names(params, "excludedAttributes")
    if wanted and excluded:
        raise bad_request("Use either 'attributes' or 'excludedAttributes', not both.")
    # Repeats change nothing; a page applies each name once per resource.
    return AttributeSelection(tuple(dict.fromkeys(wanted)), tuple(dict.fromkeys(excluded)))


def _remove_path(target: dict, name: str) -> None:
    head, _, sub = name.partition(".") if not name.lower().startswith("urn:") else (name, "", "")
    key = _find_key(target, head)
    if key is None or key in ALWAYS_RETURNED:
        return
    if sub and isinstance(target[key], dict):
        target[key] = {k: v for k, v in target[key].items() if k.lower() != sub.lower()}
    elif not sub:
        del target[key]


def _copy_path(source: dict, target: dict, name: str) -> None:
    head, _, sub = name.partition(".") if not name.lower().startswith("urn:") else (name, "", "")
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
