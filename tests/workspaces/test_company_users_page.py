"""selectors.company_users_page: any page of a company's users, and its total, as a plain
ORDER BY id query would give them, whichever way the users came and went."""

from __future__ import annotations

import random

import pytest
from django.db import connection, transaction

from tests.factories import CompanyFactory, UserFactory
from workspaces import selectors
from workspaces.models import DashboardUser

pytestmark = pytest.mark.django_db


def expected_page(company, offset: int, limit: int) -> tuple[list[int], int]:
    ids = list(
        DashboardUser.objects.filter(company=company).order_by("pk").values_list("pk", flat=True)
    )
    return ids[offset : offset + limit], len(ids)


def assert_every_page_matches(company, limit: int = 3) -> None:
    total = DashboardUser.objects.filter(company=company).count()
    for offset in [*range(0, total + 2), total + 50]:
        users, counted = selectors.company_users_page(company, offset=offset, limit=limit)
        assert ([u.pk for u in users], counted) == expected_page(company, offset, limit), offset
    assert selectors.company_users_page(company, offset=0, limit=0) == ([], total)


def users_with_ids(company, ids) -> list[DashboardUser]:
    """Users at chosen ids, so two companies' users interleave."""
    return DashboardUser.objects.bulk_create(
        DashboardUser(pk=pk, company=company, email=f"u{pk}@example.com", password="!")
        for pk in ids
    )


def test_pages_of_companies_whose_users_interleave():
    company, other = CompanyFactory(), CompanyFactory()
    users_with_ids(company, [10_001, 10_002, 11_500, 20_480, 20_481, 40_000, 40_960])
    users_with_ids(other, [10_003, 11_501, 40_001])  # interleaved with the first company's
    assert_every_page_matches(company)
    assert_every_page_matches(other, limit=2)


def test_a_company_without_users_has_an_empty_first_page():
    assert selectors.company_users_page(CompanyFactory(), offset=0, limit=100) == ([], 0)


def test_users_come_with_their_access():
    user = UserFactory()
    (loaded,), total = selectors.company_users_page(user.company, offset=0, limit=10)
    assert total == 1 and loaded.pk == user.pk
    assert selectors.access_loaded(loaded)


def test_pages_follow_every_kind_of_change():
    companies = [CompanyFactory() for _ in range(3)]
    randomness = random.Random(7)
    used: set[int] = set()
    for step in range(40):
        company = randomness.choice(companies)
        action = randomness.choice(["bulk", "one", "raw", "delete", "move", "rollback"])
        if action == "bulk":
            ids = {randomness.randrange(1, 8_192) for _ in range(5)} - used
            used |= ids
            users_with_ids(company, sorted(ids))
        elif action == "one":
            UserFactory(company=company)
        elif action == "raw":
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO workspaces_dashboarduser (public_id, email, password, given_name,"
                    " family_name, department, company_permissions, external_id, is_active,"
                    " is_staff, is_superuser, created_at, updated_at, company_id,"
                    " directory_attributes) SELECT 'raw' || n || '-' || %s, 'raw' || n || '-' ||"
                    " %s || '@example.com', '!', '', '', '', '[]', '', true, false, false, now(),"
                    " now(), %s, '{}' FROM generate_series(1, 4) AS n",
                    [step, step, company.pk],
                )
        elif action == "delete":
            doomed = list(
                DashboardUser.objects.filter(company=company).values_list("pk", flat=True)
            )
            DashboardUser.objects.filter(
                pk__in=randomness.sample(doomed, len(doomed) // 3)
            ).delete()
        elif action == "move":
            mover = DashboardUser.objects.filter(company=company).first()
            if mover is not None:
                mover.company = randomness.choice(companies)
                mover.save()
        else:  # what a failed write leaves: nothing
            with pytest.raises(RuntimeError), transaction.atomic():
                UserFactory(company=company)
                DashboardUser.objects.filter(company=company).delete()
                raise RuntimeError
    for company in companies:
        assert_every_page_matches(company, limit=4)


def test_a_user_leaving_every_company_is_no_longer_counted():
    user = UserFactory()
    DashboardUser.objects.filter(pk=user.pk).update(company=None)
    assert selectors.company_users_page(user.company, offset=0, limit=10) == ([], 0)


def test_a_page_costs_three_queries_at_any_offset(django_assert_num_queries):
    """The count, the page's users (their ids first), their access."""
    company = CompanyFactory()
    users_with_ids(company, range(7_000, 7_010))
    for offset in (0, 9):
        with django_assert_num_queries(3):
            selectors.company_users_page(company, offset=offset, limit=5)
