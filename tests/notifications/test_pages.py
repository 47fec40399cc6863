"""The notification pages of both portals, the navbar badge and the preferences page."""

import uuid

import pytest

from partners.notifications.categories import categories_for
from partners.notifications.models import Notification, NotificationPreference, NotificationSchedule
from tests.factories import UserFactory
from tests.notifications.helpers import partner_login
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def _notify(user, n=1, *, category="requests", link="/partner/documents/"):
    return [
        Notification.objects.create(
            user=user,
            event_uid=uuid.uuid4(),
            event_type="outcome.created",
            category=category,
            delivery="immediately",
            title=f"Upload document {i}",
            body="Your partner manager asks for this.",
            link=link,
        )
        for i in range(n)
    ]


def test_a_partner_login_sees_its_notifications_with_the_unread_emphasised(client):
    # given
    user = partner_login(PartnerFactory(name="Helix Health"))
    first, second = _notify(user, 2)
    Notification.objects.filter(pk=first.pk).update(read_at="2026-12-01T10:00:00Z")
    client.force_login(user)
    # when
    response = client.get("/partner/notifications/")
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "Upload document 0" in body and "Upload document 1" in body
    assert "(unread)" in body and body.count("(unread)") == 1
    assert "Helix Health" in body
    assert f"/partner/notifications/{second.pk}/open/" in body


def test_the_empty_list_says_so(client):
    # given
    manager = UserFactory()
    client.force_login(manager)
    # when
    response = client.get("/notifications/")
    unread = client.get("/notifications/?show=unread")
    # then
    assert b"No notifications yet" in response.content
    assert b"You are all caught up" in unread.content


@pytest.mark.parametrize(
    "path, most",
    [
        ("/notifications/", 5),  # session, user; count, page, unread count
        ("/partner/notifications/", 8),  # and the login's membership, organisation and agreement gate
    ],
)
def test_the_list_page_query_count_is_flat(client, django_assert_max_num_queries, path, most):
    # given
    counts = []
    for rows in (1, 20):
        user = UserFactory() if path == "/notifications/" else partner_login(PartnerFactory())
        _notify(user, rows)
        client.force_login(user)
        # when
        with django_assert_max_num_queries(most) as queries:
            response = client.get(path)
        # then
        assert response.status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_opening_a_notification_marks_it_read_and_goes_to_its_object(client):
    # given
    user = partner_login(PartnerFactory())
    [notification] = _notify(user)
    client.force_login(user)
    # when
    response = client.get(f"/partner/notifications/{notification.pk}/open/")
    # then
    assert response.status_code == 302 and response["Location"] == "/partner/documents/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_another_users_notification_is_a_404_in_both_portals(client):
    # given
    alpha_user, bravo_user = partner_login(PartnerFactory()), partner_login(PartnerFactory())
    [theirs] = _notify(bravo_user)
    client.force_login(alpha_user)
    # when
    answers = [
        client.get(f"/partner/notifications/{theirs.pk}/open/").status_code,
        client.post(f"/partner/notifications/{theirs.pk}/read/").status_code,
    ]
    client.force_login(UserFactory())
    answers += [
        client.get(f"/notifications/{theirs.pk}/open/").status_code,
        client.post(f"/notifications/{theirs.pk}/read/").status_code,
    ]
    # then
    assert answers == [404, 404, 404, 404]
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_by_htmx_returns_the_row_and_mark_all_read_clears_the_badge(client):
    # given
    manager = UserFactory()
    first, _ = _notify(manager, 2, category="runs", link="/strategies/")
    client.force_login(manager)
    # when
    row = client.post(f"/notifications/{first.pk}/read/", HTTP_HX_REQUEST="true")
    badge_before = client.get("/notifications/badge/", HTTP_HX_REQUEST="true")
    client.post("/notifications/read-all/")
    badge_after = client.get("/notifications/badge/", HTTP_HX_REQUEST="true")
    # then
    assert row.status_code == 200 and b"Mark unread" in row.content
    assert b">1<" in badge_before.content and b"unread notification" in badge_before.content
    assert badge_after.content.strip() == b""
    assert not Notification.objects.filter(user=manager, read_at__isnull=True).exists()


def test_the_badge_costs_one_query_and_pages_none(client, django_assert_num_queries):
    # given
    user = partner_login(PartnerFactory())
    _notify(user, 3)
    client.force_login(user)
    client.get("/partner/")  # warm the session
    # when: session, user, its membership (the backend refuses terminated partners), the count
    with django_assert_num_queries(4):
        badge = client.get("/notifications/badge/")
    page = client.get("/partner/")
    # then
    assert b">3<" in badge.content
    assert b'hx-get="/notifications/badge/"' in page.content
    assert b'hx-trigger="load, every 60s"' in page.content


def test_a_visitor_gets_no_badge(client):
    # when
    response = client.get("/notifications/badge/")
    # then
    assert response.status_code == 204


def test_the_preferences_page_shows_the_users_categories_and_saves_them(client):
    # given
    user = partner_login(PartnerFactory())
    client.force_login(user)
    # when
    page = client.get("/partner/notifications/preferences/")
    saved = client.post(
        "/partner/notifications/preferences/",
        {
            **{f"category_{category.code}": category.default for category in categories_for(is_staff=False)},
            "category_requests": "digest",
            "category_invitations": "off",
            "digest_hour": "7",
            "time_zone": "Europe/Berlin",
        },
    )
    # then
    body = page.content.decode()
    assert "Requests from your partner manager" in body and "Accepted invitations" in body
    assert "Finished strategy runs" not in body
    assert saved.status_code == 302
    saved_choices = dict(NotificationPreference.objects.filter(user=user).values_list("category", "delivery"))
    assert (saved_choices["requests"], saved_choices["invitations"]) == ("digest", "off")
    schedule = NotificationSchedule.objects.get(user=user)
    assert (schedule.digest_hour, schedule.time_zone) == (7, "Europe/Berlin")


def test_a_bad_preference_is_shown_next_to_its_field(client):
    # given
    manager = UserFactory()
    client.force_login(manager)
    # when
    response = client.post(
        "/notifications/preferences/",
        {"category_outcomes": "sometimes", "category_runs": "off", "category_partner_activity": "digest",
         "digest_hour": "8", "time_zone": "Mars/Olympus"},
    )  # fmt: skip
    # then
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_time_zone_error"' in body
    assert 'id="id_category_outcomes_error"' in body
    assert not NotificationPreference.objects.exists()


def test_a_partner_login_opening_the_manager_list_goes_to_its_own_portal(client):
    # given
    user = partner_login(PartnerFactory())
    client.force_login(user)
    # when
    response = client.get("/notifications/")
    # then
    assert response.status_code == 302 and response["Location"] == "/partner/"
