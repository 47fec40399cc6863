"""Agreement templates (placeholders, versions, which one applies) and their acceptance by a
partner admin: what is recorded, who is refused, and the portal gate of a program requiring it."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from partners.models import Activity
from partners.outbox.models import Event
from partners.records.models import Agreement
from prm.errors import FieldErrors
from programs.onboarding.models import AgreementAcceptance
from programs.onboarding.selectors import add_months, agreement_due, current_template
from programs.onboarding.services import (
    AgreementAdminOnly,
    AgreementChanged,
    agreement_accept,
    agreement_template_retire,
)
from programs.onboarding.text import placeholder_errors, render
from tests.programs.onboarding.conftest import login, make_program, publish

pytestmark = pytest.mark.django_db


# --- placeholders ---------------------------------------------------------------------


def test_unknown_placeholders_are_field_errors_and_nothing_is_published():
    # when
    with pytest.raises(FieldErrors) as caught:
        publish(body="Hello {partner_name}, {partner_nmae} and {partner_name.__class__}")
    # then
    messages = caught.value.errors["body"]
    assert len(messages) == 2
    assert "Unknown placeholder {partner_nmae}" in messages[0]
    assert "{partner_name.__class__}" in messages[1]
    assert not current_template(partner=type("P", (), {"type": "channel", "regions": []})())


def test_rendering_fills_known_placeholders_once_and_reads_nothing_else():
    # given: a partner whose name itself looks like a placeholder or a template tag
    values = {"partner_name": "{date} {{ secret }}", "date": "4 December 2026"}
    # when
    text = render("To {partner_name}, on {date}; {unknown} stays; {% now %}", values)
    # then
    assert text == "To {date} {{ secret }}, on 4 December 2026; {unknown} stays; {% now %}"
    assert placeholder_errors("{partner_name} {date} {valid_until} {partner_country}") == []


def test_an_acceptance_renders_the_text_for_the_partner_with_its_dates(alpha):
    # given
    make_program()
    template = publish()
    admin = login(alpha)
    today = timezone.localdate()
    # when
    acceptance = agreement_accept(
        partner_id=alpha.pk, actor=admin, template_id=template.pk, typed_name="Ada Lovelace", ip="203.0.113.9"
    )
    # then
    ends = add_months(today, 12) - timedelta(days=1)
    assert acceptance.text == (
        f"This agreement between Example Corp and Alpha Channel (Germany) starts on {today:%-d %B %Y}, "
        f"until {ends:%-d %B %Y}."
    )


# --- which template applies -----------------------------------------------------------


def test_the_most_specific_region_wins_then_any_region_then_nothing(alpha, bravo):
    # given: alpha is in DACH (EMEA, GLOBAL), bravo in NORDICS (EMEA, GLOBAL)
    general = publish(name="Any region")
    emea = publish(name="EMEA", region_id="EMEA")
    dach = publish(name="DACH", region_id="DACH")
    publish(name="Sales", partner_type="sales")
    publish(name="Americas", region_id="AMER")
    # then
    assert current_template(partner=alpha) == dach
    assert current_template(partner=bravo) == emea
    # when: the EMEA version is retired, bravo falls back to the general one
    agreement_template_retire(template_id=emea.pk, actor=None)
    assert current_template(partner=bravo) == general
    alpha.type = "support"
    assert current_template(partner=alpha) is None


def test_a_new_version_is_current_alone_and_numbered_after_the_last():
    # given
    first = publish()
    # when
    second = publish(body="Version two for {partner_name}.")
    # then
    first.refresh_from_db()
    assert (first.version, first.is_current) == (1, False)
    assert (second.version, second.is_current) == (2, True)


# --- acceptance -----------------------------------------------------------------------


def test_an_admin_accepts_with_typed_name_time_and_ip_and_an_active_agreement_is_recorded(alpha):
    # given
    template = publish(months=None)
    admin = login(alpha)
    # when
    acceptance = agreement_accept(
        partner_id=alpha.pk, actor=admin, template_id=template.pk, typed_name="  ada   LOVELACE ", ip="203.0.113.9"
    )
    # then
    assert acceptance.typed_name == "ada LOVELACE"
    assert acceptance.ip == "203.0.113.9"
    assert acceptance.user == admin
    assert abs((timezone.now() - acceptance.accepted_at).total_seconds()) < 60
    agreement = acceptance.agreement
    assert (agreement.status, agreement.start_on, agreement.end_on) == ("active", timezone.localdate(), None)
    assert agreement.kind == "reseller"
    event = Event.objects.get(type="agreement.accepted")
    assert event.partner_id == alpha.pk
    assert event.data["typed_name"] == "ada LOVELACE" and event.data["version"] == 1
    assert Activity.objects.filter(partner=alpha, data__acceptance=acceptance.pk).exists()


def test_a_member_is_refused_and_nothing_is_stored(alpha):
    # given
    template = publish()
    member = login(alpha, role="partner_member")
    # when
    with pytest.raises(AgreementAdminOnly):
        agreement_accept(partner_id=alpha.pk, actor=member, template_id=template.pk, typed_name="Ada Lovelace")
    # then
    assert not AgreementAcceptance.objects.exists()
    assert not Agreement.objects.exists()
    assert not Event.objects.filter(type="agreement.accepted").exists()


def test_an_admin_of_another_partner_is_refused(alpha, bravo):
    template = publish()
    with pytest.raises(AgreementAdminOnly):
        agreement_accept(partner_id=alpha.pk, actor=login(bravo), template_id=template.pk, typed_name="Ada Lovelace")
    assert not AgreementAcceptance.objects.exists()


def test_the_typed_name_must_be_the_logins_name(alpha):
    # given
    template = publish()
    admin = login(alpha)
    # when
    with pytest.raises(FieldErrors) as caught:
        agreement_accept(partner_id=alpha.pk, actor=admin, template_id=template.pk, typed_name="Somebody Else")
    # then
    assert caught.value.errors["typed_name"] == ["Type your name as it is on your login: Ada Lovelace."]
    assert not AgreementAcceptance.objects.exists()


def test_a_login_without_a_name_must_type_one(alpha):
    template = publish()
    admin = login(alpha, first_name="", last_name="")
    with pytest.raises(FieldErrors):
        agreement_accept(partner_id=alpha.pk, actor=admin, template_id=template.pk, typed_name="  ")
    accepted = agreement_accept(partner_id=alpha.pk, actor=admin, template_id=template.pk, typed_name="A. Admin")
    assert accepted.typed_name == "A. Admin"


def test_a_version_published_meanwhile_is_refused_and_accepting_twice_records_once(alpha):
    # given
    first = publish()
    admin = login(alpha)
    once = agreement_accept(partner_id=alpha.pk, actor=admin, template_id=first.pk, typed_name="Ada Lovelace")
    # when: accepting the same version again
    again = agreement_accept(partner_id=alpha.pk, actor=admin, template_id=first.pk, typed_name="Ada Lovelace")
    # then
    assert again == once
    # when: a new version is published, the old one's form is refused
    second = publish(body="Second version for {partner_name}.")
    with pytest.raises(AgreementChanged):
        agreement_accept(partner_id=alpha.pk, actor=admin, template_id=first.pk, typed_name="Ada Lovelace")
    # then: accepting the new one expires the agreement of the old acceptance
    agreement_accept(partner_id=alpha.pk, actor=admin, template_id=second.pk, typed_name="Ada Lovelace")
    assert sorted(Agreement.objects.filter(partner=alpha).values_list("status", flat=True)) == ["active", "expired"]
    assert AgreementAcceptance.objects.filter(partner=alpha).count() == 2


def test_valid_months_end_the_agreement_the_day_before_the_same_date():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 12, 4), 12) == date(2027, 12, 4)


# --- the portal gate ------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_required_agreement_gates_every_portal_page_until_an_admin_accepts(alpha):
    # given
    make_program(types=("channel",))
    template = publish()
    admin = login(alpha)
    member = login(alpha, role="partner_member", first_name="Bob", last_name="Member")
    client, member_client = _client(admin), _client(member)
    # when / then: every portal page goes to the agreement, which itself opens
    for path in ("/partner/", "/partner/deals/", "/partner/contacts/", "/partner/onboarding/"):
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, "/partner/agreement/"), path
    assert client.post("/partner/contacts/new/", {"name": "X"})["Location"] == "/partner/agreement/"
    htmx = client.get("/partner/deals/", headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == "/partner/agreement/"
    page = member_client.get("/partner/agreement/")
    assert page.status_code == 200
    assert "Only a partner admin can accept" in page.content.decode()
    assert "Ada Lovelace" in page.content.decode()  # the member is told whom to ask
    assert "This agreement between Example Corp and Alpha Channel" in page.content.decode()
    # when: a member posts an acceptance
    refused = member_client.post(
        "/partner/agreement/", {"template": template.pk, "typed_name": "Bob Member", "confirm": "on"}
    )
    # then
    assert refused.status_code == 403
    assert not AgreementAcceptance.objects.exists()
    # when: the admin accepts
    accepted = client.post(
        "/partner/agreement/",
        {"template": template.pk, "typed_name": "Ada Lovelace", "confirm": "on"},
        REMOTE_ADDR="198.51.100.7",
    )
    # then
    assert (accepted.status_code, accepted["Location"]) == (302, "/partner/")
    assert AgreementAcceptance.objects.get().ip == "198.51.100.7"
    assert client.get("/partner/deals/").status_code == 200
    assert member_client.get("/partner/").status_code == 200


def test_a_wrong_name_or_no_tick_is_shown_next_to_the_fields(alpha):
    make_program()
    template = publish()
    response = _client(login(alpha)).post("/partner/agreement/", {"template": template.pk, "typed_name": "Nobody"})
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["confirm"] == ["Tick this box to accept the agreement."]
    assert form.errors["typed_name"] == ["Type your name as it is on your login: Ada Lovelace."]
    response = _client(login(alpha, first_name="Cy", last_name="Admin")).post(
        "/partner/agreement/", {"template": template.pk, "typed_name": "Nobody", "confirm": "on"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["typed_name"] == ["Type your name as it is on your login: Cy Admin."]
    assert not AgreementAcceptance.objects.exists()


def test_only_programs_requiring_it_for_the_partners_type_gate(alpha):
    # given: a template, but no program requiring it for channel partners
    publish()
    make_program(types=("sales",), name="Sales program")
    make_program(types=("channel",), requires_agreement=False, name="Open program")
    make_program(types=("channel",), active=False, name="Old program")
    # then
    assert agreement_due(partner=alpha) is False
    assert _client(login(alpha)).get("/partner/").status_code == 200
    # when: a program requires it, but no template exists for the type
    alpha.type = "support"
    alpha.save(update_fields=["type"])
    make_program(types=("support",), name="Support program")
    assert agreement_due(partner=alpha) is False


def test_a_new_version_gates_again_until_it_is_accepted(alpha):
    # given
    make_program()
    first = publish()
    admin = login(alpha)
    agreement_accept(partner_id=alpha.pk, actor=admin, template_id=first.pk, typed_name="Ada Lovelace")
    assert agreement_due(partner=alpha) is False
    # when
    publish(body="New terms for {partner_name}.")
    # then
    assert agreement_due(partner=alpha) is True
    assert _client(admin).get("/partner/")["Location"] == "/partner/agreement/"
