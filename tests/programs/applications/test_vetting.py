"""Vetting applications: duplicates flagged by registrable domain, a vetter assigned, approval
(the partner onboards, its contact is invited as partner admin) and rejection (the reason is
e-mailed once, however many times the sending task runs), through the services and the pages."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client

from partners.invitations.models import Invitation
from partners.models import PartnerUser
from partners.notifications.models import Notification, OutgoingEmail
from partners.outbox.models import Event
from partners.outbox.types import event_type_exists, pattern_is_valid
from partners.webhooks.fanout import partner_may_subscribe
from prm.errors import FieldErrors
from prm.tasks import emails_send_task
from programs.applications.demo import demo_applications_seed
from programs.applications.models import PartnerApplication
from programs.applications.services import (
    InvalidApplicationTransition,
    application_approve,
    application_assign,
    application_reject,
)
from programs.tiers.models import Membership, Program, Tier, TierChange
from tests.factories import UserFactory
from tests.notifications.helpers import dispatch
from tests.partners.factories import PartnerFactory
from tests.programs.applications.helpers import submit

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- duplicates ----------------------------------------------------------------------------


def test_applications_of_one_company_are_flagged_whatever_the_subdomain():
    # given
    first = submit(website="https://www.acme.example/partners")
    # when: the same registrable domain, written three other ways
    second = submit(company="ACME EU", website="eu.sales.acme.example", contact_email="eu@acme.example")
    third = submit(company="Acme", website="http://acme.example:8080", contact_email="x@acme.example")
    other = submit(company="Acme Bank", website="acmebank.example", contact_email="a@acmebank.example")
    # then: each later one points at the first; another company is not flagged
    assert first.domain == second.domain == third.domain == "acme.example"
    assert not first.is_duplicate and first.duplicate_of is None
    assert (second.is_duplicate, second.duplicate_of_id) == (True, first.pk)
    assert (third.is_duplicate, third.duplicate_of_id) == (True, first.pk)
    assert not other.is_duplicate
    assert Event.objects.get(type="application.received", object_id=str(second.pk)).data["duplicate"] is True


def test_an_application_from_an_existing_partners_domain_is_flagged():
    # given
    existing = PartnerFactory(name="Globex", website="https://shop.globex.example/", status="active")
    # when
    application = submit(company="Globex Corporation", website="www.globex.example")
    # then
    assert application.is_duplicate and application.duplicate_partner_id == existing.pk
    assert application.duplicate_of is None


def test_the_detail_page_links_every_other_application_and_partner_of_the_domain(manager):
    # given
    existing = PartnerFactory(name="Globex", website="https://globex.example", status="active")
    first = submit(company="Globex One", website="globex.example")
    second = submit(company="Globex Two", website="www.globex.example", contact_email="b@globex.example")
    # when
    body = _client(manager).get(f"/applications/{first.pk}/").content.decode()
    # then: the later application and the existing partner, each a link (not its own prospect)
    assert "Same domain: globex.example" in body
    assert f'href="/applications/{second.pk}/"' in body
    assert f'href="/partners/{existing.pk}/">Partner: Globex<' in body
    assert f"Partner: {first.company}" not in body


# --- assign, approve, reject ---------------------------------------------------------------


def test_assigning_a_vetter_puts_the_application_in_review(manager):
    # given
    application = submit()
    vetter = UserFactory(role="manager", first_name="Vera", last_name="Vetter")
    # when
    response = _client(manager).post(f"/applications/{application.pk}/assign/", {"assign-vetter": vetter.pk})
    # then
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.vetter_id, application.state) == (vetter.pk, "in_review")
    # and an analyst cannot vet
    analyst = UserFactory(role="analyst")
    refused = _client(manager).post(f"/applications/{application.pk}/assign/", {"assign-vetter": analyst.pk})
    assert refused.status_code == 400 and 'id="id_assign-vetter_error"' in refused.content.decode()


def test_approval_onboards_the_partner_and_invites_the_contact_as_partner_admin(
    manager, django_capture_on_commit_callbacks
):
    # given
    application = submit()
    vetter = UserFactory(role="manager")
    application_assign(application_id=application.pk, actor=manager, vetter=vetter)
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(manager).post(f"/applications/{application.pk}/approve/")
    # then: approved, the partner onboarding and owned by the vetter
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.state, application.decided_by_id) == ("approved", manager.pk)
    partner = application.partner
    partner.refresh_from_db()
    assert (partner.status, partner.owner_id) == ("onboarding", vetter.pk)
    # the contact is invited as the partner's administrator, by e-mail
    invitation = Invitation.objects.get(email="jana@helix-health.example")
    assert (invitation.role, invitation.partner_id, application.invitation_id) == (
        "partner_admin", partner.pk, invitation.pk,
    )  # fmt: skip
    assert [m.to for m in mail.outbox] == [["jana@helix-health.example"]]
    assert "/invitations/" in mail.outbox[0].body
    # and the decision is an event, beside the partner's status change
    decided = Event.objects.get(type="application.decided")
    assert (decided.data["state"], decided.data["invited"], decided.partner_id) == ("approved", True, partner.pk)
    assert Event.objects.filter(type="partner.status_changed", partner_id=partner.pk).exists()


def test_approval_of_a_contact_with_a_login_goes_on_without_an_invitation(manager):
    # given
    UserFactory(email="jana@helix-health.example", username="jana@helix-health.example")
    application = submit()
    # when
    approval = application_approve(application_id=application.pk, actor=manager)
    # then
    assert approval.application.state == "approved" and approval.invited is False
    assert "already has a login" in approval.note
    assert not Invitation.objects.exists()


def test_rejection_needs_a_reason_next_to_its_field(manager):
    # given
    application = submit()
    # when
    response = _client(manager).post(f"/applications/{application.pk}/reject/", {"reject-reason": "  "})
    # then
    assert response.status_code == 400
    assert 'id="id_reject-reason_error"' in response.content.decode()
    application.refresh_from_db()
    assert application.state == "received"
    with pytest.raises(FieldErrors):
        application_reject(application_id=application.pk, actor=manager, reason="")


def test_rejection_emails_the_reason_once_even_when_the_task_runs_twice(manager, django_capture_on_commit_callbacks):
    # given
    application = submit()
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(manager).post(
            f"/applications/{application.pk}/reject/", {"reject-reason": "We have enough partners in DACH."}
        )
    # then: rejected, the prospect kept (terminated) for history, the reason e-mailed
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.state, application.rejection_reason) == ("rejected", "We have enough partners in DACH.")
    application.partner.refresh_from_db()
    assert application.partner.status == "terminated"
    assert [m.to for m in mail.outbox] == [["jana@helix-health.example"]]
    assert "We have enough partners in DACH." in mail.outbox[0].body
    assert Event.objects.get(type="application.decided").data["rejection_reason"] == "We have enough partners in DACH."
    # when: the sending task runs again (a retry, a duplicate delivery)
    row = OutgoingEmail.objects.get(key=f"application-rejected:{application.pk}")
    emails_send_task([row.key])
    emails_send_task([row.key])
    # then: still one e-mail
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.state == "sent"


def test_a_decided_application_cannot_be_decided_again(manager):
    # given
    application = submit()
    application_reject(application_id=application.pk, actor=manager, reason="Not a fit.")
    # when / then
    with pytest.raises(InvalidApplicationTransition):
        application_approve(application_id=application.pk, actor=manager)
    response = _client(manager).post(f"/applications/{application.pk}/approve/")
    assert response.status_code == 409 and "cannot become approved" in response.content.decode()
    assert PartnerApplication.objects.get().state == "rejected"


def test_analysts_read_applications_but_decide_nothing():
    # given
    application = submit()
    analyst = UserFactory(role="analyst")
    client = _client(analyst)
    # when
    page = client.get(f"/applications/{application.pk}/")
    approve = client.post(f"/applications/{application.pk}/approve/")
    # then
    assert page.status_code == 200 and "Partner managers and administrators decide" in page.content.decode()
    assert approve.status_code == 403
    with pytest.raises(PermissionDenied):
        application_approve(application_id=application.pk, actor=analyst)
    assert PartnerApplication.objects.get().state == "received"


# --- the queue -----------------------------------------------------------------------------


def test_the_queue_filters_counts_and_says_when_empty(manager):
    # given
    client = _client(manager)
    assert "Nothing waiting" in client.get("/applications/").content.decode()
    vetter = UserFactory(role="manager")
    first = submit(company="Alpha Health", website="alpha.example", contact_email="a@alpha.example")
    second = submit(company="Alpha Again", website="www.alpha.example", contact_email="b@alpha.example")
    third = submit(company="Bravo", website="bravo.example", contact_email="b@bravo.example")
    application_assign(application_id=third.pk, actor=manager, vetter=vetter)
    decided = submit(company="Charlie", website="charlie.example", contact_email="c@charlie.example")
    application_reject(application_id=decided.pk, actor=manager, reason="No.")
    # when
    waiting = client.get("/applications/").content.decode()
    duplicates = client.get("/applications/?duplicate=true").content.decode()
    of_vetter = client.get(f"/applications/?vetter={vetter.pk}").content.decode()
    rejected = client.get("/applications/?state=rejected").content.decode()
    searched = client.get("/applications/?search=bravo").content.decode()
    badge = client.get("/applications/badge/").content.decode()
    # then: waiting ones oldest first, with the count
    assert waiting.index("Alpha Health") < waiting.index("Alpha Again") < waiting.index("Bravo")
    assert "Charlie" not in waiting and '>3<span class="visually-hidden"> shown' in waiting
    assert "Alpha Again" in duplicates and "Alpha Health" not in duplicates and "Bravo" not in duplicates
    assert "Bravo" in of_vetter and "Alpha" not in of_vetter
    assert "Charlie" in rejected and "Bravo" not in rejected
    assert "Bravo" in searched and "Alpha" not in searched
    assert ">3<" in badge
    assert first.pk and second.pk
    bad = client.get("/applications/?vetter=abc")
    assert bad.status_code == 400 and "invalid-feedback" in bad.content.decode()


@pytest.mark.parametrize("rows", [1, 20])
def test_the_queue_page_query_count_is_flat(manager, rows, django_assert_max_num_queries):
    # given
    vetter = UserFactory(role="manager")
    for number in range(rows):
        application = submit(
            company=f"Company {number}", website=f"c{number}.example", contact_email=f"a@c{number}.example"
        )
        application_assign(application_id=application.pk, actor=manager, vetter=vetter)
    client = _client(manager)
    client.get("/applications/")  # the session and the user's role, read once like any page
    # when: session, user, the bounded count, the page (partner and vetter joined), the vetters of the filter
    with django_assert_max_num_queries(5):
        response = client.get("/applications/")
    # then
    assert response.status_code == 200
    assert response.content.decode().count('class="fw-semibold" href="/applications/') == rows


def test_partner_logins_and_visitors_never_reach_the_manager_pages():
    # given: an application and a login of its own (approved) partner
    application = submit()
    login = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=login, partner=application.partner, role="partner_admin")
    partner_client, visitor = _client(login), Client()
    # when / then: a partner's login is sent to its portal on a read and gets a 404 on a write
    for path in ("/applications/", f"/applications/{application.pk}/", "/applications/badge/"):
        response = partner_client.get(path)
        assert (response.status_code, response["Location"]) == (302, "/partner/")
        assert visitor.get(path)["Location"].startswith("/accounts/login/")
    for action in ("assign", "approve", "reject"):
        path = f"/applications/{application.pk}/{action}/"
        assert partner_client.post(path, {"reject-reason": "x", "assign-vetter": login.pk}).status_code == 404
        assert visitor.post(path).status_code == 302
    application.refresh_from_db()
    assert (application.state, application.vetter_id) == ("received", None)


def test_the_dashboard_shows_how_many_applications_wait(manager):
    # given
    client = _client(manager)
    assert "No application waiting" in client.get("/applications/dashboard/").content.decode()
    submit(company="Alpha", website="alpha.example", contact_email="a@alpha.example")
    submit(company="Alpha EU", website="eu.alpha.example", contact_email="b@alpha.example")
    # when
    dashboard = client.get("/").content.decode()
    figure = client.get("/applications/dashboard/").content.decode()
    # then: the panel is on the dashboard and its figure arrives after it
    assert 'hx-get="/applications/dashboard/"' in dashboard
    assert ">2</a>" in figure and "1 flagged as duplicate" in figure


def test_the_demo_queue_has_waiting_reviewed_rejected_and_duplicate_applications(manager):
    # given: a demo partner whose domain a demo application shares
    PartnerFactory(name="Helix", website="https://www.helix.example", status="active")
    # when
    sent = demo_applications_seed(if_empty=True)
    again = demo_applications_seed(if_empty=True)
    # then
    states = list(PartnerApplication.objects.values_list("state", flat=True))
    assert (sent, again) == (8, 0)
    assert states.count("in_review") == 1 and states.count("rejected") == 1 and states.count("received") == 6
    assert PartnerApplication.objects.filter(is_duplicate=True).count() == 2


def test_application_events_reach_staff_webhooks_only():
    # then: staff subscriptions may name them; a partner's subscription never receives them
    assert event_type_exists("application.received") and event_type_exists("application.decided")
    assert pattern_is_valid("application.*")
    assert not partner_may_subscribe("application.received")
    assert not partner_may_subscribe("application.decided")


def test_the_vetter_hears_when_someone_else_decides_their_application(manager, django_capture_on_commit_callbacks):
    # given: Vera vets the application; the manager rejects it
    vetter = UserFactory(role="manager", first_name="Vera")
    application = submit()
    application_assign(application_id=application.pk, actor=manager, vetter=vetter)
    dispatch(django_capture_on_commit_callbacks)
    Notification.objects.all().delete()
    application_reject(application_id=application.pk, actor=manager, reason="Too small for now.")
    # when
    dispatch(django_capture_on_commit_callbacks)
    # then: Vera is told, the manager who decided is not
    [row] = Notification.objects.filter(category="applications")
    assert row.user_id == vetter.pk
    assert row.title == "Application rejected: Helix Health Systems GmbH"
    assert row.body == "Reason: Too small for now."


def test_approval_enrols_the_partner_in_the_active_programs_for_its_type(manager):
    # given an active channel program with two tiers, an inactive one, and one for technology partners
    channel = Program.objects.create(name="Channel", slug="channel", partner_types=["channel", "sales"])
    Tier.objects.create(program=channel, name="Silver", rank=2)
    Tier.objects.create(program=channel, name="Registered", rank=1)
    retired = Program.objects.create(name="Old", slug="old", partner_types=["channel"], is_active=False)
    Tier.objects.create(program=retired, name="Member", rank=1)
    alliance = Program.objects.create(name="Alliance", slug="alliance", partner_types=["technology"])
    Tier.objects.create(program=alliance, name="Member", rank=1)
    application = submit()  # a channel partner
    # when
    application_approve(application_id=application.pk, actor=manager)
    # then it joined the channel program at its entry tier, and nothing else
    [membership] = Membership.objects.filter(partner=application.partner)
    assert (membership.program, membership.tier.name, membership.state) == (channel, "Registered", "ok")
    assert TierChange.objects.get(membership=membership).reason == "Joined on its application's approval."
