from django.contrib import admin

from partners.outbox.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: events are facts; channels' own pages show what became of them."""

    list_display = ("id", "type", "object_type", "object_id", "partner_id", "created_at", "dispatched_at")
    list_filter = ("type",)
    search_fields = ("=object_id", "=uid")
    readonly_fields = [field.name for field in Event._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
