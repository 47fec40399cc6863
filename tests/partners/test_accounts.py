"""Log-in by e-mail, log-out and password reset through django-allauth."""

import re

from django.contrib.auth import get_user_model
from django.test import Client

from tests.factories import DEFAULT_PASSWORD


def _login(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    # when
    response = client.get("/")
    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_manager_logs_in_by_email_and_sees_the_dashboard(client, manager):
    # when
    response = _login(client, manager.email.upper(), DEFAULT_PASSWORD)
    # then
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert manager.first_name in page.content.decode()


def test_a_wrong_password_is_refused_with_a_form_error(client, manager):
    # when
    response = _login(client, manager.email, "wrong-password")
    # then
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_deactivated_user_cannot_log_in(client, manager):
    # given
    manager.is_active = False
    manager.save()
    # when
    response = _login(client, manager.email, DEFAULT_PASSWORD)
    # then
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)
    assert client.get("/").status_code == 302


def test_repeated_failed_log_ins_slow_the_attacking_address_only(client, manager):
    # given: someone fails ten times in a minute from one address with the victim's e-mail
    attacker = "203.0.113.9"
    failures = [
        client.post("/accounts/login/", {"login": manager.email, "password": f"wrong-{n}"}, REMOTE_ADDR=attacker)
        for n in range(10)
    ]
    assert all(response.status_code == 200 and "not correct" in response.content.decode() for response in failures)
    # when
    refused = client.post(
        "/accounts/login/", {"login": manager.email, "password": DEFAULT_PASSWORD}, REMOTE_ADDR=attacker
    )
    victim = Client()
    victim_login = victim.post(
        "/accounts/login/", {"login": manager.email, "password": DEFAULT_PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    # then: the attacking address is refused (allauth's form error, even with the right password) ...
    assert refused.status_code == 200
    assert "Too many failed login attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # ... and the victim, from their own address, is not locked out
    assert victim_login.status_code == 302
    assert victim.session["_auth_user_id"] == str(manager.pk)


def test_failures_against_many_accounts_from_one_address_are_slowed_too(client, db):
    # given: an address spraying passwords across accounts
    from tests.factories import UserFactory

    users = UserFactory.create_batch(10)
    for user in users:
        client.post("/accounts/login/", {"login": user.email, "password": "wrong-password"}, REMOTE_ADDR="203.0.113.9")
    # when
    response = client.post(
        "/accounts/login/", {"login": users[0].email, "password": DEFAULT_PASSWORD}, REMOTE_ADDR="203.0.113.9"
    )
    # then
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_log_out_ends_the_session(client, manager):
    # given
    client.force_login(manager)
    # when
    response = client.post("/accounts/logout/")
    # then
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_sign_up_is_closed(client, db):
    # when
    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": "a-Long-pass-123", "password2": "a-Long-pass-123"},
    )
    # then
    assert "closed" in response.content.decode().lower()
    assert not get_user_model().objects.filter(email="new@example.com").exists()


def test_password_reset_mails_a_link_that_sets_a_new_password(
    client, manager, mailoutbox, django_capture_on_commit_callbacks
):
    # when: the e-mail is sent by a task enqueued after the request commits
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/accounts/password/reset/", {"email": manager.email})
    # then
    assert response.status_code == 302
    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [manager.email]
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mailoutbox[0].body).group(1)
    # when: the link is followed and a new password chosen
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"password1": "a-brand-new-pass-42", "password2": "a-brand-new-pass-42"})
    # then
    assert response.status_code == 302
    assert _login(client, manager.email, "a-brand-new-pass-42").status_code == 302


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(
    client, manager, mailoutbox, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    # then
    assert unknown.status_code == 302
    assert unknown["Location"] == "/accounts/password/reset/done/"
    assert all(manager.email not in message.to for message in mailoutbox)
    assert all("/accounts/password/reset/key/" not in message.body for message in mailoutbox)


def test_a_tampered_reset_link_is_refused(client, manager):
    # when
    response = client.get("/accounts/password/reset/key/zz-bad-token/", follow=True)
    # then
    assert response.status_code == 200
    assert "invalid" in response.content.decode().lower()


def test_admin_log_in_goes_through_the_account_log_in(client, db):
    # when
    response = client.get("/admin/login/?next=/admin/")
    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
