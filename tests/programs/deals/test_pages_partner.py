"""The partner's deal pages at /partner/deals/: the list with filters and its empty state,
registering with errors next to the fields, the duplicate feedback as the customer is typed
(never naming the other partner), a deal's page where it moves and closes, and isolation."""

from datetime import date, timedelta

import pytest
from django.test import Client

from partners.models import PartnerUser
from programs.deals.models import Deal
from programs.deals.services import deal_approve, deal_register
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db
SOON = date.today() + timedelta(days=30)


def _register(partner, company="Acme Inc.", domain="acme.com", products=(), **fields):
    values = {"amount": 25000, "currency": "EUR", "expected_close_on": SOON, **fields}
    return deal_register(
        partner_id=partner.pk, actor=None, customer_company=company, customer_domain=domain, products=products, **values
    )


def _client(partner, role="partner_member") -> Client:
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alpha(manager):
    return PartnerFactory(name="Alpha Resellers", status="active", type="sales", owner=manager)


@pytest.fixture
def bravo(manager):
    return PartnerFactory(name="Bravo Secret Partner", status="active", type="sales", owner=manager)


def test_an_empty_list_invites_to_register(alpha):
    response = _client(alpha).get("/partner/deals/")
    assert response.status_code == 200
    assert "No deals registered yet" in response.content.decode()
    assert 'href="/partner/deals/new/"' in response.content.decode()


def test_the_list_shows_only_my_deals_and_filters_them(alpha, bravo, manager):
    # given
    acme = _register(alpha, "Acme Inc.", "acme.com")
    globex = deal_approve(deal_id=_register(alpha, "Globex", "globex.com").pk, actor=manager)
    _register(bravo, "Initech", "initech.com")
    client = _client(alpha)
    # when
    page = client.get("/partner/deals/").content.decode()
    approved = client.get("/partner/deals/?status=approved").content.decode()
    searched = client.get("/partner/deals/?search=acme").content.decode()
    # then
    assert "Acme Inc." in page and "Globex" in page and "Initech" not in page
    assert "Globex" in approved and "Acme Inc." not in approved
    assert globex.protected_until.strftime("%b %Y") in approved
    assert "Acme Inc." in searched and "Globex" not in searched
    assert f"/partner/deals/{acme.pk}/" in searched
    empty = client.get("/partner/deals/?stage=negotiate").content.decode()
    assert "No deals match these filters" in empty


def test_a_bad_filter_is_shown_next_to_it(alpha):
    response = _client(alpha).get("/partner/deals/?status=nonsense")
    assert response.status_code == 400
    assert 'id="id_status_error"' in response.content.decode()


def test_an_htmx_filter_gets_the_results_alone_with_the_url_to_push(alpha):
    _register(alpha)
    response = _client(alpha).get("/partner/deals/?status=submitted&colour=red", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.content.decode() and "Acme Inc." in response.content.decode()
    assert response["HX-Push-Url"] == "/partner/deals/?status=submitted"


def test_registering_a_deal_creates_it_and_opens_its_page(alpha):
    # given
    client = _client(alpha)
    form = client.get("/partner/deals/new/").content.decode()
    for label in ("Customer company", "Customer domain", "Amount", "Currency", "Expected close", "Products", "Notes"):
        assert f">{label}<" in form
    # when
    response = client.post(
        "/partner/deals/new/",
        {"customer_company": "Acme Inc.", "customer_domain": "https://www.acme.com", "amount": "25000",
         "currency": "eur", "expected_close_on": SOON.isoformat(), "products": "Cloud, Support", "notes": "Big one"},
    )  # fmt: skip
    # then
    deal = Deal.objects.get(partner=alpha)
    assert response.status_code == 302 and response["Location"] == f"/partner/deals/{deal.pk}/"
    assert (deal.customer_domain, deal.currency, deal.products) == ("acme.com", "EUR", ["Cloud", "Support"])
    page = client.get(response["Location"]).content.decode()
    assert "Waiting for your partner manager" in page and "Registered" in page


def test_the_services_errors_are_shown_next_to_their_fields(alpha):
    # when
    response = _client(alpha).post(
        "/partner/deals/new/",
        {"customer_company": "Acme", "customer_domain": "localhost", "amount": "-5", "currency": "EURO",
         "expected_close_on": (date.today() - timedelta(days=3)).isoformat()},
    )  # fmt: skip
    # then
    body = response.content.decode()
    assert response.status_code == 400
    for field in ("customer_domain", "amount", "currency", "expected_close_on"):
        assert f'id="id_{field}_error"' in body, field
    assert "The amount cannot be negative." in body
    assert "The expected close date is in the past." in body
    assert not Deal.objects.exists()


def test_a_protected_customer_is_refused_naming_only_the_date(alpha, bravo, manager):
    # given
    theirs = deal_approve(deal_id=_register(bravo).pk, actor=manager)
    # when
    response = _client(alpha).post(
        "/partner/deals/new/",
        {"customer_company": "ACME", "customer_domain": "acme.com", "amount": "1", "currency": "EUR",
         "expected_close_on": SOON.isoformat()},
    )  # fmt: skip
    # then
    body = response.content.decode()
    assert response.status_code == 409
    assert f"already protected until {theirs.protected_until:%Y-%m-%d}" in body
    assert "Bravo" not in body and f"#{theirs.pk}" not in body


@pytest.mark.parametrize("products", ["", "Cloud"])
def test_the_duplicate_check_says_protected_with_the_date_only(alpha, bravo, manager, products):
    # given
    theirs = deal_approve(deal_id=_register(bravo, "Acme Inc.", "acme.com").pk, actor=manager)
    # when: the domain typed with a subdomain, the company another way
    response = _client(alpha).get(
        "/partner/deals/new/check/",
        {"customer_company": "", "customer_domain": "sales.acme.com", "products": products},
        HTTP_HX_REQUEST="true",
    )
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "This customer is already protected until" in body
    assert theirs.protected_until.strftime("%b %Y") in body
    assert "Bravo" not in body and str(theirs.amount) not in body and "25,000" not in body


def test_the_duplicate_check_says_pending_and_never_names_the_other_partner(alpha, bravo):
    # given
    _register(bravo, "Acme Inc.", "acme.com", contact_name="Secret Contact")
    # when
    body = _client(alpha).get("/partner/deals/new/check/", {"customer_company": "ACME GmbH"}).content.decode()
    # then
    assert "Another registration of this customer is pending; yours will be reviewed alongside it" in body
    for secret in ("Bravo", "Secret Contact", "25,000"):
        assert secret not in body


def test_the_duplicate_check_says_nothing_for_a_new_or_half_typed_customer(alpha, bravo):
    _register(bravo, "Acme Inc.", "acme.com", products=["Cloud"])
    client = _client(alpha)
    for params in (
        {"customer_company": "Globex", "customer_domain": "globex.com"},
        {"customer_domain": "acme"},  # still typing
        {"customer_company": "Acme", "products": "Printers"},  # no product in common
        {},
    ):
        body = client.get("/partner/deals/new/check/", params).content.decode().strip()
        assert "protected" not in body and "pending" not in body, params


def test_the_duplicate_check_mentions_my_own_earlier_registration(alpha):
    mine = _register(alpha, "Acme Inc.", "acme.com")
    body = _client(alpha).get("/partner/deals/new/check/", {"customer_domain": "acme.com"}).content.decode()
    assert f"/partner/deals/{mine.pk}/" in body and "pending" not in body


def test_the_register_form_asks_for_the_check_as_the_customer_is_typed(alpha):
    body = _client(alpha).get("/partner/deals/new/").content.decode()
    assert 'hx-get="/partner/deals/new/check/"' in body
    assert "input changed delay:" in body and 'id="duplicate-check"' in body


def test_a_partner_moves_its_deal_and_closes_it_won(alpha, manager):
    # given
    deal = deal_approve(deal_id=_register(alpha).pk, actor=manager)
    client = _client(alpha)
    page = client.get(f"/partner/deals/{deal.pk}/").content.decode()
    assert "Protected until" in page and "Move the deal" in page and "Close the deal" in page
    # when
    later = SOON + timedelta(days=10)
    moved = client.post(f"/partner/deals/{deal.pk}/update/", {"stage": "negotiate", "expected_close_on": later})
    closed = client.post(f"/partner/deals/{deal.pk}/close/", {"outcome": "won", "amount": "30000", "closed_on": ""})
    # then
    deal.refresh_from_db()
    assert moved.status_code == 302 and closed.status_code == 302
    assert (deal.stage, deal.expected_close_on, deal.state, str(deal.closed_amount)) == (
        "negotiate", later, "won", "30000.00"
    )  # fmt: skip
    history = client.get(f"/partner/deals/{deal.pk}/").content.decode()
    assert "Closed won" in history and "stage Qualify → Negotiate" in history and "Your partner manager" in history


def test_close_errors_are_shown_next_to_the_fields(alpha, manager):
    deal = deal_approve(deal_id=_register(alpha).pk, actor=manager)
    response = _client(alpha).post(f"/partner/deals/{deal.pk}/close/", {"outcome": "won", "amount": ""})
    assert response.status_code == 400
    assert 'id="id_amount_error"' in response.content.decode()
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    response = _client(alpha).post(f"/partner/deals/{deal.pk}/close/", {"outcome": "lost", "closed_on": tomorrow})
    assert response.status_code == 400 and "A deal cannot close in the future." in response.content.decode()


def test_another_organisations_deal_is_a_404_for_every_page_and_action(alpha, bravo, manager):
    # given
    theirs = deal_approve(deal_id=_register(bravo).pk, actor=manager)
    client = _client(alpha, role="partner_admin")
    # then
    assert client.get(f"/partner/deals/{theirs.pk}/").status_code == 404
    assert client.post(f"/partner/deals/{theirs.pk}/update/", {"stage": "propose"}).status_code == 404
    assert client.post(f"/partner/deals/{theirs.pk}/close/", {"outcome": "lost"}).status_code == 404
    assert "Acme" not in client.get("/partner/deals/?search=acme").content.decode()
    theirs.refresh_from_db()
    assert theirs.state == "approved" and theirs.stage == "qualify"


def test_the_history_never_names_the_other_registration(alpha, bravo):
    _register(bravo)
    mine = _register(alpha)
    body = _client(alpha).get(f"/partner/deals/{mine.pk}/").content.decode()
    assert "Overlaps another registration of this customer" in body
    assert "Bravo" not in body


@pytest.mark.parametrize("rows", [1, 20])
def test_the_list_query_count_is_flat(alpha, django_assert_max_num_queries, rows):
    # given
    for number in range(rows):
        _register(alpha, f"Customer {number}", f"customer{number}.com")
    client = _client(alpha)
    # when: session, user, membership (partner_link), the organisation (visible_to), the
    # agreement gate, the bounded count, the page of rows
    with django_assert_max_num_queries(7):
        response = client.get("/partner/deals/?status=submitted&search=customer")
    # then
    assert response.status_code == 200
    assert response.content.decode().count("/partner/deals/") >= rows


def test_staff_are_sent_to_the_manager_portal(manager):
    client = Client()
    client.force_login(manager)
    assert client.get("/partner/deals/").status_code == 302
