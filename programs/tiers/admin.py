"""Admin views of programs, tiers and memberships, read-only: programs and tiers are edited in
the portal (/programs/), where the ladder check refuses contradictions, and memberships move
through programs.tiers.services, which keeps every move in the tier history."""

from django.contrib import admin

from programs.strategies.admin import ReadOnly
from programs.tiers.editing import BENEFIT_FIELDS, REQUIREMENT_FIELDS
from programs.tiers.models import DowngradeProposal, Membership, Program, Tier, TierChange


class TierInline(admin.TabularInline):
    model = Tier
    fields = ["rank", "name", *REQUIREMENT_FIELDS, *BENEFIT_FIELDS]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Program)
class ProgramAdmin(ReadOnly):
    list_display = ["name", "slug", "partner_types", "is_active", "currency", "grace_days", "auto_upgrade"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    inlines = [TierInline]


class TierChangeInline(admin.TabularInline):
    model = TierChange
    fields = ["created_at", "direction", "from_tier", "to_tier", "reason", "approved_by", "evidence"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Membership)
class MembershipAdmin(ReadOnly):
    list_display = ["partner", "program", "tier", "state", "since", "grace_until", "evaluated_on"]
    list_filter = ["state", "program"]
    search_fields = ["partner__name"]
    raw_id_fields = ["partner"]
    inlines = [TierChangeInline]


@admin.register(DowngradeProposal)
class DowngradeProposalAdmin(ReadOnly):
    list_display = ["membership", "from_tier", "to_tier", "state", "decided_by", "decided_at", "created_at"]
    list_filter = ["state"]
