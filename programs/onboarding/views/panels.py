"""What agreements and onboarding add to other pages, registered by programs' AppConfig (partners
never imports programs): the portal gate on an agreement to accept, a panel on the partner's home
while it onboards, and one on the manager's partner page."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from programs.onboarding import selectors
from programs.onboarding.models import Onboarding, OnboardingItem

SHOWN_ACCEPTANCES = 5


def agreement_gate(*, user, partner) -> str | None:
    """The agreement page while the partner must accept its current agreement (one query)."""
    if selectors.agreement_due(partner=partner):
        return reverse("partner-onboarding:agreement")
    return None


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:  # a slice not installed here: the item has no link
        return ""


def onboarding_links() -> dict[str, str]:
    """Where each automatic item is done, on the partner's pages."""
    return {
        OnboardingItem.Auto.AGREEMENT_ACCEPTED: _url("partner-onboarding:agreement"),
        OnboardingItem.Auto.COLLEAGUE_INVITED: _url("selfservice:users"),
        OnboardingItem.Auto.FIRST_CERTIFICATION: _url("partner-certifications:certification-list"),
        OnboardingItem.Auto.FIRST_DEAL: _url("partner-deals:deal-register"),
    }


def partner_home_panel(*, user, partner) -> dict:
    """While the partner onboards: its checklist's progress and the next items (three queries);
    nothing otherwise."""
    if partner.status != partner.Status.ONBOARDING:
        return {}
    onboarding = selectors.onboarding_latest(user=user, partner_id=partner.pk)
    if onboarding is None or onboarding.state != Onboarding.State.IN_PROGRESS:
        return {}
    progress = selectors.onboarding_progress(onboarding)
    return {
        "onboarding_panel": {
            "template": "onboarding/partner/_home_panel.html",
            "progress": progress,
            "next": [entry for entry in progress.items if not entry.done][:3],
        }
    }


def partner_page_panel(*, user, partner) -> dict:
    """The manager's partner page: the latest onboarding with its items, and the agreement's
    acceptances (four queries); nothing for a partner that never onboarded nor accepted one."""
    onboarding = selectors.onboarding_latest(user=user, partner_id=partner.pk)
    acceptances = list(selectors.acceptance_list(user=user, partner_id=partner.pk)[:SHOWN_ACCEPTANCES])
    if onboarding is None and not acceptances:
        return {}
    return {
        "onboarding_panel": {
            "template": "onboarding/portal/_partner_panel.html",
            "progress": selectors.onboarding_progress(onboarding) if onboarding is not None else None,
            "acceptances": acceptances,
        }
    }
