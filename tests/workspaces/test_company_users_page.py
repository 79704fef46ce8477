"""selectors.company_users_page: any page of a company's users, and its total, as COUNT(*) and
OFFSET would give them. It reads the per-block counts the triggers keep (migration 0005), so
these tests also check the triggers against every way users change."""

from __future__ import annotations

import random

import pytest
from django.db import connection, transaction

from tests.factories import CompanyFactory, UserFactory
from workspaces import selectors
from workspaces.models import USER_BLOCK_SIZE, DashboardUser, UserCountBlock

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
        assert ([u.user.pk for u in users], counted) == expected_page(company, offset, limit), (
            offset
        )
    assert selectors.company_users_page(company, offset=0, limit=0) == ([], total)


def users_with_ids(company, ids) -> list[DashboardUser]:
    """Users at chosen ids, so a handful of them spread over several blocks."""
    return DashboardUser.objects.bulk_create(
        DashboardUser(pk=pk, company=company, email=f"u{pk}@example.com", password="!")
        for pk in ids
    )


def counts_by_block() -> dict[tuple[int, int], int]:
    kept: dict[tuple[int, int], int] = {}
    for row in UserCountBlock.objects.all():
        key = (row.company_id, row.block)
        kept[key] = kept.get(key, 0) + row.users
    return {key: n for key, n in kept.items() if n}


def actual_counts() -> dict[tuple[int, int], int]:
    actual: dict[tuple[int, int], int] = {}
    for company_id, pk in DashboardUser.objects.exclude(company=None).values_list(
        "company_id", "pk"
    ):
        key = (company_id, pk // USER_BLOCK_SIZE)
        actual[key] = actual.get(key, 0) + 1
    return actual


def test_pages_of_a_company_spread_over_blocks():
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
    assert total == 1 and loaded == selectors.users_with_access([user])[0]


def test_the_triggers_follow_every_kind_of_change():
    companies = [CompanyFactory() for _ in range(3)]
    randomness = random.Random(7)
    used: set[int] = set()
    for step in range(40):
        company = randomness.choice(companies)
        action = randomness.choice(["bulk", "one", "raw", "delete", "move", "rollback"])
        if action == "bulk":
            ids = {randomness.randrange(1, 8 * USER_BLOCK_SIZE) for _ in range(5)} - used
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
        assert counts_by_block() == actual_counts(), (step, action)
    for company in companies:
        assert_every_page_matches(company, limit=4)


def test_a_user_leaving_every_company_is_no_longer_counted():
    user = UserFactory()
    DashboardUser.objects.filter(pk=user.pk).update(company=None)
    assert counts_by_block() == {}
    assert selectors.company_users_page(user.company, offset=0, limit=10) == ([], 0)


def test_an_update_that_keeps_the_company_writes_no_count():
    user = UserFactory()
    before = list(UserCountBlock.objects.values_list("pk", "users"))
    user.given_name = "Renamed"
    user.save()  # a full save names company_id too: the trigger's condition leaves it alone
    assert list(UserCountBlock.objects.values_list("pk", "users")) == before


@pytest.mark.parametrize("new_id", [5_000 + 1, 5_000 + 3 * USER_BLOCK_SIZE])
def test_a_user_given_another_id_is_counted_in_its_new_block(new_id):
    company = CompanyFactory()
    users_with_ids(company, [5_000])
    DashboardUser.objects.filter(pk=5_000).update(id=new_id)
    assert counts_by_block() == actual_counts() == {(company.pk, new_id // USER_BLOCK_SIZE): 1}
