"""The webhook pages: administrators at /settings/webhooks/, a partner admin at /partner/webhooks/.
Lists with their empty state and paused banner, the form with errors next to the fields, the secret
shown once after creating and rotating, the detail page's deliveries and attempts, its buttons,
who may open what, and flat query counts."""

import re
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
LIST = "/settings/webhooks/"
PARTNER_LIST = "/partner/webhooks/"
URL = "https://93.184.216.34/hooks/openprm"  # public and literal: no DNS needed, never contacted


def _partner_login(partner, role="partner_admin"):
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    return user


def _subscription(partner=None, **fields) -> WebhookSubscription:
    defaults = {"url": URL, "event_types": ["partner.*"], "secret": secret_new(), "partner": partner}
    return WebhookSubscription.objects.create(**{**defaults, **fields})


def _delivery(subscription, *, state="succeeded", status_code=200, body="thanks"):
    event = event_record(
        type="partner.updated",
        object_type="partner",
        object_id=7,
        partner_id=subscription.partner_id,
        data={"id": 7, "partner": subscription.partner_id},
    )
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event=event,
        object_key="partner:7",
        state=state,
        attempts=1,
        last_status_code=status_code,
    )
    WebhookAttempt.objects.create(
        delivery=delivery,
        status_code=status_code,
        duration_ms=123,
        response_body=body,
        request_headers={"webhook-id": event.webhook_id, "webhook-signature": "v1,SiGnAtUrE="},
    )
    return delivery


def _secret(html: str) -> str | None:
    match = re.search(r'id="new-webhook-secret"[^>]*value="([^"]+)"', html)
    return match.group(1) if match else None


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def alpha():
    return PartnerFactory(name="Alpha Labs")


# --- list ----------------------------------------------------------------------------------


def test_the_empty_list_says_so_and_offers_to_add_one(admin_client):
    # when
    response = admin_client.get(LIST)
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "No webhook subscriptions yet" in html
    assert 'href="/settings/webhooks/new/"' in html


def test_the_list_shows_each_subscriptions_state_and_last_delivery(admin_client, alpha):
    # given
    active = _subscription(description="CRM sync")
    _delivery(active, status_code=204)
    failing = _subscription(description="Data lake", failing_since=timezone.now() - timedelta(hours=5))
    _subscription(description="Old hook", is_active=False)
    _subscription(partner=alpha, description="Alpha's own")
    # when
    html = admin_client.get(LIST).content.decode()
    # then
    assert "CRM sync" in html and "Data lake" in html and "Old hook" in html
    assert "Active" in html
    assert "Failing since" in html
    assert "Inactive" in html
    assert "HTTP 204" in html
    assert "partner.updated" in html
    assert "For Alpha Labs" in html
    assert f'href="/settings/webhooks/{failing.pk}/"' in html
    assert "whsec_" not in html


def test_a_paused_subscription_is_announced_on_the_list_the_detail_and_the_navbar(admin_client):
    # given
    paused = _subscription(
        description="Billing", paused_at=timezone.now(), paused_reason="Every delivery failed for three days."
    )
    # when
    listing = admin_client.get(LIST).content.decode()
    detail = admin_client.get(f"{LIST}{paused.pk}/").content.decode()
    dashboard = admin_client.get("/").content.decode()
    badge = admin_client.get("/settings/webhooks/paused-badge/").content.decode()
    # then
    assert "A subscription is paused" in listing
    assert "Every delivery failed for three days." in listing
    assert "This subscription is paused" in detail
    assert f'action="/settings/webhooks/{paused.pk}/resume/"' in detail
    assert 'href="/settings/webhooks/">Webhooks<span hx-get="/settings/webhooks/paused-badge/"' in dashboard
    assert re.search(r'<span class="badge[^"]*text-bg-warning[^>]*>1<span class="visually-hidden"> paused', badge)


def test_the_navbar_links_webhooks_for_administrators_only(client, admin_user, manager):
    # when
    client.force_login(admin_user)
    admin_page = client.get("/").content.decode()
    client.force_login(manager)
    manager_page = client.get("/").content.decode()
    # then: the link, its badge loaded after the page
    assert 'href="/settings/webhooks/">Webhooks<span hx-get="/settings/webhooks/paused-badge/"' in admin_page
    assert 'href="/settings/webhooks/"' not in manager_page


# --- create and edit -----------------------------------------------------------------------


def test_the_form_groups_event_types_by_object_with_wildcards(admin_client):
    # when
    html = admin_client.get(f"{LIST}new/").content.decode()
    # then
    assert 'value="*"' in html
    assert 'value="partner.*"' in html
    assert 'value="partner.updated"' in html
    assert 'value="run.finished"' in html
    assert 'value="webhook.test"' not in html
    assert "Every partner event" in html


def test_creating_a_subscription_shows_its_secret_once(admin_client, admin_user):
    # when
    response = admin_client.post(
        f"{LIST}new/",
        {"url": URL, "description": "CRM sync", "event_types": ["partner.*", "outcome.created"], "is_active": "on"},
    )
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    subscription = WebhookSubscription.objects.get()
    assert (subscription.url, subscription.description) == (URL, "CRM sync")
    assert subscription.event_types == ["partner.*", "outcome.created"]
    assert subscription.partner_id is None
    assert subscription.created_by == admin_user
    assert _secret(html) == subscription.secret
    assert "only this once" in html
    # and never again
    assert subscription.secret not in admin_client.get(f"{LIST}{subscription.pk}/").content.decode()
    assert subscription.secret not in admin_client.get(LIST).content.decode()
    assert subscription.secret not in admin_client.get(f"{LIST}{subscription.pk}/edit/").content.decode()


def test_the_form_shows_each_error_next_to_its_field(admin_client, settings):
    # given: production settings
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    # when
    response = admin_client.post(f"{LIST}new/", {"url": "https://127.0.0.1/hook", "description": "x"})
    # then: no events chosen, and a loopback URL
    html = response.content.decode()
    assert response.status_code == 400
    assert re.search(r'id="id_event_types_error">Choose at least one event\.', html)
    assert not WebhookSubscription.objects.exists()
    # when: events chosen, the address guard speaks next to the URL
    response = admin_client.post(f"{LIST}new/", {"url": "https://127.0.0.1/hook", "event_types": ["partner.*"]})
    html = response.content.decode()
    assert response.status_code == 400
    match = re.search(r'id="id_url_error">([^<]+)<', html)
    assert match and "loopback" in match.group(1)
    assert 'aria-invalid="true"' in html
    assert not WebhookSubscription.objects.exists()


def test_editing_changes_the_subscription(admin_client):
    # given
    subscription = _subscription(description="Old")
    # when
    page = admin_client.get(f"{LIST}{subscription.pk}/edit/").content.decode()
    response = admin_client.post(
        f"{LIST}{subscription.pk}/edit/", {"url": URL, "description": "New", "event_types": ["contact.created"]}
    )
    # then
    assert 'value="Old"' in page
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}{subscription.pk}/"
    subscription.refresh_from_db()
    assert (subscription.description, subscription.event_types, subscription.is_active) == (
        "New",
        ["contact.created"],
        False,
    )


# --- detail and actions --------------------------------------------------------------------


def test_the_detail_page_shows_deliveries_with_their_attempts_and_headers(admin_client):
    # given
    subscription = _subscription(description="CRM sync")
    delivery = _delivery(subscription, state="failed", status_code=503, body="Service Unavailable <b>later</b>")
    # when
    html = admin_client.get(f"{LIST}{subscription.pk}/").content.decode()
    # then
    assert "partner.updated" in html
    assert delivery.event.webhook_id in html
    assert "Failed" in html
    assert "HTTP 503" in html
    assert "123 ms" in html
    assert "webhook-signature: v1,SiGnAtUrE=" in html
    assert "Service Unavailable &lt;b&gt;later&lt;/b&gt;" in html  # escaped
    for action in ("test", "pause", "redeliver", f"deliveries/{delivery.pk}/redeliver"):
        assert f'action="/settings/webhooks/{subscription.pk}/{action}/"' in html
    assert f'href="/settings/webhooks/{subscription.pk}/rotate-secret/"' in html
    assert f'href="/settings/webhooks/{subscription.pk}/delete/"' in html


def test_the_detail_page_says_when_there_are_no_deliveries(admin_client):
    # given
    subscription = _subscription()
    # when
    html = admin_client.get(f"{LIST}{subscription.pk}/").content.decode()
    # then
    assert "No deliveries yet" in html


def test_rotating_asks_first_then_shows_the_new_secret_once(admin_client):
    # given
    subscription = _subscription()
    old = subscription.secret
    # when
    confirm = admin_client.get(f"{LIST}{subscription.pk}/rotate-secret/")
    response = admin_client.post(f"{LIST}{subscription.pk}/rotate-secret/")
    # then
    assert confirm.status_code == 200
    assert "Rotate the signing secret?" in confirm.content.decode()
    subscription.refresh_from_db()
    assert subscription.secret != old
    assert subscription.previous_secret == old
    html = response.content.decode()
    assert _secret(html) == subscription.secret
    assert "two signatures" in html
    assert "no-store" in response["Cache-Control"]


def test_send_test_event_pause_resume_and_redeliver(admin_client):
    # given
    subscription = _subscription()
    delivery = _delivery(subscription, state="failed", status_code=500)
    base = f"{LIST}{subscription.pk}"
    # when / then: a test event
    response = admin_client.post(f"{base}/test/")
    assert response.status_code == 302
    assert Event.objects.filter(type="webhook.test", data__subscription=subscription.pk).exists()
    # pause, then resume
    admin_client.post(f"{base}/pause/")
    subscription.refresh_from_db()
    assert subscription.paused_at is not None
    admin_client.post(f"{base}/resume/")
    subscription.refresh_from_db()
    assert subscription.paused_at is None
    # one delivery again
    admin_client.post(f"{base}/deliveries/{delivery.pk}/redeliver/")
    delivery.refresh_from_db()
    assert delivery.state == "pending"


def test_redeliver_since_sends_again_and_a_bad_time_is_shown_next_to_the_field(admin_client):
    # given
    subscription = _subscription()
    delivery = _delivery(subscription, state="failed", status_code=500)
    base = f"{LIST}{subscription.pk}"
    # when
    bad = admin_client.post(f"{base}/redeliver/", {"since": "soon"})
    good = admin_client.post(f"{base}/redeliver/", {"since": (timezone.now() - timedelta(hours=1)).isoformat()})
    # then
    assert bad.status_code == 400
    assert re.search(r'id="id_since_error">Give a date and time', bad.content.decode())
    assert good.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == "pending"
    follow = admin_client.get(good["Location"]).content.decode()
    assert "1 delivery is sent again." in follow


def test_deleting_asks_first(admin_client):
    # given
    subscription = _subscription()
    # when
    confirm = admin_client.get(f"{LIST}{subscription.pk}/delete/")
    response = admin_client.post(f"{LIST}{subscription.pk}/delete/")
    # then
    assert "Delete this subscription?" in confirm.content.decode()
    assert response.status_code == 302
    assert not WebhookSubscription.objects.exists()


def test_deliveries_refresh_as_a_fragment_for_htmx_while_pending(admin_client):
    # given
    subscription = _subscription()
    _delivery(subscription, state="pending", status_code=None, body="")
    # when
    page = admin_client.get(f"{LIST}{subscription.pk}/").content.decode()
    fragment = admin_client.get(f"{LIST}{subscription.pk}/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="deliveries")
    # then
    assert 'hx-trigger="every 4s' in page
    assert fragment.status_code == 200
    assert fragment.content.decode().lstrip().startswith("<section")
    assert "<html" not in fragment.content.decode()


# --- who may open what ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "analyst"])
def test_other_staff_get_a_403(client, role):
    # given
    subscription = _subscription()
    client.force_login(UserFactory(role=role))
    # when / then
    for path in (LIST, f"{LIST}new/", f"{LIST}{subscription.pk}/", f"{LIST}{subscription.pk}/edit/"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"{LIST}{subscription.pk}/pause/").status_code == 403
    subscription.refresh_from_db()
    assert subscription.paused_at is None


def test_a_partner_admin_manages_its_own_organisations_subscriptions_in_its_portal(client, alpha):
    # given
    admin = _partner_login(alpha)
    client.force_login(admin)
    # when: the empty list, then a new subscription
    empty = client.get(PARTNER_LIST).content.decode()
    created = client.post(f"{PARTNER_LIST}new/", {"url": URL, "event_types": ["partner.*"], "is_active": "on"})
    # then
    assert "No webhook subscriptions yet" in empty
    assert 'href="/partner/webhooks/new/"' in empty
    subscription = WebhookSubscription.objects.get()
    assert subscription.partner_id == alpha.pk
    assert _secret(created.content.decode()) == subscription.secret
    detail = client.get(f"{PARTNER_LIST}{subscription.pk}/").content.decode()
    assert f'action="/partner/webhooks/{subscription.pk}/test/"' in detail
    form = client.get(f"{PARTNER_LIST}new/").content.decode()
    assert 'value="run.finished"' not in form  # staff-only events are not offered
    assert 'href="/partner/webhooks/">Webhooks</a>' in empty  # the partner portal's navbar


def test_a_partner_member_gets_403_on_the_list_and_404_on_a_subscription(client, alpha):
    # given
    subscription = _subscription(partner=alpha)
    member = _partner_login(alpha, role="partner_member")
    client.force_login(member)
    # when / then
    assert client.get(PARTNER_LIST).status_code == 403
    assert client.get(f"{PARTNER_LIST}new/").status_code == 403
    assert client.get(f"{PARTNER_LIST}{subscription.pk}/").status_code == 404
    assert client.post(f"{PARTNER_LIST}{subscription.pk}/rotate-secret/").status_code == 404
    assert 'href="/partner/webhooks/"' not in client.get("/partner/").content.decode()


def test_partner_a_finds_nothing_of_partner_bs(client, alpha):
    # given
    bravo = PartnerFactory(name="Bravo")
    theirs = _subscription(partner=bravo, description="Bravo Quokka")
    staff = _subscription(description="Staff Quokka")
    client.force_login(_partner_login(alpha))
    # when
    listing = client.get(PARTNER_LIST).content.decode()
    # then
    assert "Quokka" not in listing
    for subscription in (theirs, staff):
        base = f"{PARTNER_LIST}{subscription.pk}"
        assert client.get(f"{base}/").status_code == 404
        assert client.post(f"{base}/delete/").status_code == 404
        assert client.post(f"{base}/pause/").status_code == 404
    assert WebhookSubscription.objects.filter(paused_at__isnull=True).count() == 2


def test_a_partner_login_opening_a_manager_page_is_sent_to_its_portal(client, alpha):
    # given
    client.force_login(_partner_login(alpha))
    # when
    response = client.get(LIST)
    # then
    assert response.status_code == 302
    assert response["Location"] == "/partner/"


# --- query counts --------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 20])
def test_the_list_page_query_count_is_flat(admin_client, rows, django_assert_max_num_queries):
    # given
    for index in range(rows):
        _delivery(_subscription(partner=PartnerFactory(), paused_at=timezone.now() if index == 0 else None))
    # when: session, user, subscriptions with partners and last delivery ids, those deliveries,
    # the navbar's paused count (+ savepoints of the test client)
    with django_assert_max_num_queries(8):
        response = admin_client.get(LIST)
    # then
    assert response.status_code == 200
    assert response.content.decode().count("partner.updated") == rows


@pytest.mark.parametrize("rows", [1, 20])
def test_the_detail_page_query_count_is_flat(admin_client, rows, django_assert_max_num_queries):
    # given
    subscription = _subscription()
    for _ in range(rows):
        _delivery(subscription)
    # when: session, user, subscription, deliveries with events, their attempts, navbar count
    with django_assert_max_num_queries(8):
        response = admin_client.get(f"{LIST}{subscription.pk}/")
    # then
    assert response.status_code == 200
    assert response.content.decode().count('/redeliver/"') == rows + 1  # one per delivery, and "since"


def test_the_paused_badge_is_empty_without_paused_subscriptions_and_for_administrators_only(
    client, admin_user, manager
):
    # given
    _subscription(description="Billing")
    # when
    client.force_login(admin_user)
    empty = client.get("/settings/webhooks/paused-badge/")
    client.force_login(manager)
    refused = client.get("/settings/webhooks/paused-badge/")
    # then
    assert (empty.status_code, empty.content.strip()) == (200, b"")
    assert refused.status_code == 403
