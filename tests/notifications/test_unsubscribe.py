"""Signed one-click unsubscribe (RFC 8058): valid, tampered, another login's."""

import re

import pytest
from django.core import mail

from partners.notifications.emails import DIGEST
from partners.notifications.models import NotificationPreference
from partners.notifications.unsubscribe import unsubscribe_token
from tests.factories import UserFactory
from tests.notifications.helpers import dispatch, partner_login, request_event
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def _path(user, category="requests"):
    return f"/notifications/unsubscribe/{unsubscribe_token(user_id=user.pk, category=category)}/"


def test_the_link_in_a_notification_email_unsubscribes_with_one_post_and_no_session(
    client, django_capture_on_commit_callbacks
):
    # given
    partner = PartnerFactory()
    user = partner_login(partner)
    request_event(partner)
    dispatch(django_capture_on_commit_callbacks)
    link = re.search(
        r"<https?://[^/]+(/notifications/unsubscribe/[^>]+)>", mail.outbox[0].extra_headers["List-Unsubscribe"]
    )
    # when: the mail client posts the RFC 8058 body, with no cookie and no CSRF token
    client.handler.enforce_csrf_checks = True
    response = client.post(link.group(1), {"List-Unsubscribe": "One-Click"})
    # then
    assert response.status_code == 200
    assert b"You are unsubscribed" in response.content
    assert NotificationPreference.objects.get(user=user, category="requests").delivery == "off"
    # and the next request reaches the list only
    mail.outbox = []
    request_event(partner)
    dispatch(django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_get_asks_before_it_changes_anything(client):
    # given
    user = partner_login(PartnerFactory())
    # when
    response = client.get(_path(user))
    # then
    assert response.status_code == 200
    assert b"Unsubscribe" in response.content and user.email.encode() in response.content
    assert not NotificationPreference.objects.exists()


@pytest.mark.parametrize("tamper", ["flip", "cut", "garbage"])
def test_a_tampered_link_is_a_clear_400_and_changes_nothing(client, tamper):
    # given
    user = partner_login(PartnerFactory())
    token = unsubscribe_token(user_id=user.pk, category="requests")
    bad = {"flip": token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "cut": token[:20], "garbage": "42"}[
        tamper
    ]
    # when
    get = client.get(f"/notifications/unsubscribe/{bad}/")
    post = client.post(f"/notifications/unsubscribe/{bad}/")
    # then
    assert get.status_code == post.status_code == 400
    assert b"This unsubscribe link does not work" in post.content
    assert not NotificationPreference.objects.exists()


def test_a_link_signed_for_another_purpose_does_not_unsubscribe(client):
    # given: a value signed with the site's key, but not as an unsubscribe token
    from django.core import signing

    user = partner_login(PartnerFactory())
    forged = signing.dumps({"u": user.pk, "c": "requests"}, salt="partners.invitation")
    # when
    response = client.post(f"/notifications/unsubscribe/{forged}/")
    # then
    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


def test_another_logins_link_is_refused_to_a_logged_in_user(client):
    # given: Amy is logged in and opens Bob's link
    partner = PartnerFactory()
    amy, bob = partner_login(partner), partner_login(partner)
    client.force_login(amy)
    # when
    response = client.post(_path(bob))
    # then
    assert response.status_code == 400
    assert b"belongs to another login" in response.content
    assert not NotificationPreference.objects.exists()


def test_a_category_that_is_not_the_users_is_refused(client):
    # given: a partner login's token for a staff category
    user = partner_login(PartnerFactory())
    # when
    response = client.post(_path(user, "runs"))
    # then
    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


def test_the_digest_link_turns_off_every_category_delivered_by_digest(client):
    # given: a manager with outcomes and partner activity by digest (the defaults), runs at once
    manager = UserFactory()
    # when
    response = client.post(_path(manager, DIGEST))
    # then
    assert response.status_code == 200
    assert dict(NotificationPreference.objects.filter(user=manager).values_list("category", "delivery")) == {
        "outcomes": "off",
        "partner_activity": "off",
    }
