"""The admin site: the mail queue, bounces recorded by an action or by hand, notifications read-only."""

import pytest
from django.core.mail import EmailMessage

from partners.notifications.models import EmailBounce, OutgoingEmail
from prm.mail import email_queue

pytestmark = pytest.mark.django_db


def test_admin_pages_of_the_notifications_app_answer(client, admin_user):
    # given
    email_queue(EmailMessage(subject="Hello", body="Hi", to=["ines@helix.example"]))
    EmailBounce.objects.create(email="old@helix.example")
    client.force_login(admin_user)
    # when / then
    for path in (
        "/admin/notifications/outgoingemail/",
        f"/admin/notifications/outgoingemail/{OutgoingEmail.objects.get().pk}/change/",
        "/admin/notifications/emailbounce/",
        "/admin/notifications/emailbounce/add/",
        "/admin/notifications/notification/",
    ):
        assert client.get(path).status_code == 200, path


def test_the_mail_queue_action_records_its_recipients_as_bounced(client, admin_user):
    # given
    email_queue(EmailMessage(subject="Hello", body="Hi", to=["Ines@Helix.example"]))
    row = OutgoingEmail.objects.get()
    client.force_login(admin_user)
    # when
    response = client.post(
        "/admin/notifications/outgoingemail/", {"action": "record_bounced", "_selected_action": [row.pk]}
    )
    # then
    assert response.status_code == 302
    bounce = EmailBounce.objects.get()
    assert (bounce.email, bounce.recorded_by, bounce.source) == ("ines@helix.example", admin_user, "admin")


def test_an_address_added_by_hand_is_stored_in_lower_case(client, admin_user):
    # given
    client.force_login(admin_user)
    # when
    response = client.post("/admin/notifications/emailbounce/add/", {"email": "Tom@Example.com", "reason": "550"})
    # then
    assert response.status_code == 302
    assert list(EmailBounce.objects.values_list("email", "reason")) == [("tom@example.com", "550")]
