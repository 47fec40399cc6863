from django.contrib import admin

from partners.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    """For inspection; subscriptions are managed in the portal and the API (they check URLs and
    event types, and show a secret once), so nothing is written here."""

    list_display = ("id", "url", "partner", "is_active", "paused_at", "failing_since", "created_at")
    list_filter = ("is_active", ("paused_at", admin.EmptyFieldListFilter))
    search_fields = ("url", "description")
    readonly_fields = [f.name for f in WebhookSubscription._meta.fields if f.name not in ("secret", "previous_secret")]
    exclude = ("secret", "previous_secret")
    list_select_related = ("partner",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ("attempted_at", "status_code", "duration_ms", "error", "response_body")
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """Read-only: what became of each event at each subscription, attempt by attempt."""

    list_display = ("id", "subscription", "event", "state", "attempts", "next_attempt_at", "last_status_code")
    list_filter = ("state",)
    search_fields = ("=subscription__id", "=event__uid")
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    list_select_related = ("subscription", "event")
    raw_id_fields = ("subscription", "event")
    inlines = [WebhookAttemptInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
