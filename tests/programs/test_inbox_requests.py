"""The inbox keeps what is asked of partners apart from the manager's own tasks, each thing once;
a request to a partner is closed by what the partner does (an upload, a recorded review), never
ticked done by the manager, who may withdraw it with a reason."""

import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from partners.models import Contact, Partner, PartnerUser
from partners.outbox import channels as outbox_channels
from partners.outbox.models import Event
from partners.outbox.services import event_record, outbox_dispatch
from partners.records import services as records
from prm.db import analyze
from programs.strategies.models import Outcome, Strategy
from programs.strategies.selectors import OutcomeFilters, inbox_tasks, inbox_waiting
from programs.strategies.services import partner_requests_resolve, run_start
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory
from tests.programs.portal_helpers import outcome

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def staff_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def only_our_channel(monkeypatch):
    """The dispatcher fans out to the strategies channel alone, as registered by programs, so these
    tests do not depend on the other channels (webhooks, notifications)."""
    registered = dict(outbox_channels.channels())
    monkeypatch.setattr(outbox_channels, "_CHANNELS", {"strategies": registered["strategies"]})


def review_pair(partner, *, assignee=None, due_on=None, last: date | None = None, kind="business_review", **fields):
    """A review task and the partner's request to propose dates, as review_cadence with ask_partner
    stores them (the request's dedupe key is the task's plus ":partner")."""
    due_on = due_on or TODAY() + timedelta(days=14)
    key = f"review_cadence:{partner.pk}:{kind}:{last.isoformat() if last else 'never'}"
    evidence = {"review_kind": kind, "last_review_on": last.isoformat() if last else None, "every_days": 90}
    common = {"rule_kind": "review_cadence", "assignee": assignee, "due_on": due_on, "evidence": evidence, **fields}
    task = outcome(partner, title=f"Hold the business review with {partner.name}", dedupe_key=key, **common)
    request = outcome(
        partner, kind="notification", audience="partner", title="Please propose dates for a business review",
        dedupe_key=f"{key}:partner", **common,
    )  # fmt: skip
    return task, request


def document_pair(partner, *, assignee=None, kind="kyc", situation="missing", document=None, created_at=None):
    """A document alert and the partner's request to upload one (document_compliance, ask_partner)."""
    key = f"document_compliance:{partner.pk}:{kind}:{situation}:{document.pk if document else 'none'}"
    evidence = {"document_kind": kind, "situation": situation, "document_id": document.pk if document else None}
    common = {"rule_kind": "document_compliance", "assignee": assignee, "evidence": evidence}
    alert = outcome(
        partner, kind="alert", title=f"KYC document {situation} for {partner.name}", dedupe_key=key, **common
    )
    request = outcome(
        partner, kind="notification", audience="partner", title="Please upload your KYC document",
        dedupe_key=f"{key}:partner", **common,
    )  # fmt: skip
    if created_at:
        Outcome.objects.filter(pk__in=[alert.pk, request.pk]).update(created_at=created_at)
    return alert, request


def listed(response) -> list[str]:
    return [item.title for item in response.context["page"].object_list]


def counts(response) -> tuple[int, int]:
    shown = response.context["counts"]
    return shown["tasks"]["count"], shown["waiting"]["count"]


# --- which list shows what -----------------------------------------------------------


def test_a_task_waiting_on_the_partner_shows_once_under_waiting_on_partners(staff_client, manager):
    # given: a review task and its request in time, and a task of the manager's own
    partner = PartnerFactory(name="Ledger & Co", owner=manager)
    task, request = review_pair(partner, assignee=manager)
    own = outcome(PartnerFactory(), assignee=manager, title="Re-engage Quiet Ltd")
    # when
    todo = staff_client.get("/inbox/")
    waiting = staff_client.get("/inbox/?tab=waiting")
    # then: the task waits with its request; each list counts its own
    assert listed(todo) == [own.title]
    assert listed(waiting) == [request.title]
    assert counts(todo) == counts(waiting) == (1, 1)
    html = waiting.content.decode()
    assert f"Your task “{escape(task.title)}” waits for this" in html
    assert f"if there is no answer by {request.due_on.day} " in html
    assert 'name="state" value="done"' not in html and "Withdraw the request" in html


def test_when_the_partner_is_late_the_task_comes_back_and_says_so(staff_client, manager):
    # given: the answer was due yesterday
    partner = PartnerFactory(owner=manager)
    task, request = review_pair(partner, assignee=manager, due_on=TODAY() - timedelta(days=1))
    # when
    todo = staff_client.get("/inbox/")
    waiting = staff_client.get("/inbox/?tab=waiting")
    # then: the task is back in "To do"; the request still waits, late, and says where its task went
    assert listed(todo) == [task.title]
    assert listed(waiting) == [request.title]
    assert f"No answer from the partner: “{request.title}” was asked on" in todo.content.decode()
    html = waiting.content.decode()
    assert f"The answer is late: your task “{task.title}” is back in “To do”." in html
    assert "(late)" in html


def test_a_request_without_a_due_date_has_fourteen_days(manager):
    # given: two document requests, asked 13 and 15 days ago
    recent, _ = document_pair(PartnerFactory(), assignee=manager, created_at=timezone.now() - timedelta(days=13))
    old_alert, _ = document_pair(PartnerFactory(), assignee=manager, created_at=timezone.now() - timedelta(days=15))
    mine = OutcomeFilters(assignee=(manager.pk,))
    # when
    tasks = list(inbox_tasks(user=manager, filters=mine))
    waiting = list(inbox_waiting(user=manager, filters=mine))
    # then: the alert of the request asked 15 days ago is back; both requests still wait
    assert tasks == [old_alert]
    assert {item.dedupe_key for item in waiting} == {recent.dedupe_key + ":partner", old_alert.dedupe_key + ":partner"}


def test_a_request_without_a_task_stays_waiting_when_late(manager):
    # given: "please renew your insurance certificate", a reminder to the partner alone, past due
    request = outcome(
        PartnerFactory(), assignee=manager, kind="notification", audience="partner", rule_kind="document_compliance",
        title="Please renew your insurance certificate", due_on=TODAY() - timedelta(days=3),
        dedupe_key="document_compliance:1:insurance:expiring:9",
    )  # fmt: skip
    mine = OutcomeFilters(assignee=(manager.pk,))
    # then
    assert list(inbox_waiting(user=manager, filters=mine)) == [request]
    assert list(inbox_tasks(user=manager, filters=mine)) == []


def test_closed_outcomes_keep_their_own_lists_whatever_the_other_side(manager):
    # given: a task done while its request is still open and in time, and a resolved request
    partner = PartnerFactory()
    task, request = review_pair(partner, assignee=manager)
    Outcome.objects.filter(pk=task.pk).update(state="done")
    _, resolved = review_pair(PartnerFactory(), assignee=manager, state="resolved")
    every_state = OutcomeFilters(assignee=(manager.pk,), state=())
    # when
    tasks = set(inbox_tasks(user=manager, filters=every_state))
    waiting = set(inbox_waiting(user=manager, filters=every_state))
    # then
    assert task in tasks and request in waiting and resolved in waiting
    assert not tasks & waiting


def test_a_waiting_row_says_who_it_waits_on_and_since_when(staff_client, manager):
    # given
    partner = PartnerFactory(name="Helix Health", owner=manager)
    Contact.objects.create(partner=partner, name="Petra Novak", email="petra@helix.example", role="primary")
    Contact.objects.create(partner=partner, name="Sam Sales", email="sam@helix.example", role="sales")
    document_pair(partner, assignee=manager, created_at=timezone.now() - timedelta(days=3))
    asked = TODAY() - timedelta(days=3)
    # when
    html = staff_client.get("/inbox/?tab=waiting").content.decode()
    # then
    assert f'href="/partners/{partner.pk}/">Helix Health</a>' in html
    assert 'href="mailto:petra@helix.example"' in html and "Petra Novak</a>, primary contact" in html
    assert "Sam Sales" not in html
    assert f"{asked.day} {asked.strftime('%b')} {asked.year}" in html and "3\xa0days ago" in html
    assert "14 days after asking" in html


def test_everyones_requests_name_their_manager(staff_client, manager):
    # given
    other = UserFactory(role="manager", first_name="Tom", last_name="Other")
    review_pair(PartnerFactory(), assignee=other)
    # when
    mine = staff_client.get("/inbox/?tab=waiting")
    everyone = staff_client.get("/inbox/?tab=waiting&everyone=on")
    # then
    assert listed(mine) == []
    assert listed(everyone) == ["Please propose dates for a business review"]
    assert "Tom Other" in everyone.content.decode()


def test_filters_apply_to_both_tabs(staff_client, manager):
    # given
    review_pair(PartnerFactory(name="Helix Health"), assignee=manager)
    review_pair(PartnerFactory(name="Nordwind"), assignee=manager)
    # when
    response = staff_client.get("/inbox/?tab=waiting&partner=helix")
    # then
    assert len(listed(response)) == 1
    assert response.context["page"].object_list[0].partner.name == "Helix Health"
    assert counts(response) == (0, 1)


def test_an_htmx_tab_switch_gets_the_results_alone_and_keeps_the_filters_on_that_tab(staff_client, manager):
    # given
    review_pair(PartnerFactory(), assignee=manager)
    # when
    response = staff_client.get("/inbox/?tab=waiting&kind=notification", headers={"HX-Request": "true"})
    # then
    html = response.content.decode()
    assert "<html" not in html and "Please propose dates for a business review" in html
    assert 'id="inbox-tab" value="waiting" hx-swap-oob="true"' in html
    assert 'href="?kind=notification"' in html  # back to "To do" with the same filters
    assert response["HX-Push-Url"] == "/inbox/?tab=waiting&kind=notification"
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("tab", ["", "?tab=waiting"])
@pytest.mark.parametrize("rows", [1, 20])
def test_both_tabs_make_the_same_queries_for_one_row_or_twenty(
    staff_client, manager, tab, rows, django_assert_num_queries
):
    # given: per row, a pair whose partner is late (the task in "To do", the request waiting) and a
    # pair in time (the request waiting), each partner with a primary contact
    for index in range(rows):
        partner = PartnerFactory(owner=manager)
        Contact.objects.create(partner=partner, name="Primary", email=f"p{index}@example.com", role="primary")
        review_pair(partner, assignee=manager, due_on=TODAY() - timedelta(days=1))
        review_pair(partner, assignee=manager, kind="strategy_review")
    # when: session, user, role, the shown tab's count, its page (strategy, version, partner, assignee
    # joined), the other tab's count, the other side of the page's rows, and on the waiting tab the
    # partners' primary contacts
    with django_assert_num_queries(8 if tab else 7):
        response = staff_client.get(f"/inbox/{tab}")
    # then
    assert counts(response) == (rows, 2 * rows)
    assert len(listed(response)) == (2 * rows if tab else rows)
    assert all(row["other"] is not None for row in response.context["rows"])


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(line for (line,) in cursor.fetchall())


@pytest.mark.parametrize("everyone", [False, True])
def test_a_page_of_waiting_requests_walks_its_partial_index(manager, everyone):
    # given: a few hundred tasks, their requests and a closed request, the table analysed
    others = UserFactory()
    for index, partner in enumerate(PartnerFactory.create_batch(150)):
        review_pair(partner, assignee=manager if index % 10 == 0 else others)
    outcome(PartnerFactory(), state="done", audience="partner")
    analyze(Outcome)
    filters = OutcomeFilters() if everyone else OutcomeFilters(assignee=(manager.pk,))
    # when
    plan = _plan(inbox_waiting(user=manager, filters=filters)[:50])
    # then: an ordered walk of the open requests
    index = "outcome_waiting_all" if everyone else "outcome_waiting_mine"
    assert f"Index Scan using {index} on programs_outcome" in plan, plan
    assert "Sort" not in plan, plan


def test_a_page_of_my_tasks_still_walks_my_inbox_index(manager):
    # given
    others = UserFactory()
    for index, partner in enumerate(PartnerFactory.create_batch(150)):
        review_pair(partner, assignee=manager if index % 10 == 0 else others)
    analyze(Outcome)
    # when
    plan = _plan(inbox_tasks(user=manager, filters=OutcomeFilters(assignee=(manager.pk,)))[:50])
    # then: an ordered walk of my outcomes, leaving out those whose request waits (an anti-join)
    assert "Index Scan using outcome_inbox_mine on programs_outcome" in plan, plan
    assert "Sort" not in plan, plan
    assert "Anti Join" in plan, plan


# --- a manager cannot tick a partner's request done ---------------------------------


def test_a_manager_withdraws_a_request_only_with_a_reason(staff_client, manager):
    # given
    _, request = review_pair(PartnerFactory(), assignee=manager)
    url, back = f"/inbox/{request.pk}/close/", "/inbox/?tab=waiting"
    # when
    done = staff_client.post(url, {"state": "done", "next": back}, follow=True)
    no_reason = staff_client.post(url, {"state": "dismissed", "next": back}, follow=True)
    request.refresh_from_db()
    state_after_refusals = request.state
    withdrawn = staff_client.post(url, {"state": "dismissed", "note": "met at the fair", "next": back}, follow=True)
    # then
    assert "it closes when the partner answers it" in done.content.decode()
    assert "Give a reason for withdrawing a request addressed to the partner." in no_reason.content.decode()
    assert state_after_refusals == "open"
    request.refresh_from_db()
    assert request.state == "dismissed"
    assert request.note == f"Withdrawn by {manager.get_full_name()}: met at the fair"
    assert "was withdrawn" in withdrawn.content.decode()
    assert Event.objects.filter(type="outcome.closed", object_id=str(request.pk)).count() == 1


def test_the_api_refuses_done_on_a_partner_request_with_a_stable_code(api_client, manager):
    # given
    _, request = review_pair(PartnerFactory(), assignee=manager)
    task = Outcome.objects.get(dedupe_key=request.dedupe_key.removesuffix(":partner"))
    api_client.force_authenticate(manager)
    # when
    done = api_client.patch(f"/api/v1/outcomes/{request.pk}/", {"state": "done"}, format="json")
    no_reason = api_client.patch(f"/api/v1/outcomes/{request.pk}/", {"state": "dismissed"}, format="json")
    task_done = api_client.patch(f"/api/v1/outcomes/{task.pk}/", {"state": "done"}, format="json")
    withdrawn = api_client.patch(
        f"/api/v1/outcomes/{request.pk}/", {"state": "dismissed", "note": "not needed"}, format="json"
    )
    # then
    assert done.status_code == 409
    assert done.json()["code"] == "outcome_addressed_to_partner"
    assert no_reason.status_code == 400 and "note" in no_reason.json()
    assert task_done.status_code == 200  # the manager's own side is the manager's to tick
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "dismissed"


def test_the_schema_documents_the_409(api_client, manager):
    # given
    api_client.force_authenticate(manager)
    # when
    schema = api_client.get("/api/schema/?format=json").json()
    # then
    operation = schema["paths"]["/api/v1/outcomes/{id}/"]["patch"]
    assert "outcome_addressed_to_partner" in operation["description"]
    assert "409" in operation["responses"]


# --- what the partner does closes the request ------------------------------------------


@pytest.fixture
def financial_partner(manager):
    """An arm's-length financial partner of 400 days with no documents and no review yet."""
    partner = PartnerFactory(name="Ledger & Co", type="financial", engagement="arms_length", owner=manager)
    Partner.objects.filter(pk=partner.pk).update(created_at=timezone.now() - timedelta(days=400))
    return partner


def _run_financial_strategy(manager, capture):
    with capture(execute=True):
        run_start(strategy_id=Strategy.objects.get(partner_type="financial").pk, actor=manager, trigger="manual")


def _partner_user(partner):
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner, role="partner_admin")
    return user


def test_programs_registers_the_strategies_channel():
    assert "strategies" in dict(outbox_channels.channels())


def test_the_partners_upload_resolves_its_request_and_the_managers_alert(
    manager, financial_partner, only_our_channel, django_capture_on_commit_callbacks
):
    # given: the financial strategy asked for a KYC document and an NDA
    _run_financial_strategy(manager, django_capture_on_commit_callbacks)
    request = Outcome.objects.get(partner=financial_partner, title="Please upload your KYC document")
    alert = Outcome.objects.get(partner=financial_partner, dedupe_key=request.dedupe_key.removesuffix(":partner"))
    user = _partner_user(financial_partner)
    # when: the partner uploads it, and the dispatcher (queued by the commit) fans the event out
    document = records.document_add(
        partner_id=financial_partner.pk, actor=user, kind="kyc", title="KYC", file=SimpleUploadedFile("k.pdf", PDF)
    )
    outbox_dispatch()
    # then
    request.refresh_from_db()
    alert.refresh_from_db()
    assert (request.state, alert.state) == ("resolved", "resolved")
    assert request.note == f"Resolved: Ledger & Co uploaded the requested KYC document (document {document.pk})."
    assert alert.note == request.note and request.closed_at is not None
    closed = Event.objects.filter(type="outcome.closed", object_id__in=[str(request.pk), str(alert.pk)])
    assert sorted((event.data["audience"], event.data["state"]) for event in closed) == [
        ("manager", "resolved"), ("partner", "resolved"),
    ]  # fmt: skip
    nda = Outcome.objects.get(partner=financial_partner, title="Please upload your NDA")
    assert nda.state == "open"  # another kind of document is still asked for
    assert not Event.objects.filter(dispatched_at__isnull=True, type="document.uploaded").exists()


def test_a_review_recorded_by_the_manager_resolves_the_request_for_dates(
    manager, financial_partner, only_our_channel, django_capture_on_commit_callbacks
):
    # given
    _run_financial_strategy(manager, django_capture_on_commit_callbacks)
    request = Outcome.objects.get(partner=financial_partner, title="Please propose dates for a business review")
    task = Outcome.objects.get(partner=financial_partner, dedupe_key=request.dedupe_key.removesuffix(":partner"))
    held_on = TODAY() - timedelta(days=1)
    # when
    review = records.review_record(
        partner_id=financial_partner.pk, actor=manager, held_on=held_on, kind="business_review"
    )
    outbox_dispatch()
    # then
    request.refresh_from_db()
    task.refresh_from_db()
    assert (request.state, task.state) == ("resolved", "resolved")
    assert request.note == (
        f"Resolved: a business review held on {held_on.isoformat()} was recorded (review {review.pk})."
    )
    # and the next run agrees: it brings neither back
    _run_financial_strategy(manager, django_capture_on_commit_callbacks)
    assert not Outcome.objects.filter(partner=financial_partner, rule_kind="review_cadence", state="open").exists()


def test_the_channel_is_idempotent(manager):
    # given: a request for a KYC document, answered
    partner = PartnerFactory()
    _, request = document_pair(partner, assignee=manager)
    document = records.document_add(
        partner_id=partner.pk, actor=manager, kind="kyc", title="KYC", file=SimpleUploadedFile("k.pdf", PDF)
    )
    events = list(Event.objects.filter(type="document.uploaded"))
    # when: the same batch fanned out twice
    first = partner_requests_resolve(events=events)
    second = partner_requests_resolve(events=events)
    # then
    assert len(first) == 2 and second == []
    assert Event.objects.filter(type="outcome.closed").count() == 2
    request.refresh_from_db()
    assert f"was uploaded for {partner.name} by staff (document {document.pk})" in request.note


def test_an_older_document_or_review_does_not_answer_the_request(manager):
    # given: a stale KYC document issued in 2024 and a review request counting from last month's review
    partner = PartnerFactory()
    current = records.document_add(
        partner_id=partner.pk, actor=manager, kind="kyc", title="KYC 2024", issued_on=date(2024, 1, 5),
        file=SimpleUploadedFile("k.pdf", PDF),
    )  # fmt: skip
    _, stale = document_pair(partner, situation="stale", document=current)
    last = TODAY() - timedelta(days=30)
    _, asked = review_pair(partner, last=last)
    Event.objects.all().delete()
    # when: an even older KYC document and a review held before the last one are recorded
    records.document_add(
        partner_id=partner.pk, actor=manager, kind="kyc", title="KYC 2023", issued_on=date(2023, 1, 5),
        file=SimpleUploadedFile("k.pdf", PDF),
    )  # fmt: skip
    records.review_record(
        partner_id=partner.pk, actor=manager, held_on=last - timedelta(days=10), kind="business_review"
    )
    resolved = partner_requests_resolve(events=list(Event.objects.all()))
    # then: what the run would still ask stays asked
    assert resolved == []
    assert set(Outcome.objects.filter(pk__in=[stale.pk, asked.pk]).values_list("state", flat=True)) == {"open"}


def test_events_recorded_directly_resolve_only_their_own_partners_requests(manager, only_our_channel):
    # given: two partners asked for the same document
    alpha, bravo = PartnerFactory(), PartnerFactory()
    _, alpha_request = document_pair(alpha)
    _, bravo_request = document_pair(bravo)
    document = records.document_add(
        partner_id=alpha.pk, actor=manager, kind="kyc", title="KYC", file=SimpleUploadedFile("k.pdf", PDF)
    )
    Event.objects.all().delete()
    event = event_record(
        type="document.uploaded", object_type="document", object_id=document.pk, partner_id=alpha.pk,
        data={"id": document.pk, "partner": alpha.pk, "kind": "kyc", "by_partner": True},
    )  # fmt: skip
    # when
    outbox_dispatch()
    # then
    alpha_request.refresh_from_db()
    bravo_request.refresh_from_db()
    assert (alpha_request.state, bravo_request.state) == ("resolved", "open")
    assert f"{alpha.name} uploaded the requested KYC document" in alpha_request.note
    assert Event.objects.get(pk=event.pk).dispatched_at is not None


def test_a_payload_the_channel_cannot_read_changes_nothing_and_fails_nothing(manager):
    # given: a request, and events whose payloads are not what the channel expects
    partner = PartnerFactory()
    _, request = document_pair(partner)
    drafts = [
        ("document.uploaded", {"id": "not a number", "partner": partner.pk, "kind": "kyc"}),
        ("document.uploaded", {"id": 12, "partner": partner.pk, "kind": "passport"}),
        ("review.recorded", {"id": None, "partner": partner.pk}),
        ("review.recorded", {"id": 999999, "partner": partner.pk, "held_on": "yesterday"}),
    ]
    events = [
        event_record(type=type, object_type="record", object_id=1, partner_id=partner.pk, data=data)
        for type, data in drafts
    ]
    # when
    resolved = partner_requests_resolve(events=events)
    # then
    assert resolved == []
    request.refresh_from_db()
    assert request.state == "open"


@pytest.mark.parametrize("count", [1, 20])
def test_a_batch_costs_the_same_queries_for_one_event_or_twenty(manager, count, django_assert_num_queries):
    # given: each partner asked for a KYC document and for review dates, and answering both
    for partner in PartnerFactory.create_batch(count):
        document_pair(partner)
        review_pair(partner)
        records.document_add(
            partner_id=partner.pk, actor=manager, kind="kyc", title="KYC", file=SimpleUploadedFile("k.pdf", PDF)
        )
        records.review_record(partner_id=partner.pk, actor=manager, held_on=TODAY(), kind="business_review")
    events = list(Event.objects.filter(type__in=["document.uploaded", "review.recorded"]))
    # when: the open outcomes (locked), the current documents, one UPDATE, the closed outcomes
    # read and their events inserted
    with CaptureQueriesContext(connection) as captured:
        resolved = partner_requests_resolve(events=events)
    # then
    assert len(resolved) == 4 * count
    assert len(captured) == 5, [query["sql"][:120] for query in captured]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_manager_switches_to_the_waiting_tab_and_withdraws_a_request_in_the_browser(page):
    # given: Maria's partner was asked for review dates; Maria has a task of her own
    from playwright.sync_api import expect

    from tests.factories import DEFAULT_PASSWORD

    manager = UserFactory(
        email="maria@example.com", username="maria@example.com", first_name="Maria", last_name="Manager", role="manager"
    )
    partner = PartnerFactory(name="Helix Health", owner=manager)
    Contact.objects.create(partner=partner, name="Petra Novak", email="petra@helix.example", role="primary")
    _, request = review_pair(partner, assignee=manager)
    outcome(PartnerFactory(name="Quiet Ltd"), assignee=manager, title="Re-engage Quiet Ltd")
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name=re.compile("log in|sign in", re.I)).click()
    expect(page).to_have_url(re.compile(r"/$"))
    # when: open the inbox, then the "Waiting on partners" tab (htmx swaps the results)
    page.goto("/inbox/")
    tabs = page.get_by_role("navigation", name="Inbox lists")
    expect(page.locator("#inbox-results table")).to_contain_text("Re-engage Quiet Ltd")
    expect(page.locator("#inbox-results table")).not_to_contain_text(request.title)
    tabs.get_by_role("link", name="Waiting on partners").click()
    # then
    expect(page).to_have_url(re.compile(r"/inbox/\?tab=waiting$"))
    row = page.locator(f"#outcome-{request.pk}")
    expect(row).to_contain_text("Helix Health")
    expect(row).to_contain_text("Petra Novak")
    expect(row.get_by_role("button", name="Done")).to_have_count(0)
    expect(page.locator("#inbox-tab")).to_have_value("waiting")
    # when: withdraw it with a reason
    row.get_by_text("Withdraw…").click()
    row.get_by_label(f"Why is “{request.title}” no longer needed?").fill("Met at the partner summit")
    row.get_by_role("button", name="Withdraw the request").click()
    # then
    expect(page.get_by_role("alert")).to_contain_text("was withdrawn")
    expect(page).to_have_url(re.compile(r"/inbox/\?tab=waiting$"))
    expect(page.get_by_text("No partner owes you an answer.")).to_be_visible()
    request.refresh_from_db()
    assert (request.state, request.note) == ("dismissed", "Withdrawn by Maria Manager: Met at the partner summit")
