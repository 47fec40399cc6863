"""The manager portal's deal pages: every deal with filters and the CSV export, the approval
queue, a deal's conflict panel, and approving, rejecting and extending through the pages."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from partners.models import PartnerUser
from programs.deals.models import Deal
from programs.deals.services import deal_approve, deal_close, deal_register
from programs.leads.models import Lead, LeadOffer
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db
SOON = date.today() + timedelta(days=30)


def _register(partner, company="Acme Inc.", domain="acme.com", products=(), **fields):
    values = {"amount": 25000, "currency": "EUR", "expected_close_on": SOON, **fields}
    return deal_register(
        partner_id=partner.pk, actor=None, customer_company=company, customer_domain=domain, products=products, **values
    )


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alpha(manager):
    return PartnerFactory(name="Alpha Resellers", status="active", type="sales", owner=manager)


@pytest.fixture
def bravo(manager):
    return PartnerFactory(name="Bravo Partners", status="active", type="sales", owner=manager)


@pytest.fixture
def client(manager):
    return _client(manager)


def _csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_empty_list_and_queue_say_so(client):
    assert "No deals registered yet" in client.get("/deals/").content.decode()
    assert "Nothing waiting" in client.get("/deals/queue/").content.decode()


def test_the_list_filters_and_marks_conflicts(client, alpha, bravo, manager):
    # given
    _register(alpha, "Acme Inc.", "acme.com")
    _register(bravo, "Acme GmbH", "acme.de")  # same company key: a conflict
    deal_approve(deal_id=_register(bravo, "Globex", "globex.com").pk, actor=manager)
    # when
    everything = client.get("/deals/").content.decode()
    conflicts = client.get("/deals/?has_conflicts=true").content.decode()
    approved = client.get("/deals/?status=approved").content.decode()
    of_alpha = client.get(f"/deals/?partner={alpha.pk}").content.decode()
    # then
    assert everything.count("Conflict</span>") == 2  # both sides of the overlap
    assert "Globex" in everything and "Alpha Resellers" in everything
    assert "Acme Inc." in conflicts and "Acme GmbH" in conflicts and "Globex" not in conflicts
    assert "Globex" in approved and "Acme" not in approved
    assert "Acme Inc." in of_alpha and "Globex" not in of_alpha and "Partner: Alpha Resellers" in of_alpha
    # a bad filter: 400 with the error next to it
    bad = client.get("/deals/?protection_ends_within=abc")
    assert bad.status_code == 400 and 'id="id_protection_ends_within_error"' in bad.content.decode()


def test_the_export_follows_the_filters_and_neutralises_formulas(client, alpha, bravo):
    # given
    _register(alpha, '=HYPERLINK("http://evil")', "evil.com", products=["+cmd"], contact_name="@SUM(A1)")
    _register(bravo, "Globex", "globex.com")
    # when
    rows = _csv(client.get(f"/deals/export.csv?partner={alpha.pk}"))
    everything = _csv(client.get("/deals/export.csv"))
    # then
    assert len(rows) == 1 and len(everything) == 2
    row = rows[0]
    assert row["customer_company"] == '\'=HYPERLINK("http://evil")'
    assert row["contact_name"] == "'@SUM(A1)" and row["products"] == "'+cmd"
    assert (row["partner_name"], row["amount"], row["currency"], row["status"]) == (
        "Alpha Resellers", "25000.00", "EUR", "submitted"
    )  # fmt: skip
    response = client.get("/deals/export.csv")
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]


def test_the_queue_lists_submitted_deals_oldest_first_with_the_count(client, alpha, bravo, manager):
    # given
    first = _register(alpha, "First Co", "first.com")
    second = _register(bravo, "Second Co", "second.com")
    deal_approve(deal_id=_register(alpha, "Done Co", "done.com").pk, actor=manager)
    # when
    body = client.get("/deals/queue/").content.decode()
    badge = client.get("/deals/queue/badge/").content.decode()
    # then
    assert body.index("First Co") < body.index("Second Co") and "Done Co" not in body
    assert '>2<span class="visually-hidden"> waiting' in body
    assert ">2<" in badge
    assert f"/deals/{first.pk}/" in body and f"/deals/{second.pk}/" in body


def test_the_conflict_panel_shows_the_candidates_side_by_side_with_the_evidence(client, alpha, bravo, manager):
    # given: bravo registered first, alpha overlaps on domain and a product
    theirs = _register(bravo, "Acme Corporation", "acme.com", products=["Cloud", "Support"])
    mine = _register(alpha, "Acme Inc.", "www.acme.com", products=["Cloud"])
    # when: the later registration's page, and the earlier one's
    later = client.get(f"/deals/{mine.pk}/").content.decode()
    earlier = client.get(f"/deals/{theirs.pk}/").content.decode()
    # then
    assert 'id="conflict-panel"' in later
    assert f"Registration #{theirs.pk}" in later and "Bravo Partners" in later
    assert "Registered first" in later and ">Domain</span>" in later and "Cloud" in later
    assert "approving this one overrides that registration and needs a reason" in later
    assert f"Registration #{mine.pk}" in earlier and "Registered later" in earlier


def test_approving_over_an_earlier_registration_needs_a_reason(client, alpha, bravo):
    # given
    _register(bravo)
    mine = _register(alpha)
    # when: without a reason
    refused = client.post(f"/deals/{mine.pk}/approve/", {"approve-reason": ""})
    # then
    assert refused.status_code == 400
    assert 'id="id_approve-reason_error"' in refused.content.decode()
    assert Deal.objects.get(pk=mine.pk).state == "submitted"
    # when: with one
    approved = client.post(f"/deals/{mine.pk}/approve/", {"approve-reason": "Alpha brought the customer"})
    assert approved.status_code == 302
    deal = Deal.objects.get(pk=mine.pk)
    assert deal.state == "approved" and deal.decision_reason == "Alpha brought the customer"
    page = client.get(f"/deals/{mine.pk}/").content.decode()
    assert "earlier registration overridden" in page and "Extend protection" in page


def test_reject_needs_a_reason_and_extend_works_once(client, alpha, manager):
    # given
    deal = _register(alpha)
    assert client.post(f"/deals/{deal.pk}/reject/", {"reject-reason": " "}).status_code == 400
    other = deal_approve(deal_id=_register(alpha, "Globex", "globex.com").pk, actor=manager)
    # when
    rejected = client.post(f"/deals/{deal.pk}/reject/", {"reject-reason": "Customer buys direct"})
    extended = client.post(f"/deals/{other.pk}/extend/", {"extend-reason": "Procurement is slow"})
    again = client.post(f"/deals/{other.pk}/extend/", {"extend-reason": "Again"})
    # then
    assert rejected.status_code == 302 and Deal.objects.get(pk=deal.pk).decision_reason == "Customer buys direct"
    assert extended.status_code == 302
    assert again.status_code == 409 and "extended once already" in again.content.decode()
    before, after = other.protected_until, Deal.objects.get(pk=other.pk).protected_until
    assert after > before


def test_only_the_partners_manager_sees_and_uses_the_buttons(alpha):
    # given: a manager who does not own alpha, and an analyst
    deal = _register(alpha)
    other_manager = UserFactory(role="manager")
    analyst = UserFactory(role="analyst")
    for user in (other_manager, analyst):
        client = _client(user)
        page = client.get(f"/deals/{deal.pk}/").content.decode()
        assert "Approve" not in page and "Reject</button>" not in page
        assert client.post(f"/deals/{deal.pk}/approve/", {}).status_code == 403
    assert Deal.objects.get(pk=deal.pk).state == "submitted"


def test_a_partner_login_cannot_open_the_manager_pages(alpha, bravo):
    # given
    theirs = _register(bravo)
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=alpha, role="partner_admin")
    client = _client(user)
    # then: pages send it to its own portal, writes are a 404, the export and the queue show nothing
    assert client.get(f"/deals/{theirs.pk}/").status_code == 302
    assert client.post(f"/deals/{theirs.pk}/approve/", {}).status_code == 404
    assert client.get("/deals/export.csv").status_code == 302
    assert Deal.objects.get(pk=theirs.pk).state == "submitted"


@pytest.mark.parametrize("rows", [1, 20])
def test_the_list_query_count_is_flat(client, django_assert_max_num_queries, rows):
    # given: every row overlaps another registration
    for _ in range(rows):
        _register(PartnerFactory(status="active"), "Acme", "acme.com")
    # when: session, user, the bounded count, the page with partners joined and its overlaps
    with django_assert_max_num_queries(4):
        response = client.get("/deals/?status=submitted&search=acme&ordering=-amount")
    # then
    assert response.status_code == 200
    assert response.content.decode().count('<a class="fw-semibold" href="/deals/') == rows


@pytest.mark.parametrize("rows", [1, 20])
def test_the_queue_query_count_is_flat(client, django_assert_max_num_queries, rows):
    for number in range(rows):
        _register(PartnerFactory(status="active"), f"Customer {number}", f"c{number}.com")
    # when: session, user, the bounded count, the page with partners joined and its overlaps
    with django_assert_max_num_queries(4):
        response = client.get("/deals/queue/")
    assert response.content.decode().count("Review<span") == rows


def test_the_dashboard_shows_the_pipeline(client, alpha, bravo, manager):
    # given: two open deals in two currencies, one waiting, one won this quarter
    _register(alpha, "Acme", "acme.com", amount=1000)
    deal_approve(deal_id=_register(bravo, "Globex", "globex.com", amount=2500, currency="USD").pk, actor=manager)
    won = deal_approve(deal_id=_register(alpha, "Initech", "initech.com", amount=700).pk, actor=manager)
    deal_close(deal_id=won.pk, actor=manager, won=True, amount="800")
    # when
    body = client.get("/").content.decode()
    # then
    assert 'id="pipeline-panel"' in body
    assert "1,000.00 EUR" in body and "2,500.00 USD" in body  # open, by currency
    assert "800.00 EUR" in body  # won this quarter, at the amount won
    assert 'href="/deals/queue/"' in body
    assert ">Waiting for approval<" in body


def test_the_dashboard_pipeline_is_empty_without_deals(client, alpha):
    assert "No deals registered yet" in client.get("/").content.decode()


def test_the_partner_page_shows_its_deals_and_how_it_answers_leads(client):
    # given: a partner with an open and a won deal, and lead offers accepted, declined and lapsed
    manager = UserFactory(role="manager")
    partner = PartnerFactory(owner=manager, status="active", type="sales")
    other = PartnerFactory(status="active")
    for owner, state, amount in ((partner, "submitted", 1000), (partner, "won", 5000), (other, "submitted", 9)):
        Deal.objects.create(
            partner=owner, customer_company="Acme", company_key="acme", customer_domain="acme.com", amount=amount,
            currency="EUR", expected_close_on=date.today(), state=state,
            closed_on=date.today() if state == "won" else None, closed_amount=amount if state == "won" else None,
        )  # fmt: skip
    for outcome in ("accepted", "declined", "breached", "pending"):
        lead = Lead.objects.create(company=f"Lead {outcome}", country="DE")
        LeadOffer.objects.create(lead=lead, partner=partner, outcome=outcome, respond_by=timezone.now())
    client.force_login(manager)
    # when
    html = client.get(f"/partners/{partner.pk}/").content.decode()
    # then
    panel = html[html.index('id="pipeline-panel"') : html.index('id="outcomes"')]
    assert "Deals and leads" in panel
    assert "1,000.00 EUR" in panel and "5,000.00 EUR" in panel and "9.00 EUR" not in panel
    assert f"/deals/?partner={partner.pk}&amp;status=won" in panel
    leads = panel[panel.index('id="partner-leads"') :]
    assert "33 %" in leads  # 1 accepted of 3 answered
    assert "1 accepted, 1 declined of 4 offered" in leads


def test_the_partners_manager_closes_an_approved_deal_won_or_lost_with_errors_next_to_the_fields(
    client, alpha, manager
):
    # given: two approved deals of a partner the manager owns
    won = deal_approve(deal_id=_register(alpha).pk, actor=manager)
    lost = deal_approve(deal_id=_register(alpha, "Globex", "globex.com").pk, actor=manager)
    assert "Close the deal" in client.get(f"/deals/{won.pk}/").content.decode()
    # when: won without an amount, then with one; the other lost
    missing = client.post(f"/deals/{won.pk}/close/", {"close-outcome": "won", "close-amount": ""})
    closed = client.post(f"/deals/{won.pk}/close/", {"close-outcome": "won", "close-amount": "31000"})
    dropped = client.post(f"/deals/{lost.pk}/close/", {"close-outcome": "lost"})
    again = client.post(f"/deals/{lost.pk}/close/", {"close-outcome": "won", "close-amount": "5"})
    # then
    assert missing.status_code == 400 and "Give the amount won" in missing.content.decode()
    assert closed.status_code == 302 and dropped.status_code == 302
    assert Deal.objects.get(pk=won.pk).state == "won" and Deal.objects.get(pk=won.pk).closed_amount == 31000
    assert Deal.objects.get(pk=lost.pk).state == "lost"
    assert again.status_code == 302 and Deal.objects.get(pk=lost.pk).state == "lost"  # told, nothing changed
    # and a manager who does not own the partner may not
    other = _register(alpha, "Initech", "initech.com")
    deal_approve(deal_id=other.pk, actor=manager)
    refused = _client(UserFactory(role="manager")).post(f"/deals/{other.pk}/close/", {"close-outcome": "lost"})
    assert refused.status_code == 403 and Deal.objects.get(pk=other.pk).state == "approved"
