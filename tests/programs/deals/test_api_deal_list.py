"""/api/v1/deals/ as a list: DealFilterSet's filters, ?ordering=, page and cursor pagination,
unknown parameters refused, a flat query count, and Idempotency-Key on registration."""

import uuid
from datetime import date, timedelta

import pytest
from django.utils import timezone

from partners.models import PartnerUser
from partners.services import api_token_create
from programs.deals.models import Deal
from programs.deals.services import deal_approve, deal_register, deal_reject
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db
SOON = date.today() + timedelta(days=30)


def _login(partner, role="partner_member"):
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    return user


def _register(partner, company="Acme", domain="acme.com", products=(), **fields):
    values = {"amount": 1000, "currency": "EUR", "expected_close_on": SOON, **fields}
    return deal_register(
        partner_id=partner.pk, actor=None, customer_company=company, customer_domain=domain, products=products, **values
    )


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def alpha(manager):
    return PartnerFactory(name="Alpha", status="active", type="sales", owner=manager)


@pytest.fixture
def bravo(manager):
    return PartnerFactory(name="Bravo", status="active", type="sales", owner=manager)


def test_status_stage_partner_and_search_filter_the_list(api_client, manager, alpha, bravo):
    # given
    acme = _register(alpha, "Acme Inc.", "acme.com")
    globex = _register(alpha, "Globex GmbH", "globex.de")
    initech = _register(bravo, "Initech", "initech.io")
    deal_approve(deal_id=globex.pk, actor=manager)
    Deal.objects.filter(pk=initech.pk).update(stage="negotiate")
    api_client.force_authenticate(manager)
    # then
    assert _ids(api_client.get("/api/v1/deals/?status=approved")) == [globex.pk]
    assert set(_ids(api_client.get("/api/v1/deals/?status=submitted,approved"))) == {acme.pk, globex.pk, initech.pk}
    assert _ids(api_client.get("/api/v1/deals/?stage=negotiate")) == [initech.pk]
    assert _ids(api_client.get(f"/api/v1/deals/?partner={bravo.pk}")) == [initech.pk]
    assert _ids(api_client.get("/api/v1/deals/?search=ACME,%20Inc")) == [acme.pk]
    assert _ids(api_client.get("/api/v1/deals/?search=glo")) == [globex.pk]
    assert _ids(api_client.get("/api/v1/deals/?search=https://www.initech.io/about")) == [initech.pk]
    assert _ids(api_client.get("/api/v1/deals/?search=nobody")) == []


def test_date_ranges_protection_end_and_conflicts_filter_the_list(api_client, manager, alpha, bravo):
    # given: an old registration, one closing late, a conflicting pair, one protected for 90 days
    old = _register(alpha, "Old Co", "old.com")
    Deal.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    late = _register(alpha, "Late Co", "late.com", expected_close_on=date.today() + timedelta(days=200))
    first = _register(alpha, "Acme", "acme.com")
    second = _register(bravo, "Acme", "acme.com")
    protected = deal_approve(deal_id=_register(bravo, "Safe", "safe.com").pk, actor=manager)
    api_client.force_authenticate(manager)
    today = date.today()
    # then
    assert _ids(api_client.get(f"/api/v1/deals/?created_before={today - timedelta(days=30)}")) == [old.pk]
    recent = _ids(api_client.get(f"/api/v1/deals/?created_after={today - timedelta(days=1)}"))
    assert old.pk not in recent and len(recent) == 4
    assert _ids(api_client.get(f"/api/v1/deals/?expected_close_after={today + timedelta(days=100)}")) == [late.pk]
    assert late.pk not in _ids(api_client.get(f"/api/v1/deals/?expected_close_before={today + timedelta(days=100)}"))
    assert _ids(api_client.get("/api/v1/deals/?protection_ends_within=365")) == [protected.pk]
    assert _ids(api_client.get("/api/v1/deals/?protection_ends_within=10")) == []
    # both sides of a conflict count, whichever registered first
    assert set(_ids(api_client.get("/api/v1/deals/?has_conflicts=true"))) == {first.pk, second.pk}
    assert set(_ids(api_client.get("/api/v1/deals/?has_conflicts=false"))) == {old.pk, late.pk, protected.pk}


def test_ordering_sorts_and_unknown_or_bad_values_are_a_400(api_client, manager, alpha):
    # given
    small = _register(alpha, "Small", "small.com", amount=10)
    large = _register(alpha, "Large", "large.com", amount=5000)
    api_client.force_authenticate(manager)
    # then
    assert _ids(api_client.get("/api/v1/deals/?ordering=-amount")) == [large.pk, small.pk]
    assert _ids(api_client.get("/api/v1/deals/?ordering=customer_name")) == [large.pk, small.pk]
    for query, name in (
        ("colour=red", "colour"),
        ("ordering=partner__name", "ordering"),
        ("status=open", "status"),
        ("protection_ends_within=0", "protection_ends_within"),
        ("has_conflicts=yes", "has_conflicts"),
        ("created_after=2026-13-01", "created_after"),
        ("created_after=2026-05-02&created_before=2026-05-01", "created_before"),
        ("status=", "status"),
    ):
        response = api_client.get(f"/api/v1/deals/?{query}")
        assert response.status_code == 400, query
        assert name in response.json(), (query, response.json())


def test_a_partner_login_may_not_filter_by_partner_or_conflicts(api_client, alpha, bravo):
    # given: bravo's registration overlaps alpha's
    _register(alpha)
    _register(bravo)
    api_client.force_authenticate(_login(alpha))
    # then: refused, not answered: the answer would say whether someone else registered the customer
    for query in (f"partner={bravo.pk}", "has_conflicts=true"):
        response = api_client.get(f"/api/v1/deals/?{query}")
        assert response.status_code == 400 and list(response.json()) == [query.split("=")[0]]


def test_page_and_cursor_pagination_walk_every_row_once(api_client, manager, alpha):
    # given
    deals = [_register(alpha, f"Customer {number}", f"customer{number}.com") for number in range(5)]
    api_client.force_authenticate(manager)
    # when: page numbers
    first = api_client.get("/api/v1/deals/?page_size=2").json()
    assert (first["count"], first["count_exact"], len(first["results"])) == (5, True, 2)
    assert "page=2" in first["next"]
    # when: a cursor walk, in the default walk order (id) and in a chosen ordering
    for query, expected in (("", [deal.pk for deal in deals]), ("&ordering=-created_at", [d.pk for d in deals][::-1])):
        seen, url = [], f"/api/v1/deals/?cursor=&page_size=2{query}"
        while url:
            body = api_client.get(url).json()
            assert body["count"] is None
            seen += [row["id"] for row in body["results"]]
            url = body["next"]
        assert seen == expected
    # then: page and cursor together are refused
    assert api_client.get("/api/v1/deals/?cursor=&page=2").status_code == 400


def test_a_partner_walks_only_its_own_deals(api_client, alpha, bravo):
    # given
    mine = [_register(alpha, f"Mine {n}", f"mine{n}.com") for n in range(3)]
    _register(bravo, "Theirs", "theirs.com")
    api_client.force_authenticate(_login(alpha))
    # when
    seen, url = [], "/api/v1/deals/?cursor=&page_size=2"
    while url:
        body = api_client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    # then
    assert seen == [deal.pk for deal in mine]
    assert _ids(api_client.get("/api/v1/deals/?search=theirs")) == []


@pytest.mark.parametrize("rows", [1, 20])
def test_the_filtered_list_query_count_is_flat(api_client, manager, django_assert_max_num_queries, rows):
    # given: every row overlaps an earlier registration (since rejected), so each has conflicts to show
    earlier = _register(PartnerFactory(status="active"), "Acme", "acme.com", products=["Cloud"])
    for _ in range(rows):
        _register(PartnerFactory(status="active"), "Acme", "acme.com", products=["Cloud"])
    deal_reject(deal_id=earlier.pk, actor=manager, reason="duplicate")
    _, key = api_token_create(user=manager)
    # when: the token, the user's groups (role), the bounded count, the page with partners
    # joined, the page's conflicts prefetched
    with django_assert_max_num_queries(5):
        response = api_client.get(
            "/api/v1/deals/?status=submitted&stage=qualify&search=acme&has_conflicts=true"
            f"&created_after={date.today()}&ordering=-amount&page_size=50",
            HTTP_AUTHORIZATION=f"Token {key}",
        )
    # then
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [1, 20])
def test_a_cursor_page_query_count_is_flat(api_client, manager, django_assert_max_num_queries, rows):
    # given
    for number in range(rows):
        _register(PartnerFactory(status="active"), f"Customer {number}", f"c{number}.com")
    api_client.force_authenticate(manager)
    # when: the user's groups, the keyset page with partners joined, its conflicts (no count)
    with django_assert_max_num_queries(3):
        response = api_client.get("/api/v1/deals/?cursor=&page_size=50&status=submitted")
    # then
    assert len(response.json()["results"]) == rows


def test_a_retried_registration_with_its_idempotency_key_registers_once(api_client, alpha):
    # given: a partner integration's token
    _, key = api_token_create(user=_login(alpha))
    headers = {"HTTP_AUTHORIZATION": f"Token {key}", "HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    body = {
        "customer_name": "Acme Inc.", "customer_domain": "acme.com", "amount": "25000", "currency": "EUR",
        "expected_close": SOON.isoformat(), "products": ["Cloud"],
    }  # fmt: skip
    # when: the same POST twice, as a client retrying after a timeout would
    first = api_client.post("/api/v1/deals/", body, format="json", **headers)
    again = api_client.post("/api/v1/deals/", body, format="json", **headers)
    # then
    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Deal.objects.filter(partner=alpha).count() == 1
    # and the same key with another body creates nothing either
    other = api_client.post("/api/v1/deals/", {**body, "amount": "1"}, format="json", **headers)
    assert other.status_code == 422
    assert Deal.objects.filter(partner=alpha).count() == 1
