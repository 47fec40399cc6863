"""The partner's tier page at /partner/tiers/: for each program its organisation is in, the
current tier and its benefits, each requirement of the tier it works towards with value,
threshold and a progress bar, what is missing in words, and any grace-period deadline. The same
summary is a panel on the partner's home."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from partners.selfservice.access import partner_view
from programs.tiers import selectors
from programs.tiers.evaluation import gaps_in_words
from programs.tiers.models import Tier
from programs.tiers.views.display import benefits_in_words


def tier_cards(*, partner_id: int) -> list[dict]:
    """One card per membership, evaluated live: a fixed number of queries (the facts, and the
    current tiers' benefits in one more)."""
    evaluations = selectors.partner_evaluations(partner_id=partner_id)
    tiers = Tier.objects.in_bulk([evaluation.tier.id for evaluation in evaluations])
    cards = []
    for evaluation in evaluations:
        progress = selectors.tier_progress(evaluation)
        membership = evaluation.membership
        towards = progress.shown_tier
        cards.append(
            {
                "program": membership.program_name,
                "tier": evaluation.tier,
                "benefits": benefits_in_words(tiers[evaluation.tier.id], membership.currency),
                "towards": towards,
                "at_top": evaluation.next_tier is None and evaluation.meets_tier,
                "keeping": towards.id == evaluation.tier.id,
                "requirements": progress.requirements,
                "gaps": gaps_in_words(progress.requirements),
                "state": membership.state,
                "grace_until": membership.grace_until,
            }
        )
    return cards


@partner_view
def progress(request: HttpRequest) -> HttpResponse:
    """Where the organisation stands in each of its programs and what the next tier needs."""
    return render(request, "tiers/partner/progress.html", {"cards": tier_cards(partner_id=request.partner.pk)})


def partner_home_tiers_panel(*, user, partner) -> dict:
    """The partner home's tier summary (the same cards as /partner/tiers/), only for a member: a
    partner in no program costs the home one query, not the evaluation's."""
    if not selectors.membership_list(user=user).filter(partner=partner).exists():
        return {}
    cards = tier_cards(partner_id=partner.pk)
    if not cards:
        return {}
    return {"partner_tiers": {"template": "tiers/partner/_home_panel.html", "cards": cards,
                              "url": reverse("partner-tiers:progress")}}  # fmt: skip
