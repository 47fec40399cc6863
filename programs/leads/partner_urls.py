"""The partner's lead pages, at /partner/leads/ in the ``partner-leads`` namespace."""

from django.urls import path

from programs.leads.views import partner

app_name = "partner-leads"

urlpatterns = [
    path("", partner.lead_list, name="lead-list"),
    path("<int:lead_id>/", partner.lead_detail, name="lead-detail"),
    path("<int:lead_id>/accept/", partner.lead_accept, name="lead-accept"),
    path("<int:lead_id>/decline/", partner.lead_decline, name="lead-decline"),
    path("<int:lead_id>/close/", partner.lead_close, name="lead-close"),
]
