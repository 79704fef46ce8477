"""SCIM filters (RFC 7644 §3.4.2.2) -> Django `Q` objects.

scim2-models parses the full grammar into a tree; `QueryVisitor` walks it with a resource's
column map, built from `resources.py` at import: which model field each SCIM attribute is, and how
it compares. Anything the map doesn't know is a 400 `invalidFilter`: an unsupported filter must
never widen into "all rows".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Lower
from django.db.models.lookups import (
    Contains,
    EndsWith,
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
    StartsWith,
)
from django.utils.dateparse import parse_datetime
from scim2_models.exceptions import SCIMException
from scim2_models.path import (
    AttrPath,
    Comparison,
    FilterNode,
    FilterVisitor,
    LogicalExpr,
    Not,
    Present,
    ScimFilter,
    ValuePath,
)
from scim2_models.path.expressions import LogicalOperator

from provisioning.scim import resources
from provisioning.scim.errors import ScimError
from provisioning.scim.limits import MAX_FILTER_LENGTH, MAX_FILTER_NESTING, MAX_FILTER_TERMS
from provisioning.scim.negotiation import unstorable
from provisioning.scim.resources import RESOURCES, USER, Constant, Resource


def invalid_filter(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidFilter")


@dataclass(frozen=True)
class Column:
    """How one SCIM attribute maps to the database."""

    field: str
    kind: str = "string"  # string | boolean | datetime | constant
    case_exact: bool = False
    sortable: bool = True
    # For `emails.type` and the like: a fixed value every row has.
    constant: Any = None


def _column(found: str | Constant | None, attribute: resources.Attribute) -> Column | None:
    if isinstance(found, Constant):
        return Column("", "constant", sortable=False, constant=found.value)
    if found is None:
        return None
    kind = {"boolean": "boolean", "dateTime": "datetime"}.get(attribute.type, "string")
    # A complex attribute compares as its `value` (RFC 7644 §3.4.2.2).
    exact = attribute.subs.get("value", attribute).case_exact
    # Only a column of its own sorts: not a key inside a JSON column, nor a related row's.
    return Column(found, kind, exact, sortable="__" not in found)


def _columns(resource: Resource) -> dict[str, Column]:
    """The resource's filterable attributes by every name they answer to, lower-cased."""
    columns = {
        name: _column(resource.column(path, attribute), attribute)
        for name, (path, attribute) in resource.names.items()
    }
    return {name: column for name, column in columns.items() if column is not None}


COLUMNS = {resource: _columns(resource) for resource in RESOURCES}


# "True for every row". Not `Q()`: Django drops an empty Q, negated or not, so
# `not (emails.type eq "work")` would have matched every row instead of none.
MATCH_ALL = Q(pk__isnull=False)

PATTERN_LOOKUPS = {"co": Contains, "sw": StartsWith, "ew": EndsWith}
ORDER_LOOKUPS = {"gt": GreaterThan, "ge": GreaterThanOrEqual, "lt": LessThan, "le": LessThanOrEqual}


def canonical_name(path: AttrPath, resource: Resource) -> str:
    """`urn:...:User:name.givenName` -> `name.givenname`; extension URNs keep a short prefix."""
    name = path.attr.lower() + (f".{path.sub_attr.lower()}" if path.sub_attr else "")
    uri = (path.uri or "").lower()
    if not uri or uri == resource.core.id.lower():
        return name
    if any(uri == schema.id.lower() for schema in resource.extensions):
        return f"{uri}:{name}"
    raise invalid_filter(f"Unknown schema in filter: {path.uri}.")


class QueryVisitor(FilterVisitor[Q]):
    def __init__(self, resource: Resource):
        self.resource = resource
        self.attributes = COLUMNS[resource]
        self.value_path: str | None = None  # set inside `emails[...]`

    def _attribute(self, path: AttrPath) -> tuple[str, Column]:
        name = canonical_name(path, self.resource)
        if self.value_path:
            name = f"{self.value_path}.{name}"
        attribute = self.attributes.get(name)
        if attribute is None:
            raise invalid_filter(f"Filtering on {path} is not supported.")
        return name, attribute

    def visit_logical_expr(self, node: LogicalExpr) -> Q:
        terms = [self.visit(term) for term in node.terms]
        combined = terms[0]
        for term in terms[1:]:
            combined = combined & term if node.op == LogicalOperator.and_ else combined | term
        return combined

    def visit_not(self, node: Not) -> Q:
        return ~self.visit(node.expr)

    def visit_value_path(self, node: ValuePath) -> Q:
        if self.value_path is not None:
            raise invalid_filter("Nested value paths are not allowed.")
        name = canonical_name(node.attr_path, self.resource)
        if not any(key.startswith(f"{name}.") for key in self.attributes):
            raise invalid_filter(f"Filtering on {node.attr_path} is not supported.")
        self.value_path = name
        try:
            return self.visit(node.val_filter)
        finally:
            self.value_path = None

    def visit_present(self, node: Present) -> Q:
        _, attribute = self._attribute(node.attr_path)
        if attribute.kind == "constant":
            return MATCH_ALL
        present = Q(**{f"{attribute.field}__isnull": False})
        if attribute.kind == "string":
            present &= ~Q(**{attribute.field: ""})
        return present

    def visit_comparison(self, node: Comparison) -> Q:
        name, attribute = self._attribute(node.attr_path)
        op = node.op.value.lower()
        if attribute.kind == "constant":
            return _constant(attribute, op, node.value, name)
        value = _coerce(attribute, node.value, name)
        if op in ("eq", "ne"):
            q = _equals(attribute, value)
            return ~q if op == "ne" else q
        if attribute.kind == "boolean":
            raise invalid_filter(f"'{op}' cannot compare the boolean {name}.")
        if op in PATTERN_LOOKUPS:
            if attribute.kind != "string":
                raise invalid_filter(f"'{op}' needs a string attribute, not {name}.")
            field = _text_field(attribute)
            if attribute.case_exact:
                return Q(PATTERN_LOOKUPS[op](field, value))
            # lower(field) LIKE 'value%': what the (company, lower(field) text_pattern_ops)
            # indexes serve on PostgreSQL; Django's istartswith compiles to UPPER(...) instead.
            return Q(PATTERN_LOOKUPS[op](Lower(field), value.lower()))
        if op in ORDER_LOOKUPS:
            field = _text_field(attribute)
            if attribute.kind == "string" and not attribute.case_exact:
                return Q(ORDER_LOOKUPS[op](Lower(field), Lower(Value(value))))
            return Q(ORDER_LOOKUPS[op](field, Value(value)))
        raise invalid_filter(f"Unknown operator {op!r}.")


def _text_field(attribute: Column) -> F | KT:
    """The column to compare as text (co/sw/ew, gt/ge/lt/le). A key inside
    `directory_attributes` must be read as text: on PostgreSQL `lower(jsonb)` does not exist and
    jsonb > text fails (each a 500 before)."""
    if attribute.field.startswith("directory_attributes__"):
        return KT(attribute.field)
    return F(attribute.field)


def _coerce(attribute: Column, value: Any, name: str) -> Any:
    if attribute.kind == "boolean":
        if not isinstance(value, bool):
            raise invalid_filter(f"{name} is a boolean; compare it with true or false.")
        return value
    if attribute.kind == "datetime":
        try:
            parsed = parse_datetime(value) if isinstance(value, str) else None
        except ValueError:  # well-formed but impossible, e.g. month 13: a 400, not a 500
            parsed = None
        if parsed is None:
            raise invalid_filter(f"{name} needs an ISO 8601 date-time in quotes.")
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    if not isinstance(value, str):
        raise invalid_filter(f"{name} is a string; put the value in double quotes.")
    return value


def _equals(attribute: Column, value: Any) -> Q:
    if attribute.kind != "string" or attribute.case_exact:
        return Q(**{attribute.field: value})
    if attribute.field == "email":
        # lower(email) = lower(...) is what the unique functional index serves.
        return Q(Exact(Lower(F("email")), Lower(Value(value))))
    return Q(**{f"{attribute.field}__iexact": value})


def _constant(attribute: Column, op: str, value: Any, name: str) -> Q:
    """A sub-attribute every row has with the same value (our one email is `type: work`)."""
    matches = str(value).lower() == str(attribute.constant).lower()
    if op == "ne":
        matches = not matches
    elif op != "eq":
        raise invalid_filter(f"Only eq and ne are supported on {name}.")
    return MATCH_ALL if matches else Q(pk__in=[])


def _nesting(expression: str) -> int:
    """The deepest level of brackets and parentheses outside string literals."""
    depth = deepest = 0
    in_string = escaped = False
    for char in expression:
        if escaped:
            escaped = False
        elif in_string:
            escaped = char == "\\"
            in_string = char != '"'
        elif char == '"':
            in_string = True
        elif char in "([":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]":
            depth -= 1
    return deepest


def filter_problem(node: FilterNode | AttrPath) -> str | None:
    """Why a parsed filter (or a PATCH path's value filter) can't be used, or None.

    Real nesting is bounded before parsing (`_nesting`); here the terms are counted, and each
    compared string checked: the grammar's own escapes (`"\\ud800"`, `"\\u0000"`) make
    characters no column can store, which the body parser never saw as such."""
    terms, stack = 0, [node]
    while stack:
        node = stack.pop()
        if isinstance(node, LogicalExpr):
            stack.extend(node.terms)
        elif isinstance(node, Not):
            stack.append(node.expr)
        elif isinstance(node, ValuePath):
            stack.append(node.val_filter)
        elif isinstance(node, Comparison | Present):
            terms += 1
            value = node.value if isinstance(node, Comparison) else None
            if isinstance(value, str) and unstorable(value):
                return "Filter values may not contain NUL characters or lone surrogates."
    if terms > MAX_FILTER_TERMS:
        return f"The filter has more than {MAX_FILTER_TERMS} comparisons."
    return None


def parse_filter(expression: str) -> FilterNode:
    if len(expression) > MAX_FILTER_LENGTH:
        raise invalid_filter(f"The filter is longer than {MAX_FILTER_LENGTH} characters.")
    if _nesting(expression) > MAX_FILTER_NESTING:
        raise invalid_filter(f"The filter nests deeper than {MAX_FILTER_NESTING} levels.")
    try:
        node = ScimFilter(expression).ast
    except (SCIMException, ValueError, RecursionError) as exc:
        raise invalid_filter(f"The filter is not valid: {exc}") from None
    problem = filter_problem(node)
    if problem:
        raise invalid_filter(problem)
    return node


def to_q(expression: str, resource: Resource) -> Q:
    return QueryVisitor(resource).visit(parse_filter(expression))


_PLAIN_USER_NAME_EQ = re.compile(r'userName +eq +"([^"\\\x00-\x1f]*)"', re.IGNORECASE)


def user_name_equals(expression: str | None) -> str | None:
    """The email of a filter that is exactly `userName eq "<email>"`, else None.

    That filter is the lookup an identity provider makes before every create, so the view
    answers it without the generic filter-to-queryset path (one indexed row, no paging)."""
    if not expression:
        return None
    # The form IdPs send, with a string the grammar takes as it stands (no escapes, no control
    # characters), needs no parser: the parser was a tenth of the lookup (bench/README.md,
    # "What the first session's profile showed").
    plain = _PLAIN_USER_NAME_EQ.fullmatch(expression)
    if plain and len(expression) <= MAX_FILTER_LENGTH:
        return plain[1]
    node = parse_filter(expression)
    if not (
        isinstance(node, Comparison)
        and node.op.value == "eq"
        and isinstance(node.value, str)
        and node.attr_path.sub_attr is None
    ):
        return None
    try:
        name = canonical_name(node.attr_path, USER)
    except ScimError:
        return None  # an unknown schema: the generic path gives the 400
    return node.value if name == "username" else None


def sort_field(sort_by: str, resource: Resource) -> str:
    try:
        path = ScimFilter(f"{sort_by} pr").ast.attr_path
    except (SCIMException, ValueError, AttributeError):
        raise ScimError(400, f"Cannot sort by {sort_by!r}.", "invalidValue") from None
    attribute = COLUMNS[resource].get(canonical_name(path, resource))
    if attribute is None or not attribute.sortable:
        raise ScimError(400, f"Cannot sort by {sort_by!r}.", "invalidValue")
    return attribute.field
