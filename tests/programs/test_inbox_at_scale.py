"""The inbox at scale: a page is an index walk in the inbox's order that stops after the page, its
queries do not grow with the outcomes, and staff get no needless "partner IN (every partner)"."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partners.models import PartnerUser
from prm.db import analyze
from programs.strategies.models import Outcome
from programs.strategies.selectors import OutcomeFilters, outcome_list
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory
from tests.programs.portal_helpers import outcome

pytestmark = pytest.mark.django_db

PAGE_SIZE = 50  # programs.strategies.views.inbox.PAGE_SIZE


def _outcomes(count: int, **fields) -> list[Outcome]:
    return [outcome(partner, **fields) for partner in PartnerFactory.create_batch(count)]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/inbox/", "/inbox/?everyone=on"])
def test_the_inbox_makes_as_many_queries_for_a_page_and_a_half_as_for_one_outcome(
    client, manager, url, django_assert_max_num_queries
):
    # given
    client.force_login(manager)
    _outcomes(1, assignee=manager)
    one = _queries(client, url)
    _outcomes(PAGE_SIZE + PAGE_SIZE // 2 - 1, assignee=manager)
    # when: session, user, role, the bounded count, the page with partner, strategy, version and
    # assignee joined, the other tab's bounded count, the other side of the page's rows
    with django_assert_max_num_queries(7):
        response = client.get(url)
    # then
    assert len(response.context["page"].object_list) == PAGE_SIZE
    assert response.context["page"].paginator.count == PAGE_SIZE + PAGE_SIZE // 2
    assert _queries(client, url) == one


def test_staff_read_outcomes_without_a_partner_semi_join_and_see_every_one(manager):
    # given
    _outcomes(3)
    # when
    outcomes = outcome_list(user=manager)
    # then
    assert 'FROM "partners_partner" U' not in str(outcomes.query)
    assert outcomes.count() == 3


def test_a_partner_login_still_sees_only_its_own_partner_addressed_outcomes(db):
    # given
    own, other = PartnerFactory(), PartnerFactory()
    asked = outcome(own, audience="partner", title="Upload your insurance certificate")
    outcome(own, audience="manager", kind="alert", title="Internal")
    outcome(other, audience="partner", title="Another partner's request")
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=own, role="partner_member")
    # when
    outcomes = outcome_list(user=user)
    # then
    assert list(outcomes) == [asked]


@pytest.mark.parametrize("who", ["inactive staff", "inactive partner login", "anonymous"])
def test_logins_that_see_no_partner_see_no_outcome(who):
    # given
    partner = PartnerFactory()
    outcome(partner, audience="partner")
    if who == "anonymous":
        user = AnonymousUser()
    else:
        user = UserFactory(is_active=False, is_staff=who == "inactive staff")
        if who == "inactive partner login":
            PartnerUser.objects.create(user=user, partner=partner, role="partner_admin")
    # when
    outcomes = outcome_list(user=user)
    # then
    assert list(outcomes) == []


def _plan(queryset) -> str:
    """PostgreSQL's plan for the query when it may not sort: an ordered index walk, if one matches
    the query's filter and order, is the only plan left without a sort."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(line for (line,) in cursor.fetchall())


def test_a_page_of_everyones_open_outcomes_is_a_walk_of_the_inbox_index(manager):
    # given: a few hundred open outcomes, some closed, the table analysed as after a run
    _outcomes(280, assignee=UserFactory())
    _outcomes(20, state="done")
    analyze(Outcome)
    # when
    plan = _plan(outcome_list(user=manager, filters=OutcomeFilters())[:PAGE_SIZE])
    # then
    assert "Index Scan using outcome_inbox_all on programs_outcome" in plan, plan
    assert "Sort" not in plan, plan


def test_a_page_of_my_open_outcomes_is_a_walk_of_my_inbox_index(manager):
    # given: mine are a few among a few hundred
    _outcomes(280, assignee=UserFactory())
    _outcomes(20, assignee=manager)
    analyze(Outcome)
    # when
    plan = _plan(outcome_list(user=manager, filters=OutcomeFilters(assignee=(manager.pk,)))[:PAGE_SIZE])
    # then
    assert "Index Scan using outcome_inbox_mine on programs_outcome" in plan, plan
    assert "Sort" not in plan, plan
