"""Admin: reference data and tokens are managed here; partners through the portal and API,
whose services write the timeline, so the admin shows partners read-only."""

from django.contrib import admin
from django.db import models

from partners.models import Activity, ApiToken, AuditEvent, Contact, Partner, Region, Vertical
from partners.reference import reference_changed


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ContactInline(admin.TabularInline):
    model = Contact
    fields = ["name", "email", "phone", "title", "role"]
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Partner)
class PartnerAdmin(ReadOnlyAdmin):
    list_display = ["name", "type", "status", "engagement", "country", "owner", "updated_at"]
    list_filter = ["type", "status", "engagement"]
    search_fields = ["name", "legal_name", "slug", "website"]
    list_select_related = ["owner"]
    exclude = ["facets", "search_document", "domain"]
    inlines = [ContactInline]
    show_full_result_count = False
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "identifier", "subject", "actor", "ip_address"]
    list_filter = ["action"]
    search_fields = ["identifier", "subject__email", "actor__email"]
    list_select_related = ["subject", "actor"]
    show_full_result_count = False


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "partner", "kind", "message", "actor"]
    list_filter = ["kind"]
    list_select_related = ["partner", "actor"]
    raw_id_fields = ["partner"]
    show_full_result_count = False


class InUseGuard:
    """Refuse to delete reference data that partners still point at (they store codes)."""

    usage_lookup = ""

    def in_use(self, obj) -> bool:
        return Partner.objects.filter(**{self.usage_lookup: [obj.pk]}).exists()

    def get_deleted_objects(self, objs, request):
        """Rows in use count as protected, so the admin's delete page and bulk action refuse them
        (saying why) before anything is deleted, logged or reported as deleted."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        in_use = [f"{obj} is used by partners; change them first." for obj in objs if self.in_use(obj)]
        return deleted, counts, perms_needed, [*protected, *in_use]

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        reference_changed()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        reference_changed()

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Region)
class RegionAdmin(InUseGuard, admin.ModelAdmin):
    list_display = ["code", "name", "parent"]
    usage_lookup = "regions__contains"


@admin.register(Vertical)
class VerticalAdmin(InUseGuard, admin.ModelAdmin):
    list_display = ["slug", "name"]
    usage_lookup = "verticals__contains"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by `manage.py api_token` or the API (the key is shown once); revoked here."""

    list_display = ["token_key", "name", "user", "created", "expiry"]
    search_fields = ["name", "user__email", "token_key"]
    fields = ["name", "user", "token_key", "created", "expiry"]
    readonly_fields = ["user", "token_key", "created", "expiry"]

    def has_add_permission(self, request):
        return False


import partners.records.admin  # noqa: E402,F401
