"""The manager portal's lead pages: the list with filters and its empty state, creating a lead
with errors next to the fields, a lead's offers and routing history in words, the manual queue
and assigning from it, converting and closing, the routing rules editor, who may do what, and
flat query counts."""

from datetime import timedelta

import pytest
from django.test import Client

from partners.models import PartnerUser
from programs.leads.models import Lead, LeadPolicy, LeadRoutingRule, LeadWeight
from programs.leads.services import lead_accept, lead_decline, leads_enforce_sla
from tests.factories import UserFactory
from tests.programs.leads.helpers import lead_partner, new_lead

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client(manager):
    return _client(manager)


@pytest.fixture
def alpha():
    return lead_partner(name="Alpha Resellers")


@pytest.fixture
def bravo():
    return lead_partner(name="Bravo Partners", regions=["NA"])


def test_empty_list_and_queue_say_so(client):
    body = client.get("/leads/").content.decode()
    assert "No leads yet" in body and 'href="/leads/new/"' in body
    assert "Nothing waiting" in client.get("/leads/manual/").content.decode()
    assert client.get("/leads/manual/badge/").content.decode().strip() == ""


def test_the_list_filters_by_status_region_vertical_and_company(client, alpha, bravo):
    # given
    new_lead(company="Helix Clinics")
    new_lead(company="Yankee Retail", country="US", vertical="retail", source="event")
    new_lead(company="Outback Mining", country="AU", vertical="")  # nobody covers ANZ: manual queue
    # when
    everything = client.get("/leads/").content.decode()
    emea = client.get("/leads/?region=EMEA").content.decode()
    manual = client.get("/leads/?status=manual").content.decode()
    retail = client.get("/leads/?vertical=retail&source=event").content.decode()
    searched = client.get("/leads/?search=heli").content.decode()
    of_bravo = client.get(f"/leads/?partner={bravo.pk}").content.decode()
    # then
    assert all(name in everything for name in ("Helix Clinics", "Yankee Retail", "Outback Mining"))
    assert "Alpha Resellers" in everything and "left" in everything
    assert "Helix Clinics" in emea and "Yankee" not in emea
    assert "Outback Mining" in manual and "Helix" not in manual
    assert "Yankee Retail" in retail and "Helix" not in retail
    assert "Helix Clinics" in searched and "Yankee" not in searched
    assert "Yankee Retail" in of_bravo and "Partner: Bravo Partners" in of_bravo
    assert "No leads match these filters" in client.get("/leads/?search=zzz").content.decode()


def test_a_bad_filter_is_shown_next_to_it(client):
    response = client.get("/leads/?region=MARS&status=nonsense")
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_region_error"' in body and "Unknown region code: MARS." in body
    assert 'id="id_status_error"' in body


def test_creating_a_lead_routes_it_and_opens_its_page(client, alpha):
    # given
    form = client.get("/leads/new/").content.decode()
    for label in ("Company", "Contact name", "Contact e-mail", "Country", "Region", "Vertical", "Company size",
                  "Source", "Notes"):  # fmt: skip
        assert f">{label}<" in form, label
    # when
    response = client.post(
        "/leads/new/",
        {"company": "Helix Clinics", "contact_name": "Jane Doe", "contact_email": "jane@helix.example",
         "country": "DE", "region": "", "vertical": "healthcare", "size": "50-249", "source": "Web", "notes": "Hot"},
    )  # fmt: skip
    # then
    lead = Lead.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/leads/{lead.pk}/"
    assert (lead.status, lead.partner_id, lead.region_id, lead.source) == ("offered", alpha.pk, "DACH", "web")
    page = client.get(response["Location"]).content.decode()
    assert "is offered to Alpha Resellers" in page
    assert 'id="routing-history"' in page and "Lead created" in page


def test_create_errors_are_shown_next_to_the_fields(client):
    response = client.post("/leads/new/", {"company": "", "country": "", "contact_email": "not-an-email"})
    body = response.content.decode()
    assert response.status_code == 400
    for field in ("company", "country", "contact_email"):
        assert f'id="id_{field}_error"' in body, field
    assert not Lead.objects.exists()


def test_the_detail_shows_offers_and_the_routing_history_in_words(client, alpha, django_capture_on_commit_callbacks):
    # given: a second DACH partner; alpha declines, the lead goes to the second, whose time runs out
    second = lead_partner(name="Second Partner", engagement="strategic")
    lead = new_lead()
    first_choice = lead.partner_id
    other = second.pk if first_choice == alpha.pk else alpha.pk
    with django_capture_on_commit_callbacks(execute=True):
        lead_decline(lead_id=lead.pk, partner_id=first_choice, actor=None, reason="No capacity in Munich")
    lead.refresh_from_db()
    assert lead.partner_id == other
    leads_enforce_sla(now=lead.respond_by + timedelta(seconds=1))
    # when
    body = client.get(f"/leads/{lead.pk}/").content.decode()
    # then: offers with outcome and reason
    assert "No capacity in Munich" in body and ">Declined<" in body and ">Not answered in time<" in body
    # the three decisions: trigger, steps with counts, rules by name, the pool with weights
    assert "Lead created" in body and "Declined by a partner" in body and "SLA breached" in body
    assert "“Sales and channel partners take leads”" in body and "required rule" in body
    assert "“Prefer partners of the lead&#x27;s vertical”" in body and "optional rule" in body
    assert "Not offered this lead before" in body and "(1 left out)" in body
    assert "Weighted round robin among" in body and "Final candidates and weights" in body
    assert "Second Partner" in body and ">chosen<" in body
    assert "No active partner can take another lead." in body or "Manual queue" in body
    assert '"steps"' not in body and "{&#x27;name" not in body  # no raw JSON


def test_the_manual_queue_lists_leads_with_why_and_assigning_offers_one(client, alpha, bravo):
    # given: a lead from Australia (no partner covers ANZ)
    lead = new_lead(company="Outback Mining", country="AU")
    assert lead.status == "manual"
    # when
    queue = client.get("/leads/manual/").content.decode()
    badge = client.get("/leads/manual/badge/").content.decode()
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    search = client.get(f"/leads/{lead.pk}/assign/partners/?q=bra").content.decode()
    # then
    assert "Outback Mining" in queue and "Partner covers the lead" in queue and f"/leads/{lead.pk}/#assign" in queue
    assert ">1<" in badge
    assert 'id="assign"' in page and "Assign to partner" in page and 'hx-get="/leads/' in page
    assert f'value="{bravo.pk}"' in search and "Bravo Partners (0 open)" in search and "Alpha" not in search
    # when: assigning with no partner chosen, then bravo
    refused = client.post(f"/leads/{lead.pk}/assign/", {"partner": ""})
    assigned = client.post(f"/leads/{lead.pk}/assign/", {"partner": str(bravo.pk)})
    # then
    assert refused.status_code == 400 and 'id="id_partner_error"' in refused.content.decode()
    assert assigned.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.partner_id) == ("offered", bravo.pk)
    assert "Assigned by a manager" in client.get(f"/leads/{lead.pk}/").content.decode()
    assert "Nothing waiting" in client.get("/leads/manual/").content.decode()


def test_assigning_to_an_inactive_partner_says_why_next_to_the_picker(client):
    lead = new_lead(company="Outback Mining", country="AU")
    sleeping = lead_partner(name="Sleeping Partner", status="inactive")
    response = client.post(f"/leads/{lead.pk}/assign/", {"partner": str(sleeping.pk)})
    assert response.status_code == 400
    assert "Only an active partner can be offered a lead." in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).status == "manual"


def test_a_manager_converts_an_accepted_lead_and_closes_an_offered_one(client, alpha):
    # given
    accepted, offered = new_lead(company="First Clinic"), new_lead(company="Second Clinic")
    lead_accept(lead_id=accepted.pk, partner_id=alpha.pk, actor=None)
    page = client.get(f"/leads/{offered.pk}/").content.decode()
    assert "Close lead" in page and "Mark converted" not in page
    # when
    converted = client.post(f"/leads/{accepted.pk}/close/", {"converted": "true"})
    closed = client.post(f"/leads/{offered.pk}/close/", {"converted": "false"})
    again = client.post(f"/leads/{offered.pk}/close/", {"converted": "false"}, follow=True)
    # then
    assert converted.status_code == 302 and closed.status_code == 302
    assert Lead.objects.get(pk=accepted.pk).status == "converted"
    assert Lead.objects.get(pk=offered.pk).status == "closed"
    assert "cannot become closed" in again.content.decode()


def test_an_analyst_reads_but_cannot_write(alpha):
    analyst = _client(UserFactory(role="analyst"))
    lead = new_lead(company="Outback Mining", country="AU")
    page = analyst.get(f"/leads/{lead.pk}/").content.decode()
    assert "Routing history" in page and 'id="assign"' not in page and "Close lead" not in page
    assert analyst.get("/leads/new/").status_code == 403
    assert analyst.post(f"/leads/{lead.pk}/assign/", {"partner": alpha.pk}).status_code == 403
    assert analyst.post(f"/leads/{lead.pk}/close/", {"converted": "false"}).status_code == 403
    editor = analyst.get("/leads/routing/").content.decode()
    assert "Only administrators and partner managers change these settings" in editor and "Add rule" not in editor
    assert analyst.post("/leads/routing/weights/", {"strategic": 5}).status_code == 403


def test_a_partner_login_cannot_open_the_manager_pages(alpha, bravo):
    # given
    theirs = new_lead(company="Yankee Retail", country="US")
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=alpha, role="partner_admin")
    client = _client(user)
    # then: pages send it to its own portal, writes are a 404
    assert client.get(f"/leads/{theirs.pk}/").status_code == 302
    assert client.get("/leads/routing/").status_code == 302
    assert client.post(f"/leads/{theirs.pk}/close/", {"converted": "false"}).status_code == 404
    assert client.post("/leads/routing/weights/", {"strategic": 5}).status_code == 404
    assert Lead.objects.get(pk=theirs.pk).status == "offered"


# the routing rules editor


def _rule_post(**fields):
    values = {"new-name": "Strategic only", "new-field": "engagement", "new-engagements": ["strategic"],
              "new-required": "on", "new-is_active": "on"}  # fmt: skip
    values.update(fields)
    return values


def test_the_editor_shows_the_rules_in_order_with_weights_and_capacity(client):
    body = client.get("/leads/routing/").content.decode()
    first = body.index("Sales and channel partners take leads")
    assert first < body.index("Partner covers the lead") < body.index("Prefer partners of the lead")
    assert "Matches on Partner type: Sales, Channel" in body
    assert ">Required<" in body and ">Optional<" in body
    assert 'name="strategic"' in body and 'value="3"' in body
    assert 'name="capacity_channel"' in body and 'name="respond_hours_channel"' in body
    assert "Keeps partners covering the lead's region" in body.replace("&#x27;", "'")


def test_adding_a_rule_puts_it_last(client):
    response = client.post("/leads/routing/rules/", _rule_post())
    assert response.status_code == 302
    rules = list(LeadRoutingRule.objects.order_by("position", "id"))
    assert (rules[-1].name, rules[-1].field, rules[-1].values, rules[-1].required) == (
        "Strategic only", "engagement", ["strategic"], True
    )  # fmt: skip


def test_a_rule_without_the_values_its_field_needs_is_refused_next_to_them(client):
    response = client.post("/leads/routing/rules/", _rule_post(**{"new-engagements": [], "new-name": ""}))
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_new-engagements_error"' in body and "Tick the engagement levels" in body
    assert 'id="id_new-name_error"' in body
    assert LeadRoutingRule.objects.count() == 3


def test_a_region_rule_drops_values_sent_along(client):
    client.post("/leads/routing/rules/", _rule_post(**{"new-field": "country", "new-partner_types": ["sales"]}))
    rule = LeadRoutingRule.objects.order_by("-id").first()
    assert (rule.field, rule.values) == ("country", [])


def test_editing_a_rule_saves_it_and_optional_is_kept(client):
    rule = LeadRoutingRule.objects.get(field="region")
    page = client.get(f"/leads/routing/rules/{rule.pk}/").content.decode()
    assert "Edit rule" in page and 'value="Partner covers the lead' in page.replace("&#x27;", "'")
    response = client.post(
        f"/leads/routing/rules/{rule.pk}/", {"name": "Region, preferred", "field": "region", "is_active": "on"}
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.required, rule.is_active) == ("Region, preferred", False, True)
    bad = client.post(f"/leads/routing/rules/{rule.pk}/", {"name": "x", "field": "partner_type"})
    assert bad.status_code == 400 and 'id="id_partner_types_error"' in bad.content.decode()


def test_moving_rules_reorders_them_and_the_ends_stay_put(client):
    region = LeadRoutingRule.objects.get(field="region")
    names = lambda: list(LeadRoutingRule.objects.order_by("position", "id").values_list("field", flat=True))  # noqa: E731
    assert client.post(f"/leads/routing/rules/{region.pk}/move/", {"direction": "up"}).status_code == 302
    assert names() == ["region", "partner_type", "vertical"]
    client.post(f"/leads/routing/rules/{region.pk}/move/", {"direction": "up"})  # first already
    assert names() == ["region", "partner_type", "vertical"]
    client.post(f"/leads/routing/rules/{region.pk}/move/", {"direction": "down"})
    client.post(f"/leads/routing/rules/{region.pk}/move/", {"direction": "down"})
    assert names() == ["partner_type", "vertical", "region"]
    assert list(LeadRoutingRule.objects.order_by("position").values_list("position", flat=True)) == [10, 20, 30]


def test_deleting_a_rule_keeps_the_history_readable(client, alpha):
    lead = new_lead()
    rule = LeadRoutingRule.objects.get(field="vertical")
    assert client.post(f"/leads/routing/rules/{rule.pk}/delete/").status_code == 302
    assert not LeadRoutingRule.objects.filter(pk=rule.pk).exists()
    assert "“Prefer partners of the lead" in client.get(f"/leads/{lead.pk}/").content.decode()


def test_weights_and_capacity_are_saved_and_validated(client):
    weights = {"arms_length": "1", "collaborative": "2", "strategic": "5"}
    assert client.post("/leads/routing/weights/", weights).status_code == 302
    assert LeadWeight.objects.get(engagement="strategic").weight == 5
    bad = client.post("/leads/routing/weights/", {**weights, "strategic": "0"})
    assert bad.status_code == 400 and 'id="id_strategic_error"' in bad.content.decode()
    policies = {f"{name}_{kind}": "10" for name in ("capacity", "respond_hours") for kind in
                ("business", "financial", "technology", "sales", "channel", "support")}  # fmt: skip
    policies["respond_hours_channel"] = "24"
    assert client.post("/leads/routing/capacity/", policies).status_code == 302
    assert LeadPolicy.objects.filter(partner_type="channel").values_list("capacity", "respond_hours")[0] == (10, 24)
    bad = client.post("/leads/routing/capacity/", {**policies, "capacity_sales": "-1"})
    assert bad.status_code == 400 and 'id="id_capacity_sales_error"' in bad.content.decode()


# query counts


@pytest.mark.parametrize("rows", [1, 20])
def test_the_list_query_count_is_flat(client, alpha, django_assert_max_num_queries, rows):
    # given: leads with two routing decisions and offers
    LeadPolicy.objects.update(capacity=100)
    lead_partner(name="Second")
    for number in range(rows):
        new_lead(company=f"Prospect {number}")
    # when: session, user, the bounded count, the page with partner, region and vertical joined,
    # the role (whether to offer "New lead")
    with django_assert_max_num_queries(5):
        response = client.get("/leads/?status=offered&region=EMEA&search=pro")
    # then
    assert response.status_code == 200
    assert response.content.decode().count('<a class="fw-semibold prm-break" href="/leads/') == rows


@pytest.mark.parametrize("rows", [1, 20])
def test_the_queue_query_count_is_flat(client, django_assert_max_num_queries, rows):
    for number in range(rows):
        new_lead(company=f"Outback {number}", country="AU")
    # when: session, user, the bounded count, the page with its reasons, the role
    with django_assert_max_num_queries(5):
        response = client.get("/leads/manual/")
    assert response.content.decode().count("to partner</a>") == rows


@pytest.mark.parametrize("rows", [1, 20])
def test_the_detail_query_count_does_not_grow_with_decisions(client, django_assert_max_num_queries, rows):
    # given: a lead offered to and breached by `rows` partners in turn
    for number in range(rows):
        lead_partner(name=f"Partner {number}")
    lead = new_lead()
    for _ in range(rows - 1):
        lead.refresh_from_db()
        leads_enforce_sla(now=lead.respond_by + timedelta(seconds=1))
    # when: session, user, role (groups), the lead, offers, decisions, pool names
    with django_assert_max_num_queries(8):
        response = client.get(f"/leads/{lead.pk}/")
    assert response.status_code == 200
    assert response.content.decode().count("data-routing=") == rows
