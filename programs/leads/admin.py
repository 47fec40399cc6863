"""Admin views of leads (changed through the services, so read-only here, with their offers and
routing decisions) and the routing settings administrators edit: rules, weights, capacity and SLA
per partner type, and the region of each country."""

from django.contrib import admin

from programs.leads.models import (
    Lead,
    LeadCountryRegion,
    LeadOffer,
    LeadPolicy,
    LeadRouting,
    LeadRoutingRule,
    LeadWeight,
)
from programs.strategies.admin import ReadOnly


class LeadOfferInline(admin.TabularInline):
    model = LeadOffer
    fields = ["partner", "offered_at", "respond_by", "outcome", "responded_at", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class LeadRoutingInline(admin.TabularInline):
    model = LeadRouting
    fields = ["created_at", "trigger", "chosen", "reason", "steps", "pool"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Lead)
class LeadAdmin(ReadOnly):
    list_display = ["company", "country", "region", "vertical", "status", "partner", "respond_by", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["company", "contact_email"]
    raw_id_fields = ["partner"]
    inlines = [LeadOfferInline, LeadRoutingInline]


@admin.register(LeadRoutingRule)
class LeadRoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["position", "name", "field", "required", "values", "is_active"]
    list_editable = ["required", "is_active"]
    list_display_links = ["name"]


@admin.register(LeadWeight)
class LeadWeightAdmin(admin.ModelAdmin):
    list_display = ["engagement", "weight"]


@admin.register(LeadPolicy)
class LeadPolicyAdmin(admin.ModelAdmin):
    list_display = ["partner_type", "capacity", "respond_hours"]


@admin.register(LeadCountryRegion)
class LeadCountryRegionAdmin(admin.ModelAdmin):
    list_display = ["country", "region"]
    list_filter = ["region"]
