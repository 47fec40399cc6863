"""/api/v1/webhooks/ and /api/v1/webhook-event-types/: who manages which subscriptions, the secret
shown once, the actions (rotate, test, redeliver, pause, resume), deliveries with their attempts,
field messages for bad input, isolation between organisations and flat query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from partners.models import PartnerUser
from partners.outbox.models import Event
from partners.outbox.services import event_record
from partners.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from partners.webhooks.signing import secret_new
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db

# a literal public address: the address guard accepts it without asking DNS (these machines have
# none), and nothing is ever sent to it (after-commit work does not run in these tests)
URL = "https://93.184.216.34/hooks/openprm"
REPRESENTATION = {
    "id", "url", "description", "event_types", "is_active", "partner", "paused_at", "paused_reason",
    "failing_since", "created_at",
}  # fmt: skip


def _partner_login(partner, role="partner_admin"):
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    return user


def _subscription(partner=None, **fields) -> WebhookSubscription:
    defaults = {"url": URL, "event_types": ["partner.*"], "secret": secret_new(), "partner": partner}
    return WebhookSubscription.objects.create(**{**defaults, **fields})


def _delivery(subscription, *, event_type="partner.updated", state="succeeded", attempts=1, **fields):
    event = event_record(
        type=event_type,
        object_type="partner",
        object_id=1,
        partner_id=subscription.partner_id,
        data={"id": 1, "partner": subscription.partner_id},
    )
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event=event,
        object_key="partner:1",
        state=state,
        attempts=attempts,
        last_status_code=200 if state == "succeeded" else 500,
        **fields,
    )
    for number in range(attempts):
        WebhookAttempt.objects.create(
            delivery=delivery,
            status_code=500 if number < attempts - 1 or state != "succeeded" else 200,
            duration_ms=40 + number,
            response_body="ok" if state == "succeeded" else "boom",
            request_headers={"webhook-id": event.webhook_id, "webhook-signature": "v1,abc="},
        )
    return delivery


@pytest.fixture
def alpha():
    return PartnerFactory(name="Alpha Labs")


@pytest.fixture
def bravo():
    return PartnerFactory(name="Bravo Quokka")


@pytest.fixture
def admin_client(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


@pytest.fixture
def alpha_admin(alpha):
    return _partner_login(alpha)


# --- create, read, update, delete ----------------------------------------------------------


def test_an_administrator_creates_a_staff_subscription_and_sees_its_secret_once(admin_client):
    # when
    response = admin_client.post(
        "/api/v1/webhooks/",
        {"url": URL, "event_types": ["partner.*", "outcome.created"], "description": "CRM sync"},
        format="json",
    )
    # then: the representation of api.md and the secret, this once
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == REPRESENTATION | {"secret"}
    assert body["secret"].startswith("whsec_")
    assert body["partner"] is None
    assert body["event_types"] == ["partner.*", "outcome.created"]
    assert body["is_active"] is True
    assert response["Location"] == f"/api/v1/webhooks/{body['id']}/"
    assert WebhookSubscription.objects.get(pk=body["id"]).secret == body["secret"]
    # and never again, in the detail or the list
    detail = admin_client.get(f"/api/v1/webhooks/{body['id']}/")
    assert detail.status_code == 200
    assert set(detail.json()) == REPRESENTATION
    listed = admin_client.get("/api/v1/webhooks/")
    assert "whsec_" not in listed.content.decode()
    assert "whsec_" not in detail.content.decode()


def test_an_administrator_may_scope_a_subscription_to_a_partner(admin_client, alpha):
    # when
    response = admin_client.post(
        "/api/v1/webhooks/", {"url": URL, "event_types": ["partner.*"], "partner": alpha.pk}, format="json"
    )
    # then
    assert response.status_code == 201
    assert response.json()["partner"] == alpha.pk


def test_an_unknown_partner_is_a_field_error(admin_client):
    # when
    response = admin_client.post(
        "/api/v1/webhooks/", {"url": URL, "event_types": ["partner.*"], "partner": 987654}, format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {"partner": ["Unknown partner."]}
    assert not WebhookSubscription.objects.exists()


def test_a_partner_admins_subscription_is_scoped_to_its_own_organisation_whatever_the_body_says(
    api_client, alpha, bravo, alpha_admin
):
    # given
    api_client.force_authenticate(alpha_admin)
    # when: it names another organisation
    response = api_client.post(
        "/api/v1/webhooks/", {"url": URL, "event_types": ["partner.*"], "partner": bravo.pk}, format="json"
    )
    # then: partner is read-only for it, the subscription is its own organisation's
    assert response.status_code == 201, response.json()
    assert response.json()["partner"] == alpha.pk
    assert response.json()["secret"].startswith("whsec_")
    assert WebhookSubscription.objects.get().partner_id == alpha.pk


def test_patch_changes_the_given_fields_only(admin_client):
    # given
    subscription = _subscription(description="Old", event_types=["partner.*"])
    # when
    response = admin_client.patch(
        f"/api/v1/webhooks/{subscription.pk}/", {"description": "CRM", "is_active": False}, format="json"
    )
    # then
    assert response.status_code == 200, response.json()
    assert response.json()["description"] == "CRM"
    assert response.json()["is_active"] is False
    assert response.json()["event_types"] == ["partner.*"]
    assert response.json()["url"] == URL
    assert "secret" not in response.json()
    subscription.refresh_from_db()
    assert (subscription.description, subscription.is_active) == ("CRM", False)


def test_patch_refuses_a_bad_url_and_changes_nothing(admin_client):
    # given
    subscription = _subscription(description="Keep")
    # when
    response = admin_client.patch(
        f"/api/v1/webhooks/{subscription.pk}/",
        {"url": "https://127.0.0.1/x", "description": "Changed"},
        format="json",
    )
    # then
    assert response.status_code == 400
    assert "loopback" in response.json()["url"][0]
    subscription.refresh_from_db()
    assert (subscription.url, subscription.description) == (URL, "Keep")


def test_delete_removes_the_subscription_and_its_deliveries(admin_client):
    # given
    subscription = _subscription()
    _delivery(subscription)
    # when
    response = admin_client.delete(f"/api/v1/webhooks/{subscription.pk}/")
    # then
    assert response.status_code == 204
    assert not WebhookSubscription.objects.exists()
    assert not WebhookDelivery.objects.exists()
    assert admin_client.get(f"/api/v1/webhooks/{subscription.pk}/").status_code == 404


def test_an_administrator_reads_every_subscription_a_partner_admin_its_own(api_client, admin_user, alpha, bravo):
    # given
    staff = _subscription()
    mine = _subscription(partner=alpha)
    theirs = _subscription(partner=bravo, description="Bravo Quokka hook")
    # when
    api_client.force_authenticate(admin_user)
    everything = api_client.get("/api/v1/webhooks/").json()
    api_client.force_authenticate(_partner_login(alpha))
    own = api_client.get("/api/v1/webhooks/")
    # then
    assert {row["id"] for row in everything["results"]} == {staff.pk, mine.pk, theirs.pk}
    assert [row["id"] for row in own.json()["results"]] == [mine.pk]
    assert "Quokka" not in own.content.decode()


def test_the_list_refuses_unknown_query_parameters(admin_client):
    # when
    response = admin_client.get("/api/v1/webhooks/?state=paused")
    # then
    assert response.status_code == 400
    assert "state" in response.json()


# --- actions -------------------------------------------------------------------------------


def test_rotating_the_secret_answers_the_new_one_once_and_keeps_the_old_one_signing(admin_client):
    # given
    subscription = _subscription()
    old = subscription.secret
    # when
    response = admin_client.post(f"/api/v1/webhooks/{subscription.pk}/rotate-secret/")
    # then
    assert response.status_code == 200
    new = response.json()["secret"]
    assert new.startswith("whsec_")
    assert new != old
    subscription.refresh_from_db()
    assert (subscription.secret, subscription.previous_secret) == (new, old)
    assert subscription.previous_secret_expires_at > timezone.now()
    assert "whsec_" not in admin_client.get(f"/api/v1/webhooks/{subscription.pk}/").content.decode()


def test_sending_a_test_event_is_accepted_and_recorded_for_this_subscription(admin_client):
    # given
    subscription = _subscription()
    # when
    response = admin_client.post(f"/api/v1/webhooks/{subscription.pk}/test/")
    # then
    assert response.status_code == 202
    event = Event.objects.get(type="webhook.test")
    assert response.json() == {"webhook_id": event.webhook_id, "type": "webhook.test"}
    assert event.data["subscription"] == subscription.pk


def test_redeliver_since_queues_the_deliveries_of_the_later_events_again(admin_client):
    # given: two deliveries of old events, two of recent ones (one failed, one succeeded)
    subscription = _subscription()
    old = [_delivery(subscription), _delivery(subscription, state="failed")]
    Event.objects.filter(pk__in=[delivery.event_id for delivery in old]).update(
        created_at=timezone.now() - timedelta(days=3)
    )
    recent = [_delivery(subscription), _delivery(subscription, state="failed")]
    since = (timezone.now() - timedelta(hours=1)).isoformat()
    # when
    response = admin_client.post(f"/api/v1/webhooks/{subscription.pk}/redeliver/", {"since": since}, format="json")
    # then
    assert response.status_code == 202
    assert response.json() == {"redelivered": 2}
    states = dict(WebhookDelivery.objects.values_list("pk", "state"))
    assert [states[delivery.pk] for delivery in recent] == ["pending", "pending"]
    assert [states[delivery.pk] for delivery in old] == ["succeeded", "failed"]


def test_redeliver_since_needs_a_time(admin_client):
    # given
    subscription = _subscription()
    # when
    response = admin_client.post(
        f"/api/v1/webhooks/{subscription.pk}/redeliver/", {"since": "yesterday"}, format="json"
    )
    # then
    assert response.status_code == 400
    assert list(response.json()) == ["since"]


def test_one_delivery_is_redelivered_and_another_subscriptions_is_a_404(admin_client):
    # given
    subscription, other = _subscription(), _subscription()
    delivery = _delivery(subscription, state="failed", attempts=3)
    foreign = _delivery(other, state="failed")
    # when
    response = admin_client.post(f"/api/v1/webhooks/{subscription.pk}/deliveries/{delivery.pk}/redeliver/")
    wrong = admin_client.post(f"/api/v1/webhooks/{subscription.pk}/deliveries/{foreign.pk}/redeliver/")
    # then
    assert response.status_code == 202
    assert response.json()["state"] == "pending"
    assert response.json()["webhook_id"] == delivery.event.webhook_id
    assert wrong.status_code == 404
    foreign.refresh_from_db()
    assert foreign.state == "failed"


def test_a_paused_subscription_is_resumed(admin_client):
    # given
    subscription = _subscription(
        paused_at=timezone.now(), paused_reason="Every delivery failed for 3 days.", failing_since=timezone.now()
    )
    # when
    response = admin_client.post(f"/api/v1/webhooks/{subscription.pk}/resume/")
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["paused_at"], body["paused_reason"], body["failing_since"]) == (None, "", None)


def test_pause_stops_a_subscription_by_hand(admin_client):
    # given
    subscription = _subscription()
    # when
    response = admin_client.post(f"/api/v1/webhooks/{subscription.pk}/pause/")
    # then
    assert response.status_code == 200
    assert response.json()["paused_at"] is not None
    assert response.json()["paused_reason"]


# --- deliveries ----------------------------------------------------------------------------


def test_deliveries_list_each_attempt_with_status_duration_body_and_headers(admin_client):
    # given
    subscription = _subscription()
    delivery = _delivery(subscription, attempts=2)
    # when
    response = admin_client.get(f"/api/v1/webhooks/{subscription.pk}/deliveries/")
    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "count_exact", "next", "previous", "results"}
    (row,) = body["results"]
    assert row["id"] == delivery.pk
    assert row["webhook"] == subscription.pk
    assert row["webhook_id"] == delivery.event.webhook_id
    assert row["webhook_id"].startswith("msg_")
    assert row["event_type"] == "partner.updated"
    assert row["state"] == "succeeded"
    assert row["attempt_count"] == 2
    assert [attempt["status_code"] for attempt in row["attempts"]] == [200, 500]  # newest first
    assert row["attempts"][0]["duration_ms"] == 41
    assert row["attempts"][0]["response_body"] == "ok"
    assert row["attempts"][0]["request_headers"]["webhook-signature"] == "v1,abc="


def test_deliveries_filter_by_state_and_refuse_an_unknown_one(admin_client):
    # given
    subscription = _subscription()
    _delivery(subscription)
    failed = _delivery(subscription, state="failed")
    # when
    response = admin_client.get(f"/api/v1/webhooks/{subscription.pk}/deliveries/?state=failed")
    bad = admin_client.get(f"/api/v1/webhooks/{subscription.pk}/deliveries/?state=lost")
    # then
    assert [row["id"] for row in response.json()["results"]] == [failed.pk]
    assert bad.status_code == 400
    assert list(bad.json()) == ["state"]


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"url": URL, "event_types": ["partner.exploded"]}, "event_types", "unknown event type"),
        ({"url": URL, "event_types": []}, "event_types", "at least one"),
        ({"url": URL}, "event_types", "required"),
        ({"url": "https://127.0.0.1/hook", "event_types": ["partner.*"]}, "url", "loopback"),
        ({"url": "https://10.1.2.3/hook", "event_types": ["partner.*"]}, "url", "private"),
        ({"url": "https://169.254.169.254/latest", "event_types": ["partner.*"]}, "url", "metadata"),
        ({"url": "https://2130706433/hook", "event_types": ["partner.*"]}, "url", "number"),
        ({"url": "http://93.184.216.34/hook", "event_types": ["partner.*"]}, "url", "https"),
        ({"url": "ftp://93.184.216.34/hook", "event_types": ["partner.*"]}, "url", "https"),
        ({"url": "", "event_types": ["partner.*"]}, "url", ""),
    ],
)
def test_bad_input_is_a_400_naming_the_field(admin_client, settings, body, field, words):
    # given: production settings
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    # when
    response = admin_client.post("/api/v1/webhooks/", body, format="json")
    # then
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert words in response.json()[field][0].lower()
    assert not WebhookSubscription.objects.exists()


def test_a_partner_admin_cannot_subscribe_to_staff_only_events(api_client, alpha_admin):
    # given
    api_client.force_authenticate(alpha_admin)
    # when
    response = api_client.post("/api/v1/webhooks/", {"url": URL, "event_types": ["run.finished"]}, format="json")
    # then
    assert response.status_code == 400
    assert list(response.json()) == ["event_types"]


# --- roles ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "analyst"])
def test_other_staff_roles_are_refused(api_client, role):
    # given
    subscription = _subscription()
    api_client.force_authenticate(UserFactory(role=role))
    # when
    listed = api_client.get("/api/v1/webhooks/")
    created = api_client.post("/api/v1/webhooks/", {"url": URL, "event_types": ["partner.*"]}, format="json")
    changed = api_client.patch(f"/api/v1/webhooks/{subscription.pk}/", {"description": "x"}, format="json")
    types = api_client.get("/api/v1/webhook-event-types/")
    # then: no list, no write; a subscription they manage none of is not found
    assert (listed.status_code, created.status_code, types.status_code) == (403, 403, 403)
    assert changed.status_code == 404
    assert not WebhookSubscription.objects.exclude(pk=subscription.pk).exists()


def test_a_partner_member_manages_no_subscription(api_client, alpha):
    # given: its organisation's own subscription
    subscription = _subscription(partner=alpha)
    member = _partner_login(alpha, role="partner_member")
    api_client.force_authenticate(member)
    # when
    listed = api_client.get("/api/v1/webhooks/")
    created = api_client.post("/api/v1/webhooks/", {"url": URL, "event_types": ["partner.*"]}, format="json")
    detail = api_client.get(f"/api/v1/webhooks/{subscription.pk}/")
    rotated = api_client.post(f"/api/v1/webhooks/{subscription.pk}/rotate-secret/")
    # then: 403 where it names none, 404 where it names one
    assert (listed.status_code, created.status_code) == (403, 403)
    assert (detail.status_code, rotated.status_code) == (404, 404)
    subscription.refresh_from_db()
    assert not subscription.previous_secret


def test_anonymous_callers_are_refused(api_client):
    # when
    response = api_client.get("/api/v1/webhooks/")
    # then
    assert response.status_code in (401, 403)


# --- isolation -----------------------------------------------------------------------------


def test_partner_a_cannot_reach_partner_bs_subscription_anywhere(api_client, alpha, bravo, alpha_admin):
    # given
    theirs = _subscription(partner=bravo, description="Bravo Quokka hook")
    delivery = _delivery(theirs, state="failed")
    api_client.force_authenticate(alpha_admin)
    base = f"/api/v1/webhooks/{theirs.pk}"
    # when
    answers = {
        "list": api_client.get("/api/v1/webhooks/"),
        "detail": api_client.get(f"{base}/"),
        "patch": api_client.patch(f"{base}/", {"description": "Hacked"}, format="json"),
        "delete": api_client.delete(f"{base}/"),
        "deliveries": api_client.get(f"{base}/deliveries/"),
        "rotate": api_client.post(f"{base}/rotate-secret/"),
        "test": api_client.post(f"{base}/test/"),
        "redeliver": api_client.post(f"{base}/redeliver/", {"since": "2020-01-01T00:00:00Z"}, format="json"),
        "redeliver_one": api_client.post(f"{base}/deliveries/{delivery.pk}/redeliver/"),
        "pause": api_client.post(f"{base}/pause/"),
        "resume": api_client.post(f"{base}/resume/"),
    }
    # then: not found, nothing read, nothing changed
    assert answers.pop("list").json()["results"] == []
    assert {name: response.status_code for name, response in answers.items()} == dict.fromkeys(answers, 404)
    assert all("Quokka" not in response.content.decode() for response in answers.values())
    theirs.refresh_from_db()
    delivery.refresh_from_db()
    assert (theirs.description, theirs.previous_secret, theirs.paused_at) == ("Bravo Quokka hook", "", None)
    assert delivery.state == "failed"
    assert not Event.objects.filter(type="webhook.test").exists()


def test_a_partner_admin_cannot_redeliver_a_staff_subscriptions_delivery_through_its_own(
    api_client, alpha, alpha_admin
):
    # given
    mine = _subscription(partner=alpha)
    staff_delivery = _delivery(_subscription(), state="failed")
    api_client.force_authenticate(alpha_admin)
    # when
    response = api_client.post(f"/api/v1/webhooks/{mine.pk}/deliveries/{staff_delivery.pk}/redeliver/")
    # then
    assert response.status_code == 404
    staff_delivery.refresh_from_db()
    assert staff_delivery.state == "failed"


# --- event types ---------------------------------------------------------------------------


def test_event_types_list_names_and_descriptions_for_each_role(api_client, admin_user, alpha_admin):
    # when
    api_client.force_authenticate(admin_user)
    staff = api_client.get("/api/v1/webhook-event-types/?page_size=200").json()["results"]
    api_client.force_authenticate(alpha_admin)
    partner = api_client.get("/api/v1/webhook-event-types/?page_size=200").json()["results"]
    # then
    staff_names = {row["name"] for row in staff}
    assert {"partner.created", "partner.updated", "outcome.created", "run.finished"} <= staff_names
    assert "webhook.test" not in staff_names
    assert all(row["description"] for row in staff)
    partner_names = {row["name"] for row in partner}
    assert "partner.updated" in partner_names
    assert "run.finished" not in partner_names


# --- query counts --------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 20])
def test_the_list_query_count_is_flat(admin_client, rows, django_assert_max_num_queries):
    # given
    for _ in range(rows):
        _subscription(partner=PartnerFactory())
    # when: count, page with partners joined
    with django_assert_max_num_queries(2):
        response = admin_client.get("/api/v1/webhooks/?page_size=50")
    # then
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [1, 20])
def test_the_deliveries_query_count_is_flat(admin_client, rows, django_assert_max_num_queries):
    # given
    subscription = _subscription()
    for _ in range(rows):
        _delivery(subscription, attempts=2)
    # when: the subscription, count, page with events joined, the page's attempts
    with django_assert_max_num_queries(4):
        response = admin_client.get(f"/api/v1/webhooks/{subscription.pk}/deliveries/?page_size=50")
    # then
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows
    assert all(len(row["attempts"]) == 2 for row in response.json()["results"])


@pytest.mark.parametrize("rows", [1, 20])
def test_a_partner_admins_list_query_count_is_flat(api_client, alpha, alpha_admin, rows, django_assert_max_num_queries):
    # given
    for _ in range(rows):
        _subscription(partner=alpha)
    api_client.force_authenticate(alpha_admin)
    # when: the login's role and organisation, count, page
    with django_assert_max_num_queries(4):
        response = api_client.get("/api/v1/webhooks/?page_size=50")
    # then
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows
