"""Services of logins: a login created for someone (with a set-password link), renamed, deactivated and
reactivated, each within the actor's authority and audited."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError

from partners.invitations.models import Invitation
from partners.invitations.services import TOKEN_SALT, invitation_accept, invitation_resend, invitation_token
from partners.models import ApiToken, AuditEvent, PartnerUser
from partners.services import api_token_create
from partners.users import user_create, user_deactivate, user_reactivate, user_rename
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "Quiet-Lantern-42"


def _partner_login(partner, role="partner_admin"):
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    return user


def _path(invitation) -> str:
    return f"/invitations/{invitation_token(invitation)}/"


def test_user_create_takes_keywords_only(admin_user):
    # when / then
    with pytest.raises(TypeError):
        user_create(admin_user, "a@vendor.example", "A", "analyst")  # type: ignore[misc]


def test_an_admin_creates_a_staff_login_with_its_group_and_a_set_password_link(
    admin_user, mailoutbox, django_capture_on_commit_callbacks, settings
):
    # given
    settings.SITE_URL = "https://prm.example.com"
    # when
    with django_capture_on_commit_callbacks(execute=True):
        user = user_create(actor=admin_user, email=" Tom@Vendor.example ", name="Tom  Rivers", role="manager")
    # then
    assert (user.username, user.email, user.first_name, user.last_name) == (
        "tom@vendor.example",
        "tom@vendor.example",
        "Tom",
        "Rivers",
    )
    assert user.is_staff and user.is_active and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["Partner managers"]
    assert not user.has_usable_password()
    invitation = Invitation.objects.get()
    assert (invitation.user, invitation.role, invitation.invited_by) == (user, "manager", admin_user)
    assert len(mailoutbox) == 1
    token = re.search(r"https://prm\.example\.com/invitations/(\S+)/", mailoutbox[0].body).group(1)
    assert signing.loads(token, salt=TOKEN_SALT) == invitation.pk
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "invitation_sent",
        "user_created",
    ]


def test_a_manager_cannot_create_logins_and_a_partner_admin_no_staff(db):
    # given
    partner = PartnerFactory()
    manager = UserFactory(role="manager")
    partner_admin = _partner_login(partner)
    # when / then
    with pytest.raises(PermissionDenied):
        user_create(actor=manager, email="a@p.example", name="A", role="partner_member", partner=partner)
    with pytest.raises(PermissionDenied):
        user_create(actor=partner_admin, email="b@vendor.example", name="B", role="analyst")
    assert not User.objects.filter(email__in=["a@p.example", "b@vendor.example"]).exists()


def test_a_partner_admin_creates_partner_logins_in_its_own_organisation_only(db):
    # given
    alpha, bravo = PartnerFactory(), PartnerFactory()
    partner_admin = _partner_login(alpha)
    # when
    colleague = user_create(actor=partner_admin, email="c@alpha.example", name="C", role="partner_admin", partner=alpha)
    with pytest.raises(ValidationError) as refused:
        user_create(actor=partner_admin, email="d@bravo.example", name="D", role="partner_member", partner=bravo)
    # then
    assert colleague.partner_user.partner == alpha
    assert colleague.partner_user.role == "partner_admin"
    assert refused.value.message_dict == {"partner": ["Unknown partner."]}


def test_a_terminated_partner_gets_no_new_login(admin_user):
    # given
    partner = PartnerFactory(status="terminated")
    # when
    with pytest.raises(ValidationError) as refused:
        user_create(actor=admin_user, email="a@p.example", name="A", role="partner_member", partner=partner)
    # then
    assert set(refused.value.message_dict) == {"partner"}
    assert not User.objects.filter(email="a@p.example").exists()


def test_resending_a_set_password_link_names_the_same_login_with_its_current_role(
    admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    # given: created as analyst, made a manager since
    user = user_create(actor=admin_user, email="sam@vendor.example", name="Sam Lee", role="analyst")
    first = Invitation.objects.get(user=user)
    user.groups.clear()
    user.groups.add(*UserFactory(role="manager").groups.all())
    # when
    with django_capture_on_commit_callbacks(execute=True):
        second = invitation_resend(invitation_id=first.pk, actor=admin_user)
    # then
    assert (second.user, second.role, second.email) == (user, "manager", "sam@vendor.example")
    first.refresh_from_db()
    assert first.state == "withdrawn"
    accepted = invitation_accept(token=invitation_token(second), password=PASSWORD, name="Sam Lee")
    assert accepted.pk == user.pk
    assert User.objects.filter(email="sam@vendor.example").count() == 1


def test_a_weak_password_sets_nothing_on_the_created_login(admin_user):
    # given
    user = user_create(actor=admin_user, email="sam@vendor.example", name="Sam Lee", role="analyst")
    invitation = Invitation.objects.get(user=user)
    # when
    with pytest.raises(ValidationError) as refused:
        invitation_accept(token=invitation_token(invitation), password="sam", name="")
    # then
    assert set(refused.value.message_dict) == {"name", "password"}
    user.refresh_from_db()
    assert not user.has_usable_password()
    invitation.refresh_from_db()
    assert invitation.state == "pending"


def test_deactivating_withdraws_the_set_password_link_and_reactivating_does_not_restore_it(client, admin_user):
    # given
    user = user_create(actor=admin_user, email="sam@vendor.example", name="Sam Lee", role="analyst")
    invitation = Invitation.objects.get(user=user)
    # when
    user_deactivate(user_id=user.pk, actor=admin_user)
    user_reactivate(user_id=user.pk, actor=admin_user)
    # then
    invitation.refresh_from_db()
    assert invitation.state == "withdrawn"
    page = client.get(_path(invitation))
    assert page.status_code == 400
    assert "withdrawn" in page.content.decode()
    withdrawn = AuditEvent.objects.get(action="invitation_withdrawn")
    assert withdrawn.data["reason"] == "the login was deactivated"


def test_a_link_of_a_login_deactivated_meanwhile_is_refused(client, admin_user):
    # given: deactivated without going through user_deactivate (the admin site)
    user = user_create(actor=admin_user, email="sam@vendor.example", name="Sam Lee", role="analyst")
    invitation = Invitation.objects.get(user=user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    # when
    page = client.get(_path(invitation))
    # then
    assert page.status_code == 400
    assert "deactivated" in page.content.decode()
    with pytest.raises(ValidationError):
        invitation_accept(token=invitation_token(invitation), password=PASSWORD, name="Sam Lee")


def test_deactivation_deletes_the_sessions_and_tokens_and_reactivation_brings_none_back(client, admin_user, manager):
    # given
    api_token_create(user=manager)
    client.force_login(manager)
    other = client.__class__()
    other.force_login(admin_user)
    # when
    user_deactivate(user_id=manager.pk, actor=admin_user)
    user_reactivate(user_id=manager.pk, actor=admin_user)
    # then
    assert not ApiToken.objects.filter(user=manager).exists()
    assert client.get("/").status_code == 302
    assert other.get("/").status_code == 200  # other people's sessions are untouched
    event = AuditEvent.objects.get(action="user_deactivated")
    assert (event.data["tokens"], event.data["sessions"]) == (1, 1)


def test_nobody_deactivates_or_reactivates_a_login_it_does_not_manage(admin_user):
    # given
    alpha, bravo = PartnerFactory(), PartnerFactory()
    partner_admin = _partner_login(alpha)
    stranger = _partner_login(bravo, role="partner_member")
    manager = UserFactory(role="manager")
    # when / then
    with pytest.raises(User.DoesNotExist):
        user_deactivate(user_id=stranger.pk, actor=partner_admin)
    with pytest.raises(User.DoesNotExist):
        user_deactivate(user_id=stranger.pk, actor=manager)
    User.objects.filter(pk=stranger.pk).update(is_active=False)
    with pytest.raises(User.DoesNotExist):
        user_reactivate(user_id=stranger.pk, actor=partner_admin)
    with pytest.raises(User.DoesNotExist):
        user_rename(user_id=admin_user.pk, name="Hacked", actor=partner_admin)
    with pytest.raises(ValidationError):
        user_deactivate(user_id=partner_admin.pk, actor=partner_admin)
    assert not AuditEvent.objects.exists()
