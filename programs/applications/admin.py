"""Admin view of partner applications (changed through the services and the portal, so read-only)."""

from django.contrib import admin

from programs.applications.models import PartnerApplication
from programs.strategies.admin import ReadOnly


@admin.register(PartnerApplication)
class PartnerApplicationAdmin(ReadOnly):
    list_display = ["company", "domain", "requested_type", "state", "is_duplicate", "vetter", "created_at"]
    list_filter = ["state", "requested_type", "is_duplicate"]
    search_fields = ["company", "domain", "contact_email"]
    raw_id_fields = ["partner", "duplicate_of", "duplicate_partner"]
