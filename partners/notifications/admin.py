from django.contrib import admin, messages

from partners.notifications.models import EmailBounce, Notification, OutgoingEmail
from partners.notifications.services import email_bounce_record


@admin.register(EmailBounce)
class EmailBounceAdmin(admin.ModelAdmin):
    """Addresses that bounced: deleting a row lets notification mail go to the address again."""

    list_display = ("email", "reason", "source", "recorded_by", "recorded_at")
    list_filter = ("source",)
    search_fields = ("email",)
    fields = ("email", "reason")
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["reason"])
            return
        bounce, _ = email_bounce_record(email=obj.email, reason=obj.reason, actor=request.user)
        obj.pk, obj.email = bounce.pk, bounce.email


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """The durable mail queue: what was sent, what waits and why. Rows are written by the site."""

    list_display = ("subject", "to", "category", "state", "attempts", "next_attempt_at", "sent_at", "created_at")
    list_filter = ("state", "category")
    search_fields = ("=to", "=key")
    readonly_fields = [field.name for field in OutgoingEmail._meta.fields]
    actions = ["record_bounced"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Record the recipients as bounced (no more notification mail to them)")
    def record_bounced(self, request, queryset):
        addresses = {row.to.lower() for row in queryset if row.to}
        for address in sorted(addresses):
            email_bounce_record(email=address, actor=request.user, reason="Recorded from the mail queue")
        self.message_user(
            request,
            f"{len(addresses)} address{'es' if len(addresses) != 1 else ''} recorded as bounced.",
            messages.SUCCESS,
        )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "category", "delivery", "created_at", "read_at")
    list_filter = ("category", "delivery")
    search_fields = ("=user__email",)
    raw_id_fields = ("user", "digest")
    readonly_fields = [field.name for field in Notification._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
