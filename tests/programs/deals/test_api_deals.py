"""/api/v1/deals/ in api.md's names: who registers, reads, decides and closes, the 409 of a
protected customer, and a flat query count."""

from datetime import date, timedelta

import pytest

from partners.models import PartnerUser
from programs.deals.models import Deal
from programs.deals.services import deal_approve, deal_register
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db
SOON = (date.today() + timedelta(days=45)).isoformat()
BODY = {
    "customer_name": "Acme Inc.",
    "customer_domain": "www.acme.com",
    "contact_name": "Jane Doe",
    "contact_email": "jane@acme.com",
    "amount": "25000.00",
    "currency": "EUR",
    "expected_close": SOON,
    "products": ["Cloud"],
}


def _login(partner, role="partner_member"):
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    return user


@pytest.fixture
def alpha(manager):
    return PartnerFactory(name="Alpha", status="active", type="sales", owner=manager)


@pytest.fixture
def bravo(manager):
    return PartnerFactory(name="Bravo Secret", status="active", type="sales", owner=manager)


def test_a_partner_registers_a_deal_for_its_own_organisation_in_api_names(api_client, alpha):
    # given
    api_client.force_authenticate(_login(alpha))
    # when: a partner field in the body is ignored for a partner login
    response = api_client.post("/api/v1/deals/", {**BODY, "partner": 999999}, format="json")
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert {key: body[key] for key in ("partner", "customer_name", "customer_domain", "status", "expected_close")} == {
        "partner": alpha.pk, "customer_name": "Acme Inc.", "customer_domain": "acme.com", "status": "submitted",
        "expected_close": SOON,
    }  # fmt: skip
    assert body["amount"] == "25000.00" and body["conflicts"] is None  # conflicts are for staff


def test_bad_input_is_a_400_by_field_in_api_names(api_client, alpha):
    api_client.force_authenticate(_login(alpha))
    response = api_client.post(
        "/api/v1/deals/",
        {**BODY, "customer_domain": "localhost", "amount": "-1", "currency": "EURO", "customer_name": "",
         "expected_close": (date.today() - timedelta(days=2)).isoformat()},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert set(response.json()) >= {"customer_domain", "amount", "currency", "customer_name", "expected_close"}
    assert not Deal.objects.exists()


def test_a_protected_customer_is_a_409_naming_only_the_end_of_protection(api_client, alpha, bravo, manager):
    # given: bravo's registration is approved
    protected = deal_approve(
        deal_id=deal_register(partner_id=bravo.pk, actor=None, customer_company="Acme", customer_domain="acme.com",
                              amount=1, currency="EUR", expected_close_on=date.today() + timedelta(days=9)).pk,
        actor=manager,
    )  # fmt: skip
    api_client.force_authenticate(_login(alpha))
    # when
    response = api_client.post("/api/v1/deals/", BODY, format="json")
    # then
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "customer_protected"
    assert body["protected_until"] == protected.protected_until.isoformat()
    assert body["conflicting"] == protected.pk
    assert "Bravo" not in response.content.decode()


def test_partners_read_only_their_own_deals_and_staff_read_all_with_conflicts(api_client, alpha, bravo, manager):
    # given: both register the same customer; bravo's is flagged against alpha's
    mine = deal_register(partner_id=alpha.pk, actor=None, customer_company="Acme", customer_domain="acme.com",
                         amount=1, currency="EUR", expected_close_on=date.today() + timedelta(days=9))  # fmt: skip
    theirs = deal_register(partner_id=bravo.pk, actor=None, customer_company="Acme", customer_domain="acme.com",
                           amount=1, currency="EUR", expected_close_on=date.today() + timedelta(days=9))  # fmt: skip
    # when / then: a partner's list and detail
    api_client.force_authenticate(_login(alpha))
    listed = api_client.get("/api/v1/deals/").json()
    assert [deal["id"] for deal in listed["results"]] == [mine.pk]
    assert api_client.get(f"/api/v1/deals/{theirs.pk}/").status_code == 404
    assert api_client.patch(f"/api/v1/deals/{theirs.pk}/", {"stage": "propose"}, format="json").status_code == 404
    # staff
    api_client.force_authenticate(manager)
    body = api_client.get(f"/api/v1/deals/{theirs.pk}/").json()
    assert body["conflicts"] == [{"deal": mine.pk, "matched": ["domain", "company"], "products": []}]


def test_managers_decide_and_partners_move_and_close_their_own(api_client, alpha, manager):
    # given
    deal = deal_register(partner_id=alpha.pk, actor=None, customer_company="Acme", customer_domain="acme.com",
                         amount=1, currency="EUR", expected_close_on=date.today() + timedelta(days=9))  # fmt: skip
    partner_login = _login(alpha, role="partner_admin")
    api_client.force_authenticate(partner_login)
    # then: a partner may not approve its own registration
    assert api_client.post(f"/api/v1/deals/{deal.pk}/approve/", {}, format="json").status_code == 403
    moved = api_client.patch(f"/api/v1/deals/{deal.pk}/", {"stage": "negotiate"}, format="json")
    assert moved.status_code == 200 and moved.json()["stage"] == "negotiate"
    # the manager approves
    api_client.force_authenticate(manager)
    approved = api_client.post(f"/api/v1/deals/{deal.pk}/approve/", {}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert api_client.post(f"/api/v1/deals/{deal.pk}/reject/", {"reason": "late"}, format="json").status_code == 409
    # the partner closes it won
    api_client.force_authenticate(partner_login)
    closed = api_client.post(f"/api/v1/deals/{deal.pk}/close/", {"won": True, "amount": "1200"}, format="json")
    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["closed_amount"]) == ("won", "1200.00")


def test_an_analyst_reads_but_cannot_decide(api_client, alpha):
    deal = deal_register(partner_id=alpha.pk, actor=None, customer_company="Acme", customer_domain="acme.com",
                         amount=1, currency="EUR", expected_close_on=date.today() + timedelta(days=9))  # fmt: skip
    api_client.force_authenticate(UserFactory(role="analyst"))
    assert api_client.get(f"/api/v1/deals/{deal.pk}/").status_code == 200
    assert api_client.post(f"/api/v1/deals/{deal.pk}/approve/", {}, format="json").status_code == 403


@pytest.mark.parametrize("rows", [1, 20])
def test_the_list_query_count_is_flat(api_client, manager, django_assert_max_num_queries, rows):
    # given: registrations that conflict with one another, so every row has conflicts to show
    partners = [PartnerFactory(status="active") for _ in range(rows)]
    for partner in partners:
        deal_register(partner_id=partner.pk, actor=None, customer_company="Acme", customer_domain="acme.com",
                      amount=1, currency="EUR", expected_close_on=date.today() + timedelta(days=9))  # fmt: skip
    api_client.force_authenticate(manager)
    # when: the user's groups, the count, the page with partners joined, the conflicts prefetched
    with django_assert_max_num_queries(4):
        response = api_client.get("/api/v1/deals/?page_size=50")
    # then
    assert response.status_code == 200 and len(response.json()["results"]) == rows
