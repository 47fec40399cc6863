"""Agreement and checklist templates in the admin site. A saved change to an agreement's text is
published as a new version (programs.onboarding.services.agreement_template_publish), so what
partners accepted is never rewritten."""

from django.contrib import admin
from django.core.exceptions import ValidationError

from prm.errors import FieldErrors
from programs.onboarding import services
from programs.onboarding.models import (
    AgreementAcceptance,
    AgreementTemplate,
    Onboarding,
    OnboardingItem,
    OnboardingStep,
    OnboardingTemplate,
)

CONTENT = ("name", "kind", "partner_type", "region", "body", "valid_months")


@admin.register(AgreementTemplate)
class AgreementTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "partner_type", "region", "version", "is_current", "valid_months", "created_at")
    list_filter = ("partner_type", "is_current", "kind")
    search_fields = ("name",)
    readonly_fields = ("version", "created_by", "created_at")
    fields = ("name", "kind", "partner_type", "region", "body", "valid_months", "is_current", *readonly_fields)

    def save_model(self, request, obj, form, change):
        if change and not set(form.changed_data) & set(CONTENT):
            obj.save(update_fields=["is_current"])
            return
        try:
            published = services.agreement_template_publish(
                actor=request.user, **{name: getattr(obj, name) for name in CONTENT if name != "region"},
                region_id=obj.region_id,
            )  # fmt: skip
        except FieldErrors as exc:  # the form's clean() ran the same checks: only a race lands here
            raise ValidationError(exc.errors) from exc
        obj.pk, obj.version, obj.is_current = published.pk, published.version, published.is_current


@admin.register(AgreementAcceptance)
class AgreementAcceptanceAdmin(admin.ModelAdmin):
    list_display = ("partner", "template", "typed_name", "accepted_at", "ip")
    list_select_related = ("partner", "template")
    search_fields = ("partner__name", "typed_name")
    raw_id_fields = ("partner", "agreement", "user")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OnboardingItemInline(admin.TabularInline):
    model = OnboardingItem
    extra = 1
    fields = ("position", "title", "description", "due_offset_days", "auto")


@admin.register(OnboardingTemplate)
class OnboardingTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "partner_type", "is_active", "updated_at")
    inlines = [OnboardingItemInline]


class OnboardingStepInline(admin.TabularInline):
    model = OnboardingStep
    extra = 0
    fields = ("item", "completed_at", "completed_by", "automatic")
    readonly_fields = fields
    can_delete = False


@admin.register(Onboarding)
class OnboardingAdmin(admin.ModelAdmin):
    list_display = ("partner", "template", "state", "started_on", "completed_at")
    list_filter = ("state",)
    list_select_related = ("partner", "template")
    search_fields = ("partner__name",)
    raw_id_fields = ("partner",)
    readonly_fields = ("partner", "template", "state", "started_on", "completed_at", "overdue_announced_through")
    inlines = [OnboardingStepInline]

    def has_add_permission(self, request):
        return False
