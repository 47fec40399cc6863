"""The manager's partner page's program panel, registered with partners.panels by programs'
AppConfig (partners never imports programs)."""

from __future__ import annotations

from partners.roles import can_change_partner
from programs.tiers import selectors
from programs.tiers.views.display import STATE_BADGES


def partner_memberships_panel(*, user, partner) -> dict:
    """The partner's memberships with tier, state and grace deadline: one query."""
    memberships = list(selectors.membership_list(user=user).filter(partner=partner).order_by("program__name"))
    programs = list(
        selectors.program_list(user=user).filter(is_active=True, partner_types__contains=[partner.type])
        .exclude(pk__in=[m.program_id for m in memberships]).order_by("name").values("pk", "name")
    )  # fmt: skip
    return {
        "partner_programs": {
            "template": "tiers/portal/_partner_panel.html",
            "memberships": memberships,
            "joinable": programs,
            "badges": STATE_BADGES,
            "may_add": can_change_partner(user, partner),
        }
    }
