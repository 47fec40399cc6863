"""The partner page: profile, contacts and timeline."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from partners.invitations.models import Invitation
from partners.invitations.services import invitation_accept, invitation_send, invitation_token
from partners.models import AuditEvent, PartnerUser
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
        login = UserFactory(is_staff=False)
        PartnerUser.objects.create(user=login, partner=partner, role="partner_member")
        Invitation.objects.create(email=f"invitee{index}@partner.example", role="partner_member", partner=partner)
    # when: session, user, partner and owner, timeline with actors, contacts, region and
    # vertical names, role; open outcomes (strategy, version, assignee joined), health trend;
    # agreements, documents, metrics, reviews; portal logins, pending invitations; the partner's
    # deals grouped by state and currency, its lead offers counted by outcome; its certified
    # contacts grouped by vertical; its onboarding and its agreement acceptances; its program
    # memberships and the programs it may join
    with django_assert_max_num_queries(23):
        response = staff_client.get(f"/partners/{partner.pk}/")
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="prm-timeline-item"') == rows
    assert html.count("/close/") == rows
    assert html.count("Reseller ") == rows
    assert 'id="chart-health"' in html
    assert html.count("/invitations/") == 2 * rows  # withdraw and resend
    assert html.count("Partner member</td>") == rows


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


# --- portal access card ----------------------------------------------------------------------


def _portal_login(partner, role="partner_member", **fields):
    user = UserFactory(is_staff=False, **fields)
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    return user


def test_the_portal_access_card_lists_logins_and_pending_invitations(staff_client, manager):
    # given
    partner = PartnerFactory(owner=manager)
    other = PartnerFactory()
    active = _portal_login(partner, role="partner_admin", first_name="Ada", last_name="King", email="ada@p.example")
    active.last_login = timezone.now() - timedelta(days=2)
    active.save(update_fields=["last_login"])
    gone = _portal_login(partner, first_name="Ben", last_name="Gone", email="ben@p.example", is_active=False)
    _portal_login(other, email="elsewhere@other.example")
    pending = invitation_send(actor=manager, email="cara@p.example", role="partner_admin", partner=partner)
    used = invitation_send(actor=manager, email="dan@p.example", role="partner_member", partner=partner)
    invitation_accept(token=invitation_token(used), password="Quiet-Lantern-42", name="Dan Used")
    withdrawn = invitation_send(actor=manager, email="eve@p.example", role="partner_member", partner=partner)
    Invitation.objects.filter(pk=withdrawn.pk).update(revoked_at=timezone.now())
    invitation_send(actor=manager, email="fay@other.example", role="partner_member", partner=other)
    # when
    html = staff_client.get(f"/partners/{partner.pk}/").content.decode()
    # then
    card = html[html.index('id="access"') : html.index('id="outcomes"')]
    assert "Ada King" in card and "Partner admin" in card and "2\xa0days ago" in card
    assert "Ben Gone" in card and "Deactivated" in card
    assert "Dan Used" in card and "Never" in card
    assert gone.email in card and active.email in card
    assert "elsewhere@other.example" not in html
    assert "cara@p.example" in card
    assert f'action="/partners/{partner.pk}/invitations/{pending.pk}/withdraw/"' in card
    assert f'action="/partners/{partner.pk}/invitations/{pending.pk}/resend/"' in card
    assert "eve@p.example" not in card and "fay@other.example" not in html
    assert card.count("/withdraw/") == 1  # the accepted and the withdrawn ones have no button


def test_the_portal_access_card_says_when_no_one_has_a_login(staff_client, manager):
    # given
    partner = PartnerFactory(name="Quiet Corp", owner=manager)
    # when
    html = staff_client.get(f"/partners/{partner.pk}/").content.decode()
    # then
    card = html[html.index('id="access"') : html.index('id="outcomes"')]
    assert "No one from Quiet Corp has a portal login yet; invite a contact from the" in card
    assert "Pending invitations" not in card


def test_a_manager_who_may_not_change_the_partner_sees_no_withdraw_button_and_cannot_post(client, manager):
    # given
    partner = PartnerFactory(owner=UserFactory(role="manager"))
    invitation = invitation_send(
        actor=UserFactory(role="admin"), email="x@p.example", role="partner_member", partner=partner
    )
    client.force_login(manager)
    # when
    html = client.get(f"/partners/{partner.pk}/").content.decode()
    withdraw = client.post(f"/partners/{partner.pk}/invitations/{invitation.pk}/withdraw/")
    resend = client.post(f"/partners/{partner.pk}/invitations/{invitation.pk}/resend/")
    # then
    assert "x@p.example" in html
    assert "/withdraw/" not in html and "/resend/" not in html
    assert withdraw.status_code == resend.status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert Invitation.objects.count() == 1


def test_an_analyst_cannot_withdraw_from_the_partner_page(client, db):
    # given
    partner = PartnerFactory()
    invitation = invitation_send(
        actor=UserFactory(role="admin"), email="x@p.example", role="partner_member", partner=partner
    )
    client.force_login(UserFactory(role="analyst"))
    # when
    response = client.post(f"/partners/{partner.pk}/invitations/{invitation.pk}/withdraw/")
    # then
    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_the_owning_manager_withdraws_an_invitation_from_the_partner_page(staff_client, manager):
    # given
    partner = PartnerFactory(owner=manager)
    invitation = invitation_send(actor=manager, email="x@p.example", role="partner_member", partner=partner)
    # when
    response = staff_client.post(f"/partners/{partner.pk}/invitations/{invitation.pk}/withdraw/")
    page = staff_client.get(response["Location"])
    # then
    assert response.status_code == 302
    assert response["Location"] == f"/partners/{partner.pk}/#access"
    assert "The invitation of x@p.example was withdrawn." in page.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert AuditEvent.objects.get(action="invitation_withdrawn").actor == manager


def test_an_invitation_of_another_partner_is_not_found_under_this_one(staff_client, manager):
    # given: the manager owns both, the URL pairs one's id with the other's invitation
    mine, theirs = PartnerFactory(owner=manager), PartnerFactory(owner=manager)
    invitation = invitation_send(actor=manager, email="x@p.example", role="partner_member", partner=theirs)
    # when
    response = staff_client.post(f"/partners/{mine.pk}/invitations/{invitation.pk}/withdraw/")
    unknown = staff_client.post(f"/partners/{mine.pk}/invitations/999999/withdraw/")
    # then
    assert response.status_code == unknown.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_withdrawing_an_accepted_invitation_from_the_partner_page_says_why(staff_client, manager):
    # given
    partner = PartnerFactory(owner=manager)
    invitation = invitation_send(actor=manager, email="x@p.example", role="partner_member", partner=partner)
    invitation_accept(token=invitation_token(invitation), password="Quiet-Lantern-42", name="Quick")
    # when
    response = staff_client.post(f"/partners/{partner.pk}/invitations/{invitation.pk}/withdraw/", follow=True)
    # then
    assert response.status_code == 200
    assert "This invitation was accepted already" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_the_owning_manager_resends_an_invitation_from_the_partner_page(
    staff_client, manager, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    partner = PartnerFactory(owner=manager)
    old = invitation_send(actor=manager, email="x@p.example", role="partner_admin", partner=partner)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/partners/{partner.pk}/invitations/{old.pk}/resend/")
    # then
    assert response.status_code == 302
    old.refresh_from_db()
    new = Invitation.objects.exclude(pk=old.pk).get()
    assert old.revoked_at is not None
    assert (new.email, new.role, new.partner_id, new.state) == ("x@p.example", "partner_admin", partner.pk, "pending")
    assert [m.to for m in mailoutbox] == [["x@p.example"]]
