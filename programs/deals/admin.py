"""Admin views of deal registrations (changed through the services, so read-only here) and the
protection days per partner type, which administrators edit."""

from django.contrib import admin

from programs.deals.models import Deal, DealConflict, DealHistory, DealProtection
from programs.strategies.admin import ReadOnly


class DealConflictInline(admin.TabularInline):
    model = DealConflict
    fk_name = "deal"
    fields = ["other", "matched", "products", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class DealHistoryInline(admin.TabularInline):
    model = DealHistory
    fields = ["created_at", "action", "from_state", "to_state", "actor", "data"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Deal)
class DealAdmin(ReadOnly):
    list_display = ["customer_company", "customer_domain", "partner", "state", "amount", "currency", "protected_until"]
    list_filter = ["state", "stage"]
    search_fields = ["customer_company", "customer_domain"]
    raw_id_fields = ["partner"]
    inlines = [DealConflictInline, DealHistoryInline]


@admin.register(DealProtection)
class DealProtectionAdmin(admin.ModelAdmin):
    list_display = ["partner_type", "days", "reminder_days"]
