"""An administrator adds a webhook subscription in the browser, changes a partner, and sees the
signed delivery on the subscription's page; the receiver, a loopback HTTP server run by the test,
verifies the signature with the ``standardwebhooks`` package as any integration would.

The live server runs in this process with the test settings (Celery eager): the partner's change
commits its event, the dispatcher fans it out and the sender posts it within that request. Plain
http and loopback receivers are allowed here, as in development.
"""

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect
from standardwebhooks.webhooks import Webhook

from partners.webhooks.models import WebhookSubscription
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class _Receiver:
    """Records every POST and answers 200."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, bytes]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append(({name.lower(): value for name, value in self.headers.items()}, body))
                answer = b'{"received": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/openprm"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    server = _Receiver()
    yield server
    server.close()


def test_an_admin_adds_a_subscription_changes_a_partner_and_sees_the_signed_delivery(page, receiver):
    # given
    admin = UserFactory(role="admin", email="ada@example.com", username="ada@example.com", first_name="Ada")
    partner = PartnerFactory(name="Helix Health", owner=admin)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name=re.compile("log in|sign in", re.I)).click()
    expect(page).to_have_url(re.compile(r"/$"))
    # when: add a subscription to every partner event
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Webhooks").click()
    expect(page.get_by_text("No webhook subscriptions yet")).to_be_visible()
    page.get_by_role("link", name="Add subscription").first.click()
    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_label("Description").fill("CRM sync")
    page.get_by_label("Every partner event").check()
    page.get_by_role("button", name="Add subscription").click()
    # then: the secret, shown once
    expect(page.get_by_role("heading", level=1)).to_have_text("The subscription was added")
    secret = page.get_by_label("The signing secret").input_value()
    assert secret.startswith("whsec_")
    assert secret == WebhookSubscription.objects.get().secret
    page.get_by_role("link", name=re.compile("go to the subscription")).click()
    expect(page.get_by_text("No deliveries yet")).to_be_visible()
    subscription_url = page.url
    # when: change the partner's website in the portal
    page.goto(f"/partners/{partner.pk}/edit/")
    page.get_by_label("Website").fill("https://helix-health.example")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert")).to_contain_text("Helix Health was saved.")
    # then: the receiver got one signed delivery it can verify with the secret
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    payload = Webhook(secret).verify(body, headers)
    assert payload["type"] == "partner.updated"
    assert payload["data"]["id"] == partner.pk
    assert payload["data"]["changes"]["website"]["to"] == "https://helix-health.example"
    # and the subscription's page shows the delivery with its signature header
    page.goto(subscription_url)
    deliveries = page.get_by_role("region", name="Recent deliveries")
    expect(deliveries).to_contain_text("partner.updated")
    expect(deliveries).to_contain_text("Delivered")
    expect(deliveries).to_contain_text(headers["webhook-id"])
    deliveries.get_by_text("Attempts (1)").click()
    expect(deliveries).to_contain_text("HTTP 200")
    expect(deliveries).to_contain_text(f"webhook-signature: {headers['webhook-signature']}")
    expect(deliveries).to_contain_text('{"received": true}')
