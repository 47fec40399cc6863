"""The metrics layer reads a batch of partners in a fixed number of queries."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partners.models import Activity, Partner
from partners.records.models import Agreement, BusinessReview, PartnerDocument, ReportedMetric
from partners.reference import reference
from programs.strategies.facts import partner_facts
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
    return ids


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
    assert _queries(small) == _queries(large) <= 6


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
