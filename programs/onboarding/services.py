"""Writes of agreements and onboarding.

Agreements: publishing a template version (the previous one of its type and region stops being
current), and a partner admin's acceptance, which records an active ``Agreement``.

Onboarding: a partner that is in status onboarding has exactly one checklist in progress (a
partial unique constraint). ``onboardings_start`` creates the missing ones and is called from the
outbox (``partner.created`` / ``partner.status_changed``) and by the hourly sweep, so repeating it
changes nothing. ``onboardings_advance`` completes the automatic items whose fact has happened
and, when every item is done, completes the onboarding and moves the partner to active; the
outbox calls it for the events that can complete an item, and the sweep for everyone. Lock order:
the onboarding rows (by id), then the partner row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone

from partners.models import Activity, Partner, PartnerUser
from partners.outbox.services import event_record
from partners.records.models import Agreement
from partners.roles import can_change_partner
from partners.services import partner_change_status
from prm.errors import Conflict, DomainError, FieldErrors
from programs.certifications.models import Certification
from programs.deals.models import Deal
from programs.onboarding import events
from programs.onboarding.models import (
    AgreementAcceptance,
    AgreementTemplate,
    Onboarding,
    OnboardingItem,
    OnboardingStep,
    OnboardingTemplate,
)
from programs.onboarding.selectors import agreement_ends_on, agreement_values, current_template, due_on
from programs.onboarding.text import render

Auto = OnboardingItem.Auto
SWEEP_CHUNK = 500


class AgreementAdminOnly(DomainError):
    status_code = 403
    code = "agreement_admin_only"
    default_message = "Only a partner admin of your organisation may accept the agreement."


class NoAgreement(Conflict):
    code = "no_agreement"
    default_message = "There is no agreement to accept for your organisation."


class AgreementChanged(Conflict):
    code = "agreement_changed"
    default_message = "The agreement changed while you were reading it: read the new version and accept it."


class OnboardingNotAllowed(DomainError):
    status_code = 403
    code = "onboarding_not_allowed"
    default_message = "Only a partner admin or the partner's manager may tick onboarding items."


class OnboardingClosed(Conflict):
    code = "onboarding_closed"
    default_message = "This onboarding is no longer in progress."


class ItemAutomatic(Conflict):
    code = "onboarding_item_automatic"
    default_message = "This item completes itself when it happens."


# --- agreement templates --------------------------------------------------------------


@transaction.atomic
def agreement_template_publish(
    *,
    actor,
    name: str,
    kind: str,
    partner_type: str,
    body: str,
    region_id: str | None = None,
    valid_months: int | None = None,
) -> AgreementTemplate:
    """Publish a new version of the agreement of ``partner_type`` in ``region_id`` (None: any
    region): numbered after the last one, current from now on, the previous current version
    retired. Partners that accepted an earlier version must accept this one. Unknown placeholders
    and other bad values raise FieldErrors; the versions of the type and region are locked, so two
    publications cannot both become current."""
    siblings = AgreementTemplate.objects.select_for_update().filter(partner_type=partner_type, region_id=region_id)
    latest = max((template.version for template in siblings), default=0)
    template = AgreementTemplate(
        name=(name or "").strip(),
        kind=kind,
        partner_type=partner_type,
        region_id=region_id,
        body=body or "",
        valid_months=valid_months,
        version=latest + 1,
        is_current=True,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    try:
        template.full_clean(exclude=["created_by", "version"], validate_constraints=False)
    except ValidationError as exc:
        raise FieldErrors(exc.message_dict) from exc
    siblings.filter(is_current=True).update(is_current=False)
    template.save()
    return template


@transaction.atomic
def agreement_template_retire(*, template_id: int, actor) -> AgreementTemplate:
    """Stop offering a version: partners of its type and region fall back to a less specific
    template (or to none, and are no longer asked)."""
    template = AgreementTemplate.objects.select_for_update().get(pk=template_id)
    if template.is_current:
        template.is_current = False
        template.save(update_fields=["is_current"])
    return template


# --- acceptance -----------------------------------------------------------------------


def _normal(name: str) -> str:
    return " ".join((name or "").split()).casefold()


def typed_name_errors(*, typed_name: str, user) -> list[str]:
    """The typed name must be the login's full name (case and spacing aside); a login without a
    name must type one."""
    expected = user.get_full_name().strip()
    if not (typed_name or "").strip():
        return ["Type your full name to sign."]
    if expected and _normal(typed_name) != _normal(expected):
        return [f"Type your name as it is on your login: {expected}."]
    return []


@transaction.atomic
def agreement_accept(
    *, partner_id: int, actor, template_id: int, typed_name: str, ip: str | None = None
) -> AgreementAcceptance:
    """A partner admin accepts the partner's current agreement on its behalf.

    Records an active ``Agreement`` from today (to the end of ``valid_months``, or open-ended) and
    the acceptance with the typed name, time, IP and the text as accepted; agreements made by
    earlier acceptances expire. Writes the timeline row and ``agreement.accepted``. The partner row
    is locked, so two admins accepting at once record one acceptance; accepting a version accepted
    already returns the existing acceptance. A member (or a login of another organisation) gets
    AgreementAdminOnly, a version that is not current any more AgreementChanged, a wrong name
    FieldErrors on ``typed_name`` — nothing is written then.
    """
    role = (
        PartnerUser.objects.filter(user_id=actor.pk, partner_id=partner_id).values_list("role", flat=True).first()
        if actor is not None and actor.is_authenticated
        else None
    )
    if role != PartnerUser.Role.PARTNER_ADMIN:
        raise AgreementAdminOnly()
    partner = Partner.objects.select_for_update().get(pk=partner_id)
    template = current_template(partner=partner)
    if template is None:
        raise NoAgreement()
    if template.pk != template_id:
        raise AgreementChanged()
    existing = AgreementAcceptance.objects.filter(partner=partner, template=template).first()
    if existing is not None:
        return existing
    errors = typed_name_errors(typed_name=typed_name, user=actor)
    if errors:
        raise FieldErrors({"typed_name": errors})
    now = timezone.now()
    today = timezone.localdate(now)
    text = render(template.body, agreement_values(partner=partner, template=template, day=today))
    Agreement.objects.filter(partner=partner, status=Agreement.Status.ACTIVE, acceptance__isnull=False).update(
        status=Agreement.Status.EXPIRED, updated_at=now
    )
    agreement = Agreement.objects.create(
        partner=partner,
        kind=template.kind,
        title=f"{template.name} (version {template.version})"[:200],
        start_on=today,
        end_on=agreement_ends_on(template, today),
        status=Agreement.Status.ACTIVE,
    )
    acceptance = AgreementAcceptance.objects.create(
        partner=partner,
        template=template,
        agreement=agreement,
        user=actor,
        typed_name=" ".join(typed_name.split())[:200],
        accepted_at=now,
        ip=ip or None,
        text=text,
    )
    events.acceptance_recorded(acceptance, actor=actor)
    return acceptance


# --- onboarding: automatic items --------------------------------------------------------


def _accepted(partner_ids: list[int]) -> set[int]:
    return set(AgreementAcceptance.objects.filter(partner_id__in=partner_ids).values_list("partner_id", flat=True))


def _colleague(partner_ids: list[int]) -> set[int]:
    """Partners with a second active login: someone invited a colleague, who accepted."""
    return set(
        PartnerUser.objects.filter(partner_id__in=partner_ids, user__is_active=True)
        .values("partner_id")
        .annotate(logins=Count("pk"))
        .filter(logins__gte=2)
        .values_list("partner_id", flat=True)
    )


def _certified(partner_ids: list[int]) -> set[int]:
    """Partners with a certification recorded for one of their contacts, whatever its state."""
    return set(Certification.objects.filter(partner_id__in=partner_ids).values_list("partner_id", flat=True).distinct())


def _dealt(partner_ids: list[int]) -> set[int]:
    return set(Deal.objects.filter(partner_id__in=partner_ids).values_list("partner_id", flat=True).distinct())


# which partners (of those given) have done what an automatic item waits for: one query each
AUTO_CHECKS: dict[str, Callable[[list[int]], set[int]]] = {
    Auto.AGREEMENT_ACCEPTED: _accepted,
    Auto.COLLEAGUE_INVITED: _colleague,
    Auto.FIRST_CERTIFICATION: _certified,
    Auto.FIRST_DEAL: _dealt,
}
# the events after which an automatic item may have become complete, by the item it completes
AUTO_EVENTS = {
    "agreement.accepted": Auto.AGREEMENT_ACCEPTED,
    "invitation.accepted": Auto.COLLEAGUE_INVITED,
    "certification.recorded": Auto.FIRST_CERTIFICATION,
    "deal.registered": Auto.FIRST_DEAL,
}


# --- onboarding: start, advance, complete ---------------------------------------------


def _entered_onboarding(partner_ids: list[int]) -> dict[int, date]:
    """The day each partner last entered onboarding, from its timeline (what the
    onboarding_deadline rule reads too)."""
    rows = (
        Activity.objects.filter(partner_id__in=partner_ids)
        .filter(
            Q(kind=Activity.Kind.STATUS_CHANGED, data__to="onboarding")
            | Q(kind=Activity.Kind.CREATED, data__status="onboarding")
        )
        .values("partner_id")
        .annotate(entered=Max("created_at"))
        .values_list("partner_id", "entered")
    )
    return {partner_id: timezone.localdate(entered) for partner_id, entered in rows}


def onboardings_start(*, partner_ids: Iterable[int] | None = None, actor=None) -> list[Onboarding]:
    """Give every partner in status onboarding (of ``partner_ids``, or all) that has no checklist
    in progress the active checklist of its type, started on the day it entered onboarding;
    writes ``onboarding.started`` and a timeline row for each, then advances them (an agreement
    accepted before counts at once). Safe to repeat and to race: the partial unique constraint
    lets one start win; the others find it and do nothing."""
    candidates = Partner.objects.filter(status=Partner.Status.ONBOARDING).exclude(
        Exists(Onboarding.objects.filter(partner_id=OuterRef("pk"), state=Onboarding.State.IN_PROGRESS))
    )
    if partner_ids is not None:
        candidates = candidates.filter(pk__in=list(partner_ids))
    templates = {
        template.partner_type: template
        for template in OnboardingTemplate.objects.filter(is_active=True).filter(
            Exists(OnboardingItem.objects.filter(template_id=OuterRef("pk")))
        )
    }
    partners = list(candidates.filter(type__in=list(templates)).order_by("pk")) if templates else []
    if not partners:
        return []
    entered = _entered_onboarding([partner.pk for partner in partners])
    today = timezone.localdate()
    started = []
    for partner in partners:
        try:
            with transaction.atomic():
                onboarding = Onboarding.objects.create(
                    partner=partner, template=templates[partner.type], started_on=entered.get(partner.pk, today)
                )
                events.onboarding_changed(
                    onboarding=onboarding,
                    actor=actor,
                    type="onboarding.started",
                    message=f"Onboarding started: {onboarding.template.name}",
                    counts_as_activity=False,
                )
        except IntegrityError:  # another start won the race
            continue
        started.append(onboarding)
    if started:
        onboardings_advance(partner_ids=[onboarding.partner_id for onboarding in started])
    return started


def onboardings_cancel_left(*, partner_ids: Iterable[int] | None = None, actor=None) -> int:
    """End the checklists in progress of partners that left status onboarding before finishing
    (a manager activated them by hand, sent them back to prospect, terminated them)."""
    left = Onboarding.objects.filter(state=Onboarding.State.IN_PROGRESS).exclude(
        partner__status=Partner.Status.ONBOARDING
    )
    if partner_ids is not None:
        left = left.filter(partner_id__in=list(partner_ids))
    cancelled = 0
    for onboarding_id in left.values_list("pk", flat=True):
        with transaction.atomic():
            onboarding = (
                Onboarding.objects.select_for_update(of=("self",))
                .select_related("partner", "template")
                .filter(pk=onboarding_id, state=Onboarding.State.IN_PROGRESS)
                .exclude(partner__status=Partner.Status.ONBOARDING)
                .first()
            )
            if onboarding is None:
                continue
            onboarding.state = Onboarding.State.CANCELLED
            onboarding.save(update_fields=["state"])
            events.onboarding_changed(
                onboarding=onboarding,
                actor=actor,
                type="onboarding.cancelled",
                message=f"Onboarding ended before it was complete: the partner is {onboarding.partner.status}",
                extra={"partner_status": onboarding.partner.status},
                counts_as_activity=False,
            )
            cancelled += 1
    return cancelled


def _complete(onboarding: Onboarding, *, actor) -> None:
    """Close a checklist whose every item is done and move its partner from onboarding to active;
    ``onboarding.completed`` after the status change. The caller holds the onboarding's lock."""
    onboarding.state = Onboarding.State.COMPLETED
    onboarding.completed_at = timezone.now()
    onboarding.save(update_fields=["state", "completed_at"])
    # read under the partner's lock: a partner moved elsewhere meanwhile keeps its new status
    partner = Partner.objects.select_for_update().get(pk=onboarding.partner_id)
    if partner.status == Partner.Status.ONBOARDING:
        partner = partner_change_status(
            partner_id=partner.pk, actor=actor, status=Partner.Status.ACTIVE, reason="onboarding checklist complete"
        )
    onboarding.partner = partner
    events.onboarding_changed(
        onboarding=onboarding,
        actor=actor,
        type="onboarding.completed",
        message=f"Onboarding complete: {onboarding.template.name}",
        extra={"partner_status": partner.status},
    )


@transaction.atomic
def onboardings_advance(*, partner_ids: Iterable[int] | None = None, actor=None) -> int:
    """Complete the automatic items whose fact has happened, for the checklists in progress of
    ``partner_ids`` (or all), and complete the checklists that are then done. Locks the
    onboardings (in id order) for the transaction, so a concurrent tick or event cannot record an
    item twice or complete a checklist twice. One query per kind of automatic item, whatever the
    number of partners; returns how many items completed."""
    rows = Onboarding.objects.filter(state=Onboarding.State.IN_PROGRESS)
    if partner_ids is not None:
        rows = rows.filter(partner_id__in=list(partner_ids))
    onboardings = list(rows.select_for_update(of=("self",)).select_related("partner", "template").order_by("pk"))
    if not onboardings:
        return 0
    items: dict[int, list[OnboardingItem]] = defaultdict(list)
    for item in OnboardingItem.objects.filter(template_id__in={o.template_id for o in onboardings}):
        items[item.template_id].append(item)
    done: dict[int, set[int]] = defaultdict(set)
    for onboarding_id, item_id in OnboardingStep.objects.filter(
        onboarding_id__in=[o.pk for o in onboardings]
    ).values_list("onboarding_id", "item_id"):
        done[onboarding_id].add(item_id)
    waiting: dict[str, set[int]] = defaultdict(set)  # kind → partners with an open item of the kind
    for onboarding in onboardings:
        for item in items[onboarding.template_id]:
            if item.is_automatic and item.pk not in done[onboarding.pk]:
                waiting[item.auto].add(onboarding.partner_id)
    happened = {kind: AUTO_CHECKS[kind](sorted(partners)) for kind, partners in waiting.items() if kind in AUTO_CHECKS}
    completed = 0
    now = timezone.now()
    for onboarding in onboardings:
        new = [
            (OnboardingStep(onboarding=onboarding, item=item, completed_at=now, automatic=True), item)
            for item in items[onboarding.template_id]
            if item.is_automatic
            and item.pk not in done[onboarding.pk]
            and onboarding.partner_id in happened.get(item.auto, ())
        ]
        if new:
            OnboardingStep.objects.bulk_create([step for step, _ in new])
            events.steps_recorded(onboarding, new, actor=None)
            done[onboarding.pk].update(item.pk for _, item in new)
            completed += len(new)
        template_items = items[onboarding.template_id]
        if template_items and all(item.pk in done[onboarding.pk] for item in template_items):
            _complete(onboarding, actor=actor)
    return completed


def _may_tick(actor, onboarding: Onboarding) -> bool:
    if actor.is_staff:
        return can_change_partner(actor, onboarding.partner)
    return PartnerUser.objects.filter(
        user_id=actor.pk, partner_id=onboarding.partner_id, role=PartnerUser.Role.PARTNER_ADMIN
    ).exists()


@transaction.atomic
def onboarding_item_complete(*, onboarding_id: int, item_id: int, actor) -> OnboardingStep:
    """Tick an item of a checklist in progress by hand: a partner admin of the partner ticks items
    that do not complete themselves; the partner's manager (or an admin) may tick any, to record
    what happened outside the system. Completes the checklist (and activates the partner) when it
    was the last item. Locks the onboarding; ticking a done item again returns its step."""
    onboarding = (
        Onboarding.objects.select_for_update(of=("self",)).select_related("partner", "template").get(pk=onboarding_id)
    )
    if not _may_tick(actor, onboarding):
        raise OnboardingNotAllowed()
    if onboarding.state != Onboarding.State.IN_PROGRESS:
        raise OnboardingClosed()
    item = OnboardingItem.objects.get(pk=item_id, template_id=onboarding.template_id)
    step = OnboardingStep.objects.filter(onboarding=onboarding, item=item).first()
    if step is not None:
        return step
    if item.is_automatic and not actor.is_staff:
        raise ItemAutomatic()
    step = OnboardingStep.objects.create(onboarding=onboarding, item=item, completed_by=actor, automatic=False)
    events.steps_recorded(onboarding, [(step, item)], actor=actor)
    remaining = (
        OnboardingItem.objects.filter(template_id=onboarding.template_id)
        .exclude(pk__in=OnboardingStep.objects.filter(onboarding=onboarding).values("item_id"))
        .exists()
    )
    if not remaining:
        _complete(onboarding, actor=actor)
    return step


def onboardings_announce_overdue(*, today: date | None = None) -> int:
    """Write ``onboarding.items_overdue`` for each checklist in progress with items that became
    overdue since the last announcement (their due date passed and they are not done), once: the
    announcement's claim is a conditional UPDATE of ``overdue_announced_through``."""
    today = today or timezone.localdate()
    announced = 0
    onboardings = list(Onboarding.objects.filter(state=Onboarding.State.IN_PROGRESS).select_related("template"))
    if not onboardings:
        return 0
    items: dict[int, list[OnboardingItem]] = defaultdict(list)
    for item in OnboardingItem.objects.filter(template_id__in={o.template_id for o in onboardings}):
        items[item.template_id].append(item)
    done: dict[int, set[int]] = defaultdict(set)
    for onboarding_id, item_id in OnboardingStep.objects.filter(
        onboarding_id__in=[o.pk for o in onboardings]
    ).values_list("onboarding_id", "item_id"):
        done[onboarding_id].add(item_id)
    for onboarding in onboardings:
        overdue = [
            item
            for item in items[onboarding.template_id]
            if item.pk not in done[onboarding.pk] and due_on(onboarding, item) < today
        ]
        if not overdue:
            continue
        through = max(due_on(onboarding, item) for item in overdue)
        if onboarding.overdue_announced_through is not None and through <= onboarding.overdue_announced_through:
            continue
        with transaction.atomic():
            claimed = (
                Onboarding.objects.filter(pk=onboarding.pk, state=Onboarding.State.IN_PROGRESS)
                .filter(Q(overdue_announced_through__isnull=True) | Q(overdue_announced_through__lt=through))
                .update(overdue_announced_through=through)
            )
            if not claimed:
                continue
            event_record(
                type="onboarding.items_overdue",
                object_type="onboarding",
                object_id=onboarding.pk,
                partner_id=onboarding.partner_id,
                data={
                    "id": onboarding.pk,
                    "partner": onboarding.partner_id,
                    "started_on": onboarding.started_on.isoformat(),
                    "overdue": [
                        {"id": item.pk, "title": item.title, "due_on": due_on(onboarding, item).isoformat()}
                        for item in overdue
                    ],
                },
            )
            announced += 1
    return announced


def onboardings_sweep(*, today: date | None = None) -> dict[str, int]:
    """Beat's hourly pass: start missing checklists, end those of partners that left onboarding,
    complete what happened without an event reaching us, announce new overdue items. Each step is
    idempotent, so a sweep that runs twice, or alongside the events, changes nothing more."""
    started = onboardings_start()
    cancelled = onboardings_cancel_left()
    # a transaction per chunk of partners, so the sweep never holds every checklist's lock at once
    in_progress = list(
        Onboarding.objects.filter(state=Onboarding.State.IN_PROGRESS)
        .order_by("partner_id")
        .values_list("partner_id", flat=True)
    )
    advanced = sum(
        onboardings_advance(partner_ids=in_progress[start : start + SWEEP_CHUNK])
        for start in range(0, len(in_progress), SWEEP_CHUNK)
    )
    overdue = onboardings_announce_overdue(today=today)
    return {"started": len(started), "cancelled": cancelled, "items_completed": advanced, "overdue_announced": overdue}


# --- the outbox channel -----------------------------------------------------------------


def onboarding_events_handle(events_batch: list) -> None:
    """The outbox channel: a partner created in, or moved into or out of, onboarding starts or
    ends its checklist; an event that can complete an automatic item advances its partner's
    checklist. Runs in the dispatcher's transaction; repeating a batch changes nothing."""
    moved, happened = set(), set()
    for event in events_batch:
        if event.partner_id is None:
            continue
        if event.type in ("partner.created", "partner.status_changed"):
            moved.add(event.partner_id)
        elif event.type in AUTO_EVENTS:
            happened.add(event.partner_id)
    if moved:
        onboardings_cancel_left(partner_ids=moved)
        onboardings_start(partner_ids=moved)
    happened -= moved  # a start advances what it starts
    if happened:
        onboardings_advance(partner_ids=happened)
