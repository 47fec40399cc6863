"""Writes of leads: create (routed in the same transaction), route, accept, decline, assign from
the manual queue, close, and the SLA job that moves unanswered offers on.

Concurrency: every write locks the lead's row first. Routing then takes one transaction-level
advisory lock, so the round robin's passes and every partner's open-lead count are read and
written by one router at a time: capacity holds exactly and the shares stay true. A lead is never
offered twice to one partner (a unique constraint backs the router's exclusion), and has at most
one pending offer.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Count, F, Max
from django.utils import timezone
from django_countries import countries
from psycopg2.extras import execute_values

from partners.models import Partner
from partners.outbox.services import events_record
from partners.reference import reference
from prm.broker import enqueue_on_commit
from prm.errors import Conflict, FieldErrors, NotFound
from programs.leads.events import lead_event, lead_event_draft, lead_on_timeline, lead_on_timelines
from programs.leads.models import (
    Lead,
    LeadCountryRegion,
    LeadCredit,
    LeadOffer,
    LeadPolicy,
    LeadRouting,
    LeadRoutingRule,
    LeadWeight,
)
from programs.leads.routing import LeadFacts, PartnerIndex, Router, RuleSpec
from programs.tiers.models import Membership

Status = Lead.Status
Outcome = LeadOffer.Outcome
DEFAULT_CAPACITY = 20
DEFAULT_RESPOND_HOURS = 48
DEFAULT_WEIGHT = 1
ROUTE_BATCH = 200  # leads routed in one transaction (an import's, the SLA job's)
ROUTING_LOCK = 0x6C656164726F7574  # "leadrout": one router at a time (pg_advisory_xact_lock key)
WAITING_GRACE = timedelta(minutes=2)  # a lead waiting this long for the router is swept up
SWEEP_MAX = 10000  # waiting leads one run routes; the next run takes the rest


class InvalidLeadTransition(Conflict):
    code = "invalid_lead_transition"


class LeadNotOffered(Conflict):
    """The lead is not (or no longer) offered to the caller's organisation: re-routed away,
    declined, accepted already, or never theirs."""

    code = "lead_not_offered_to_you"


class LeadOfferExpired(Conflict):
    code = "lead_offer_expired"


class PartnerCannotTakeLeads(Conflict):
    code = "partner_cannot_take_leads"


class LeadOfferedBefore(Conflict):
    code = "lead_offered_before"


def _user(actor):
    return actor if actor is not None and getattr(actor, "pk", None) else None


def lead_fields_errors(
    *,
    company: str,
    country: str,
    contact_email: str,
    region: str | None,
    vertical: str | None,
    size: str,
    source: str,
    country_regions: dict[str, str] | None = None,
) -> tuple[dict, dict[str, list[str]]]:
    """The lead's fields in normal form, or the field errors that refuse them. ``country_regions``
    (country_regions()) saves a query per lead when checking many."""
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    clean["company"] = (company or "").strip()
    if not clean["company"]:
        errors["company"] = ["Give the prospect's company name."]
    elif len(clean["company"]) > 200:
        errors["company"] = ["At most 200 characters."]
    code = (country or "").strip().upper()
    if code not in countries:
        errors["country"] = [f"“{country}” is not an ISO 3166 country code, such as DE or US."]
    clean["country"] = code
    email = (contact_email or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["contact_email"] = ["Give a valid e-mail address."]
    clean["contact_email"] = email[:254]
    clean["region_id"] = None
    if region:
        code = region.strip().upper()
        if code not in reference().regions:
            errors["region"] = [f"“{region}” is not a region code."]
        clean["region_id"] = code
    elif code in countries:
        if country_regions is None:
            country_regions = dict(LeadCountryRegion.objects.filter(country=code).values_list("country", "region_id"))
        clean["region_id"] = country_regions.get(code)
    clean["vertical_id"] = None
    if vertical:
        slug = vertical.strip().lower()
        if slug not in reference().verticals:
            errors["vertical"] = [f"“{vertical}” is not a vertical."]
        clean["vertical_id"] = slug
    if size and size not in Lead.Size.values:
        errors["size"] = [f"Use one of {', '.join(Lead.Size.values)}."]
    clean["size"] = size or ""
    clean["source"] = (source or "").strip().lower()
    if len(clean["source"]) > 50:
        errors["source"] = ["At most 50 characters."]
    return clean, errors


def country_regions() -> dict[str, str]:
    """Every country's region code (LeadCountryRegion), for checking many leads at once."""
    return dict(LeadCountryRegion.objects.values_list("country", "region_id"))


@transaction.atomic
def lead_create(
    *,
    actor,
    company: str,
    country: str,
    contact_name: str = "",
    contact_email: str = "",
    region: str | None = None,
    vertical: str | None = None,
    size: str = "",
    source: str = "",
    notes: str = "",
    now=None,
) -> Lead:
    """Record a lead and route it in the same transaction, so it is offered (or in the manual
    queue) the moment it exists, with PostgreSQL alone. The region is the given code, else the
    country's (LeadCountryRegion). FieldErrors for an unknown country, region, vertical or size."""
    clean, errors = lead_fields_errors(
        company=company,
        country=country,
        contact_email=contact_email,
        region=region,
        vertical=vertical,
        size=size,
        source=source,
    )
    if errors:
        raise FieldErrors(errors)
    now = now or timezone.now()
    lead = Lead.objects.create(
        **clean,
        contact_name=(contact_name or "").strip()[:200],
        notes=(notes or "")[:5000],
        created_by=_user(actor),
        created_at=now,
    )
    _route_locked([lead], trigger=LeadRouting.Trigger.CREATED, actor=actor, now=now)
    return lead


def leads_create_many(*, actor, leads: list[dict], now=None) -> list[Lead]:
    """Record many checked leads (each lead_fields_errors' normal form plus contact_name and
    notes) with one INSERT, in the caller's transaction, waiting for the router; they are routed
    one by one after commit (lead_route_task; the SLA job's sweep routes any whose task is lost),
    so an import does not hold the routing lock for a whole chunk."""
    now = now or timezone.now()
    created = Lead.objects.bulk_create(
        Lead(
            **{key: value for key, value in fields.items() if key in LEAD_FIELDS},
            created_by=_user(actor),
            created_at=now,
        )
        for fields in leads
    )
    if created:
        from programs.leads.tasks import leads_route_task

        enqueue_on_commit(leads_route_task, [lead.pk for lead in created])
    return created


LEAD_FIELDS = (
    "company", "contact_name", "contact_email", "country", "region_id", "vertical_id", "size", "source", "notes",
)  # fmt: skip


def _locked(lead_id: int) -> Lead:
    try:
        return Lead.objects.select_for_update(of=("self",)).select_related("partner").get(pk=lead_id)
    except Lead.DoesNotExist:
        raise NotFound("No such lead.") from None


def _region_path(code: str | None) -> tuple[str, ...]:
    """The region and every region above it, nearest first (DACH → DACH, EMEA, GLOBAL)."""
    parents, path = reference().parents, []
    while code and code not in path:
        path.append(code)
        code = parents.get(code)
    return tuple(path)


ACTIVE_GROUPS = """
WITH active AS (
    SELECT id, type, engagement, country, regions, verticals FROM {partners} WHERE status = %s
)
SELECT 'partner_type', type, array_agg(id) FROM active GROUP BY type
UNION ALL SELECT 'engagement', engagement, array_agg(id) FROM active GROUP BY engagement
UNION ALL SELECT 'country', country, array_agg(id) FROM active GROUP BY country
UNION ALL SELECT 'region', code, array_agg(id) FROM active, unnest(regions) AS code GROUP BY code
UNION ALL SELECT 'vertical', slug, array_agg(id) FROM active, unnest(verticals) AS slug GROUP BY slug
"""


def _partner_index(known: dict | None) -> PartnerIndex:
    """The active partners grouped by each field's values (ids aggregated by PostgreSQL in one
    scan; no per-partner Python objects). ``known`` (a dict the caller keeps between its batches)
    holds the last index read, reused while no partner has changed since: every write of a partner
    moves its ``updated_at`` (an index lookup tells), so an import's batches read the partners
    once, yet a partner deactivated meanwhile is not offered the next batch's leads."""
    changed = Partner.objects.aggregate(at=Max("updated_at"), last=Max("id"))
    if known is not None and known.get("changed") == changed:
        return known["index"]
    groups: dict[str, dict[str, list[int]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(ACTIVE_GROUPS.format(partners=Partner._meta.db_table), [Partner.Status.ACTIVE])
        for field, value, ids in cursor.fetchall():
            groups.setdefault(field, {})[value] = ids
    index = PartnerIndex.from_groups(groups)
    if known is not None:
        known.update(changed=changed, index=index)
    return index


def _router(rules: list[RuleSpec], known: dict | None = None) -> tuple[Router, dict[str, int]]:
    """A router over every active partner (_partner_index), and the hours to respond per partner
    type: the settings, open leads per partner (the ``lead_partner_open`` index) and passes read
    for each batch, as other routers and lead services change them."""
    weights = dict(LeadWeight.objects.values_list("engagement", "weight"))
    policies = {kind: (capacity, hours) for kind, capacity, hours in LeadPolicy.objects.values_list(
        "partner_type", "capacity", "respond_hours"
    )}  # fmt: skip
    index = _partner_index(known)
    weight: dict[int, int] = {}
    for engagement, ids in index.by_engagement.items():
        weight.update(dict.fromkeys(ids, weights.get(engagement, DEFAULT_WEIGHT)))
    weight.update(_tier_weights(set(weight)))
    capacity: dict[int, int] = {}
    for kind, ids in index.by_type.items():
        capacity.update(dict.fromkeys(ids, policies.get(kind, (DEFAULT_CAPACITY, 0))[0]))
    open_leads = dict(
        Lead.objects.filter(status__in=Lead.OPEN_STATUSES, partner__isnull=False)
        .order_by()
        .values("partner_id")
        .annotate(n=Count("id"))
        .values_list("partner_id", "n")
    )
    passes = dict(LeadCredit.objects.values_list("partner_id", "pass_value"))
    router = Router(index, rules, weight=weight, capacity=capacity, open_leads=open_leads, passes=passes)
    return router, {kind: hours for kind, (_, hours) in policies.items()}


def _tier_weights(partner_ids: set[int]) -> dict[int, int]:
    """A tier's lead weight benefit overrides the engagement level's; the most generous of a
    partner's memberships counts. One query over the memberships with such a tier."""
    rows = (
        Membership.objects.filter(tier__lead_weight__isnull=False)
        .values("partner_id")
        .annotate(weight=Max("tier__lead_weight"))
        .values_list("partner_id", "weight")
    )
    return {partner_id: weight for partner_id, weight in rows if partner_id in partner_ids}


def _rules() -> list[RuleSpec]:
    return [
        RuleSpec(name=rule.name, field=rule.field, required=rule.required, values=tuple(rule.values), id=rule.pk)
        for rule in LeadRoutingRule.objects.filter(is_active=True).order_by("position", "id")
    ]


def _route_locked(leads: list[Lead], *, trigger: str | None, actor, now, known: dict | None = None) -> None:
    """Route leads whose rows the caller holds (or just created), in its transaction: offer each to
    the partner the rules and the round robin choose, or put it in the manual queue.

    Takes the routing lock, reads the rules, the settings and every active partner once (as sets
    of ids per field value, _router), decides the leads in turn (open counts and passes kept
    current between them), then writes the decisions, offers, leads, the chosen partners' passes
    and ``lead.offered`` events with one statement each.
    ``trigger`` None means each lead's own (created, or declined); ``known`` is _partner_index's.
    """
    if not leads:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROUTING_LOCK])
    router, respond_hours = _router(_rules(), known)
    before: dict[int, set[int]] = {}
    for lead_id, partner_id in LeadOffer.objects.filter(lead_id__in=[lead.pk for lead in leads]).values_list(
        "lead_id", "partner_id"
    ):
        before.setdefault(lead_id, set()).add(partner_id)
    routings, offers, drafts = [], [], []
    for lead in leads:
        facts = LeadFacts(str(lead.country), _region_path(lead.region_id), lead.vertical_id)
        decision = router.route(facts, offered_before=before.get(lead.pk, ()))
        routing = LeadRouting(
            lead=lead,
            trigger=trigger or _trigger_of(lead),
            chosen_id=decision.chosen,
            reason=decision.reason[:500],
            steps=[step.as_json() for step in decision.steps],
            pool=decision.pool_json(),
            actor=_user(actor),
            created_at=now,
        )
        routings.append(routing)
        lead.version, lead.updated_at = lead.version + 1, now
        if decision.chosen is None:
            lead.status, lead.partner_id, lead.offered_at, lead.respond_by = Status.MANUAL, None, None, None
            continue
        hours = respond_hours.get(router.index.type_of(decision.chosen))
        respond_by = now + timedelta(hours=hours or DEFAULT_RESPOND_HOURS)
        lead.status, lead.partner_id, lead.offered_at, lead.respond_by = (
            Status.OFFERED,
            decision.chosen,
            now,
            respond_by,
        )
        offers.append(
            LeadOffer(lead=lead, partner_id=decision.chosen, routing=routing, offered_at=now, respond_by=respond_by)
        )
        drafts.append(lead_event_draft(lead=lead, type="lead.offered", partner_id=decision.chosen))
    LeadRouting.objects.bulk_create(routings)
    for offer in offers:
        offer.routing_id = offer.routing.pk
    LeadOffer.objects.bulk_create(offers)
    _leads_update(leads)
    if router.changed:  # only the chosen partners' passes moved
        LeadCredit.objects.bulk_create(
            [LeadCredit(partner_id=pk, pass_value=value) for pk, value in router.changed.items()],
            update_conflicts=True,
            unique_fields=["partner"],
            update_fields=["pass_value"],
        )
    events_record(drafts, actor=actor, returning=False)
    lead_on_timelines([(offer.partner_id, offer.lead, "Lead offered") for offer in offers], at=now)


def _leads_update(leads: list[Lead]) -> None:
    """Write the routed leads' status, partner, offer times and version with one UPDATE … FROM
    VALUES (bulk_update's CASE per row and column costs more than the routing itself)."""
    rows = [
        (lead.pk, lead.status, lead.partner_id, lead.offered_at, lead.respond_by, lead.version, lead.updated_at)
        for lead in leads
    ]
    with connection.cursor() as cursor:
        execute_values(
            cursor,
            f"""UPDATE {Lead._meta.db_table} AS lead SET status = v.status, partner_id = v.partner_id,
                offered_at = v.offered_at, respond_by = v.respond_by, version = v.version, updated_at = v.updated_at
            FROM (VALUES %s) AS v (id, status, partner_id, offered_at, respond_by, version, updated_at)
            WHERE lead.id = v.id""",  # noqa: S608 (the model's table, not input)
            rows,
            template="(%s::bigint, %s, %s::bigint, %s::timestamptz, %s::timestamptz, %s::integer, %s::timestamptz)",
            page_size=max(len(rows), 1),
        )


def leads_route(*, lead_ids: list[int], actor=None, now=None) -> int:
    """Route the leads among ``lead_ids`` that wait for the router (new, imported or declined),
    ROUTE_BATCH to a transaction. Leads routed already, or held by a concurrent router, are left
    alone, so a task delivered twice routes each lead once. Returns how many were routed."""
    routed, ids, known = 0, sorted(set(lead_ids)), {}
    for start in range(0, len(ids), ROUTE_BATCH):
        with transaction.atomic():
            leads = list(
                Lead.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk__in=ids[start : start + ROUTE_BATCH], status__in=Lead.WAITING_STATUSES)
                .order_by("pk")
            )
            _route_locked(leads, trigger=None, actor=actor, now=now or timezone.now(), known=known)
            routed += len(leads)
    return routed


def lead_route(*, lead_id: int, actor=None, now=None) -> Lead:
    """Route one lead waiting for the router (leads_route); any other lead is returned unchanged."""
    leads_route(lead_ids=[lead_id], actor=actor, now=now)
    return Lead.objects.get(pk=lead_id)


def _trigger_of(lead: Lead) -> str:
    return LeadRouting.Trigger.DECLINED if lead.status == Status.DECLINED else LeadRouting.Trigger.CREATED


def _pending_offer(lead: Lead, partner_id: int, now) -> LeadOffer:
    """The lead's pending offer to ``partner_id``; LeadNotOffered when it is not offered to that
    partner now, LeadOfferExpired when the time to answer has passed."""
    if lead.status != Status.OFFERED or lead.partner_id != partner_id:
        raise LeadNotOffered("This lead is not offered to your organisation.", status="not_offered")
    offer = LeadOffer.objects.select_for_update().get(lead=lead, partner_id=partner_id, outcome=Outcome.PENDING)
    if offer.respond_by <= now:
        raise LeadOfferExpired(f"The time to answer this offer ended at {offer.respond_by:%Y-%m-%d %H:%M} UTC.")
    return offer


@transaction.atomic
def lead_accept(*, lead_id: int, partner_id: int, actor, now=None) -> Lead:
    """The partner accepts the lead offered to it: the lead becomes theirs. LeadNotOffered when it
    is not offered to them (re-routed away, say), LeadOfferExpired after ``respond_by``."""
    now = now or timezone.now()
    lead = _locked(lead_id)
    offer = _pending_offer(lead, partner_id, now)
    offer.outcome, offer.responded_at, offer.responded_by = Outcome.ACCEPTED, now, _user(actor)
    offer.save(update_fields=["outcome", "responded_at", "responded_by"])
    lead.status, lead.accepted_at = Status.ACCEPTED, now
    lead.version = F("version") + 1
    lead.save()
    lead.refresh_from_db()
    lead_event(lead=lead, actor=actor, type="lead.accepted", partner_id=partner_id)
    lead_on_timeline(partner_id=partner_id, lead=lead, actor=actor, message="Lead accepted")
    return lead


@transaction.atomic
def lead_decline(*, lead_id: int, partner_id: int, actor, reason: str, now=None) -> Lead:
    """The partner declines the lead offered to it, with a reason its manager reads. The lead
    leaves the partner at once (``declined``) and is routed to the next candidate after commit
    (the SLA job's sweep routes it if the broker is down); the decliner never sees where it went."""
    reason = (reason or "").strip()
    if not reason:
        raise FieldErrors({"reason": ["Say why you decline this lead; your partner manager reads it."]})
    now = now or timezone.now()
    lead = _locked(lead_id)
    offer = _pending_offer(lead, partner_id, now)
    offer.outcome, offer.responded_at, offer.responded_by = Outcome.DECLINED, now, _user(actor)
    offer.reason = reason[:500]
    offer.save(update_fields=["outcome", "responded_at", "responded_by", "reason"])
    lead.status, lead.partner = Status.DECLINED, None
    lead.offered_at = lead.respond_by = None
    lead.version = F("version") + 1
    lead.save()
    lead.refresh_from_db()
    lead_event(lead=lead, actor=actor, type="lead.declined", partner_id=partner_id, extra={"reason": offer.reason})
    lead_on_timeline(partner_id=partner_id, lead=lead, actor=actor, message=f"Lead declined ({offer.reason})")
    from programs.leads.tasks import lead_route_task

    enqueue_on_commit(lead_route_task, lead.pk)
    return lead


@transaction.atomic
def lead_assign_manually(*, lead_id: int, partner_id: int, actor, now=None) -> Lead:
    """A manager offers a lead from the manual queue to a partner of their choice (an active one
    never offered this lead before; capacity is the manager's call). Records the decision."""
    now = now or timezone.now()
    lead = _locked(lead_id)
    if lead.status != Status.MANUAL:
        raise InvalidLeadTransition(
            f"Only a lead in the manual queue is assigned by hand; this one is {lead.status}.", current=lead.status
        )
    partner = Partner.objects.filter(pk=partner_id).first()
    if partner is None or partner.status != Partner.Status.ACTIVE:
        raise PartnerCannotTakeLeads("Only an active partner can be offered a lead.")
    if LeadOffer.objects.filter(lead=lead, partner=partner).exists():
        raise LeadOfferedBefore("This lead was offered to that partner before.")
    routing = LeadRouting.objects.create(
        lead=lead,
        trigger=LeadRouting.Trigger.MANUAL,
        chosen=partner,
        reason="Assigned by hand from the manual queue.",
        actor=_user(actor),
        created_at=now,
    )
    hours = LeadPolicy.objects.filter(partner_type=partner.type).values_list("respond_hours", flat=True).first()
    respond_by = now + timedelta(hours=hours or DEFAULT_RESPOND_HOURS)
    LeadOffer.objects.create(lead=lead, partner=partner, routing=routing, offered_at=now, respond_by=respond_by)
    lead.status, lead.partner, lead.offered_at, lead.respond_by = Status.OFFERED, partner, now, respond_by
    lead.version = F("version") + 1
    lead.save()
    lead.refresh_from_db()
    lead_event(lead=lead, actor=actor, type="lead.assigned", partner_id=partner.pk)
    lead_event(lead=lead, actor=actor, type="lead.offered", partner_id=partner.pk)
    lead_on_timelines([(partner.pk, lead, "Lead assigned by a manager")], at=now)
    return lead


@transaction.atomic
def lead_close(*, lead_id: int, actor, converted: bool = False, now=None) -> Lead:
    """Convert an accepted lead (it became an opportunity) or close a lead that is not finished;
    a pending offer is withdrawn and the partner loses the lead unless it had accepted it."""
    now = now or timezone.now()
    lead = _locked(lead_id)
    target = Status.CONVERTED if converted else Status.CLOSED
    if not lead.can_move_to(target):
        allowed = ", ".join(sorted(Lead.TRANSITIONS[lead.status])) or "none"
        raise InvalidLeadTransition(
            f"A lead that is {lead.status} cannot become {target}; allowed: {allowed}.", current=lead.status
        )
    LeadOffer.objects.filter(lead=lead, outcome=Outcome.PENDING).update(outcome=Outcome.WITHDRAWN, responded_at=now)
    if lead.status != Status.ACCEPTED:
        lead.partner = None
    lead.status, lead.closed_at = target, now
    lead.version = F("version") + 1
    lead.save()
    lead.refresh_from_db()
    lead_event(lead=lead, actor=actor, type="lead.closed", partner_id=lead.partner_id)
    if lead.partner_id is not None:
        message = "Lead converted" if converted else "Lead closed"
        lead_on_timeline(partner_id=lead.partner_id, lead=lead, actor=actor, message=message)
    return lead


def leads_enforce_sla(*, now=None) -> int:
    """Move every offer not answered by ``respond_by`` on: the offer is marked breached (the row
    SLA metrics count), the partner and the lead's managers are told (``lead.rerouted``) and the
    lead is routed to the next candidate, never back to that partner, or to the manual queue.

    Leads are claimed ROUTE_BATCH at a time with SKIP LOCKED, their condition part of the claim,
    so a second or concurrent run handles nothing twice. Then routes leads left waiting for the
    router (a lost task). Returns the number of breaches.
    """
    now = now or timezone.now()
    breached, known = 0, {}
    while True:
        with transaction.atomic():
            leads = list(
                Lead.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=Status.OFFERED, respond_by__lte=now)
                .order_by("respond_by", "pk")[:ROUTE_BATCH]
            )
            if not leads:
                break
            offers = LeadOffer.objects.filter(lead__in=leads, outcome=Outcome.PENDING)
            offers.update(outcome=Outcome.BREACHED, responded_at=now)
            breach = {"breached_at": now.isoformat()}
            events_record(
                [
                    lead_event_draft(lead=lead, type="lead.rerouted", partner_id=lead.partner_id, extra=breach)
                    for lead in leads
                ],
                returning=False,
            )
            lead_on_timelines(
                [(lead.partner_id, lead, "Lead not answered in time (SLA breach)") for lead in leads], at=now
            )
            _route_locked(leads, trigger=LeadRouting.Trigger.BREACHED, actor=None, now=now, known=known)
            breached += len(leads)
    waiting = Lead.objects.filter(status__in=Lead.WAITING_STATUSES, updated_at__lte=now - WAITING_GRACE)
    leads_route(lead_ids=list(waiting.order_by("pk").values_list("pk", flat=True)[:SWEEP_MAX]), now=now)
    return breached
