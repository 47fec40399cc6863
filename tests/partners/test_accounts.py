"""Log-in by e-mail, log-out and password reset through django-allauth."""

import re

from django.contrib.auth import get_user_model

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


def test_repeated_failed_log_ins_are_rate_limited(client, manager):
    # when
    statuses = [_login(client, manager.email, f"wrong-{attempt}").status_code for attempt in range(7)]
    # then: five tries per account in five minutes, then the form refuses without checking
    assert statuses[:5] == [200] * 5
    response = _login(client, manager.email, DEFAULT_PASSWORD)
    assert "_auth_user_id" not in client.session
    assert "Too many" in response.content.decode() or response.status_code == 429


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
