"""Invitations: sent by admins, managers and partner admins within their scope, accepted once, before they
expire, through a link nobody can forge."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError

from partners.invitation_models import Invitation
from partners.invitations import TOKEN_SALT, invitation_accept, invitation_send, invitation_token
from partners.models import AuditEvent, PartnerUser
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


def test_accepting_creates_a_verified_partner_login_that_lands_on_the_partner_portal(
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
