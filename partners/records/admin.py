"""Admin for relationship records; imported at the end of partners/admin.py (Django autodiscovers that one)."""

from django.contrib import admin

from partners.records.models import Agreement, BusinessReview, PartnerDocument, ReportedMetric


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["title", "partner", "kind", "status", "start_on", "end_on"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "partner__name"]
    list_select_related = ["partner"]
    raw_id_fields = ["partner"]
    date_hierarchy = "end_on"
    show_full_result_count = False


@admin.register(PartnerDocument)
class PartnerDocumentAdmin(admin.ModelAdmin):
    """Files are private: the admin shows the stored name, never a link (MEDIA_URL is not served)."""

    list_display = ["title", "partner", "kind", "issued_on", "expires_on", "uploaded_by", "replaced_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["title", "partner__name"]
    list_select_related = ["partner", "uploaded_by", "replaced_by"]
    raw_id_fields = ["partner", "uploaded_by"]
    fields = [
        "partner", "kind", "title", "stored_file", "issued_on", "expires_on", "uploaded_by", "replaced_by",
        "created_at",
    ]  # fmt: skip
    readonly_fields = ["stored_file", "uploaded_by", "replaced_by", "created_at"]
    show_full_result_count = False

    def has_add_permission(self, request):  # uploads go through the service, which checks the file
        return False

    @admin.display(description="file")
    def stored_file(self, obj) -> str:
        return obj.file.name or "—"


@admin.register(ReportedMetric)
class ReportedMetricAdmin(admin.ModelAdmin):
    list_display = ["key", "partner", "period_start", "period_end", "value", "source"]
    list_filter = ["key", "source"]
    search_fields = ["partner__name", "key"]
    list_select_related = ["partner"]
    raw_id_fields = ["partner", "reported_by"]
    show_full_result_count = False


@admin.register(BusinessReview)
class BusinessReviewAdmin(admin.ModelAdmin):
    list_display = ["held_on", "partner", "kind", "attendees"]
    list_filter = ["kind"]
    search_fields = ["partner__name", "attendees"]
    list_select_related = ["partner"]
    raw_id_fields = ["partner", "recorded_by"]
    date_hierarchy = "held_on"
    show_full_result_count = False
