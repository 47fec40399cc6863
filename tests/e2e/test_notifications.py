import re

import pytest
from playwright.sync_api import expect

from partners.models import PartnerUser
from programs.strategies.models import Outcome, Strategy
from programs.strategies.services.runs import run_start
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.fixtures.worker import wait_for
from tests.partners.factories import PartnerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_partner_user_sees_a_request_of_a_strategy_run_in_the_list_and_in_the_email(worker, browser, live_server):
    # given: a financial partner with no documents, its login Ines, and its manager Maria
    manager = UserFactory(email="maria@example.com", username="maria@example.com", first_name="Maria")
    partner = PartnerFactory(name="Nordwind Capital", type="financial", status="active", owner=manager)
    ines = UserFactory(is_staff=False, email="ines@nordwind.example", username="ines@nordwind.example")
    PartnerUser.objects.create(user=ines, partner=partner, role="partner_admin")
    strategy = Strategy.objects.get(partner_type="financial")
    # when: Maria runs the strategy; the worker evaluates it, the outbox fans its events out and
    # the e-mails go out
    run_start(strategy_id=strategy.pk, actor=manager, trigger="manual", partner_ids=[partner.pk])
    wait_for(
        lambda: "ines@nordwind.example" in worker.mails() and "Request: " in worker.mails(),
        timeout=60,
        what="the request e-mail to Ines",
    )
    # then: the e-mail names a request for Nordwind, links to the portal, and can unsubscribe
    request = Outcome.objects.filter(partner=partner, audience="partner").order_by("pk").first()
    assert request is not None
    mails = worker.mails()
    assert f"Subject: [OpenPRM] Request: {request.title}" in mails
    assert re.search(r"List-Unsubscribe:\s+<https?://\S+/notifications/unsubscribe/\S+/>", mails)
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in mails
    assert "/partner/" in mails
    # and Maria hears that her run finished
    wait_for(lambda: "Subject: [OpenPRM] Run of " in worker.mails(), timeout=30, what="the run e-mail to Maria")
    # when: Ines logs in; the bell shows her unread requests, and she opens the list
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(ines.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    expect(page).to_have_url(re.compile(r"/partner/$"))
    expect(page.locator("#notification-badge")).to_contain_text(re.compile(r"\d+"))
    page.get_by_title("Notifications").click()
    # then: the request is listed, unread
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    item = page.get_by_role("link", name=f"Request: {request.title}")
    expect(item).to_be_visible()
    # when: she follows it, it is read and she is on her organisation's home
    item.click()
    expect(page).to_have_url(re.compile(r"/partner/$"))
    page.goto("/partner/notifications/?show=unread")
    expect(page.get_by_role("link", name=f"Request: {request.title}")).to_have_count(0)
    context.close()
