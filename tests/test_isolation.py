"""Isolation proof: a login of partner A walks every URL of the site and the API with the ids of
partner B's objects, and never reads or changes any of them.

The walk covers every URL pattern, so a URL added later is covered without anyone remembering to.
"""

import itertools
import re
from datetime import date

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver

from partners.imports.models import Import, ImportFile, ImportRow
from partners.invitations.models import Invitation
from partners.models import Activity, Contact, PartnerUser
from partners.notifications.models import Notification
from partners.outbox.services import event_record
from partners.records.models import Agreement, BusinessReview, PartnerDocument, ReportedMetric
from partners.services import api_token_create
from partners.webhooks.models import WebhookDelivery, WebhookSubscription
from programs.applications.models import PartnerApplication
from programs.applications.services import application_submit
from programs.certifications.models import Certification, CertificationDefinition
from programs.deals.models import Deal
from programs.deals.services import deal_register
from programs.leads.models import Lead
from programs.leads.services import lead_assign_manually, lead_create
from programs.onboarding.models import (
    AgreementAcceptance,
    AgreementTemplate,
    Onboarding,
    OnboardingItem,
    OnboardingStep,
    OnboardingTemplate,
)
from programs.strategies.models import Outcome, Strategy, StrategyRun
from programs.tiers.models import DowngradeProposal, Membership, Program, Tier
from programs.tiers.services import membership_change_tier, membership_create
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db
SECRET = "Zanzibar-Quokka"  # appears only in partner B's data


def _patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern).lstrip("^").removesuffix("\\Z").rstrip("$")
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


def _paths(route: str, values: dict[str, list[str]]) -> list[str]:
    """Concrete paths for a route, each parameter filled with every candidate value."""
    route = route.lstrip("^").rstrip("$").replace("\\Z", "")
    names = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)", route)
    names = [a or b for a, b in names]
    if "(?P<format>" in route or "\\.(?P<format>" in route:
        return []  # DRF's format suffixes add nothing
    paths = []
    for combo in itertools.product(*(values.get(name, values["*"]) for name in names)):
        path = route
        for value in combo:
            path = re.sub(r"<(?:\w+:)?\w+>|\(\?P<\w+>[^)]*\)", value, path, count=1)
        paths.append("/" + path.replace("\\", ""))
    return paths or ["/" + route.replace("\\", "")]


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    """The walk sends thousands of API requests in seconds; throttling is tested on its own, and a
    429 here would hide the answer the walk is looking for."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"},
    }


# A's own objects get ids far from B's, so a path filled with one of B's ids never names one of A's
A_IDS = 10**9


@pytest.fixture
def two_partners(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the import's stored file
    alpha = PartnerFactory(name="Alpha Labs", type="business", pk=A_IDS)
    bravo = PartnerFactory(
        name=f"Bravo {SECRET}", type="business", website="https://bravo.example", external_id="crm-bravo"
    )
    contact = Contact.objects.create(partner=bravo, name=f"Ines {SECRET}", email="ines@bravo.example", role="primary")
    Activity.objects.create(partner=bravo, kind="note", message=f"Met {SECRET}")
    today = date(2026, 11, 1)
    records = [
        Agreement.objects.create(partner=bravo, kind="reseller", title=f"Deal {SECRET}", start_on=today),
        PartnerDocument.objects.create(partner=bravo, kind="kyc", title=f"KYC {SECRET}", file="x/kyc.pdf"),
        ReportedMetric.objects.create(partner=bravo, key="csat", period_start=today, period_end=today, value=4),
        BusinessReview.objects.create(partner=bravo, kind="business_review", held_on=today, notes=SECRET),
    ]
    strategy = Strategy.objects.get(partner_type="business")
    run = StrategyRun.objects.create(strategy=strategy, version=strategy.current_version, trigger="manual")
    outcome = Outcome.objects.create(
        partner=bravo, strategy=strategy, version=strategy.current_version, run=run, rule_kind="inactivity",
        kind="task", title=f"Call {SECRET}", explanation=SECRET, dedupe_key="b", audience="partner",
    )  # fmt: skip
    bravo_user = UserFactory(is_staff=False, first_name=SECRET)
    PartnerUser.objects.create(user=bravo_user, partner=bravo, role="partner_admin")
    token, _ = api_token_create(user=bravo_user)
    invitation = Invitation.objects.create(email=f"{SECRET}@bravo.example", role="partner_member", partner=bravo)
    hook = WebhookSubscription.objects.create(
        url="https://93.184.216.34/bravo",
        event_types=["partner.*"],
        partner=bravo,
        description=SECRET,
        secret="whsec_b",
    )
    event = event_record(
        type="partner.updated", object_type="partner", object_id=bravo.pk, partner_id=bravo.pk, data={}
    )
    delivery = WebhookDelivery.objects.create(subscription=hook, event=event, object_key="b", state="failed")
    ids = [bravo.pk, contact.pk, outcome.pk, run.pk, bravo_user.pk, invitation.pk, *(record.pk for record in records)]
    ids += [hook.pk, delivery.pk]
    bravo.status = "active"
    bravo.save(update_fields=["status"])
    deal = deal_register(
        partner_id=bravo.pk, actor=None, customer_company=f"Customer {SECRET}",
        customer_domain="bravo-customer.example", amount=1, currency="EUR", expected_close_on=date(2099, 1, 1),
        notes=SECRET,
    )  # fmt: skip
    ids += [deal.pk]
    lead = lead_create(actor=None, company=f"Lead {SECRET}", country="DE", notes=SECRET)
    if lead.partner_id != bravo.pk:  # business partners take no leads by the default rules: assign by hand
        lead = lead_assign_manually(lead_id=lead.pk, partner_id=bravo.pk, actor=None)
    ids += [lead.pk]
    notification = Notification.objects.create(
        user=bravo_user, event_uid=event.uid, event_type="outcome.created", category="requests",
        delivery="immediately", partner_id=bravo.pk, title=f"Request {SECRET}", link="/partner/",
    )  # fmt: skip
    ids += [notification.pk]
    # a certification of B's contact, with its certificate, waiting for verification
    clinical = CertificationDefinition.objects.create(name="Clinical integration", vertical_id="healthcare")
    certification = Certification(
        partner=bravo, contact=contact, definition=clinical, earned_on=today, expires_on=date(2099, 1, 1)
    )
    certification.evidence.save("bravo.pdf", ContentFile(f"%PDF-1.4 {SECRET}".encode()), save=False)
    certification.save()
    ids += [certification.pk, clinical.pk]
    # B's onboarding (of the business checklist, which A's type shares: an item is B's only through
    # B's onboarding) and B's acceptance of the business agreement (whose text names B)
    checklist = OnboardingTemplate.objects.create(name="Business onboarding", partner_type="business")
    item = OnboardingItem.objects.create(template=checklist, title="Kick-off call")
    OnboardingItem.objects.create(template=checklist, title="Training", position=2)
    onboarding = Onboarding.objects.create(partner=bravo, template=checklist, started_on=today)
    OnboardingStep.objects.create(onboarding=onboarding, item=item)
    template = AgreementTemplate.objects.create(
        name="Business agreement", kind="reseller", partner_type="business", body="Between us and {partner_name}."
    )
    signed = Agreement.objects.create(partner=bravo, kind="reseller", title=f"Signed {SECRET}", start_on=today)
    acceptance = AgreementAcceptance.objects.create(
        partner=bravo, template=template, agreement=signed, user=bravo_user, typed_name=f"Ines {SECRET}",
        ip="192.0.2.1", text=f"Between us and Bravo {SECRET}.",
    )  # fmt: skip
    ids += [onboarding.pk, item.pk, template.pk, signed.pk, acceptance.pk]
    # an import of B's data (imports are staff-only: a partner login must find none of them)
    stored = ImportFile(
        kind="partners", name=f"{SECRET}.csv", size=40, sha256="0" * 64, encoding="utf-8", delimiter=",",
        header=["name", "external_id"],
    )  # fmt: skip
    stored.file.save("isolation.csv", ContentFile(f"name,external_id\nBravo {SECRET},crm-bravo\n".encode()), save=False)
    stored.save()
    imported = Import.objects.create(
        file=stored, kind="partners", dry_run=True, state="done", rows_total=1, rows_done=1, updated=1
    )
    ImportRow.objects.create(
        run=imported, number=2, action="update", object_id=bravo.pk, label=f"Bravo {SECRET}",
        changes={"name": ["Bravo", f"Bravo {SECRET}"]},
    )  # fmt: skip
    ids += [imported.pk]
    # an application (staff-only: no partner login reads one, not even the applicant's own)
    application = application_submit(
        company=f"Applicant {SECRET}", website="bravo-applicant.example", country="DE", requested_type="channel",
        verticals=["healthcare"], regions=["DACH"], contact_name=SECRET, contact_email="ines@bravo-applicant.example",
        message=SECRET,
    )  # fmt: skip
    PartnerApplication.objects.filter(pk=application.pk).update(partner=bravo)
    ids += [application.pk]
    # B in a program for its type: the program and its tiers are shared reference data (named
    # without the secret); B's membership, tier history and downgrade proposal are B's own
    program = Program.objects.create(name="Business Program", slug="business-program", partner_types=["business"])
    entry = Tier.objects.create(program=program, name="Registered", rank=1)
    gold = Tier.objects.create(program=program, name="Gold", rank=2, min_health_score=90)
    membership = membership_create(partner_id=bravo.pk, program_id=program.pk, actor=None, reason=f"Joined {SECRET}")
    membership_change_tier(membership_id=membership.pk, tier_id=gold.pk, actor=None, reason=f"Promoted {SECRET}")
    Membership.objects.filter(pk=membership.pk).update(state="proposed_downgrade")
    proposal = DowngradeProposal.objects.create(
        membership=membership, partner=bravo, from_tier=gold, to_tier=entry, evidence={"note": SECRET}
    )
    ids += [program.pk, entry.pk, gold.pk, membership.pk, proposal.pk]
    values = {
        "*": [str(pk) for pk in sorted(set(ids))],
        "prefix": [token.token_key],
        "external_id": ["crm-bravo"],
        # a nested object's slot takes B's object of that kind, while the slot before it takes
        # every id of B (the whole product, squared, would walk every such route ~150 times more)
        "contact_id": [str(contact.pk)],
        "invitation_id": [str(invitation.pk)],
        "delivery_id": [str(delivery.pk)],
        "item_id": [str(item.pk)],
        # tiers are reached through their program, which is shared reference data (KEY_ROUTES):
        # the program's slot takes the program, the tier's every id of B
        "program_pk": [str(program.pk)],
    }
    return alpha, bravo, values


@pytest.fixture
def alpha_user(two_partners, request):
    """A login of partner A, a partner admin unless the test is parametrized with another role."""
    alpha = two_partners[0]
    user = UserFactory(is_staff=False, email="amy@alpha.example", username="amy@alpha.example", pk=A_IDS)
    PartnerUser.objects.create(user=user, partner=alpha, role=getattr(request, "param", "partner_admin"))
    return user


# routes whose parameters are not ids of B's objects: signed keys of e-mailed links, and the codes
# of reference data every login shares (writes there are an administrator's, a 403 for anyone else)
KEY_ROUTES = (
    "accounts/",
    "invitations/",
    "notifications/unsubscribe/",
    "api/v1/regions/",
    "api/v1/verticals/",
    "api/v1/rule-kinds/",
    "api/v1/certification-definitions/",
    "api/v1/programs/",  # programs and tiers: every login of the program's partner types reads them
)


def _not_found(method: str, response) -> bool:
    """404 (or 405 where the route has no such method); a partner's login opening a manager page
    is sent to its own portal, whatever the id."""
    if response.status_code in (404, 405):
        return True
    return method == "GET" and response.status_code == 302 and response["Location"] == "/partner/"


def _signed_out(response) -> bool:
    """The answer ended the session (a log-out clears the cookie) or found none (sent to log in)."""
    cookie = response.cookies.get(django_settings.SESSION_COOKIE_NAME)
    if cookie is not None and not cookie.value:
        return True
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def _as_user(client, user, method: str, path: str, **kwargs):
    """One request as ``user``, logged in once for the whole walk (a log-in per request makes every
    later one slower: each rewrites the user's row in the test's one transaction). A request that
    ended the session, or found none, is sent again after logging in; if it ends it again (a
    log-out), the next request finds ``user`` logged in all the same."""
    send = getattr(client, method)
    response = send(path, **kwargs)
    if _signed_out(response):
        client.force_login(user)
        response = send(path, **kwargs)
        if _signed_out(response):
            client.force_login(user)
    return response


def _walk(client, bravo, values, *, user, write: bool = True) -> tuple[list, list, int, list]:
    """Every URL with B's ids as ``user`` (logged in again, and the request sent again, whenever one
    ended the session, so a log-out URL on the way cannot end the walk early): read, filtered and
    searched, then changed and deleted. Also returns the answers to paths naming one of B's objects
    that were not "not found"."""
    routes = [route for route in _patterns() if not route.startswith("admin/")]
    leaks, errors, visited, not_404 = [], [], 0, []
    client.force_login(user)
    for route in routes:
        names_an_object = bool(re.search(r"<|\(\?P<", route)) and not route.startswith(KEY_ROUTES)
        for path in _paths(route, values):
            for query in ("", f"?partner={bravo.pk}", f"?search={SECRET}", f"?q={SECRET}"):
                response = _as_user(client, user, "get", path + query)
                visited += 1
                if response.status_code >= 500:
                    errors.append((path + query, response.status_code))
                body = b"".join(response.streaming_content) if response.streaming else response.content
                # a search box showing back what was typed into it reveals nothing of B's
                body = body.replace(f'value="{SECRET}"'.encode(), b"")
                if response.status_code < 300 and SECRET.encode() in body:
                    leaks.append(("GET", path + query, response.status_code))
                if names_an_object and not query and not _not_found("GET", response):
                    not_404.append(("GET", path, response.status_code))
            for method in ("patch", "put", "post", "delete") if write else ():
                response = _as_user(
                    client, user, method, path,
                    data={"name": "Hacked", "partner": bravo.pk, "state": "done"}, content_type="application/json",
                )  # fmt: skip
                body = b"".join(response.streaming_content) if response.streaming else response.content
                if response.status_code >= 500:
                    errors.append((method, path, response.status_code))
                elif response.status_code < 300 and SECRET.encode() in body:
                    leaks.append((method, path, response.status_code))
                if names_an_object and not _not_found(method.upper(), response):
                    not_404.append((method, path, response.status_code))
    return leaks, errors, visited, not_404


def _bravo_state(bravo) -> tuple:
    """What a forged write could change: names, counts, states, a replacement, a withdrawal."""
    return (
        bravo.name,
        Contact.objects.filter(partner=bravo).count(),
        Outcome.objects.get(partner=bravo).state,
        list(PartnerDocument.objects.filter(partner=bravo).values_list("id", "replaced_by")),
        list(Invitation.objects.filter(partner=bravo).values_list("id", "revoked_at")),
        PartnerUser.objects.filter(partner=bravo).count(),
        list(WebhookSubscription.objects.filter(partner=bravo).values_list("description", "secret", "paused_at")),
        list(WebhookDelivery.objects.filter(subscription__partner=bravo).values_list("state", "next_attempt_at")),
        list(Deal.objects.filter(partner=bravo).values_list("state", "stage", "expected_close_on")),
        list(Lead.objects.filter(company__contains=SECRET).values_list("status", "partner_id", "version")),
        list(Certification.objects.filter(partner=bravo).values_list("state", "contact_id", "rejection_reason")),
        list(OnboardingStep.objects.filter(onboarding__partner=bravo).values_list("item_id", flat=True)),
        list(Onboarding.objects.filter(partner=bravo).values_list("state", flat=True)),
        AgreementAcceptance.objects.count(),
        list(PartnerApplication.objects.values_list("state", "vetter_id", "rejection_reason")),
        list(Membership.objects.filter(partner=bravo).values_list("tier_id", "state", "since")),
        list(DowngradeProposal.objects.filter(partner=bravo).values_list("state", "reason")),
        list(Program.objects.values_list("name", "is_active")),
        list(Tier.objects.values_list("name", "rank", "min_health_score")),
    )


@pytest.mark.parametrize("alpha_user", ["partner_admin", "partner_member"], indirect=True)
def test_a_partner_user_reads_and_changes_nothing_of_another_partner_anywhere(client, alpha_user, two_partners):
    # given
    _, bravo, values = two_partners
    before = _bravo_state(bravo)
    # when
    leaks, errors, visited, not_404 = _walk(client, bravo, values, user=alpha_user)
    # then: nothing read, nothing changed, and every path naming B's objects answers 404 (not 403)
    assert visited > 300
    assert leaks == []
    assert errors == []
    assert not_404 == []
    bravo.refresh_from_db()
    after = _bravo_state(bravo)
    assert after == before


def test_the_walk_finds_partner_b_where_a_login_may_see_it(client, two_partners, manager):
    # given: a manager may see every partner, so the same walk must find B's data
    _, bravo, values = two_partners
    # when
    leaks, errors, _, _ = _walk(client, bravo, values, user=manager, write=False)
    # then: the walk really reaches B's data (and nothing answers 500 to a manager either)
    found = {path.split("?")[0] for _, path, _ in leaks}
    assert f"/api/v1/partners/{bravo.pk}/" in found
    assert f"/partners/{bravo.pk}/" in found
    assert "/api/v1/partners/by-external-id/crm-bravo/" in found
    assert "/partners/export.csv" in found
    imported = Import.objects.get(file__name=f"{SECRET}.csv")  # staff read every import
    assert f"/api/v1/imports/{imported.pk}/" in found
    lead = Lead.objects.get(company__contains=SECRET)  # staff read every lead
    assert f"/api/v1/leads/{lead.pk}/" in found
    assert f"/leads/{lead.pk}/" in found
    certification = Certification.objects.get(partner=bravo)  # staff read every certification
    assert f"/api/v1/certifications/{certification.pk}/" in found
    assert f"/certifications/{certification.pk}/" in found
    assert f"/certifications/{certification.pk}/evidence/" in found
    assert "/certifications/queue/" in found
    assert f"/api/v1/imports/{imported.pk}/rows/" in found
    assert f"/api/v1/imports/{imported.pk}/report/" in found
    application = PartnerApplication.objects.get(company__contains=SECRET)  # staff read every application
    assert f"/api/v1/applications/{application.pk}/" in found
    assert f"/applications/{application.pk}/" in found
    membership = Membership.objects.get(partner=bravo)  # staff read every membership and proposal
    assert f"/api/v1/memberships/{membership.pk}/" in found
    assert f"/memberships/{membership.pk}/" in found
    proposal = DowngradeProposal.objects.get(partner=bravo)
    assert f"/api/v1/downgrade-proposals/{proposal.pk}/" in found
    assert "/tiers/proposals/" in found
    assert errors == []


def test_partner_b_own_login_finds_its_outcome_where_a_login_of_a_never_does(client, two_partners):
    # given: the positive control for what only B's logins see: its outcome (addressed to B) and
    # its invitations (B's partner admin manages them)
    _, bravo, values = two_partners
    outcome = Outcome.objects.get(partner=bravo)
    invitation = Invitation.objects.get(partner=bravo)
    # when
    leaks, errors, _, _ = _walk(client, bravo, values, user=PartnerUser.objects.get(partner=bravo).user, write=False)
    # then
    found = {path for _, path, _ in leaks}
    assert f"/api/v1/outcomes/{outcome.pk}/" in found
    assert "/api/v1/outcomes/" in found
    assert f"/api/v1/outcomes/?partner={bravo.pk}" in found
    assert f"/api/v1/invitations/{invitation.pk}/" in found
    assert "/partner/users/" in found
    hook = WebhookSubscription.objects.get(partner=bravo)  # and its webhook subscription, which it manages
    assert f"/api/v1/webhooks/{hook.pk}/" in found
    assert f"/partner/webhooks/{hook.pk}/" in found
    notification = Notification.objects.get(user__partner_user__partner=bravo)  # and its own notifications
    assert f"/api/v1/notifications/{notification.pk}/" in found
    assert "/partner/notifications/" in found
    certification = Certification.objects.get(partner=bravo)  # and its contacts' certifications
    assert f"/api/v1/certifications/{certification.pk}/" in found
    assert f"/certifications/{certification.pk}/evidence/" in found
    assert "/partner/certifications/" in found
    assert "/partner/agreement/" in found  # and the agreement it accepted, as accepted
    membership = Membership.objects.get(partner=bravo)  # and its membership with the evaluation
    assert f"/api/v1/memberships/{membership.pk}/" in found
    assert "/api/v1/memberships/" in found
    assert errors == []
