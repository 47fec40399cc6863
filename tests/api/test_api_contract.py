"""The promises every API resource keeps, checked over the router itself, so a resource added later
is covered without anyone remembering to: one guarded base, and bad query strings answered with a
400 naming the parameter — never a 500, never a silently widened list."""

import uuid
from datetime import date

import pytest

from partners.imports.models import Import, ImportFile
from partners.invitations.models import Invitation
from partners.models import Partner
from partners.notifications.models import EmailBounce, Notification
from partners.records.models import Agreement, BusinessReview, PartnerDocument, ReportedMetric
from partners.services import api_token_create, contact_add
from partners.webhooks.models import WebhookSubscription
from prm.api import ScopedViewSet
from prm.api_urls import router
from programs.applications.services import application_submit
from programs.certifications.models import Certification, CertificationDefinition
from programs.deals.services import deal_register
from programs.leads.services import lead_create
from programs.strategies.models import Outcome, Strategy, StrategyRun
from programs.tiers.models import DowngradeProposal, Membership, Program, Tier
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db

LISTS = [(prefix, viewset) for prefix, viewset, _ in router.registry if hasattr(viewset, "list")]


def test_every_registered_viewset_uses_the_guarded_base():
    # when
    outside = [prefix for prefix, viewset, _ in router.registry if not issubclass(viewset, ScopedViewSet)]
    # then
    assert router.registry, "no viewsets registered?"
    assert outside == []


@pytest.mark.parametrize("attribute", ["get_queryset", "queryset"])
def test_a_resource_cannot_replace_its_scoped_queryset_by_accident(attribute):
    # when / then: defining it fails at once, at import time
    with pytest.raises(TypeError, match="scoped_queryset"):
        type("Careless", (ScopedViewSet,), {attribute: lambda self: None})


@pytest.fixture
def every_list_has_rows(admin_user, manager):
    """At least one row in every list an administrator reads, so a widened answer would show."""
    partner = PartnerFactory(name="Helix", owner=manager)
    contact_add(partner_id=partner.pk, actor=manager, name="Ines", email="ines@helix.example")
    today = date(2026, 11, 1)
    Agreement.objects.create(partner=partner, kind="reseller", title="Reseller", start_on=today)
    PartnerDocument.objects.create(partner=partner, kind="kyc", title="KYC", file="x/kyc.pdf")
    ReportedMetric.objects.create(partner=partner, key="csat", period_start=today, period_end=today, value=4)
    BusinessReview.objects.create(partner=partner, kind="business_review", held_on=today)
    strategy = Strategy.objects.get(partner_type=partner.type)
    run = StrategyRun.objects.create(strategy=strategy, version=strategy.current_version, trigger="manual")
    Outcome.objects.create(
        partner=partner, strategy=strategy, version=strategy.current_version, run=run, rule_kind="inactivity",
        kind="task", title="Call", explanation="Quiet", dedupe_key="a", assignee=admin_user,
    )  # fmt: skip
    Invitation.objects.create(email="new@helix.example", role="partner_member", partner=partner)
    api_token_create(user=admin_user)
    Notification.objects.create(
        user=admin_user, event_uid=uuid.uuid4(), event_type="run.finished", category="runs", delivery="off", title="Run"
    )
    EmailBounce.objects.create(email="bounced@helix.example")
    WebhookSubscription.objects.create(url="https://93.184.216.34/hook", event_types=["*"], secret="whsec_x")
    stored = ImportFile.objects.create(
        kind="partners", name="p.csv", file="imports/p.csv", size=10, sha256="0" * 64, encoding="utf-8",
        delimiter=",", header=["name"], rows=1, created_by=admin_user,
    )  # fmt: skip
    Import.objects.create(file=stored, kind="partners", created_by=admin_user)
    Partner.objects.filter(pk=partner.pk).update(status="active")
    deal_register(
        partner_id=partner.pk, actor=None, customer_company="Acme", customer_domain="acme.example", amount=1,
        currency="EUR", expected_close_on=date(2099, 1, 1),
    )  # fmt: skip
    lead_create(actor=admin_user, company="Prospect", country="DE")
    clinical = CertificationDefinition.objects.create(name="Clinical integration", vertical_id="healthcare")
    Certification.objects.create(
        partner=partner,
        contact=partner.contacts.get(),
        definition=clinical,
        earned_on=today,
        expires_on=date(2099, 1, 1),
    )
    application_submit(
        company="Applicant", website="applicant.example", country="DE", requested_type="channel", verticals=[],
        regions=["DACH"], contact_name="Jana", contact_email="jana@applicant.example",
    )  # fmt: skip
    program = Program.objects.create(name="Channel", slug="channel", partner_types=[partner.type])
    entry = Tier.objects.create(program=program, name="Registered", rank=1)
    gold = Tier.objects.create(program=program, name="Gold", rank=2)
    membership = Membership.objects.create(partner=partner, program=program, tier=gold, since=today)
    DowngradeProposal.objects.create(membership=membership, partner=partner, from_tier=gold, to_tier=entry)


def _parameters(viewset) -> list[str]:
    names = {"page", "page_size"}
    if viewset.filterset_class is not None:
        names |= set(viewset.filterset_class.base_filters)
    if viewset.filter_form_class is not None:
        names |= set(viewset.filter_form_class.base_fields)
    return sorted(names)


def _count(response) -> int:
    body = response.json()
    return body["count"] if isinstance(body, dict) and "count" in body else len(body)


BAD_VALUES = ["²", "٣", "9" * 40, "", " "]


@pytest.mark.parametrize(("prefix", "viewset"), LISTS, ids=[prefix for prefix, _ in LISTS])
def test_bad_query_strings_are_a_400_naming_the_parameter(api_client, admin_user, every_list_has_rows, prefix, viewset):
    # given
    api_client.force_authenticate(admin_user)
    url = f"/api/v1/{prefix}/"
    unfiltered = api_client.get(url)
    assert unfiltered.status_code == 200, unfiltered.content
    assert _count(unfiltered) > 0, f"{prefix}: give the list a row so a widened answer would show"
    problems = []
    # when: an unknown name, each parameter repeated, then each with bad values
    unknown = api_client.get(url, {"no_such_filter": "1"})
    if unknown.status_code != 400 or "no_such_filter" not in unknown.json():
        problems.append(("no_such_filter", "1", unknown.status_code))
    for name in _parameters(viewset):
        repeated = api_client.get(f"{url}?{name}=1&{name}=2")
        if repeated.status_code != 400 or name not in repeated.json():
            problems.append((name, "repeated", repeated.status_code))
        for value in BAD_VALUES:
            response = api_client.get(url, {name: value})
            if response.status_code == 400 and name in response.json():
                continue
            # a text filter may take any text; then it narrows, never widens
            if response.status_code == 200 and _count(response) < _count(unfiltered):
                continue
            problems.append((name, value, response.status_code))
    # then
    assert problems == []
