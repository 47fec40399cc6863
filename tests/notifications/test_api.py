"""/api/v1/notifications/, /api/v1/notification-preferences/ and /api/v1/email-bounces/."""

import uuid

import pytest

from partners.notifications.categories import categories_for
from partners.notifications.models import EmailBounce, Notification, NotificationPreference, NotificationSchedule
from tests.factories import UserFactory
from tests.notifications.helpers import partner_login
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def _notify(user, n=1, **fields):
    return [
        Notification.objects.create(
            user=user,
            event_uid=uuid.uuid4(),
            event_type="outcome.created",
            category=fields.get("category", "requests"),
            delivery="immediately",
            title=f"Request {i}",
            link="/partner/",
            read_at=fields.get("read_at"),
        )
        for i in range(n)
    ]


def test_the_list_is_the_callers_own_newest_first_and_filters_unread(api_client):
    # given
    user, other = partner_login(PartnerFactory()), partner_login(PartnerFactory())
    old, new = _notify(user, 2)
    _notify(other)
    Notification.objects.filter(pk=old.pk).update(read_at="2026-12-01T10:00:00Z")
    api_client.force_authenticate(user)
    # when
    everything = api_client.get("/api/v1/notifications/").json()
    unread = api_client.get("/api/v1/notifications/?unread=true").json()
    # then
    assert [row["id"] for row in everything["results"]] == [new.pk, old.pk]
    assert [row["id"] for row in unread["results"]] == [new.pk]
    assert everything["results"][0]["url"] == "http://testserver/partner/"
    assert everything["results"][0]["read"] is False


def test_the_list_query_count_is_flat(api_client, django_assert_max_num_queries):
    # given
    one, twenty = partner_login(PartnerFactory()), partner_login(PartnerFactory())
    _notify(one, 1)
    _notify(twenty, 20)
    counts = []
    for user, rows in ((one, 1), (twenty, 20)):
        api_client.force_authenticate(user)
        # when: the login's organisation (throttle scope), count, page
        with django_assert_max_num_queries(4) as queries:
            response = api_client.get("/api/v1/notifications/?page_size=20")
        # then
        assert len(response.json()["results"]) == rows
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_patch_marks_one_read_and_another_users_is_a_404(api_client):
    # given
    user, other = partner_login(PartnerFactory()), partner_login(PartnerFactory())
    [mine] = _notify(user)
    [theirs] = _notify(other)
    api_client.force_authenticate(user)
    # when
    read = api_client.patch(f"/api/v1/notifications/{mine.pk}/", {"read": True}, format="json")
    foreign = api_client.patch(f"/api/v1/notifications/{theirs.pk}/", {"read": True}, format="json")
    foreign_get = api_client.get(f"/api/v1/notifications/{theirs.pk}/")
    # then
    assert read.status_code == 200 and read.json()["read"] is True
    assert foreign.status_code == foreign_get.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_marks_only_the_callers(api_client):
    # given
    user, other = UserFactory(), UserFactory()
    _notify(user, 3, category="runs")
    _notify(other, 2, category="runs")
    api_client.force_authenticate(user)
    # when
    response = api_client.post("/api/v1/notifications/mark-all-read/")
    # then
    assert response.json() == {"marked": 3}
    assert Notification.objects.filter(user=other, read_at__isnull=True).count() == 2


def test_preferences_read_and_written_by_their_owner(api_client):
    # given
    user = partner_login(PartnerFactory())
    api_client.force_authenticate(user)
    # when
    before = api_client.get("/api/v1/notification-preferences/").json()
    patched = api_client.patch(
        "/api/v1/notification-preferences/",
        {"categories": {"requests": "digest"}, "time_zone": "Europe/Berlin"},
        format="json",
    )
    put = api_client.put(
        "/api/v1/notification-preferences/",
        {"categories": {"invitations": "off"}, "time_zone": "America/New_York", "digest_hour": 7},
        format="json",
    )
    # then: a partner login has the partner categories only, each at its default
    partner_categories = {category.code: category.default for category in categories_for(is_staff=False)}
    assert {"requests", "invitations"} <= set(partner_categories)
    assert not {"runs", "outcomes", "imports"} & set(partner_categories)
    assert before["categories"] == partner_categories
    assert [row["code"] for row in before["available"]] == list(partner_categories)
    assert before["digest_hour"] == 8 and before["time_zone"] == "UTC"
    assert patched.status_code == 200
    assert patched.json()["categories"] == {**partner_categories, "requests": "digest"}
    assert put.json()["categories"] == {**partner_categories, "invitations": "off"}
    assert (put.json()["time_zone"], put.json()["digest_hour"]) == ("America/New_York", 7)
    assert NotificationSchedule.objects.get(user=user).time_zone == "America/New_York"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"categories": {"runs": "off"}}, "categories"),  # a staff category, not a partner login's
        ({"categories": {"requests": "sometimes"}}, "categories"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"digest_hour": 24}, "digest_hour"),
    ],
)
def test_bad_preferences_are_a_400_naming_the_field_and_change_nothing(api_client, body, field):
    # given
    user = partner_login(PartnerFactory())
    api_client.force_authenticate(user)
    # when
    response = api_client.patch("/api/v1/notification-preferences/", body, format="json")
    # then
    assert response.status_code == 400
    assert field in response.json()
    assert not NotificationPreference.objects.exists()
    assert not NotificationSchedule.objects.exists()


def test_an_administrator_records_a_bounce_once_and_others_may_not(api_client):
    # given
    admin, manager = UserFactory(role="admin"), UserFactory(role="manager")
    partner_admin = partner_login(PartnerFactory(), role="partner_admin")
    body = {"email": "Ines@Helix.example", "reason": "550 mailbox unavailable"}
    # when
    api_client.force_authenticate(admin)
    first = api_client.post("/api/v1/email-bounces/", body, format="json")
    again = api_client.post("/api/v1/email-bounces/", body, format="json")
    listed = api_client.get("/api/v1/email-bounces/").json()
    refused = []
    for user in (manager, partner_admin):
        api_client.force_authenticate(user)
        refused.append(api_client.post("/api/v1/email-bounces/", {"email": "x@example.com"}, format="json").status_code)
    # then
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["email"] == "ines@helix.example" and first.json()["source"] == "api"
    assert listed["count"] == 1
    assert refused == [403, 403]
    assert EmailBounce.objects.count() == 1


def test_a_bad_bounce_address_is_a_400(api_client):
    # given
    api_client.force_authenticate(UserFactory(role="admin"))
    # when
    response = api_client.post("/api/v1/email-bounces/", {"email": "not an address"}, format="json")
    # then
    assert response.status_code == 400 and "email" in response.json()


def test_the_bounce_list_query_count_is_flat(api_client, django_assert_max_num_queries):
    # given
    admin = UserFactory(role="admin")
    api_client.force_authenticate(admin)
    counts = []
    for total in (1, 20):
        EmailBounce.objects.all().delete()
        EmailBounce.objects.bulk_create(
            EmailBounce(email=f"gone{i}@example.com", recorded_by=admin) for i in range(total)
        )
        # when: the caller's role, count, page
        with django_assert_max_num_queries(4) as queries:
            response = api_client.get("/api/v1/email-bounces/?page_size=20")
        # then
        assert len(response.json()["results"]) == total
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
