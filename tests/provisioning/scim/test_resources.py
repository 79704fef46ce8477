"""Agreement: for every attribute and sub-attribute of `resources.py`, the parser, the /Schemas
documents, the OpenAPI description and the filter translator say the same thing.

The test walks the description; what each consumer says is read from its behaviour (what the
parser accepts, refuses and stores; what /Schemas and /api/schema/ serve; what a filter
accepts), not from the tables it was built from.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db.models import Q
from django.test import Client

from provisioning.scim import filters, groups, users
from provisioning.scim.errors import ScimError
from provisioning.scim.resources import GROUP, USER, Attribute, Resource

pytestmark = pytest.mark.django_db

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
BASE_DOCUMENTS = {
    "User": {"schemas": [USER.core.id], "userName": "ada@example.com"},
    "Group": {"schemas": [GROUP.core.id], "displayName": "Ops"},
}
PARSERS = {"User": users.parse_user, "Group": groups.parse_group}


def every_attribute(resource: Resource) -> list[tuple[tuple[str, ...], Attribute, list]]:
    """Each attribute and sub-attribute, at every depth, with its path in the RFC 7643 document
    and the attributes along that path (outermost first)."""
    found = []

    def walk(attributes, path: tuple[str, ...], along: list) -> None:
        for attribute in attributes:
            here = (*path, attribute.name)
            found.append((here, attribute, [*along, attribute]))
            walk(attribute.sub_attributes, here, [*along, attribute])

    for schema in resource.schemas:
        walk(schema.attributes, () if schema is resource.core else (schema.id,), [])
    return found


CASES = [
    pytest.param(resource, path, attribute, along, id=f"{resource.name}:{'.'.join(path)}")
    for resource in (USER, GROUP)
    for path, attribute, along in every_attribute(resource)
]


def sample(path: tuple[str, ...], attribute: Attribute) -> Any:
    """A value the attribute takes (and that no default hides)."""
    if attribute.type == "boolean":
        return not attribute.default if attribute.default is not None else False
    if attribute.type == "complex":
        return {} if not attribute.multi_valued else []
    if path == ("userName",):
        value = "grace@example.com"
    elif attribute.canonical_values:
        value = attribute.canonical_values[-1]
    else:
        value = "sample"
    return [value] if attribute.multi_valued else value


def wrong(attribute: Attribute) -> Any:
    return 42 if attribute.type != "complex" or not attribute.multi_valued else "x"


ABSENT = object()


def document_with(resource: Resource, path: tuple[str, ...], along: list, value: Any) -> dict:
    """The resource's smallest valid document with `value` at `path` (inside a one-element
    list when the parent is multi-valued; left out when ABSENT)."""
    doc = json.loads(json.dumps(BASE_DOCUMENTS[resource.name]))
    target = doc
    if path[0].startswith("urn:"):
        target = doc.setdefault(path[0], {})
        doc["schemas"].append(path[0])
        path = path[1:]
    if len(along) == 2:
        item: dict = {}
        target[path[0]] = [item] if along[0].multi_valued else item
        target = item
        if along[0].name == "members":  # a member needs its user's id to be a member at all
            item["value"] = "u-1"
    if value is not ABSENT:
        target[path[-1]] = value
    return doc


def parse(resource: Resource, doc: dict) -> Any:
    return PARSERS[resource.name](doc)


def writable(along: list) -> bool:
    return all(a.mutability != "readOnly" for a in along)


# ---------------------------------------------------------------------------------------------
# The parser


def parsed_by_the_generic_parser(path: tuple[str, ...], along: list) -> bool:
    """The permissions object's deeper levels have a parser of their own
    (test_user_parsing.py)."""
    return len(along) <= 2 and "permissions" not in path


@pytest.mark.parametrize(("resource", "path", "attribute", "along"), CASES)
def test_the_parser_does_what_the_description_says(resource, path, attribute, along):
    if not parsed_by_the_generic_parser(path, along):
        return
    baseline = parse(resource, document_with(resource, path, along, ABSENT))
    value = sample(path, attribute)
    if not writable(along):
        # readOnly: ignored (RFC 7644 §3.5.1), whatever it holds.
        assert parse(resource, document_with(resource, path, along, value)) == baseline
        assert parse(resource, document_with(resource, path, along, wrong(attribute))) == baseline
        return
    parse(resource, document_with(resource, path, along, value))
    with pytest.raises(ScimError) as refused:
        parse(resource, document_with(resource, path, along, wrong(attribute)))
    assert refused.value.status == 400
    unassigned = document_with(resource, path, along, None)  # RFC 7643 §2.5: null
    if attribute.required and attribute.default is None:
        with pytest.raises(ScimError) as missing:
            parse(resource, unassigned)
        assert "required" in missing.value.detail
    elif attribute.name == "department" and len(path) == 2 and path[0] != ENTERPRISE:
        # README: the dashboard department left out of a PUT is left as it is; sent, even as
        # null, it is replaced.
        assert parse(resource, unassigned).profile.department == ""
    else:
        assert parse(resource, unassigned) == baseline
    if attribute.type in ("string", "reference") and not attribute.multi_valued:
        too_long = "x" * (attribute.max_length + 1)
        with pytest.raises(ScimError, match="longer than"):
            parse(resource, document_with(resource, path, along, too_long))


# Where the parser puts what it keeps: model fields by their store, and, as sent, whatever the
# dashboard doesn't model, in `directory_attributes` (the enterprise extension under its own key).
PARSED_FIELDS = {"email": "email", "name": "display_name", "password": "password"}


def parsed_value(parsed: Any, store: str) -> Any:
    if store in PARSED_FIELDS:
        return getattr(parsed, PARSED_FIELDS[store])
    return getattr(getattr(parsed, "profile", parsed), store)


def directory_place(path: tuple[str, ...]) -> tuple[str, ...]:
    return ("enterprise", *path[1:]) if path[0] == ENTERPRISE else path


@pytest.mark.parametrize(("resource", "path", "attribute", "along"), CASES)
def test_what_is_stored_lands_where_the_description_says(resource, path, attribute, along):
    kept = next((a for a in along if a.store), None)
    if kept is None or not writable(along) or attribute.type == "complex":
        return
    assert parsed_by_the_generic_parser(path, along)
    value = sample(path, attribute)
    parsed = parse(resource, document_with(resource, path, along, value))
    if kept.store != "directory_attributes":
        assert parsed_value(parsed, kept.store) == value
        return
    stored: Any = parsed.profile.directory_attributes
    for key in directory_place(path[: path.index(kept.name) + 1]):
        stored = stored[key]
    if kept is not attribute:  # kept whole: the value sits inside it
        stored = stored[0] if kept.multi_valued else stored
        stored = stored[attribute.name]
    assert stored == value


# ---------------------------------------------------------------------------------------------
# /Schemas


@pytest.fixture
def published(scim) -> dict[str, dict]:
    return {doc["id"]: doc for doc in scim.get("Schemas").json()["Resources"]}


def schemas_entry(published: dict, path: tuple[str, ...], resource: Resource) -> dict | None:
    urn = path[0] if path[0].startswith("urn:") else resource.core.id
    entries = published[urn]["attributes"]
    entry = None
    for name in path[1:] if path[0].startswith("urn:") else path:
        entry = next((e for e in entries if e["name"] == name), None)
        if entry is None:
            return None
        entries = entry.get("subAttributes", [])
    return entry


@pytest.mark.parametrize(("resource", "path", "attribute", "along"), CASES)
def test_schemas_publishes_each_listed_attribute_as_described(
    published, resource, path, attribute, along
):
    entry = schemas_entry(published, path, resource)
    if not all(a.listed for a in along):
        assert entry is None
        return
    assert entry is not None
    expected = {
        "name": attribute.name,
        "type": attribute.type,
        "multiValued": attribute.multi_valued,
        "required": attribute.required,
        "caseExact": attribute.case_exact,
        "mutability": attribute.mutability,
        "returned": attribute.returned,
        "uniqueness": attribute.uniqueness,
    }
    assert {key: entry[key] for key in expected} == expected
    assert entry.get("canonicalValues") == (
        list(attribute.canonical_values) if attribute.canonical_values else None
    )


# ---------------------------------------------------------------------------------------------
# The OpenAPI description


@pytest.fixture(scope="module")
def components() -> dict:
    response = Client().get("/api/schema/", {"format": "json"})
    return json.loads(response.content)["components"]["schemas"]


def openapi_property(component: dict, path: tuple[str, ...]) -> dict | None:
    schema = component
    for name in path:
        if schema.get("type") == "array":
            schema = schema["items"]
        schema = schema.get("properties", {}).get(name)
        if schema is None:
            return None
    return schema


@pytest.mark.parametrize(("resource", "path", "attribute", "along"), CASES)
@pytest.mark.parametrize("request_schema", [False, True], ids=["response", "request"])
def test_openapi_describes_each_attribute_as_described(
    components, resource, path, attribute, along, request_schema
):
    component = components[f"{resource.name}Request" if request_schema else resource.name]
    found = openapi_property(component, path)
    shown = writable(along) if request_schema else all(a.returned != "never" for a in along)
    if not shown:
        assert found is None
        return
    assert found is not None
    assert found.get("readOnly", False) == (attribute.mutability == "readOnly")
    assert found.get("writeOnly", False) == (attribute.mutability == "writeOnly")
    if attribute.multi_valued:
        assert found["type"] == "array"
        found = found["items"]
    json_type = {"boolean": "boolean", "complex": "object"}.get(attribute.type, "string")
    assert found["type"] == json_type
    if request_schema:
        assert found.get("enum") == (
            list(attribute.canonical_values) if attribute.canonical_values else None
        )
        if json_type == "string":
            assert found["maxLength"] == attribute.max_length
        parent = openapi_property(component, path[:-1]) if len(path) > 1 else component
        if parent.get("type") == "array":
            parent = parent["items"]
        required = attribute.required and attribute.default is None
        assert (attribute.name in parent.get("required", [])) == required


# ---------------------------------------------------------------------------------------------
# The filter translator


def filter_name(resource: Resource, path: tuple[str, ...]) -> str:
    if path[0].startswith("urn:"):
        return f"{path[0]}:{'.'.join(path[1:])}"
    return ".".join(path)


@pytest.mark.parametrize(("resource", "path", "attribute", "along"), CASES)
def test_the_filter_translator_knows_exactly_the_filterable_attributes(
    resource, path, attribute, along
):
    name = filter_name(resource, path)
    if path[-1] == "$ref":
        return  # the filter grammar has no `$` in attribute names
    if not attribute.filter:
        with pytest.raises(ScimError) as refused:
            filters.to_q(f"{name} pr", resource)
        assert refused.value.scim_type == "invalidFilter"
        return
    assert isinstance(filters.to_q(f"{name} pr", resource), Q)
    if attribute.type == "string" and not attribute.canonical_values:
        q = str(filters.to_q(f'{name} eq "X"', resource))
        case_exact = attribute.subs.get("value", attribute).case_exact
        assert ("Lower" in q or "iexact" in q) != case_exact, q
