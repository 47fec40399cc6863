"""The outcome inbox: my open outcomes by default, filters, done / dismiss / apply."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from partners.models import Partner
from programs.strategies.models import Outcome, Strategy
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory
from tests.programs.portal_helpers import outcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, manager):
    client.force_login(manager)
    return client


def titles(response) -> list[str]:
    return [item.title for item in response.context["page"].object_list]


def test_the_inbox_defaults_to_my_open_outcomes(staff_client, manager):
    # given
    mine = outcome(PartnerFactory(name="Mine"), assignee=manager, title="Mine open")
    outcome(PartnerFactory(), assignee=manager, title="Mine done", state="done")
    outcome(PartnerFactory(), assignee=UserFactory(), title="Someone else's")
    # when
    response = staff_client.get("/inbox/")
    # then
    assert titles(response) == ["Mine open"]
    html = response.content.decode()
    assert f"{mine.strategy.name} v{mine.version.number}" in html
    assert "Quiet for 130 days" in html
    assert f'href="/partners/{mine.partner_id}/"' in html


def test_everyone_and_the_filters_narrow_the_list(staff_client, manager):
    # given
    today = timezone.localdate()
    sales = Strategy.objects.get(partner_type="sales")
    outcome(PartnerFactory(name="Helix Health"), assignee=manager, title="A", kind="alert", due_on=today)
    outcome(PartnerFactory(name="Nordwind", type="sales"), strategy=sales, title="B", due_on=today + timedelta(days=30))
    outcome(PartnerFactory(name="Other"), title="C", state="dismissed")
    # then
    assert titles(staff_client.get("/inbox/?everyone=on")) == ["A", "B"]
    assert titles(staff_client.get("/inbox/?everyone=on&kind=alert")) == ["A"]
    assert titles(staff_client.get("/inbox/?everyone=on&partner_type=sales")) == ["B"]
    assert titles(staff_client.get("/inbox/?everyone=on&partner=helix")) == ["A"]
    assert titles(staff_client.get(f"/inbox/?everyone=on&due_before={today.isoformat()}")) == ["A"]
    assert titles(staff_client.get("/inbox/?everyone=on&state=dismissed")) == ["C"]
    assert titles(staff_client.get(f"/inbox/?everyone=on&strategy={sales.pk}")) == ["B"]
    partner_id = Outcome.objects.get(title="B").partner_id
    assert titles(staff_client.get(f"/inbox/?everyone=on&partner={partner_id}")) == ["B"]


def test_overdue_outcomes_are_highlighted_and_an_empty_inbox_says_so(staff_client, manager):
    assert "Nothing waiting for you." in staff_client.get("/inbox/").content.decode()
    outcome(PartnerFactory(), assignee=manager, due_on=date(2020, 1, 1))
    html = staff_client.get("/inbox/").content.decode()
    assert 'class="prm-overdue"' in html and "(overdue)" in html


def test_done_and_dismiss_close_the_outcome_with_the_note(staff_client, manager):
    # given
    first = outcome(PartnerFactory(), assignee=manager)
    second = outcome(PartnerFactory(), assignee=manager)
    # when
    response = staff_client.post(f"/inbox/{first.pk}/close/", {"state": "done", "next": "/inbox/"}, follow=True)
    staff_client.post(f"/inbox/{second.pk}/close/", {"state": "dismissed", "note": "seasonal"})
    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == "done"
    assert (second.state, "seasonal" in second.note) == ("dismissed", True)
    assert "was marked done" in response.content.decode()
    assert titles(response) == [second.title]  # the page after the first close


def test_apply_changes_the_partner_status(staff_client, manager):
    # given
    partner = PartnerFactory(status="active")
    item = outcome(partner, assignee=manager, kind="status_change", recommended_status="inactive")
    # when
    html = staff_client.get("/inbox/").content.decode()
    staff_client.post(f"/inbox/{item.pk}/apply/")
    # then
    assert f'formaction="/inbox/{item.pk}/apply/"' in html
    item.refresh_from_db()
    assert item.state == "applied"
    assert Partner.objects.get(pk=partner.pk).status == "inactive"


def test_a_refused_apply_shows_the_reason_and_leaves_the_outcome_open(staff_client, manager):
    # given: the partner was terminated meanwhile
    partner = PartnerFactory(status="terminated")
    item = outcome(partner, assignee=manager, kind="status_change", recommended_status="inactive")
    # when
    response = staff_client.post(f"/inbox/{item.pk}/apply/", {"next": "/inbox/"}, follow=True)
    # then
    assert response.status_code == 200
    assert "Could not apply" in response.content.decode()
    item.refresh_from_db()
    assert item.state == "open"


def test_analysts_see_the_inbox_but_cannot_act(client, manager):
    # given
    item = outcome(
        PartnerFactory(status="active"), assignee=manager, kind="status_change", recommended_status="inactive"
    )
    client.force_login(UserFactory(role="analyst"))
    # when
    html = client.get("/inbox/?everyone=on").content.decode()
    close = client.post(f"/inbox/{item.pk}/close/", {"state": "done"})
    apply = client.post(f"/inbox/{item.pk}/apply/")
    # then
    assert item.title in html and "/close/" not in html
    assert (close.status_code, apply.status_code) == (403, 403)
    item.refresh_from_db()
    assert item.state == "open"


@pytest.mark.parametrize("rows", [1, 20])
def test_the_inbox_query_count_is_flat(staff_client, manager, rows, django_assert_num_queries):
    # given
    for _ in range(rows):
        outcome(PartnerFactory(), assignee=manager, due_on=date(2020, 1, 1))
    # when: session, user, role (groups), count, page with partner/strategy/version/assignee, the
    # "waiting on partners" tab's count, the other side (a request to the partner) of the page's rows
    with django_assert_num_queries(7):
        response = staff_client.get("/inbox/")
    # then
    assert len(titles(response)) == rows


@pytest.mark.parametrize("query", ["partner=²", "partner=" + "9" * 40, "strategy=" + "9" * 40, "strategy=²"])
def test_odd_numbers_in_the_inbox_filters_never_break_the_page(client, manager, query):
    # given
    client.force_login(manager)
    # when
    response = client.get(f"/inbox/?{query}")
    # then: a number too long or not in ASCII digits is a name to search for, or ignored
    assert response.status_code == 200
