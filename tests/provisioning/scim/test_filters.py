"""The RFC 7644 §3.4.2 query features of GET /Users and POST /Users/.search: filters, sorting,
attribute selection and paging, plus property tests of the filter translator."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisioning.scim import filters
from provisioning.scim.errors import ScimError
from provisioning.scim.resources import USER
from tests.factories import CompanyFactory, UserFactory
from tests.provisioning.scim.documents import (
    SEARCH,
    error,
    expected_user,
    list_response,
)
from workspaces.models import DashboardUser

UTC = dt.UTC


@pytest.fixture
def people(company) -> dict[str, DashboardUser]:
    """Three users of `company` (and one of another company that no filter may ever return)."""
    ada = UserFactory(
        company=company,
        email="ada@example.com",
        given_name="Ada",
        family_name="Lovelace",
        department="engineering",
        external_id="ext-ada",
        directory_attributes={"displayName": "Countess", "enterprise": {"employeeNumber": "1001"}},
        updated_at=dt.datetime(2024, 1, 1, tzinfo=UTC),
    )
    grace = UserFactory(
        company=company,
        email="grace@navy.mil",
        given_name="Grace",
        family_name="Hopper",
        department="marketing",
        external_id="ext-grace",
        is_active=False,
        directory_attributes={"enterprise": {"employeeNumber": "1002"}},
        updated_at=dt.datetime(2025, 1, 1, tzinfo=UTC),
    )
    alan = UserFactory(
        company=company,
        email="alan@example.org",
        given_name="Alan",
        family_name="Turing",
        department="bi",
        updated_at=dt.datetime(2026, 1, 1, tzinfo=UTC),
    )
    UserFactory(
        company=CompanyFactory(name="Globex"),
        email="ada.other@example.com",
        given_name="Ada",
        family_name="Lovelace",
        external_id="ext-ada",
    )
    return {"ada": ada, "grace": grace, "alan": alan}


def enterprise_doc(user: DashboardUser) -> dict:
    """The expected document of a `people` user (factory users hold no workspace)."""
    overrides = {}
    extra = user.directory_attributes
    if "enterprise" in extra:
        overrides["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] = extra[
            "enterprise"
        ]
        overrides["schemas"] = [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        ]
    if "displayName" in extra:
        overrides["displayName"] = extra["displayName"]
    return expected_user(user, **overrides)


def listing(people: dict[str, DashboardUser], *names: str, total: int | None = None) -> dict:
    return list_response([enterprise_doc(people[n]) for n in names], total=total)


FILTERS = [
    ('userName eq "ada@example.com"', ["ada"]),
    ('userName ne "ada@example.com"', ["grace", "alan"]),
    ('userName co "example"', ["ada", "alan"]),
    ('userName sw "GR"', ["grace"]),
    ('userName ew ".org"', ["alan"]),
    ("externalId pr", ["ada", "grace"]),
    ('name.familyName gt "L"', ["ada", "alan"]),
    ('name.familyName ge "lovelace"', ["ada", "alan"]),
    ('name.familyName lt "Lovelace"', ["grace"]),
    ('name.familyName le "Lovelace"', ["ada", "grace"]),
    ('userName co "example" and name.givenName eq "alan"', ["alan"]),
    ('userName sw "ada" or userName sw "alan"', ["ada", "alan"]),
    ('not (userName sw "ada")', ["grace", "alan"]),
    ('(userName sw "ada" or userName sw "grace") and active eq true', ["ada"]),
    ('userName sw "alan" or (userName sw "grace" and active eq false)', ["grace", "alan"]),
    ('emails[type eq "work"].value eq "grace@navy.mil"', ["grace"]),
    ('emails[type eq "work" and value co "example"]', ["ada", "alan"]),
    ('emails[type eq "home"].value eq "grace@navy.mil"', []),
    ('emails.value ew "mil"', ["grace"]),
    ('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "alan@example.org"', ["alan"]),
    (
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1002"',
        ["grace"],
    ),
    ('UserName EQ "ada@example.com"', ["ada"]),
    ('USERNAME Sw "alan" OR Name.FamilyName Eq "HOPPER"', ["grace", "alan"]),
    ('userName eq "ADA@EXAMPLE.COM"', ["ada"]),
    ('externalId eq "ext-grace"', ["grace"]),
    ('externalId eq "EXT-GRACE"', []),  # externalId is caseExact (RFC 7643 §3.1)
    ("active eq false", ["grace"]),
    ("active eq true", ["ada", "alan"]),
    ('meta.lastModified gt "2024-06-01T00:00:00Z"', ["grace", "alan"]),
    ('meta.lastModified le "2025-01-01T00:00:00Z"', ["ada", "grace"]),
    ('displayName eq "countess"', ["ada"]),
    ('displayName gt "B"', ["ada"]),  # a key inside a JSON column, compared as text
    (
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber ge "1002"',
        ["grace"],
    ),
    ('department eq "bi"', ["alan"]),
    ('userName eq "nobody@example.com"', []),
    ('userName eq "' + "(" * 40 + '"', []),  # brackets inside a string are not nesting
    ("((((" + '(userName sw "ada")' + "))))", ["ada"]),
]


@pytest.mark.parametrize(("expression", "names"), FILTERS)
def test_a_filter_returns_exactly_the_matching_users_of_the_company(
    scim, people, expression, names
):
    response = scim.get("Users", {"filter": expression})

    assert response.status_code == 200, response.json()
    assert response.json() == listing(people, *names)


@pytest.mark.parametrize(("expression", "names"), FILTERS[:12])
def test_post_search_applies_the_same_filter(scim, people, expression, names):
    response = scim.post("Users/.search", {"schemas": [SEARCH], "filter": expression})

    assert response.status_code == 200, response.json()
    assert response.json() == listing(people, *names)


def test_post_search_pages_and_sorts_from_the_body(scim, people):
    body = {
        "schemas": [SEARCH],
        "filter": "userName pr",
        "sortBy": "name.familyName",
        "sortOrder": "descending",
        "startIndex": 2,
        "count": 1,
    }

    response = scim.post("Users/.search", body)

    assert response.json() == list_response([enterprise_doc(people["ada"])], total=3, start=2)


def test_a_negated_constant_sub_attribute_matches_nobody(scim, people):
    """Every user's one email is `type: work`, so this is false for all of them."""
    for expression in ('not (emails.type eq "work")', "not (emails.type pr)"):
        response = scim.get("Users", {"filter": expression})

        assert response.json() == listing(people), expression


def test_no_match_is_an_empty_list_response_not_a_404(scim, people):
    response = scim.get("Users", {"filter": 'userName eq "ghost@example.com"'})

    assert response.status_code == 200
    assert response.json() == list_response([])


BAD_FILTERS = {
    "unsupported attribute": 'nickName eq "Babs"',
    "unsupported sensitive attribute": 'password eq "secret"',
    "unknown schema": 'urn:example:params:scim:schemas:Foo:userName eq "a"',
    "missing value": "userName eq",
    "unterminated string": 'userName eq "ada',
    "unbalanced parenthesis": '((userName eq "ada")',
    "missing operator": 'userName "ada"',
    "unknown operator": 'userName xx "ada"',
    "regex operator": 'userName regex ".*"',
    "dangling and": 'userName eq "ada" and',
    "empty brackets": "emails[]",
    "nested value path": 'emails[value[type eq "work"]]',
    "value path on a simple attribute": 'userName[value eq "x"]',
    "ordering a boolean": "active gt true",
    "boolean as a string": 'active eq "true"',
    "number for a string": "userName eq 1",
    "null for a string": "userName eq null",
    "not a date": 'meta.lastModified gt "yesterday"',
    "impossible date": 'meta.lastModified gt "2024-13-45T00:00:00Z"',
    "sw on a date": 'meta.created sw "2024"',
    "gt on a constant": 'emails.type gt "a"',
    "200 nested parentheses": "(" * 200 + 'userName eq "ada@example.com"' + ")" * 200,
    "2000 nested parentheses": "(" * 2000 + "active eq true" + ")" * 2000,
    "200 nested nots": "not (" * 200 + "active eq true" + ")" * 200,
    "10k string": 'userName eq "' + "a" * 10_000 + '"',
    "NUL character": 'userName eq "ada\x00"',
    "only whitespace": "   ",
}


@pytest.mark.parametrize("expression", BAD_FILTERS.values(), ids=BAD_FILTERS.keys())
def test_a_bad_filter_is_400_invalid_filter_never_500_never_all_rows(scim, people, expression):
    response = scim.get("Users", {"filter": expression})

    assert (response.status_code, response.json()) == (400, error(400, "invalidFilter"))


@pytest.mark.parametrize("expression", list(BAD_FILTERS.values())[:8], ids=list(BAD_FILTERS)[:8])
def test_a_bad_filter_in_post_search_is_400_invalid_filter(scim, people, expression):
    response = scim.post("Users/.search", {"schemas": [SEARCH], "filter": expression})

    assert (response.status_code, response.json()) == (400, error(400, "invalidFilter"))


def test_a_non_string_filter_in_post_search_is_400_invalid_filter(scim, people):
    response = scim.post("Users/.search", {"schemas": [SEARCH], "filter": ["userName pr"]})

    assert (response.status_code, response.json()) == (400, error(400, "invalidFilter"))


# ---------------------------------------------------------------------------------------------
# sortBy / sortOrder


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"sortBy": "name.familyName"}, ["grace", "ada", "alan"]),
        ({"sortBy": "name.familyName", "sortOrder": "ascending"}, ["grace", "ada", "alan"]),
        ({"sortBy": "name.familyName", "sortOrder": "descending"}, ["alan", "ada", "grace"]),
        ({"sortBy": "userName"}, ["ada", "alan", "grace"]),
        ({"sortBy": "UserName", "sortOrder": "Descending"}, ["grace", "alan", "ada"]),
        ({"sortBy": "meta.lastModified", "sortOrder": "descending"}, ["alan", "grace", "ada"]),
        ({}, ["ada", "grace", "alan"]),  # no sortBy: creation order, stable across pages
    ],
)
def test_sort_by_orders_the_results(scim, people, params, names):
    response = scim.get("Users", params)

    assert response.json() == listing(people, *names)


def test_sorting_is_stable_across_pages_when_values_tie(scim, company):
    users = [
        UserFactory(company=company, email=f"p{i}@example.com", family_name="Same")
        for i in range(5)
    ]
    for order, expected in (("ascending", users), ("descending", users[::-1])):
        pages = [
            scim.get(
                "Users",
                {"sortBy": "name.familyName", "sortOrder": order, "startIndex": i, "count": 2},
            ).json()["Resources"]
            for i in (1, 3, 5)
        ]

        assert [r["id"] for page in pages for r in page] == [u.public_id for u in expected]


@pytest.mark.parametrize(
    "params",
    [
        {"sortBy": "nickName"},
        {"sortBy": "displayName"},  # stored in JSON, not sortable
        {"sortBy": "userName eq"},
        {"sortOrder": "sideways"},
    ],
)
def test_an_unsupported_sort_is_400(scim, people, params):
    response = scim.get("Users", params)

    assert (response.status_code, response.json()) == (400, error(400, "invalidValue"))


# ---------------------------------------------------------------------------------------------
# attributes / excludedAttributes


def test_attributes_returns_only_those_plus_id_and_schemas(scim, people):
    ada = people["ada"]

    response = scim.get(
        "Users",
        {"filter": 'userName eq "ada@example.com"', "attributes": "userName,name.givenName"},
    )

    assert response.json() == list_response(
        [
            {
                "schemas": enterprise_doc(ada)["schemas"],
                "id": ada.public_id,
                "userName": "ada@example.com",
                "name": {"givenName": "Ada"},
            }
        ]
    )


def test_attributes_accepts_urn_qualified_core_names(scim, people):
    grace = people["grace"]

    response = scim.get(
        f"Users/{grace.public_id}",
        {"attributes": "urn:ietf:params:scim:schemas:core:2.0:User:active,externalId"},
    )

    assert response.json() == {
        "schemas": enterprise_doc(grace)["schemas"],
        "id": grace.public_id,
        "active": False,
        "externalId": "ext-grace",
    }


@pytest.mark.parametrize(
    "attributes",
    [
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    ],
)
def test_attributes_accepts_the_enterprise_extension(scim, people, attributes):
    grace = people["grace"]

    response = scim.get(f"Users/{grace.public_id}", {"attributes": attributes})

    assert response.json() == {
        "schemas": enterprise_doc(grace)["schemas"],
        "id": grace.public_id,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "1002"},
    }


def test_excluded_attributes_drops_the_enterprise_extension(scim, people):
    grace = people["grace"]

    response = scim.get(
        f"Users/{grace.public_id}",
        {"excludedAttributes": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
    )

    expected = enterprise_doc(grace)
    del expected["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
    assert response.json() == expected


def test_excluded_attributes_drops_them_but_never_the_id(scim, people):
    alan = people["alan"]

    response = scim.get(
        "Users",
        {"filter": 'userName eq "alan@example.org"', "excludedAttributes": "id,permissions,meta"},
    )

    expected = enterprise_doc(alan)
    del expected["permissions"], expected["meta"]
    assert response.json() == list_response([expected])


def test_attributes_and_excluded_attributes_together_are_400(scim, people):
    response = scim.get("Users", {"attributes": "userName", "excludedAttributes": "emails"})

    assert (response.status_code, response.json()) == (400, error(400, "invalidValue"))


def test_attributes_and_excluded_attributes_together_are_400_even_with_no_results(scim, people):
    response = scim.get(
        "Users",
        {
            "filter": 'userName eq "ghost@example.com"',
            "attributes": "userName",
            "excludedAttributes": "emails",
        },
    )

    assert (response.status_code, response.json()) == (400, error(400, "invalidValue"))


# ---------------------------------------------------------------------------------------------
# startIndex / count (RFC 7644 §3.4.2.4)


@pytest.mark.parametrize("start", ["0", "-5", "1"])
def test_a_start_index_below_one_means_one(scim, people, start):
    response = scim.get("Users", {"startIndex": start, "count": "2"})

    assert response.json() == listing(people, "ada", "grace", total=3)


def test_start_index_and_count_select_a_page(scim, people):
    response = scim.get("Users", {"startIndex": "2", "count": "1"})

    assert response.json() == list_response([enterprise_doc(people["grace"])], total=3, start=2)


def test_a_start_index_past_the_end_is_an_empty_page(scim, people):
    response = scim.get("Users", {"startIndex": "99999999999999999999", "count": "10"})

    assert response.json() == list_response([], total=3, start=2**31 - 1)


@pytest.mark.parametrize("count", ["0", "-1", "-100"])
def test_a_count_of_zero_or_less_returns_only_the_total(scim, people, count):
    response = scim.get("Users", {"count": count})

    assert response.json() == list_response([], total=3)


@pytest.mark.parametrize("params", [{"count": "ten"}, {"startIndex": "x"}, {"count": "1.5"}])
def test_a_non_integer_start_index_or_count_is_400(scim, people, params):
    response = scim.get("Users", params)

    assert (response.status_code, response.json()) == (400, error(400, "invalidValue"))


def test_unknown_query_parameters_are_ignored(scim, people):
    response = scim.get("Users", {"filter": "active eq false", "frobnicate": "yes"})

    assert response.json() == listing(people, "grace")


# ---------------------------------------------------------------------------------------------
# Property tests of the translator


SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _filter_or_error(expression: str) -> Q | None:
    """The Q, or None for the one allowed error: ScimError 400 invalidFilter."""
    try:
        q = filters.to_q(expression, USER)
    except ScimError as exc:
        assert (exc.status, exc.scim_type) == (400, "invalidFilter"), exc.detail
        return None
    assert isinstance(q, Q)
    return q


@pytest.mark.django_db
@SETTINGS
@given(st.text(max_size=300))
def test_any_text_is_either_a_q_or_an_invalid_filter_error(people, expression):
    q = _filter_or_error(expression)
    if q is not None:
        with transaction.atomic():
            DashboardUser.objects.filter(q).count()


ATTRIBUTES = st.sampled_from(
    [
        "userName",
        "USERNAME",
        "name.givenName",
        "name.familyName",
        "externalId",
        "active",
        "emails",
        "emails.value",
        "emails.type",
        "emails.primary",
        "displayName",
        "department",
        "meta.created",
        "meta.lastModified",
        "id",
        "nickName",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        "urn:ietf:params:scim:schemas:extension:dashboard:2.0:User:department",
    ]
)
OPERATORS = st.sampled_from(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "xx"])
VALUES = st.one_of(
    st.sampled_from(
        ["true", "false", "null", "42", "-1.5", '"2024-01-01T00:00:00Z"', '"2024-02-30T00:00Z"']
    ),
    st.text(
        alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters='"\\'),
        max_size=20,
    ).map(lambda s: f'"{s}"'),
)
COMPARISONS = st.one_of(
    st.builds(lambda a, o, v: f"{a} {o} {v}", ATTRIBUTES, OPERATORS, VALUES),
    ATTRIBUTES.map(lambda a: f"{a} pr"),
    st.builds(lambda o, v: f"emails[type {o} {v}]", OPERATORS, VALUES),
)
EXPRESSIONS = st.recursive(
    COMPARISONS,
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"{a} and {b}", inner, inner),
        st.builds(lambda a, b: f"{a} or {b}", inner, inner),
        inner.map(lambda e: f"not ({e})"),
        inner.map(lambda e: f"({e})"),
    ),
    max_leaves=8,
)


@pytest.mark.django_db
@SETTINGS
@given(EXPRESSIONS)
def test_any_filter_shaped_expression_translates_and_runs(people, expression):
    q = _filter_or_error(expression)
    if q is not None:
        with transaction.atomic():  # a failing query must not poison the next example's
            list(DashboardUser.objects.filter(q).values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber co "00"', 2),
        ('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber sw "1002"', 1),
        ('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value co ""', 0),
        ('displayName ew "TESS"', 1),
    ],
)
def test_pattern_operators_work_on_keys_inside_stored_attributes(
    scim, people, expression, expected
):
    """Regression: `co`/`sw`/`ew` on a JSON key were a 500."""
    response = scim.get("Users", {"filter": expression})
    assert response.status_code == 200, response.json()
    assert response.json()["totalResults"] == expected


@pytest.mark.parametrize(
    "expression",
    [
        'userName eq "ada@example.com"',
        'USERNAME EQ "ADA@Example.com"',
        'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "ada@example.com"',
        'userName eq "ada.other@example.com"',  # another company's: not found
        'userName eq "nobody@example.com"',
        r'userName eq "ada\u0040example.com"',  # a JSON escape in the string
    ],
)
@pytest.mark.parametrize(
    "paging", [{}, {"count": 0}, {"startIndex": 2}, {"count": 1, "attributes": "userName"}]
)
def test_the_user_name_lookup_answers_as_the_generic_filter_does(scim, people, expression, paging):
    """`userName eq` takes a short path (views.UsersView.search); sorting forces the generic
    one, which must give the same answer."""
    quick = scim.get("Users", {"filter": expression, **paging})
    generic = scim.get("Users", {"filter": expression, "sortBy": "userName", **paging})
    assert quick.status_code == generic.status_code == 200
    assert quick.json() == generic.json()


@pytest.mark.parametrize(
    "expression",
    [
        'userName eq "ada@example.com" and active eq true',
        'userName sw "ada"',
        "userName eq 42",
        'emails.value eq "ada@example.com"',
        'urn:example:unknown:userName eq "ada@example.com"',
    ],
)
def test_only_an_exact_user_name_filter_takes_the_short_path(expression):
    assert filters.user_name_equals(expression) is None


def test_the_short_path_reads_the_user_with_its_access_in_one_query(
    scim, people, django_assert_num_queries, settings
):
    settings.SCIM_DAILY_REQUEST_LIMIT = 1000  # the counter's row is written on every request
    scim.get("Users", {"count": 0})  # the token's first use is recorded once
    # token, counter, the user with its access (the request log is one more, written at once here)
    with django_assert_num_queries(4):
        response = scim.get("Users", {"filter": 'userName eq "ada@example.com"'})
    assert response.json()["totalResults"] == 1


@given(
    value=st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters='"\\'), max_size=40
    ),
    attribute=st.sampled_from(["userName", "USERNAME", "username"]),
    spaces=st.sampled_from([" ", "  "]),
)
@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_plain_user_name_shortcut_reads_what_the_parser_reads(value, attribute, spaces):
    """`user_name_equals` skips the parser for the plain form; the answer must not change."""
    expression = f'{attribute}{spaces}eq{spaces}"{value}"'

    def outcome(read):
        try:
            return read(expression)
        except ScimError as exc:  # control characters: the grammar refuses them
            return exc.scim_type

    assert outcome(filters.user_name_equals) == outcome(lambda e: filters.parse_filter(e).value)
