"""The partner page: profile, contacts and timeline."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from partners.records.models import Agreement, BusinessReview, PartnerDocument, ReportedMetric
from partners.services import contact_add, partner_create
from programs.strategies.models import HealthScore, Outcome, Strategy
from tests.factories import UserFactory
from tests.partners.factories import ActivityFactory, ContactFactory, PartnerFactory


@pytest.fixture
def staff_client(client, manager):
    client.force_login(manager)
    return client


def test_partner_page_shows_the_whole_profile(staff_client, manager):
    # given
    partner = PartnerFactory(
        name="Helix Health",
        legal_name="Helix Health GmbH",
        slug="helix-health",
        website="https://helix.example",
        description="Hospitals in Bavaria.",
        type="channel",
        status="onboarding",
        engagement="strategic",
        country="AT",
        regions=["DACH"],
        verticals=["life-sciences"],
        owner=manager,
        health_score=77,
    )
    # when
    response = staff_client.get(f"/partners/{partner.pk}/")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"<h1[^>]*>Helix Health</h1>", html)
    for text in (
        "Helix Health GmbH",
        "helix-health",
        "Hospitals in Bavaria.",
        "Channel",
        "Onboarding",
        "Strategic",
        "Austria",
        "Germany, Austria and Switzerland",
        "Life sciences",
        manager.get_full_name(),
        "77 / 100",
        "Created",
        "Updated",
    ):
        assert text in html, text
    assert 'href="https://helix.example" target="_blank" rel="noopener noreferrer"' in html


def test_partner_page_lists_contacts_with_the_primary_one_first_and_marked(staff_client):
    # given
    partner = PartnerFactory()
    ContactFactory(partner=partner, name="Aaron Sales", role="sales")
    ContactFactory(partner=partner, name="Zoe Primary", role="primary", email="zoe@partner.example")
    # when
    html = staff_client.get(f"/partners/{partner.pk}/").content.decode()
    # then
    assert html.index("Zoe Primary") < html.index("Aaron Sales")
    assert re.search(r"Zoe Primary</span>\s*<span class=\"badge prm-primary-badge", html)
    assert 'href="mailto:zoe@partner.example"' in html


def test_partner_page_shows_the_timeline_newest_first_with_actors(staff_client, manager):
    # given
    partner = partner_create(actor=manager, name="Helix Health", type="channel", country="DE")
    contact_add(partner_id=partner.pk, actor=manager, name="Greta Berg", email="greta@helix.example")
    ActivityFactory(partner=partner, actor=None, message="Scored by the nightly job")
    # when
    html = staff_client.get(f"/partners/{partner.pk}/").content.decode()
    # then
    timeline = html[html.index('id="timeline"') :]
    scored = timeline.index("Scored by the nightly job")
    added = timeline.index("Contact Greta Berg added")
    created = timeline.index("Channel partner created as prospect")
    assert scored < added < created
    assert "System" in timeline
    assert manager.get_full_name() in timeline
    assert re.search(r'<time datetime="[^"]+" title="[^"]+ UTC">now</time>', timeline)  # relative time


def test_timeline_shows_50_entries_and_a_link_to_the_older_ones(staff_client):
    # given: 51 entries, one a minute
    partner = PartnerFactory()
    start = timezone.now() - timedelta(hours=2)
    for minute in range(51):
        ActivityFactory(partner=partner, message=f"entry {minute:02d}", created_at=start + timedelta(minutes=minute))
    # when
    first = staff_client.get(f"/partners/{partner.pk}/").content.decode()
    older = staff_client.get(f"/partners/{partner.pk}/?timeline_page=2").content.decode()
    fragment = staff_client.get(f"/partners/{partner.pk}/?timeline_page=2", headers={"HX-Request": "true"})
    # then
    assert "entry 50" in first and "entry 01" in first and "entry 00" not in first
    assert 'href="?timeline_page=2#timeline"' in first
    assert "entry 00" in older and "entry 01" not in older
    assert 'href="?timeline_page=1#timeline"' in older  # back to the newer entries
    assert "<html" not in fragment.content.decode()
    assert "entry 00" in fragment.content.decode()
    assert "Show older entries" not in fragment.content.decode()


def test_partner_page_without_contacts_or_timeline_shows_empty_states(staff_client):
    # given
    partner = PartnerFactory()
    # when
    html = staff_client.get(f"/partners/{partner.pk}/").content.decode()
    # then
    assert "No contacts yet." in html
    assert "Nothing has happened yet." in html


def test_writers_see_the_edit_actions(staff_client, manager):
    # given
    partner = PartnerFactory(owner=manager)
    contact = ContactFactory(partner=partner)
    # when
    html = staff_client.get(f"/partners/{partner.pk}/").content.decode()
    # then
    for url in (
        f"/partners/{partner.pk}/edit/",
        f"/partners/{partner.pk}/status/",
        f"/partners/{partner.pk}/contacts/new/",
        f"/partners/{partner.pk}/contacts/{contact.pk}/edit/",
        f"/partners/{partner.pk}/contacts/{contact.pk}/remove/",
    ):
        assert f'href="{url}"' in html, url


def test_an_analyst_sees_the_partner_read_only(client, db):
    # given
    partner = PartnerFactory(name="Helix Health")
    ContactFactory(partner=partner, name="Greta Berg")
    client.force_login(UserFactory(role="analyst"))
    # when
    response = client.get(f"/partners/{partner.pk}/")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Greta Berg" in html
    assert "/edit/" not in html
    assert "/status/" not in html
    assert "/contacts/" not in html


def test_an_unknown_partner_is_not_found(staff_client, db):
    # when
    response = staff_client.get("/partners/999999/")
    # then
    assert response.status_code == 404


def test_a_login_without_staff_rights_gets_404_on_a_partner_page(client, db):
    # given
    partner = PartnerFactory()
    client.force_login(UserFactory(is_staff=False))
    # when
    response = client.get(f"/partners/{partner.pk}/")
    # then
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_log_in_from_a_partner_page(client, db):
    # given
    partner = PartnerFactory()
    # when
    response = client.get(f"/partners/{partner.pk}/")
    # then
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/partners/{partner.pk}/"


@pytest.mark.parametrize("rows", [1, 10])
def test_partner_page_query_count_is_flat(staff_client, manager, rows, django_assert_max_num_queries):
    # given
    partner = PartnerFactory(owner=manager, regions=["DACH", "NA"], verticals=["healthcare", "retail"])
    ContactFactory.create_batch(rows, partner=partner)
    ActivityFactory.create_batch(rows, partner=partner, actor=manager)
    strategy = Strategy.objects.get(partner_type=partner.type)
    for index in range(rows):
        Outcome.objects.create(
            partner=partner, strategy=strategy, version=strategy.current_version, rule_kind="inactivity", kind="task",
            title=f"Task {index}", explanation="Quiet.", dedupe_key=f"k{index}", assignee=manager,
        )  # fmt: skip
        HealthScore.objects.create(partner=partner, day=timezone.localdate() - timedelta(days=index), score=50 + index)
        day = timezone.localdate() - timedelta(days=30 * (index + 1))
        Agreement.objects.create(partner=partner, kind="reseller", title=f"Reseller {index}", start_on=day)
        PartnerDocument.objects.create(partner=partner, kind="kyc", title=f"KYC {index}", file="demo/kyc.pdf")
        ReportedMetric.objects.create(partner=partner, key="csat", period_start=day, period_end=day, value=4)
        BusinessReview.objects.create(partner=partner, kind="business_review", held_on=day)
    # when: session, user, partner and owner, timeline with actors, contacts, region and
    # vertical names, role; open outcomes (strategy, version, assignee joined), health trend;
    # agreements, documents, metrics, reviews
    with django_assert_max_num_queries(14):
        response = staff_client.get(f"/partners/{partner.pk}/")
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="prm-timeline-item"') == rows
    assert html.count("/close/") == rows
    assert html.count("Reseller ") == rows
    assert 'id="chart-health"' in html


def test_partner_page_shows_open_outcomes_with_actions_and_the_health_trend(staff_client, manager):
    # given
    partner = PartnerFactory(type="business")
    strategy = Strategy.objects.get(partner_type="business")
    common = {"partner": partner, "strategy": strategy, "version": strategy.current_version, "rule_kind": "inactivity"}
    Outcome.objects.create(
        **common, kind="task", title="Re-engage Helix", explanation="Quiet for 130 days.", dedupe_key="a"
    )
    Outcome.objects.create(**common, kind="task", title="Closed one", explanation="-", dedupe_key="b", state="done")
    HealthScore.objects.create(partner=partner, day=timezone.localdate(), score=64)
    # when
    html = staff_client.get(f"/partners/{partner.pk}/").content.decode()
    # then
    assert "Re-engage Helix" in html and "Quiet for 130 days." in html
    assert "Closed one" not in html
    assert f"{strategy.name} v{strategy.current_version.number}" in html
    assert 'value="done"' in html and 'value="dismissed"' in html
    assert '"scores": [64]' in html


def test_partner_page_without_outcomes_or_scores_says_so(staff_client):
    html = staff_client.get(f"/partners/{PartnerFactory().pk}/").content.decode()
    assert "No open outcomes" in html
    assert "No health scores yet" in html
