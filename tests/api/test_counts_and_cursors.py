"""Bounded counts (exact up to LIST_COUNT_CAP) and ``?cursor=`` walks on the lists that grow large."""

import datetime as dt
import itertools
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from partners.models import Partner
from partners.records.models import ReportedMetric
from programs.strategies.models import Outcome, Strategy
from tests.factories import UserFactory
from tests.partners.factories import ActivityFactory, ContactFactory, PartnerFactory

pytestmark = pytest.mark.django_db

ORDERINGS = ["name", "-name", "created_at", "-created_at", "health_score", "-health_score"]
_keys = itertools.count(1)


@pytest.fixture
def partners_with_ties():
    """23 partners with repeated names, repeated and missing health scores and shared creation times."""
    base = timezone.now() - dt.timedelta(days=30)
    partners = [
        PartnerFactory(name=f"Partner {index % 7}", health_score=None if index % 5 == 0 else index % 4 * 10)
        for index in range(23)
    ]
    for index, partner in enumerate(partners):
        Partner.objects.filter(pk=partner.pk).update(created_at=base + dt.timedelta(hours=index // 3))
    return partners


def _cursor(url: str) -> str:
    return parse_qs(urlsplit(url).query)["cursor"][0]


def _walk(client, path: str, **params) -> list[list[int]]:
    """Follow ``next`` from an empty cursor; the ids of each page."""
    query = "&".join(f"{key}={value}" for key, value in params.items())
    response = client.get(f"{path}?cursor=&{query}")
    pages = []
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["count"] is None and body["count_exact"] is False
        pages.append([row["id"] for row in body["results"]])
        if body["next"] is None:
            return pages
        response = client.get(body["next"])


def _all_ids(client, path: str, **params) -> list[int]:
    query = "&".join(f"{key}={value}" for key, value in {**params, "page_size": 200}.items())
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200, response.content
    assert response.json()["next"] is None
    return [row["id"] for row in response.json()["results"]]


# --- bounded counts -------------------------------------------------------------------


@pytest.mark.parametrize(("partners", "count", "exact"), [(4, 4, True), (5, 5, True), (6, 5, False), (9, 5, False)])
def test_the_api_count_is_exact_up_to_the_cap_and_a_lower_bound_beyond(
    manager_client, settings, partners, count, exact
):
    # given
    settings.LIST_COUNT_CAP = 5
    PartnerFactory.create_batch(partners)
    # when
    body = manager_client.get("/api/v1/partners/?page_size=2").json()
    # then
    assert (body["count"], body["count_exact"]) == (count, exact)
    assert body["next"] is not None


def test_a_page_past_the_cap_counts_as_far_as_it_reaches_and_still_links_onwards(manager_client, settings):
    # given: cap 5, 13 partners, 2 per page
    settings.LIST_COUNT_CAP = 5
    PartnerFactory.create_batch(13)
    # when: page 4 ends at row 8, page 7 holds the 13th
    page_four = manager_client.get("/api/v1/partners/?page_size=2&page=4").json()
    page_seven = manager_client.get("/api/v1/partners/?page_size=2&page=7").json()
    # then
    assert (page_four["count"], page_four["count_exact"], len(page_four["results"])) == (8, False, 2)
    assert "page=5" in page_four["next"]
    assert (page_seven["count"], page_seven["count_exact"], page_seven["next"]) == (13, True, None)
    assert len(page_seven["results"]) == 1


def test_counts_of_other_lists_are_bounded_too(manager_client, settings, manager):
    # given
    settings.LIST_COUNT_CAP = 3
    partner = PartnerFactory()
    ContactFactory.create_batch(4, partner=partner)
    # when
    body = manager_client.get("/api/v1/contacts/?page_size=2").json()
    # then
    assert (body["count"], body["count_exact"], len(body["results"])) == (3, False, 2)


@pytest.mark.parametrize(("partners", "shown"), [(50, "50</strong> partners"), (51, "50+</strong> partners")])
def test_the_partner_list_page_says_when_its_count_is_a_lower_bound(client, manager, settings, partners, shown):
    # given: the cap at one page of 50
    settings.LIST_COUNT_CAP = 50
    PartnerFactory.create_batch(partners)
    client.force_login(manager)
    # when
    response = client.get("/partners/")
    # then
    assert response.status_code == 200
    assert shown in response.content.decode()


def test_the_inbox_says_when_its_count_is_a_lower_bound(client, manager, settings):
    # given
    settings.LIST_COUNT_CAP = 50  # one page
    strategy = Strategy.objects.select_related("current_version").get(partner_type="channel")
    for _ in range(51):
        Outcome.objects.create(
            partner=PartnerFactory(), strategy=strategy, version=strategy.current_version, rule_kind="inactivity",
            kind="task", title="Re-engage", explanation="Quiet.", evidence={}, dedupe_key=f"k{next(_keys)}",
            assignee=manager,
        )  # fmt: skip
    client.force_login(manager)
    # when
    content = client.get("/inbox/").content.decode()
    # then
    assert '50+<span class="visually-hidden"> outcomes' in content


# --- cursor walks ---------------------------------------------------------------------


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_a_cursor_walk_sees_every_partner_once_in_the_order_of_the_list(manager_client, partners_with_ties, ordering):
    # when
    pages = _walk(manager_client, "/api/v1/partners/", ordering=ordering, page_size=4)
    # then
    assert [len(page) for page in pages] == [4, 4, 4, 4, 4, 3]
    assert [pk for page in pages for pk in page] == _all_ids(manager_client, "/api/v1/partners/", ordering=ordering)


def test_a_walk_without_ordering_goes_by_id_and_keeps_the_filters(manager_client, partners_with_ties):
    # given
    sales = PartnerFactory.create_batch(3, type="sales")
    # when
    pages = _walk(manager_client, "/api/v1/partners/", type="sales", page_size=2)
    # then
    assert [pk for page in pages for pk in page] == sorted(partner.pk for partner in sales)


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_previous_links_walk_back_through_the_same_pages(manager_client, partners_with_ties, ordering):
    # given: the pages forward
    forward = _walk(manager_client, "/api/v1/partners/", ordering=ordering, page_size=5)
    response = manager_client.get(f"/api/v1/partners/?cursor=&ordering={ordering}&page_size=5")
    for _ in forward[1:]:
        response = manager_client.get(response.json()["next"])
    # when: back from the last page
    backward = []
    body = response.json()
    while body["previous"] is not None:
        body = manager_client.get(body["previous"]).json()
        backward.append([row["id"] for row in body["results"]])
    # then
    assert backward == forward[-2::-1]


def test_a_walk_sees_every_partner_once_while_partners_are_added_and_edited(manager_client, partners_with_ties):
    # given: the walk has read its first page
    existing = {partner.pk for partner in partners_with_ties}
    response = manager_client.get("/api/v1/partners/?cursor=&page_size=4")
    seen = [row["id"] for row in response.json()["results"]]
    # when: between every page, partners are renamed, rescored and added
    while (next_url := response.json()["next"]) is not None:
        Partner.objects.filter(pk__in=existing).update(name="Zz renamed", health_score=99)
        PartnerFactory(name="Aa new")
        response = manager_client.get(next_url)
        assert response.status_code == 200
        seen += [row["id"] for row in response.json()["results"]]
    # then: nothing twice, every partner that existed throughout seen
    assert len(seen) == len(set(seen))
    assert existing <= set(seen)


@pytest.mark.parametrize("path", ["/api/v1/contacts/", "/api/v1/outcomes/", "/api/v1/metrics/", "timeline"])
def test_every_large_list_walks_with_a_cursor(manager_client, path):
    # given: seven rows in each list, none of another list
    partner = PartnerFactory()
    ContactFactory.create_batch(7, partner=partner)
    ActivityFactory.create_batch(7, partner=partner)
    strategy = Strategy.objects.select_related("current_version").get(partner_type="channel")
    for index in range(7):
        Outcome.objects.create(
            partner=partner, strategy=strategy, version=strategy.current_version, rule_kind="inactivity",
            kind="task", title="Re-engage", explanation="Quiet.", evidence={}, dedupe_key=f"k{next(_keys)}",
        )  # fmt: skip
        ReportedMetric.objects.create(
            partner=partner, key="csat", period_start=dt.date(2026, index + 1, 1),
            period_end=dt.date(2026, index + 1, 28), value=4,
        )  # fmt: skip
    path = f"/api/v1/partners/{partner.pk}/timeline/" if path == "timeline" else path
    # when
    pages = _walk(manager_client, path, page_size=3)
    # then
    walked = [pk for page in pages for pk in page]
    listed = _all_ids(manager_client, path)
    assert len(walked) == len(set(walked)) == len(listed) >= 7
    assert set(walked) == set(listed)
    if path.endswith("timeline/"):  # a timeline walks newest first, like its pages
        assert walked == listed


@pytest.mark.parametrize("rows", [2, 21])  # the page after the first holds 1 or 20 rows
@pytest.mark.parametrize(
    ("path", "budget"),
    [("/api/v1/partners/", 1), ("/api/v1/contacts/", 1), ("/api/v1/outcomes/", 1), ("/api/v1/metrics/", 1)],
)
def test_a_cursor_page_takes_the_same_queries_whatever_its_size(
    manager_client, django_assert_max_num_queries, rows, path, budget
):
    # given
    strategy = Strategy.objects.select_related("current_version").get(partner_type="channel")
    for index in range(rows):
        partner = PartnerFactory()
        ContactFactory(partner=partner)
        Outcome.objects.create(
            partner=partner, strategy=strategy, version=strategy.current_version, rule_kind="inactivity",
            kind="task", title="Re-engage", explanation="Quiet.", evidence={}, dedupe_key=f"k{next(_keys)}",
        )  # fmt: skip
        ReportedMetric.objects.create(
            partner=partner, key="csat", period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 1, 31), value=index
        )  # fmt: skip
    cursor = _cursor(manager_client.get(f"{path}?cursor=&page_size=1").json()["next"])
    # when: a page from a cursor, one query whatever its size
    with django_assert_max_num_queries(budget):
        response = manager_client.get(f"{path}?cursor={cursor}&page_size=50")
    # then
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows - 1


# --- bad cursors ----------------------------------------------------------------------


def _next_cursor(client, query: str = "") -> str:
    PartnerFactory.create_batch(3, type="channel")
    return _cursor(client.get(f"/api/v1/partners/?cursor=&page_size=1{query}").json()["next"])


@pytest.mark.parametrize(
    "damage", [lambda c: c[:-1] + ("A" if c[-1] != "A" else "B"), lambda c: "x" + c, lambda c: "abc"]
)
def test_a_tampered_cursor_is_a_400_naming_it(manager_client, damage):
    # given
    cursor = _next_cursor(manager_client)
    # when
    response = manager_client.get(f"/api/v1/partners/?cursor={damage(cursor)}&page_size=1")
    # then
    assert response.status_code == 400
    assert list(response.json()) == ["cursor"]


def test_a_cursor_of_other_filters_is_a_400(manager_client):
    # given
    cursor = _next_cursor(manager_client, "&type=channel")
    # when
    response = manager_client.get(f"/api/v1/partners/?cursor={cursor}&type=sales&page_size=1")
    # then
    assert response.status_code == 400
    assert "other filters" in response.json()["cursor"][0]


def test_a_cursor_of_another_list_or_user_is_a_400(manager_client, api_client):
    # given
    cursor = _next_cursor(manager_client)
    other = UserFactory(is_staff=True)
    # when
    elsewhere = manager_client.get(f"/api/v1/contacts/?cursor={cursor}")
    api_client.force_authenticate(other)
    someone_else = api_client.get(f"/api/v1/partners/?cursor={cursor}&page_size=1")
    # then
    assert (elsewhere.status_code, list(elsewhere.json())) == (400, ["cursor"])
    assert (someone_else.status_code, list(someone_else.json())) == (400, ["cursor"])


def test_page_and_cursor_together_are_a_400(manager_client):
    # given
    cursor = _next_cursor(manager_client)
    # when
    response = manager_client.get(f"/api/v1/partners/?cursor={cursor}&page=2")
    # then
    assert response.status_code == 400
    assert "either page or cursor" in response.json()["cursor"][0]


@pytest.mark.parametrize("size", ["abc", "0", "-1"])
def test_a_bad_page_size_in_a_walk_is_a_400_naming_it(manager_client, size):
    # when
    response = manager_client.get(f"/api/v1/partners/?cursor=&page_size={size}")
    # then
    assert (response.status_code, list(response.json())) == (400, ["page_size"])


def test_lists_that_do_not_walk_refuse_a_cursor(manager_client):
    # when
    response = manager_client.get("/api/v1/tokens/?cursor=")
    # then
    assert response.status_code == 400
    assert list(response.json()) == ["cursor"]
