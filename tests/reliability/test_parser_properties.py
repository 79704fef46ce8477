"""Property tests: the PATCH engine and the IP allowlist parser fail only in their own ways.

`parse_operations` / `apply_operations` on any input either succeed or raise `ScimError` (a SCIM
4xx), never anything that would become a 500; `allowlist.parse` on any text gives an `Allowlist`
or an `AllowlistError`, and a parsed allowlist's text parses back to the same allowlist.
"""

from __future__ import annotations

import contextlib
import ipaddress

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from provisioning import allowlist
from provisioning.scim import patch
from provisioning.scim.errors import ScimError
from provisioning.scim.resources import GROUP, USER
from provisioning.scim.urns import USER_SCHEMA

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------------------------------------
# PATCH

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
NAMES = st.sampled_from(
    [
        "active", "name", "givenName", "emails", "value", "type", "primary", "members",
        "displayName", "externalId", "userName", "permissions", "department", "id", "meta",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "urn:ietf:params:scim:schemas:core:2.0:User", "urn:x:y",
    ]
)  # fmt: skip
FILTERS = st.builds(
    lambda a, op, v: f'{a} {op} "{v}"',
    NAMES,
    st.sampled_from(["eq", "ne", "co", "sw", "gt", "pr", "xx"]),
    st.text(max_size=6),
)
# Paths from the RFC 7644 §3.5.2 grammar's pieces, and plain noise.
PATHS = st.one_of(
    st.none(),
    st.text(max_size=40),
    NAMES,
    st.builds(lambda a, b: f"{a}.{b}", NAMES, NAMES),
    st.builds(lambda a, b: f"{a}:{b}", NAMES, NAMES),
    st.builds(lambda a, f: f"{a}[{f}]", NAMES, FILTERS),
    st.builds(lambda a, f, b: f"{a}[{f}].{b}", NAMES, FILTERS, NAMES),
    st.builds(lambda a, f: f"{a}[{f} and {f}]", NAMES, FILTERS),
    st.integers(),
)
OPERATION = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "remove", "replace", "Replace", "ADD", "move", 1, None])},
    optional={"path": PATHS, "value": JSON | st.dictionaries(NAMES, JSON, max_size=4)},
)
BODY = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {"Operations": st.lists(OPERATION, min_size=1, max_size=4)},
        optional={
            "schemas": st.sampled_from(
                [["urn:ietf:params:scim:api:messages:2.0:PatchOp"], [], "x", None]
            )
        },
    ),
)
USER_DOCUMENT = {
    "schemas": [USER_SCHEMA],
    "userName": "ada@example.com",
    "active": True,
    "name": {"givenName": "Ada", "familyName": "Lovelace"},
    "emails": [{"value": "ada@example.com", "type": "work", "primary": True}],
    "department": "engineering",
    "permissions": {"appGroup": [{"appGroupName": "Production"}]},
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "7"},
}
GROUP_DOCUMENT = {"displayName": "Ops", "externalId": ""}


@SETTINGS
@given(BODY)
@example({"Operations": [{"op": "add", "path": 'emails[type eq "work"]', "value": 1}]})
@example({"Operations": [{"op": "replace", "path": "name.givenName.x", "value": "A"}]})
def test_patch_bodies_succeed_or_fail_with_a_scim_error(body):
    try:
        operations = patch.parse_operations(body)
        patch.apply_operations(USER_DOCUMENT, patch.writable(operations, USER), USER)
        patch.apply_operations(GROUP_DOCUMENT, patch.writable(operations, GROUP), GROUP)
    except ScimError as error:
        assert 400 <= error.status < 500


@SETTINGS
@given(BODY)
def test_applying_operations_never_changes_the_stored_document(body):
    before = repr(USER_DOCUMENT)
    with contextlib.suppress(ScimError):
        patch.apply_operations(
            USER_DOCUMENT,
            patch.writable(patch.parse_operations(body), USER),
            USER,
        )
    assert repr(USER_DOCUMENT) == before


# ---------------------------------------------------------------------------------------------
# The IP allowlist


def _network(address) -> str:
    prefix = address.max_prefixlen
    return f"{address}/{prefix // 2}"


ADDRESSES = st.ip_addresses()
ENTRIES = st.one_of(
    ADDRESSES.map(str),
    ADDRESSES.map(_network),
    st.builds(lambda a, b: f"{min(a, b)}-{max(a, b)}", st.ip_addresses(v=4), st.ip_addresses(v=4)),
    st.builds(lambda a, b: f"{min(a, b)}-{max(a, b)}", st.ip_addresses(v=6), st.ip_addresses(v=6)),
    st.builds(lambda a, n: f"{a}/{n}", ADDRESSES, st.integers(-1, 130)),
    ADDRESSES.map(lambda a: f"::ffff:{a}" if a.version == 4 else f"{a}%eth0"),
    st.text(alphabet="0123456789abcdef.:/-% \n", max_size=20),
)
TEXTS = st.one_of(
    st.text(max_size=60),
    st.lists(ENTRIES, max_size=6).map(", ".join),
    st.lists(ENTRIES, max_size=6).map("\n".join),
)


@SETTINGS
@given(TEXTS)
@example("1.2.3.4-1.2.3.4, ::ffff:10.0.0.0/104, 10.1.2.3/8")
def test_an_allowlist_parses_or_names_its_bad_entries_and_round_trips(text):
    try:
        parsed = allowlist.parse(text)
    except allowlist.AllowlistError as error:
        assert error.too_many or error.bad_entries
        return
    assert isinstance(parsed, allowlist.Allowlist)
    assert allowlist.parse(str(parsed)) == parsed


@SETTINGS
@given(st.lists(ADDRESSES, min_size=1, max_size=5), ADDRESSES)
def test_an_allowlist_of_addresses_allows_exactly_them(addresses, client):
    parsed = allowlist.parse(", ".join(map(str, addresses)))

    def plain(a: ipaddress.IPv4Address | ipaddress.IPv6Address):
        return getattr(a, "ipv4_mapped", None) or a

    assert parsed.allows(str(client)) == (plain(client) in {plain(a) for a in addresses})
