"""The metrics layer reads a batch of partners in a fixed number of queries."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partners.models import Activity, Contact, Partner
from partners.records.models import Agreement, BusinessReview, PartnerDocument, ReportedMetric
from partners.reference import reference
from programs.certifications.models import Certification, CertificationDefinition
from programs.deals.models import Deal
from programs.strategies.facts import partner_facts
from programs.tiers.models import Membership, Program, Tier
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 26)


def _partners_with_records(count: int) -> list[int]:
    partners = PartnerFactory.create_batch(count, regions=["DACH"], verticals=["healthcare"])
    ids = [partner.pk for partner in partners]
    Agreement.objects.bulk_create(
        Agreement(partner_id=pk, kind="reseller", title="Reseller", start_on=TODAY - timedelta(days=300),
                  end_on=TODAY + timedelta(days=30), status="active")
        for pk in ids
    )  # fmt: skip
    PartnerDocument.objects.bulk_create(
        PartnerDocument(partner_id=pk, kind="kyc", title="KYC", file="demo/kyc.pdf", issued_on=TODAY - timedelta(400))
        for pk in ids
    )
    ReportedMetric.objects.bulk_create(
        ReportedMetric(partner_id=pk, key="csat", period_start=TODAY - timedelta(days=60),
                       period_end=TODAY - timedelta(days=31), value=Decimal("4.2"))
        for pk in ids
    )  # fmt: skip
    BusinessReview.objects.bulk_create(
        BusinessReview(partner_id=pk, kind="business_review", held_on=TODAY - timedelta(days=100)) for pk in ids
    )
    Deal.objects.bulk_create(_deal(pk, created_days_ago=days) for pk in ids for days in (20, 1000))
    program = Program.objects.get_or_create(name="Channel", slug="channel", partner_types=["channel"])[0]
    entry = Tier.objects.get_or_create(program=program, rank=1, name="Registered")[0]
    Tier.objects.get_or_create(program=program, rank=2, name="Gold", min_certified={"healthcare": 2})
    Membership.objects.bulk_create(Membership(partner_id=pk, program=program, tier=entry, since=TODAY) for pk in ids)
    definition, _ = CertificationDefinition.objects.get_or_create(
        name="Clinical integration", defaults={"vertical_id": "healthcare", "validity_months": 24}
    )
    contacts = Contact.objects.bulk_create(Contact(partner_id=pk, name="Ada", email="ada@example.com") for pk in ids)
    Certification.objects.bulk_create(
        Certification(partner_id=contact.partner_id, contact=contact, definition=definition, state=state,
                      earned_on=TODAY - timedelta(days=days // 2), expires_on=TODAY + timedelta(days=days))
        for contact in contacts for state, days in (("verified", 300), ("pending", 200))
    )  # fmt: skip
    return ids


def _deal(partner_id, *, created_days_ago, state="submitted", closed_days_ago=None, closed_amount=None) -> Deal:
    created = timezone.make_aware(datetime.combine(TODAY - timedelta(days=created_days_ago), time(12)))
    return Deal(
        partner_id=partner_id, customer_company="Acme", company_key="acme", customer_domain="acme.com",
        amount=Decimal("100"), currency="EUR", expected_close_on=TODAY, state=state, created_at=created,
        protected_until=created if state == "approved" else None,
        closed_on=TODAY - timedelta(days=closed_days_ago) if closed_days_ago is not None else None,
        closed_amount=closed_amount,
    )  # fmt: skip


def _queries(ids) -> int:
    with CaptureQueriesContext(connection) as captured:
        facts = partner_facts(partner_ids=ids, today=TODAY)
    assert len(facts) == len(ids)
    return len(captured.captured_queries)


def test_the_query_count_is_the_same_for_10_and_500_partners():
    # given
    reference()  # the regions come from the cache, warm in production
    small, large = _partners_with_records(10), _partners_with_records(500)
    # when / then
    assert _queries(small) == _queries(large) <= 12


def test_facts_carry_what_the_rules_need():
    # given
    partner = PartnerFactory(regions=["DACH", "JP"], status=Partner.Status.ONBOARDING)
    BusinessReview.objects.create(partner=partner, kind="strategy_review", held_on=TODAY - timedelta(days=10))
    BusinessReview.objects.create(partner=partner, kind="strategy_review", held_on=TODAY - timedelta(days=200))
    Activity.objects.create(
        partner=partner, kind=Activity.Kind.STATUS_CHANGED, message="to onboarding",
        data={"from": "prospect", "to": "onboarding"},
    )  # fmt: skip
    ReportedMetric.objects.create(
        partner=partner, key="sla_compliance_pct", period_start=TODAY - timedelta(days=30),
        period_end=TODAY - timedelta(days=1), value=Decimal("93.5"),
    )  # fmt: skip
    # when
    facts = partner_facts(partner_ids=[partner.pk], today=TODAY)[partner.pk]
    # then
    assert set(facts.regions) == {"DACH", "EMEA", "JP", "APAC", "GLOBAL"}
    assert facts.last_review_on == {"strategy_review": TODAY - timedelta(days=10)}
    assert facts.onboarding_started_on is not None
    assert [(m.key, m.value) for m in facts.metrics] == [("sla_compliance_pct", 93.5)]
    assert facts.today == TODAY


def test_facts_carry_the_partners_deals_of_the_history_window_and_its_newest_registration():
    # given: one deal won recently, one lost two years and more ago but registered long before, one
    # only registered long ago
    partner, quiet, other = PartnerFactory(), PartnerFactory(), PartnerFactory()
    won = _deal(partner.pk, created_days_ago=50, state="won", closed_days_ago=5, closed_amount=Decimal("1234.50"))
    Deal.objects.bulk_create(
        [
            won,
            _deal(partner.pk, created_days_ago=900, state="lost", closed_days_ago=800),
            _deal(quiet.pk, created_days_ago=1000),
            _deal(other.pk, created_days_ago=3),
        ]
    )
    # when
    facts = partner_facts(partner_ids=[partner.pk, quiet.pk], today=TODAY)
    # then: what happened within the history counts; the newest registration is known however old
    (fact,) = facts[partner.pk].deals
    assert (fact.state, fact.closed_on, fact.closed_amount, fact.currency) == (
        "won",
        TODAY - timedelta(5),
        1234.5,
        "EUR",
    )
    assert fact.registered_on == TODAY - timedelta(days=50)
    assert facts[partner.pk].last_deal_on == TODAY - timedelta(days=50)
    assert facts[quiet.pk].deals == ()
    assert facts[quiet.pk].last_deal_on == TODAY - timedelta(days=1000)


def test_memberships_carry_their_programs_tiers_lowest_first():
    # given
    [pk] = _partners_with_records(1)
    # when
    [membership] = partner_facts(partner_ids=[pk], today=TODAY)[pk].memberships
    # then
    assert (membership.program_slug, membership.tier.name, membership.state) == ("channel", "Registered", "ok")
    assert [(tier.name, dict(tier.min_certified)) for tier in membership.tiers] == [
        ("Registered", {}),
        ("Gold", {"healthcare": 2}),
    ]


def test_facts_carry_verified_and_pending_certifications_but_not_rejected_nor_long_expired_ones():
    # given: of one contact's certifications, one verified and current, one pending, one rejected,
    # one expired 200 days ago (kept) and one expired two years ago (dropped)
    partner, other = PartnerFactory(), PartnerFactory()
    contact = Contact.objects.create(partner=partner, name="Ada", email="ada@example.com")
    stranger = Contact.objects.create(partner=other, name="Bob", email="bob@example.com")
    healthcare = CertificationDefinition.objects.create(name="Clinical", vertical_id="healthcare")
    finance = CertificationDefinition.objects.create(name="Payments", vertical_id="financial-services")

    def certification(definition, state, earned_days_ago, expires_in, holder=contact):
        return Certification.objects.create(
            partner_id=holder.partner_id, contact=holder, definition=definition, state=state,
            rejection_reason="no" if state == "rejected" else "",
            earned_on=TODAY - timedelta(days=earned_days_ago), expires_on=TODAY + timedelta(days=expires_in),
        )  # fmt: skip

    current = certification(healthcare, "verified", 100, 300)
    pending = certification(finance, "pending", 10, 700)
    certification(healthcare, "rejected", 20, 700)
    lapsed = certification(finance, "verified", 900, -200)
    certification(healthcare, "verified", 1500, -730)
    certification(healthcare, "verified", 10, 700, holder=stranger)
    # when
    facts = partner_facts(partner_ids=[partner.pk], today=TODAY)[partner.pk]
    # then
    assert sorted((c.id, c.vertical, c.verified, c.expires_on) for c in facts.certifications) == [
        (current.pk, "healthcare", True, TODAY + timedelta(days=300)),
        (pending.pk, "financial-services", False, TODAY + timedelta(days=700)),
        (lapsed.pk, "financial-services", True, TODAY - timedelta(days=200)),
    ]
    assert facts.certified_contacts("healthcare") == 1
    assert facts.certified_contacts("financial-services") == 0
