"""The onboarding pages: the partner's checklist and home panel, the manager's list (filters, empty
state, flat query count), the partner page's panel, and the template pages for administrators."""

import pytest
from django.test import Client
from django.utils import timezone

from partners.models import Partner
from programs.onboarding.models import AgreementTemplate, Onboarding, OnboardingItem, OnboardingStep
from programs.onboarding.services import agreement_accept, onboardings_start
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory
from tests.programs.onboarding.conftest import login, make_checklist, publish

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _onboarding(partner) -> Onboarding:
    Partner.objects.filter(pk=partner.pk).update(status="onboarding")
    partner.refresh_from_db()
    onboardings_start(partner_ids=[partner.pk])
    return Onboarding.objects.get(partner=partner)


def test_the_partner_sees_its_checklist_and_an_admin_ticks_a_manual_item(alpha):
    # given
    make_checklist(autos=("agreement_accepted",), manual=("Kick-off call", "Training"))
    onboarding = _onboarding(alpha)
    admin, member = login(alpha), login(alpha, role="partner_member", first_name="Bo", last_name="M")
    kickoff = OnboardingItem.objects.get(title="Kick-off call")
    # when
    page = _client(member).get("/partner/onboarding/")
    # then: progress, due dates, the automatic item's link; a member has no tick
    body = page.content.decode()
    assert page.status_code == 200
    assert "0 of 3 done" in body and "Automatic" in body and 'href="/partner/agreement/"' in body
    assert "Mark done" not in body
    assert _client(member).post(f"/partner/onboarding/items/{kickoff.pk}/complete/").status_code == 403
    assert not OnboardingStep.objects.exists()
    # when: the admin ticks it
    response = _client(admin).post(f"/partner/onboarding/items/{kickoff.pk}/complete/")
    # then
    assert response.status_code == 302
    step = OnboardingStep.objects.get(onboarding=onboarding)
    assert (step.item, step.completed_by) == (kickoff, admin)
    assert "1 of 3 done" in _client(admin).get("/partner/onboarding/").content.decode()
    home = _client(admin).get("/partner/").content.decode()
    assert "Your onboarding" in home and "Training" in home


def test_an_item_of_another_checklist_is_a_404(alpha, bravo):
    # given: bravo onboards as a sales partner, alpha as a channel partner
    make_checklist(autos=(), manual=("Channel kick-off",))
    bravo.type = "sales"
    bravo.save(update_fields=["type"])
    make_checklist(partner_type="sales", autos=(), manual=("Sales kick-off",))
    _onboarding(alpha)
    _onboarding(bravo)
    theirs = OnboardingItem.objects.get(title="Sales kick-off")
    # when
    response = _client(login(alpha)).post(f"/partner/onboarding/items/{theirs.pk}/complete/")
    # then
    assert response.status_code == 404
    assert not OnboardingStep.objects.exists()


def test_a_partner_without_a_checklist_reads_an_empty_state(alpha):
    body = _client(login(alpha)).get("/partner/onboarding/").content.decode()
    assert "No onboarding checklist" in body


def test_the_manager_list_filters_and_shows_progress_and_overdue(owner, alpha, bravo):
    # given: alpha started 30 days ago with an overdue item, bravo today
    make_checklist(autos=("agreement_accepted",), manual=("Kick-off call",))
    late = _onboarding(alpha)
    Onboarding.objects.filter(pk=late.pk).update(started_on=timezone.localdate() - timezone.timedelta(days=30))
    _onboarding(bravo)
    OnboardingStep.objects.create(onboarding=late, item=OnboardingItem.objects.get(title="Kick-off call"))
    client = _client(owner)
    # when
    page = client.get("/onboarding/")
    overdue = client.get("/onboarding/?overdue=on")
    by_name = client.get("/onboarding/?search=bravo")
    # then
    rows = {entry["onboarding"].partner.name: entry for entry in page.context["entries"]}
    assert set(rows) == {"Alpha Channel", "Bravo Channel"}
    assert (rows["Alpha Channel"]["percent"], rows["Alpha Channel"]["overdue"]) == (50, 1)
    assert (rows["Bravo Channel"]["percent"], rows["Bravo Channel"]["overdue"]) == (0, 0)
    assert [e["onboarding"].partner.name for e in overdue.context["entries"]] == ["Alpha Channel"]
    assert [e["onboarding"].partner.name for e in by_name.context["entries"]] == ["Bravo Channel"]
    assert client.get("/onboarding/?state=nonsense").status_code == 400


def test_the_manager_list_has_an_empty_state(owner):
    body = _client(owner).get("/onboarding/").content.decode()
    assert "No partner is onboarding" in body


@pytest.mark.parametrize("rows", [1, 20])
def test_the_manager_list_query_count_is_flat(owner, rows, django_assert_max_num_queries):
    # given
    make_checklist()
    for number in range(rows):
        _onboarding(PartnerFactory(name=f"Onboarding {number}", type="channel", owner=owner))
    client = _client(owner)
    # when: session, user, the bounded count, the page with partner, owner, template and counts
    with django_assert_max_num_queries(4):
        response = client.get("/onboarding/")
    # then
    assert response.status_code == 200
    assert len(response.context["entries"]) == rows


@pytest.mark.parametrize("rows", [1, 20])
def test_the_partner_checklist_query_count_is_flat(alpha, rows, django_assert_max_num_queries):
    # given
    make_checklist(autos=(), manual=[f"Item {number}" for number in range(rows)])
    onboarding = _onboarding(alpha)
    for item in OnboardingItem.objects.all()[: rows // 2]:
        OnboardingStep.objects.create(onboarding=onboarding, item=item)
    client = _client(login(alpha))
    # when: session, user, membership, partner, the agreement gate, the onboarding, items, steps
    with django_assert_max_num_queries(8):
        response = client.get("/partner/onboarding/")
    # then
    assert response.status_code == 200
    assert response.context["progress"].total == rows


def test_the_partner_page_shows_the_checklist_and_the_acceptances(owner, alpha):
    # given
    make_checklist(autos=("agreement_accepted",), manual=("Kick-off call",))
    template = publish()
    _onboarding(alpha)
    agreement_accept(
        partner_id=alpha.pk, actor=login(alpha), template_id=template.pk, typed_name="Ada Lovelace", ip="192.0.2.1"
    )
    # when
    body = _client(owner).get(f"/partners/{alpha.pk}/").content.decode()
    # then
    assert "Onboarding and agreement" in body
    assert "Signed “Ada Lovelace”" in body and "192.0.2.1" in body
    assert "Kick-off call" in body and "Mark done" in body


def test_the_manager_ticks_an_item_of_a_partner_he_owns(owner, alpha):
    make_checklist(autos=(), manual=("Kick-off call", "Training"))
    onboarding = _onboarding(alpha)
    item = OnboardingItem.objects.get(title="Training")
    other = UserFactory(role="analyst")
    url = f"/onboarding/{onboarding.pk}/items/{item.pk}/complete/"
    assert _client(other).post(url).status_code == 403
    assert _client(owner).post(url).status_code == 302
    assert OnboardingStep.objects.get().completed_by == owner


def test_templates_are_for_administrators_with_errors_next_to_the_fields(owner, admin_user):
    # given
    assert _client(owner).get("/onboarding/templates/").status_code == 403
    client = _client(admin_user)
    # when: an unknown placeholder
    bad = client.post(
        "/onboarding/templates/",
        {"name": "Channel", "kind": "reseller", "partner_type": "channel", "body": "Hello {partner}"},
    )
    # then
    assert bad.status_code == 400
    assert "Unknown placeholder {partner}" in bad.context["form"].errors["body"][0]
    assert not AgreementTemplate.objects.exists()
    # when: a good one
    good = client.post(
        "/onboarding/templates/",
        {
            "name": "Channel",
            "kind": "reseller",
            "partner_type": "channel",
            "region": "EMEA",
            "body": "Hi {partner_name}",
        },
    )
    assert good.status_code == 302
    assert AgreementTemplate.objects.get().region_id == "EMEA"


def test_an_administrator_edits_a_checklist_and_its_items(admin_user):
    client = _client(admin_user)
    data = {
        "checklist-name": "Channel onboarding", "checklist-partner_type": "channel", "checklist-is_active": "on",
        "items-TOTAL_FORMS": "2", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "30",
        "items-0-position": "1", "items-0-title": "Accept the agreement", "items-0-due_offset_days": "7",
        "items-0-auto": "agreement_accepted",
        "items-1-position": "2", "items-1-title": "", "items-1-due_offset_days": "400", "items-1-auto": "none",
    }  # fmt: skip
    bad = client.post("/onboarding/templates/checklists/new/", data)
    assert bad.status_code == 400
    assert bad.context["items"].forms[1].errors["due_offset_days"]
    data.update({"items-1-title": "Kick-off call", "items-1-due_offset_days": "14"})
    assert client.post("/onboarding/templates/checklists/new/", data).status_code == 302
    assert list(OnboardingItem.objects.values_list("title", flat=True)) == ["Accept the agreement", "Kick-off call"]
