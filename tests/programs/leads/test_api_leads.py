"""/api/v1/leads/ in api.md's names: who creates, reads and answers leads, the routing that only
staff see, 404 for another partner's leads, filters, cursor walks and a flat query count."""

import pytest

from partners.models import PartnerUser
from partners.services import api_token_create
from programs.leads.models import Lead
from programs.leads.services import lead_accept
from tests.factories import UserFactory
from tests.programs.leads.helpers import lead_partner, new_lead

pytestmark = pytest.mark.django_db
BODY = {
    "company": "Helix Clinics",
    "contact_name": "Jane Doe",
    "contact_email": "jane@helix.example",
    "country": "DE",
    "vertical": "healthcare",
    "size": "50-249",
    "source": "Web",
}
NAMES = {
    "id", "company", "contact_name", "contact_email", "country", "region", "vertical", "size", "source", "status",
    "partner", "offered_at", "respond_by", "routing",
}  # fmt: skip


@pytest.fixture
def token_header(manager):
    _, key = api_token_create(user=manager)
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def _login(partner, role="partner_member"):
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    return user


@pytest.fixture
def alpha():
    return lead_partner(name="Alpha")


@pytest.fixture
def bravo():
    return lead_partner(name="Bravo Secret", regions=["NA"])


def test_a_manager_creates_a_lead_and_sees_it_offered_with_its_routing(api_client, manager, alpha):
    # given
    api_client.force_authenticate(manager)
    # when
    response = api_client.post("/api/v1/leads/", BODY, format="json")
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= NAMES
    assert (body["status"], body["partner"], body["country"], body["region"], body["source"]) == (
        "offered",
        alpha.pk,
        "DE",
        "DACH",
        "web",
    )
    [routing] = body["routing"]
    assert (routing["trigger"], routing["chosen"]) == ("created", alpha.pk)
    assert [step["name"] for step in routing["steps"]][-1] == "Prefer partners of the lead's vertical"
    assert routing["pool"]["candidates"] == [{"partner": alpha.pk, "weight": 2, "pass": 0}]
    assert (routing["pool"]["size"], routing["pool"]["chosen"]["partner"]) == (1, alpha.pk)


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"country": "ZZ"}, "country"), ({"company": ""}, "company"), ({"vertical": "nope"}, "vertical")],
)
def test_bad_input_is_a_400_naming_the_field_and_creates_nothing(api_client, manager, fields, field):
    api_client.force_authenticate(manager)
    response = api_client.post("/api/v1/leads/", {**BODY, **fields}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Lead.objects.exists()


def test_analysts_and_partner_logins_cannot_create_leads(api_client, alpha):
    api_client.force_authenticate(UserFactory(role="analyst"))
    assert api_client.post("/api/v1/leads/", BODY, format="json").status_code == 403
    api_client.force_authenticate(_login(alpha, role="partner_admin"))
    assert api_client.post("/api/v1/leads/", BODY, format="json").status_code == 403
    assert not Lead.objects.exists()


def test_a_partner_reads_only_leads_offered_to_it_without_routing(api_client, alpha, bravo):
    # given
    mine = new_lead()
    theirs = new_lead(company="Bravo's prospect", country="US", vertical="retail")
    assert theirs.partner_id == bravo.pk
    api_client.force_authenticate(_login(alpha))
    # when
    listed = api_client.get("/api/v1/leads/").json()
    # then
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert listed["results"][0]["routing"] is None
    assert api_client.get(f"/api/v1/leads/{mine.pk}/").json()["partner"] == alpha.pk
    assert api_client.get(f"/api/v1/leads/{theirs.pk}/").status_code == 404
    assert api_client.post(f"/api/v1/leads/{theirs.pk}/accept/").status_code == 404
    assert api_client.post(f"/api/v1/leads/{theirs.pk}/decline/", {"reason": "x"}).status_code == 404
    assert api_client.post(f"/api/v1/leads/{theirs.pk}/assign/", {"partner": alpha.pk}).status_code == 404
    assert Lead.objects.get(pk=theirs.pk).status == "offered"


def test_a_partner_accepts_its_offer_and_keeps_reading_it(api_client, alpha):
    lead = new_lead()
    api_client.force_authenticate(_login(alpha))
    response = api_client.post(f"/api/v1/leads/{lead.pk}/accept/")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["partner"]) == ("accepted", alpha.pk)
    again = api_client.post(f"/api/v1/leads/{lead.pk}/accept/")
    assert (again.status_code, again.json()["code"]) == (409, "lead_not_offered_to_you")


def test_declining_needs_a_reason_and_the_lead_then_leaves_the_partner(
    api_client, alpha, django_capture_on_commit_callbacks
):
    # given
    other = lead_partner(name="Other")
    lead = new_lead()
    offered = lead.partner
    api_client.force_authenticate(_login(offered))
    # when / then: no reason
    refused = api_client.post(f"/api/v1/leads/{lead.pk}/decline/", {}, format="json")
    assert (refused.status_code, list(refused.json())) == (400, ["reason"])
    # when / then: with a reason; the answer names no other partner, and the lead is gone for them
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(f"/api/v1/leads/{lead.pk}/decline/", {"reason": "Not our market"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["partner"], response.json()["routing"]) == (
        "declined",
        None,
        None,
    )
    assert api_client.get(f"/api/v1/leads/{lead.pk}/").status_code == 404
    lead.refresh_from_db()
    assert lead.partner_id == ({alpha.pk, other.pk} - {offered.pk}).pop()


def test_accepting_a_lead_re_routed_away_is_refused_with_a_stable_code(api_client, alpha):
    # given: the lead was offered to alpha, then re-routed away (its SLA lapsed)
    lead_partner(name="Next")
    lead = new_lead()
    first = lead.partner
    api_client.force_authenticate(_login(first))
    from programs.leads.services import leads_enforce_sla

    leads_enforce_sla(now=lead.respond_by)
    # when
    response = api_client.post(f"/api/v1/leads/{lead.pk}/accept/")
    # then: it is no longer theirs to read either
    assert response.status_code == 404


def test_staff_cannot_answer_for_a_partner_and_a_manager_assigns_from_the_manual_queue(api_client, manager, bravo):
    # given: a German lead, but only a North American partner
    lead = new_lead()
    assert lead.status == "manual"
    api_client.force_authenticate(manager)
    assert api_client.post(f"/api/v1/leads/{lead.pk}/accept/").status_code == 403
    # when
    response = api_client.post(f"/api/v1/leads/{lead.pk}/assign/", {"partner": bravo.pk}, format="json")
    # then
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["partner"]) == ("offered", bravo.pk)
    again = api_client.post(f"/api/v1/leads/{lead.pk}/assign/", {"partner": bravo.pk}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_lead_transition")


def test_a_partner_converts_a_lead_it_accepted(api_client, alpha):
    lead = new_lead()
    user = _login(alpha)
    api_client.force_authenticate(user)
    assert api_client.post(f"/api/v1/leads/{lead.pk}/close/", {"converted": True}, format="json").status_code == 403
    lead_accept(lead_id=lead.pk, partner_id=alpha.pk, actor=user)
    response = api_client.post(f"/api/v1/leads/{lead.pk}/close/", {"converted": True}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "converted")


def test_the_list_filters_by_status_partner_country_region_vertical_and_source(api_client, manager, alpha, bravo):
    # given
    german = new_lead(source="event")
    american = new_lead(company="Yankee", country="US", vertical="retail")
    api_client.force_authenticate(manager)

    def ids(query):
        response = api_client.get(f"/api/v1/leads/?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    # then
    assert ids("status=offered") == [american.pk, german.pk]
    assert ids(f"partner={bravo.pk}") == [american.pk]
    assert ids("country=de") == [german.pk]
    assert ids("region=EMEA") == [german.pk]  # includes DACH
    assert ids("vertical=retail") == [american.pk]
    assert ids("source=event") == [german.pk]
    assert api_client.get("/api/v1/leads/?region=MARS").status_code == 400
    assert api_client.get("/api/v1/leads/?colour=red").status_code == 400


def test_a_cursor_walk_sees_every_lead_once(api_client, manager, alpha):
    leads = [new_lead(company=f"Prospect {n}") for n in range(5)]
    api_client.force_authenticate(manager)
    seen, url = [], "/api/v1/leads/?cursor=&page_size=2"
    while url:
        body = api_client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == sorted(lead.pk for lead in leads)


@pytest.mark.parametrize("rows", [1, 20])
def test_list_query_count_is_flat(api_client, token_header, alpha, django_assert_max_num_queries, rows):
    # given: leads with two routing decisions each
    from datetime import timedelta

    from programs.leads.services import leads_enforce_sla

    lead_partner(name="Second")
    for n in range(rows):
        new_lead(company=f"Prospect {n}")
    leads_enforce_sla(now=Lead.objects.order_by("respond_by").last().respond_by + timedelta(seconds=1))
    # when: token, count, page, routing decisions prefetched
    with django_assert_max_num_queries(4):
        response = api_client.get("/api/v1/leads/?status=offered&region=EMEA&page_size=50", **token_header)
    # then
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows
    assert all(len(row["routing"]) == 2 for row in response.json()["results"])


@pytest.mark.parametrize("rows", [1, 20])
def test_partner_list_query_count_is_flat(api_client, alpha, django_assert_max_num_queries, rows):
    for n in range(rows):
        new_lead(company=f"Prospect {n}")
    api_client.force_authenticate(_login(alpha))
    # when: the login's organisation, count, page
    with django_assert_max_num_queries(3):
        response = api_client.get("/api/v1/leads/?page_size=50")
    assert len(response.json()["results"]) == rows


def test_a_post_retried_with_the_same_idempotency_key_creates_one_lead(api_client, token_header, alpha):
    headers = {**token_header, "HTTP_IDEMPOTENCY_KEY": "lead-import-1"}
    first = api_client.post("/api/v1/leads/", BODY, format="json", **headers)
    again = api_client.post("/api/v1/leads/", BODY, format="json", **headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert Lead.objects.count() == 1
