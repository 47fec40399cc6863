import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from partners.models import Contact, Partner
from partners.records.models import PartnerDocument
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_an_invited_contact_sets_a_password_and_looks_after_the_company(browser, live_server, tmp_path, settings):
    # given: Maria owns Helix, whose contact Ines has no login yet
    settings.MEDIA_ROOT = tmp_path
    manager = UserFactory(email="maria@example.com", username="maria@example.com", first_name="Maria")
    partner = PartnerFactory(name="Helix Health", owner=manager, status="active")
    Contact.objects.create(partner=partner, name="Ines Berg", email="ines@helix.example", role="primary")
    staff = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = staff.new_page()
    # when: Maria invites Ines from the partner page
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.goto(f"/partners/{partner.pk}/")
    page.get_by_label("Portal role for Ines Berg").select_option("partner_admin")
    page.get_by_role("button", name="Invite Ines Berg to the portal").click()
    expect(page.get_by_role("alert").first).to_contain_text("Ines Berg was invited")
    staff.close()
    # then: the e-mail carries the link
    message = next(m for m in mail.outbox if "ines@helix.example" in m.to)
    link = re.search(r"https?://\S+(/invitations/\S+/)", message.body).group(1)
    # when: Ines follows it, sets her password and lands on her company's home
    invitee = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = invitee.new_page()
    page.goto(link)
    page.locator("#id_name").fill("Ines Berg")
    page.locator("#id_password").fill("a-long-and-unusual-secret-42")
    page.locator("#id_confirm").fill("a-long-and-unusual-secret-42")
    page.get_by_role("button", name="Create my login").click()
    expect(page).to_have_url(re.compile(r"/partner/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Helix Health")
    # when: she edits the profile
    page.goto("/partner/profile/")
    page.locator("#id_description").fill("Healthcare systems integrator in DACH.")
    page.get_by_role("button", name="Save profile").click()
    # when: and uploads a document
    page.goto("/partner/documents/upload/")
    page.locator("#id_kind").select_option("insurance")
    page.locator("#id_title").fill("Liability insurance 2027")
    page.locator("#id_file").set_input_files({"name": "insurance.png", "mimeType": "image/png", "buffer": PNG})
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("cell", name="Liability insurance 2027")).to_be_visible()
    # then
    assert Partner.objects.get(pk=partner.pk).description == "Healthcare systems integrator in DACH."
    assert PartnerDocument.objects.filter(partner=partner, title="Liability insurance 2027").exists()
    # when: she logs out
    page.goto("/accounts/logout/")
    page.get_by_role("button", name=re.compile("log out", re.I)).click()
    page.goto("/partner/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    invitee.close()
