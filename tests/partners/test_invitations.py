"""Invitations: sent by admins, managers and partner admins within their scope, accepted once, before they
expire, through a link nobody can forge."""

import re
import threading
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from partners.invitations.models import Invitation
from partners.invitations.services import (
    TOKEN_SALT,
    invitation_accept,
    invitation_resend,
    invitation_send,
    invitation_token,
    invitation_withdraw,
)
from partners.models import AuditEvent, PartnerUser
from prm.errors import Conflict
from tests.factories import UserFactory
from tests.partners.factories import ContactFactory, PartnerFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "Quiet-Lantern-42"


def _partner_login(partner, role="partner_admin"):
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    return user


def _link(message) -> str:
    return re.search(r"https?://\S+/invitations/\S+/", message.body).group(0)


def _path(invitation) -> str:
    return f"/invitations/{invitation_token(invitation)}/"


def _accept_form(name="Nora Field", password=PASSWORD, confirm=None):
    return {"name": name, "password": password, "confirm": password if confirm is None else confirm}


def test_a_partner_admin_invites_a_colleague_and_the_mail_carries_the_link(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    settings.SITE_URL = "https://prm.example.com"
    partner = PartnerFactory(name="Alpha Widgets")
    admin = _partner_login(partner)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_send(actor=admin, email="Nora@Alpha.example", role="partner_member", partner=partner)
    # then
    assert invitation.email == "nora@alpha.example"
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["nora@alpha.example"]
    assert "Alpha Widgets" in message.subject
    link = _link(message)
    assert link.startswith("https://prm.example.com/invitations/")
    assert signing.loads(link.rstrip("/").rsplit("/", 1)[1], salt=TOKEN_SALT) == invitation.pk
    event = AuditEvent.objects.get(action="invitation_sent")
    assert (event.actor, event.identifier, event.data["invitation"]) == (admin, "nora@alpha.example", invitation.pk)


def test_accepting_creates_a_verified_partner_login_that_lands_on_its_self_service_home(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    partner = PartnerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        invitation_send(
            actor=_partner_login(partner), email="nora@alpha.example", role="partner_member", partner=partner
        )
    path = _link(mailoutbox[0]).split("://", 1)[1].split("/", 1)[1]
    # when
    page = client.get("/" + path)
    response = client.post("/" + path, _accept_form())
    # then
    assert page.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == "/partner/"
    user = User.objects.get(email="nora@alpha.example")
    assert (user.username, user.first_name, user.last_name, user.is_staff) == (
        "nora@alpha.example",
        "Nora",
        "Field",
        False,
    )
    assert user.partner_user.partner == partner
    assert user.partner_user.role == "partner_member"
    assert EmailAddress.objects.get(user=user).verified
    assert Invitation.objects.get().accepted_at is not None
    assert client.get("/partner/").status_code == 200


def test_the_new_login_can_log_in_by_e_mail(client, admin_user):
    # given
    invitation = invitation_send(actor=admin_user, email="sam@vendor.example", role="analyst")
    invitation_accept(token=invitation_token(invitation), password=PASSWORD, name="Sam Lee")
    # when
    response = client.post("/accounts/login/", {"login": "sam@vendor.example", "password": PASSWORD})
    # then
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(email="sam@vendor.example")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["Analysts"]


def test_a_staff_invitation_lands_on_the_manager_dashboard(client, admin_user):
    # given
    invitation = invitation_send(actor=admin_user, email="mia@vendor.example", role="manager")
    # when
    response = client.post(_path(invitation), _accept_form(name="Mia"))
    # then
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_an_expired_invitation_is_refused_and_creates_nothing(client, admin_user, time_machine):
    # given
    partner = PartnerFactory()
    invitation = invitation_send(actor=admin_user, email="late@alpha.example", role="partner_admin", partner=partner)
    # when
    time_machine.move_to(invitation.expires_at + timedelta(seconds=1))
    page = client.get(_path(invitation))
    posted = client.post(_path(invitation), _accept_form())
    # then
    assert page.status_code == posted.status_code == 400
    assert b"expired" in posted.content
    with pytest.raises(ValidationError, match="expired"):
        invitation_accept(token=invitation_token(invitation), password=PASSWORD, name="Late")
    assert not User.objects.filter(email="late@alpha.example").exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_invitation_works_once(client, admin_user):
    # given
    partner = PartnerFactory()
    invitation = invitation_send(actor=admin_user, email="once@alpha.example", role="partner_member", partner=partner)
    assert client.post(_path(invitation), _accept_form()).status_code == 302
    client.logout()
    # when
    again = client.post(_path(invitation), _accept_form(name="Someone Else", password="Other-Pass-9876"))
    # then
    assert again.status_code == 400
    assert b"already used" in again.content
    assert User.objects.filter(email="once@alpha.example").count() == 1
    assert User.objects.get(email="once@alpha.example").first_name == "Nora"


def test_a_tampered_token_is_refused_and_creates_nothing(client, admin_user):
    # given
    partner = PartnerFactory()
    invitation = invitation_send(actor=admin_user, email="t@alpha.example", role="partner_admin", partner=partner)
    other = invitation_send(actor=admin_user, email="u@alpha.example", role="partner_admin", partner=partner)
    token = invitation_token(invitation)
    forged = signing.dumps(other.pk, salt="another-salt")  # signed, but not by us for this purpose
    swapped = invitation_token(other).rsplit(":", 1)[0] + ":" + token.rsplit(":", 1)[1]  # payload of another
    # when
    responses = [client.post(f"/invitations/{bad}/", _accept_form()) for bad in (token[:-2] + "zz", forged, swapped)]
    # then
    assert [r.status_code for r in responses] == [400, 400, 400]
    assert b"not valid" in responses[0].content
    assert not User.objects.filter(email__in=["t@alpha.example", "u@alpha.example"]).exists()
    assert signing.loads(token, salt=TOKEN_SALT) == invitation.pk


def test_a_revoked_invitation_is_refused(client, admin_user):
    # given
    invitation = invitation_send(actor=admin_user, email="gone@vendor.example", role="analyst")
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=invitation.created_at)
    # when
    response = client.post(_path(invitation), _accept_form())
    # then
    assert response.status_code == 400
    assert not User.objects.filter(email="gone@vendor.example").exists()


def test_a_weak_or_mismatched_password_shows_errors_next_to_the_fields(client, admin_user):
    # given
    invitation = invitation_send(actor=admin_user, email="weak@vendor.example", role="analyst")
    # when
    weak = client.post(_path(invitation), _accept_form(password="12345678"))
    mismatch = client.post(_path(invitation), _accept_form(confirm="Something-Else-77"))
    # then
    assert weak.status_code == mismatch.status_code == 400
    assert b'id="id_password_error"' in weak.content
    assert b'id="id_confirm_error"' in mismatch.content
    assert not User.objects.filter(email="weak@vendor.example").exists()
    assert Invitation.objects.get().accepted_at is None


def test_a_partner_admin_cannot_invite_to_another_partner(client, mailoutbox, django_capture_on_commit_callbacks):
    # given
    alpha, bravo = PartnerFactory(), PartnerFactory()
    admin = _partner_login(alpha)
    # when
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as refused:
        invitation_send(actor=admin, email="x@bravo.example", role="partner_member", partner=bravo)
    # then
    assert refused.value.message_dict == {"partner": ["Unknown partner."]}
    assert mailoutbox == []
    assert not Invitation.objects.exists()


def test_a_partner_admin_cannot_invite_staff(mailoutbox, django_capture_on_commit_callbacks):
    # given
    admin = _partner_login(PartnerFactory())
    # when
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        invitation_send(actor=admin, email="boss@vendor.example", role="admin")
    # then
    assert mailoutbox == []
    assert not Invitation.objects.exists()


def test_members_and_analysts_cannot_invite(client, mailoutbox, django_capture_on_commit_callbacks):
    # given
    partner = PartnerFactory()
    member = _partner_login(partner, role="partner_member")
    analyst = UserFactory(role="analyst")
    client.force_login(member)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post("/partner/users/", {"email": "c@alpha.example", "role": "partner_member"})
    # then
    assert page.status_code == 403
    with pytest.raises(PermissionDenied):
        invitation_send(actor=analyst, email="c@alpha.example", role="partner_member", partner=partner)
    assert mailoutbox == []
    assert not Invitation.objects.exists()


def test_a_login_that_exists_cannot_be_invited_again(admin_user):
    # given
    UserFactory(email="taken@vendor.example", username="taken@vendor.example")
    # when / then
    with pytest.raises(ValidationError) as refused:
        invitation_send(actor=admin_user, email="Taken@vendor.example", role="analyst")
    assert "email" in refused.value.message_dict


def test_a_manager_invites_a_contact_from_the_partner_page(
    client, manager, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    contact = ContactFactory(email="lee@alpha.example", partner=PartnerFactory(owner=manager))
    client.force_login(manager)
    page = client.get(f"/partners/{contact.partner_id}/")
    assert f"/partners/{contact.partner_id}/contacts/{contact.pk}/invite/".encode() in page.content
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/partners/{contact.partner_id}/contacts/{contact.pk}/invite/", {"role": "partner_admin"}
        )
    # then
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.partner_id) == (
        "lee@alpha.example",
        "partner_admin",
        contact.partner_id,
    )
    assert [m.to for m in mailoutbox] == [["lee@alpha.example"]]


def test_an_analyst_cannot_invite_a_contact(client, mailoutbox):
    # given
    contact = ContactFactory()
    client.force_login(UserFactory(role="analyst"))
    # when
    response = client.post(f"/partners/{contact.partner_id}/contacts/{contact.pk}/invite/", {"role": "partner_member"})
    # then
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_a_partner_admin_sees_its_users_invites_and_deactivates(client, mailoutbox, django_capture_on_commit_callbacks):
    # given
    alpha, bravo = PartnerFactory(), PartnerFactory()
    admin = _partner_login(alpha)
    colleague = _partner_login(alpha, role="partner_member")
    stranger = _partner_login(bravo, role="partner_member")
    client.force_login(admin)
    # when
    page = client.get("/partner/users/")
    with django_capture_on_commit_callbacks(execute=True):
        invited = client.post("/partner/users/", {"email": "new@alpha.example", "role": "partner_member"})
    foreign = client.post(f"/partner/users/{stranger.pk}/deactivate/")
    deactivated = client.post(f"/partner/users/{colleague.pk}/deactivate/")
    # then
    assert page.status_code == 200
    assert colleague.email.encode() in page.content
    assert stranger.email.encode() not in page.content
    assert invited.status_code == 302
    assert Invitation.objects.get().partner == alpha
    assert [m.to for m in mailoutbox] == [["new@alpha.example"]]
    assert foreign.status_code == 404
    assert deactivated.status_code == 302
    stranger.refresh_from_db()
    colleague.refresh_from_db()
    assert stranger.is_active
    assert not colleague.is_active
    assert AuditEvent.objects.filter(action="user_deactivated", subject=colleague).exists()


# --- acceptance audit ---------------------------------------------------------------------


def test_accepting_writes_an_audit_row_naming_the_new_login(admin_user):
    # given
    partner = PartnerFactory()
    invitation = invitation_send(actor=admin_user, email="ada@alpha.example", role="partner_admin", partner=partner)
    # when
    user = invitation_accept(token=invitation_token(invitation), password=PASSWORD, name="Ada King")
    # then
    event = AuditEvent.objects.get(action="invitation_accepted")
    assert (event.actor, event.subject, event.identifier) == (user, user, "ada@alpha.example")
    assert event.data == {"invitation": invitation.pk, "role": "partner_admin", "partner": partner.pk}


def test_accepting_withdraws_the_other_invitations_of_the_same_address_with_an_audit_row_each(admin_user):
    # given: two organisations invited the same person
    alpha, bravo = PartnerFactory(), PartnerFactory()
    accepted = invitation_send(actor=admin_user, email="ada@example.com", role="partner_admin", partner=alpha)
    other = invitation_send(actor=admin_user, email="ada@example.com", role="partner_member", partner=bravo)
    unrelated = invitation_send(actor=admin_user, email="bob@example.com", role="partner_member", partner=bravo)
    # when
    user = invitation_accept(token=invitation_token(accepted), password=PASSWORD, name="Ada King")
    # then
    other.refresh_from_db()
    unrelated.refresh_from_db()
    assert (other.state, unrelated.state) == ("withdrawn", "pending")
    event = AuditEvent.objects.get(action="invitation_withdrawn")
    assert (event.actor, event.identifier) == (user, "ada@example.com")
    assert event.data == {
        "invitation": other.pk,
        "role": "partner_member",
        "partner": bravo.pk,
        "reason": f"invitation {accepted.pk} was accepted",
    }


def test_a_refused_acceptance_writes_no_audit_row(admin_user):
    # given
    invitation = invitation_send(actor=admin_user, email="weak@vendor.example", role="analyst")
    # when
    with pytest.raises(ValidationError):
        invitation_accept(token=invitation_token(invitation), password="12345678", name="Weak")
    # then
    assert not AuditEvent.objects.filter(action="invitation_accepted").exists()


# --- withdrawing ----------------------------------------------------------------------------


def test_a_withdrawn_invitations_link_says_it_was_withdrawn_and_creates_nothing(client, admin_user):
    # given
    partner = PartnerFactory()
    admin = _partner_login(partner)
    invitation = invitation_send(actor=admin, email="nina@alpha.example", role="partner_member", partner=partner)
    # when
    withdrawn = invitation_withdraw(invitation_id=invitation.pk, actor=admin)
    page = client.get(_path(invitation))
    posted = client.post(_path(invitation), _accept_form())
    # then
    assert withdrawn.revoked_at is not None
    assert page.status_code == posted.status_code == 400
    assert b"This invitation was withdrawn." in posted.content
    assert not User.objects.filter(email="nina@alpha.example").exists()
    event = AuditEvent.objects.get(action="invitation_withdrawn")
    assert (event.actor, event.identifier) == (admin, "nina@alpha.example")
    assert event.data == {"invitation": invitation.pk, "role": "partner_member", "partner": partner.pk}


def test_admins_withdraw_any_invitation_and_managers_those_of_partners_they_change(admin_user, manager):
    # given
    owned = PartnerFactory(owner=manager)
    staff_invitation = invitation_send(actor=admin_user, email="ana@vendor.example", role="analyst")
    partner_invitation = invitation_send(
        actor=admin_user, email="p@owned.example", role="partner_member", partner=owned
    )
    # when
    invitation_withdraw(invitation_id=staff_invitation.pk, actor=admin_user)
    invitation_withdraw(invitation_id=partner_invitation.pk, actor=manager)
    # then
    assert Invitation.objects.filter(revoked_at__isnull=False).count() == 2
    assert AuditEvent.objects.filter(action="invitation_withdrawn").count() == 2


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("manager of another partner", PermissionDenied),
        ("analyst", PermissionDenied),
        ("partner member", PermissionDenied),
        ("partner admin of another organisation", Invitation.DoesNotExist),
        ("manager, staff invitation", Invitation.DoesNotExist),
    ],
)
def test_who_may_not_send_an_invitation_may_not_withdraw_it(admin_user, who, refusal):
    # given
    partner = PartnerFactory(owner=UserFactory(role="manager"))
    invitation = invitation_send(actor=admin_user, email="x@alpha.example", role="partner_member", partner=partner)
    actors = {
        "manager of another partner": UserFactory(role="manager"),
        "analyst": UserFactory(role="analyst"),
        "partner member": _partner_login(partner, role="partner_member"),
        "partner admin of another organisation": _partner_login(PartnerFactory()),
    }
    if who == "manager, staff invitation":
        invitation = invitation_send(actor=admin_user, email="boss@vendor.example", role="manager")
        actor = UserFactory(role="manager")
    else:
        actor = actors[who]
    # when / then
    with pytest.raises(refusal):
        invitation_withdraw(invitation_id=invitation.pk, actor=actor)
    assert not Invitation.objects.filter(revoked_at__isnull=False).exists()
    assert not AuditEvent.objects.filter(action="invitation_withdrawn").exists()


def test_an_accepted_invitation_cannot_be_withdrawn(admin_user):
    # given
    partner = PartnerFactory()
    invitation = invitation_send(actor=admin_user, email="used@alpha.example", role="partner_admin", partner=partner)
    user = invitation_accept(token=invitation_token(invitation), password=PASSWORD, name="Used")
    # when
    with pytest.raises(Conflict) as refused:
        invitation_withdraw(invitation_id=invitation.pk, actor=admin_user)
    # then
    assert (refused.value.code, refused.value.status_code) == ("invitation_accepted", 409)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert User.objects.get(pk=user.pk).is_active
    assert not AuditEvent.objects.filter(action="invitation_withdrawn").exists()


def test_withdrawing_twice_changes_nothing_the_second_time(admin_user):
    # given
    invitation = invitation_send(actor=admin_user, email="twice@vendor.example", role="analyst")
    first = invitation_withdraw(invitation_id=invitation.pk, actor=admin_user)
    # when
    second = invitation_withdraw(invitation_id=invitation.pk, actor=admin_user)
    # then
    assert second.revoked_at == first.revoked_at
    assert AuditEvent.objects.filter(action="invitation_withdrawn").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_waiting_for_an_acceptance_finds_it_accepted():
    # given: an acceptance holds the invitation's row lock when the withdrawal arrives
    admin = UserFactory(role="admin")
    invitation = invitation_send(actor=admin, email="race@vendor.example", role="analyst")
    locked, release, outcome = threading.Event(), threading.Event(), {}

    def accept():
        try:
            with transaction.atomic():
                row = Invitation.objects.select_for_update().get(pk=invitation.pk)  # as invitation_accept does
                locked.set()
                release.wait(10)
                row.accepted_at = timezone.now()
                row.save(update_fields=["accepted_at"])
        finally:
            connection.close()

    def withdraw():
        try:
            invitation_withdraw(invitation_id=invitation.pk, actor=admin)
            outcome["result"] = "withdrawn"
        except Conflict as exc:
            outcome["result"] = exc.code
        finally:
            connection.close()

    accepting = threading.Thread(target=accept)
    accepting.start()
    assert locked.wait(10)
    # when: the withdrawal blocks on the lock until the acceptance commits
    withdrawing = threading.Thread(target=withdraw)
    withdrawing.start()
    withdrawing.join(0.5)
    still_waiting = withdrawing.is_alive()
    release.set()
    accepting.join(10)
    withdrawing.join(10)
    # then: only the acceptance won
    assert still_waiting
    assert outcome["result"] == "invitation_accepted"
    invitation.refresh_from_db()
    assert (invitation.accepted_at is not None, invitation.revoked_at) == (True, None)
    assert not AuditEvent.objects.filter(action="invitation_withdrawn").exists()


# --- resending ------------------------------------------------------------------------------


def test_resending_withdraws_the_old_link_and_mails_a_new_one(
    client, admin_user, mailoutbox, django_capture_on_commit_callbacks, time_machine
):
    # given: an invitation that expired unused
    partner = PartnerFactory()
    old = invitation_send(actor=admin_user, email="late@alpha.example", role="partner_admin", partner=partner)
    time_machine.move_to(old.expires_at + timedelta(days=1))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        new = invitation_resend(invitation_id=old.pk, actor=admin_user)
    # then
    assert new.pk != old.pk
    assert (new.email, new.role, new.partner_id) == ("late@alpha.example", "partner_admin", partner.pk)
    assert new.expires_at > timezone.now()
    assert [m.to for m in mailoutbox] == [["late@alpha.example"]]
    assert _link(mailoutbox[0]).endswith(_path(new))
    assert b"withdrawn" in client.get(_path(old)).content
    assert client.get(_path(new)).status_code == 200
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"invitation_withdrawn", "invitation_sent"} <= actions


@pytest.mark.parametrize("state", ["accepted", "withdrawn"])
def test_an_accepted_or_withdrawn_invitation_is_not_resent(
    admin_user, state, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    invitation = invitation_send(actor=admin_user, email="done@vendor.example", role="analyst")
    if state == "accepted":
        invitation_accept(token=invitation_token(invitation), password=PASSWORD, name="Done")
    else:
        invitation_withdraw(invitation_id=invitation.pk, actor=admin_user)
    # when
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Conflict) as refused:
        invitation_resend(invitation_id=invitation.pk, actor=admin_user)
    # then
    assert refused.value.code == f"invitation_{state}"
    assert mailoutbox == []
    assert Invitation.objects.count() == 1


def test_a_resend_that_cannot_send_withdraws_nothing(admin_user, mailoutbox, django_capture_on_commit_callbacks):
    # given: meanwhile a login with this e-mail was made in the admin site
    invitation = invitation_send(actor=admin_user, email="made@vendor.example", role="analyst")
    UserFactory(email="made@vendor.example", username="made@vendor.example")
    # when
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        invitation_resend(invitation_id=invitation.pk, actor=admin_user)
    # then
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert Invitation.objects.count() == 1
    assert not AuditEvent.objects.filter(action="invitation_withdrawn").exists()
    assert mailoutbox == []


# --- the partner portal's users page ---------------------------------------------------------


def _pending_of(partner, email="pending@alpha.example"):
    return invitation_send(actor=UserFactory(role="admin"), email=email, role="partner_member", partner=partner)


def test_a_partner_admin_withdraws_its_organisations_invitation_from_the_users_page(client):
    # given
    partner = PartnerFactory()
    admin = _partner_login(partner)
    invitation = _pending_of(partner)
    client.force_login(admin)
    page = client.get("/partner/users/")
    # when
    response = client.post(f"/partner/users/invitations/{invitation.pk}/withdraw/", follow=True)
    # then
    assert f'action="/partner/users/invitations/{invitation.pk}/withdraw/"'.encode() in page.content
    assert response.status_code == 200
    assert b"The invitation of pending@alpha.example was withdrawn." in response.content
    assert b"Pending invitations" not in response.content
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert AuditEvent.objects.get(action="invitation_withdrawn").actor == admin


def test_another_organisations_or_an_unknown_invitation_is_not_found_on_the_users_page(client):
    # given
    alpha, bravo = PartnerFactory(), PartnerFactory()
    foreign = _pending_of(bravo, email="secret@bravo.example")
    client.force_login(_partner_login(alpha))
    # when
    page = client.get("/partner/users/")
    withdraw = client.post(f"/partner/users/invitations/{foreign.pk}/withdraw/")
    resend = client.post(f"/partner/users/invitations/{foreign.pk}/resend/")
    unknown = client.post("/partner/users/invitations/999999/withdraw/")
    # then
    assert b"secret@bravo.example" not in page.content
    assert (withdraw.status_code, resend.status_code, unknown.status_code) == (404, 404, 404)
    foreign.refresh_from_db()
    assert foreign.revoked_at is None
    assert Invitation.objects.count() == 1


def test_a_partner_member_cannot_withdraw_or_resend(client):
    # given
    partner = PartnerFactory()
    invitation = _pending_of(partner)
    client.force_login(_partner_login(partner, role="partner_member"))
    # when
    withdraw = client.post(f"/partner/users/invitations/{invitation.pk}/withdraw/")
    resend = client.post(f"/partner/users/invitations/{invitation.pk}/resend/")
    users_page = client.get("/partner/users/")
    # then: a member manages no invitation, so the one it names is not found; the page is refused
    assert withdraw.status_code == resend.status_code == 404
    assert users_page.status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert Invitation.objects.count() == 1


def test_a_partner_member_cannot_deactivate_a_colleague(client):
    # given
    partner = PartnerFactory()
    colleague = _partner_login(partner)
    client.force_login(_partner_login(partner, role="partner_member"))
    # when
    response = client.post(f"/partner/users/{colleague.pk}/deactivate/")
    # then
    assert response.status_code == 404
    colleague.refresh_from_db()
    assert colleague.is_active
    assert not AuditEvent.objects.filter(action="user_deactivated").exists()


def test_withdrawing_from_the_users_page_needs_a_post(client):
    # given
    partner = PartnerFactory()
    invitation = _pending_of(partner)
    client.force_login(_partner_login(partner))
    # when
    response = client.get(f"/partner/users/invitations/{invitation.pk}/withdraw/")
    # then
    assert response.status_code == 405
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_withdrawing_an_accepted_invitation_from_the_users_page_says_why(client):
    # given: accepted in another tab after the page was shown
    partner = PartnerFactory()
    invitation = _pending_of(partner)
    invitation_accept(token=invitation_token(invitation), password=PASSWORD, name="Quick Taker")
    client.force_login(_partner_login(partner))
    # when
    response = client.post(f"/partner/users/invitations/{invitation.pk}/withdraw/", follow=True)
    # then
    assert response.status_code == 200
    assert b"This invitation was accepted already" in response.content
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_a_partner_admin_resends_an_invitation_from_the_users_page(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    partner = PartnerFactory()
    old = _pending_of(partner)
    client.force_login(_partner_login(partner))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/partner/users/invitations/{old.pk}/resend/", follow=True)
    # then
    assert b"A new invitation was sent to pending@alpha.example." in response.content
    old.refresh_from_db()
    new = Invitation.objects.exclude(pk=old.pk).get()
    assert old.revoked_at is not None and new.state == "pending"
    assert [m.to for m in mailoutbox] == [["pending@alpha.example"]]


@pytest.mark.parametrize("rows", [1, 20])
def test_the_users_page_query_count_is_flat(client, rows, django_assert_max_num_queries):
    # given
    partner = PartnerFactory()
    for number in range(rows):
        _partner_login(partner, role="partner_member")
        _pending_of(partner, email=f"p{number}@alpha.example")
    client.force_login(_partner_login(partner))
    # when: session, user, membership, partner, the agreement gate, logins, groups, pending invitations
    with django_assert_max_num_queries(8):
        response = client.get("/partner/users/")
    # then
    assert response.status_code == 200
    assert response.content.count(b"/withdraw/") == rows
