"""The partner's deal pages, at /partner/deals/ in the ``partner-deals`` namespace."""

from django.urls import path

from programs.deals.views import partner

app_name = "partner-deals"

urlpatterns = [
    path("", partner.deal_list, name="deal-list"),
    path("new/", partner.deal_register, name="deal-register"),
    path("new/check/", partner.deal_check, name="deal-check"),
    path("<int:deal_id>/", partner.deal_detail, name="deal-detail"),
    path("<int:deal_id>/update/", partner.deal_update, name="deal-update"),
    path("<int:deal_id>/close/", partner.deal_close, name="deal-close"),
]
