"""Reads of agreements and onboarding, each starting from the partners the user may see."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Case, Count, DateField, Exists, F, IntegerField, OuterRef, QuerySet, Subquery, When
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce
from django.utils import timezone

from partners.models import Partner
from partners.reference import reference
from programs.onboarding.models import (
    AgreementAcceptance,
    AgreementTemplate,
    Onboarding,
    OnboardingItem,
    OnboardingStep,
)
from programs.onboarding.text import render
from programs.tiers.models import Program


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def agreement_ends_on(template: AgreementTemplate, start: date) -> date | None:
    """The last day an acceptance on ``start`` is in force: the day before the same date
    ``valid_months`` later; None for an open-ended template."""
    if not template.valid_months:
        return None
    return add_months(start, template.valid_months) - timedelta(days=1)


# --- which agreement applies ------------------------------------------------------------


def _depths(codes) -> dict[str, int]:
    """Each of the regions ``codes`` and their ancestors, with how deep it is in the tree (GLOBAL
    0, EMEA 1, DACH 2…): the deeper, the more specific."""
    parents = reference().parents
    depths: dict[str, int] = {}
    for code in codes:
        chain = []
        while code is not None and code not in chain:
            chain.append(code)
            code = parents.get(code)
        for position, region in enumerate(chain):
            depths[region] = max(depths.get(region, -1), len(chain) - 1 - position)
    return depths


def pick_template(candidates, regions) -> object | None:
    """Of current templates of the partner's type (objects or rows with ``region_id``), the one
    for the most specific of the partner's regions or their ancestors, else the one for any
    region. Reads the region tree only when a candidate names a region."""
    general = [candidate for candidate in candidates if candidate.region_id is None]
    regional = [candidate for candidate in candidates if candidate.region_id is not None]
    if regional:
        depths = _depths(regions)
        matching = [candidate for candidate in regional if candidate.region_id in depths]
        if matching:
            return max(matching, key=lambda candidate: (depths[candidate.region_id], -candidate.pk))
    return general[0] if general else None


def current_template(*, partner: Partner) -> AgreementTemplate | None:
    """The agreement the partner accepts now (see pick_template); one query."""
    candidates = list(AgreementTemplate.objects.filter(partner_type=partner.type, is_current=True).order_by("pk"))
    return pick_template(candidates, partner.regions)


def _programs_requiring_agreement(partner_type: str) -> QuerySet[Program]:
    return Program.objects.filter(is_active=True, requires_agreement=True, partner_types__contains=[partner_type])


@dataclass(frozen=True)
class _Candidate:
    pk: int
    region_id: str | None
    accepted: bool


def agreement_due(*, partner: Partner) -> bool:
    """Whether the partner must accept its current agreement before using the portal: an active
    program requiring one lists its type, a current template exists, and the partner has not
    accepted it. One query (the region tree comes from the cache when a template names a region)."""
    rows = (
        AgreementTemplate.objects.filter(partner_type=partner.type, is_current=True)
        .filter(Exists(_programs_requiring_agreement(partner.type)))
        .annotate(
            accepted=Exists(AgreementAcceptance.objects.filter(partner_id=partner.pk, template_id=OuterRef("pk")))
        )
        .order_by("pk")
        .values_list("pk", "region_id", "accepted")
    )
    chosen = pick_template([_Candidate(*row) for row in rows], partner.regions)
    return chosen is not None and not chosen.accepted


def agreement_values(*, partner: Partner, template: AgreementTemplate, day: date) -> dict[str, str]:
    """What the placeholders of ``template`` read for ``partner`` accepting on ``day``."""
    ends = agreement_ends_on(template, day)
    return {
        "partner_name": partner.name,
        "partner_legal_name": partner.legal_name or partner.name,
        "partner_country": partner.country.name or str(partner.country),
        "partner_type": partner.get_type_display(),
        "date": f"{day:%-d %B %Y}",
        "valid_until": f"{ends:%-d %B %Y}" if ends else "open-ended",
    }


@dataclass(frozen=True)
class AgreementView:
    """The partner's agreement page: the current template rendered for today, whether a program
    requires it, the acceptance of that version (if any) and the newest acceptance of any version."""

    template: AgreementTemplate | None
    text: str
    required: bool
    acceptance: AgreementAcceptance | None
    latest: AgreementAcceptance | None

    @property
    def accepted(self) -> bool:
        return self.acceptance is not None


def agreement_view(*, user, partner: Partner, today: date | None = None) -> AgreementView:
    """Three queries: the current templates, the programs requiring one, the partner's acceptances."""
    today = today or timezone.localdate()
    if not Partner.objects.visible_to(user).filter(pk=partner.pk).exists():
        raise Partner.DoesNotExist
    template = current_template(partner=partner)
    required = template is not None and _programs_requiring_agreement(partner.type).exists()
    acceptances = list(
        AgreementAcceptance.objects.filter(partner_id=partner.pk).select_related("template", "agreement", "user")[:20]
    )
    acceptance = next((a for a in acceptances if template and a.template_id == template.pk), None)
    if acceptance is not None:
        text = acceptance.text
    elif template is not None:
        text = render(template.body, agreement_values(partner=partner, template=template, day=today))
    else:
        text = ""
    return AgreementView(template, text, required, acceptance, acceptances[0] if acceptances else None)


def acceptance_list(*, user, partner_id: int) -> QuerySet[AgreementAcceptance]:
    """A partner's acceptances, newest first, with their template, agreement and login."""
    return AgreementAcceptance.objects.filter(
        partner_id__in=Partner.objects.visible_to(user).filter(pk=partner_id).values("pk")
    ).select_related("template", "agreement", "user")


# --- onboarding -----------------------------------------------------------------------


def due_on(onboarding: Onboarding, item: OnboardingItem) -> date:
    return onboarding.started_on + timedelta(days=item.due_offset_days)


@dataclass(frozen=True)
class ItemProgress:
    item: OnboardingItem
    due_on: date
    step: OnboardingStep | None
    overdue: bool

    @property
    def done(self) -> bool:
        return self.step is not None


@dataclass(frozen=True)
class OnboardingProgress:
    onboarding: Onboarding
    items: list[ItemProgress] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def done(self) -> int:
        return sum(1 for entry in self.items if entry.done)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100

    @property
    def overdue(self) -> int:
        return sum(1 for entry in self.items if entry.overdue)


def onboarding_latest(*, user, partner_id: int) -> Onboarding | None:
    """The partner's onboarding in progress, else its newest one, with partner and template; one query."""
    return (
        Onboarding.objects.filter(partner__in=Partner.objects.visible_to(user).filter(pk=partner_id))
        .select_related("partner", "template")
        .order_by(Case(When(state=Onboarding.State.IN_PROGRESS, then=0), default=1), "-started_on", "-id")
        .first()
    )


def onboarding_progress(onboarding: Onboarding, *, today: date | None = None) -> OnboardingProgress:
    """Each item of the onboarding's checklist with its due date and completion: two queries."""
    today = today or timezone.localdate()
    items = list(OnboardingItem.objects.filter(template_id=onboarding.template_id))
    steps = OnboardingStep.objects.filter(onboarding=onboarding).select_related("completed_by")
    steps = {step.item_id: step for step in steps}
    open_ = onboarding.state == Onboarding.State.IN_PROGRESS
    return OnboardingProgress(
        onboarding,
        [
            ItemProgress(
                item=item,
                due_on=due_on(onboarding, item),
                step=steps.get(item.pk),
                overdue=open_ and item.pk not in steps and due_on(onboarding, item) < today,
            )
            for item in items
        ],
    )


def _count(queryset) -> Subquery:
    return Coalesce(
        Subquery(queryset.order_by().values("template_id").annotate(n=Count("pk")).values("n")[:1],
                 output_field=IntegerField()),
        0,
    )  # fmt: skip


def onboarding_list(*, user, today: date | None = None) -> QuerySet[Onboarding]:
    """Onboardings of the partners the user may see, with partner, owner and template joined and
    three counts in the same query: items, completed items, overdue items."""
    today = today or timezone.localdate()
    items = OnboardingItem.objects.filter(template_id=OuterRef("template_id"))
    undone = items.exclude(
        Exists(OnboardingStep.objects.filter(onboarding_id=OuterRef(OuterRef("pk")), item_id=OuterRef("pk")))
    )
    due = CombinedExpression(OuterRef("started_on"), "+", F("due_offset_days"), output_field=DateField())
    return (
        Onboarding.objects.filter(partner__in=Partner.objects.visible_to(user))
        .select_related("partner", "partner__owner", "template")
        .annotate(
            item_count=_count(items),
            done_count=Coalesce(
                Subquery(
                    OnboardingStep.objects.filter(onboarding_id=OuterRef("pk"))
                    .order_by()
                    .values("onboarding_id")
                    .annotate(n=Count("pk"))
                    .values("n")[:1],
                    output_field=IntegerField(),
                ),
                0,
            ),
            overdue_count=Coalesce(
                Subquery(
                    undone.alias(due=due).filter(due__lt=today).order_by().values("template_id")
                    .annotate(n=Count("pk")).values("n")[:1],
                    output_field=IntegerField(),
                ),
                0,
            ),
        )
        .order_by("-started_on", "-id")
    )  # fmt: skip
