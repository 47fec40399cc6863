"""The public "Become a partner" page: an application creates a prospect partner and tells the
managers; bad input is refused next to its fields; a filled honeypot and a sixth application
within the hour from one address store nothing, and the limit fails open when Redis is down."""

import copy
import socket

import pytest
from django.core import mail
from django.test import Client

from partners.models import Contact, Partner
from partners.notifications.models import Notification
from partners.outbox.models import Event
from prm import breaker as breakers
from prm.throttling import counters
from programs.applications.models import PartnerApplication
from programs.applications.spam import SUBMISSIONS_PER_HOUR
from tests.factories import UserFactory
from tests.notifications.helpers import dispatch
from tests.programs.applications.helpers import FORM

pytestmark = pytest.mark.django_db


def _post(client, **changes):
    data = {**FORM, **changes}
    return client.post("/become-a-partner/", {k: v for k, v in data.items() if v is not None})


def test_the_page_is_public_and_linked_from_the_log_in_page(client):
    # when
    page = client.get("/become-a-partner/")
    login = client.get("/accounts/login/")
    # then
    assert page.status_code == 200
    body = page.content.decode()
    assert "Become a partner" in body and 'name="fax"' in body and 'name="consent"' in body
    assert "Healthcare" in body and "Germany, Austria and Switzerland" in body
    assert 'href="/become-a-partner/"' in login.content.decode()


def test_an_application_creates_a_prospect_partner_and_tells_every_manager(client, django_capture_on_commit_callbacks):
    # given
    manager, admin = UserFactory(role="manager"), UserFactory(role="admin")
    analyst = UserFactory(role="analyst")
    # when
    response = _post(client)
    # then: the thank-you page, a prospect partner with its primary contact, the application
    assert response.status_code == 302 and response["Location"] == "/become-a-partner/thanks/"
    assert "Thank you for your application" in client.get(response["Location"]).content.decode()
    application = PartnerApplication.objects.get()
    partner = application.partner
    assert (partner.name, partner.status, partner.type, str(partner.country)) == (
        "Helix Health Systems GmbH", "prospect", "channel", "DE",
    )  # fmt: skip
    assert partner.website == "https://www.helix-health.example"
    assert (partner.verticals, partner.regions) == (["healthcare", "life-sciences"], ["DACH"])
    contact = Contact.objects.get(partner=partner)
    assert (contact.name, contact.email, contact.role) == ("Jana Weber", "jana@helix-health.example", "primary")
    assert application.domain == "helix-health.example" and application.state == "received"
    assert application.client_ip == "127.0.0.1" and not application.is_duplicate
    event = Event.objects.get(type="application.received")
    assert (event.object_id, event.partner_id) == (str(application.pk), partner.pk)
    assert event.data["company"] == "Helix Health Systems GmbH" and event.data["duplicate"] is False
    # when: the outbox is dispatched
    dispatch(django_capture_on_commit_callbacks)
    # then: every manager and administrator is told, by e-mail too; analysts are not
    rows = Notification.objects.filter(category="applications")
    assert sorted(rows.values_list("user_id", flat=True)) == sorted([manager.pk, admin.pk])
    row = rows.first()
    assert row.title == "Helix Health Systems GmbH applied to become a channel partner"
    assert row.link == f"/applications/{application.pk}/"
    assert sorted(m.to[0] for m in mail.outbox) == sorted([manager.email, admin.email])
    assert analyst.pk not in rows.values_list("user_id", flat=True)


def test_a_filled_honeypot_succeeds_silently_and_stores_nothing(client):
    # when
    response = _post(client, fax="+1 555 0100")
    # then
    assert response.status_code == 302 and response["Location"] == "/become-a-partner/thanks/"
    assert not PartnerApplication.objects.exists()
    assert not Partner.objects.exists()
    assert not Event.objects.filter(type="application.received").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"company": ""}, "company", "This field is required."),
        ({"contact_email": "jana@"}, "contact_email", "Enter a valid email address."),
        ({"contact_email": ""}, "contact_email", "This field is required."),
        ({"website": "localhost"}, "website", "is not a domain name"),
        ({"website": "http://10.0.0.1/"}, "website", "An IP address is not"),
        ({"requested_type": "reseller"}, "requested_type", "Select a valid choice."),
        ({"verticals": ["healthcare", "astrology"]}, "verticals", "Select a valid choice."),
        ({"regions": ["MARS"]}, "regions", "Select a valid choice."),
        ({"regions": None}, "regions", "Choose at least one region."),
        ({"country": "XX"}, "country", "Select a valid choice."),
        ({"consent": None}, "consent", "We can only assess your application with your agreement."),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_stored(client, changes, field, message):
    # when
    response = _post(client, **changes)
    # then
    assert response.status_code == 400
    body = response.content.decode()
    assert f'id="id_{field}_error"' in body
    assert message in body.split(f'id="id_{field}_error"', 1)[1][:300]
    assert not PartnerApplication.objects.exists() and not Partner.objects.exists()


def test_the_sixth_application_within_the_hour_from_one_address_is_refused(client):
    # given: five applications from one address (different companies)
    for number in range(SUBMISSIONS_PER_HOUR):
        response = _post(client, company=f"Company {number}", website=f"company{number}.example")
        assert response.status_code == 302
    # when
    refused = _post(client, company="Company six", website="company6.example")
    # then: a clear message, nothing more stored; another address is not affected
    assert refused.status_code == 429
    assert "several applications from this network in the last hour" in refused.content.decode()
    assert PartnerApplication.objects.count() == SUBMISSIONS_PER_HOUR
    other = _post(Client(REMOTE_ADDR="198.51.100.20"), company="Elsewhere", website="elsewhere.example")
    assert other.status_code == 302
    assert PartnerApplication.objects.count() == SUBMISSIONS_PER_HOUR + 1


def test_invalid_posts_do_not_use_up_the_limit(client):
    # given
    for _ in range(SUBMISSIONS_PER_HOUR + 2):
        assert _post(client, company="").status_code == 400
    # when
    response = _post(client)
    # then
    assert response.status_code == 302 and PartnerApplication.objects.count() == 1


@pytest.fixture
def cache_down(settings):
    """The site's cache (and so the rate limit) at an address where nothing listens."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    breakers._breakers.clear()
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = f"redis://127.0.0.1:{port}/0"
    settings.CACHES = caches
    counters.cache_clear()
    yield
    breakers._breakers.clear()
    counters.cache_clear()


def test_with_redis_down_the_page_works_and_the_limit_lets_applications_through(client, cache_down):
    # when: more applications than the limit, with the cache unreachable
    answers = [
        _post(client, company=f"Company {number}", website=f"company{number}.example").status_code
        for number in range(SUBMISSIONS_PER_HOUR + 2)
    ]
    # then: the limit fails open (never a 500), every application is stored
    assert answers == [302] * (SUBMISSIONS_PER_HOUR + 2)
    assert PartnerApplication.objects.count() == SUBMISSIONS_PER_HOUR + 2
    assert client.get("/become-a-partner/").status_code == 200
