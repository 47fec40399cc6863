"""The manager portal's deal pages (names are global, like partners.urls)."""

from django.urls import path

from programs.deals.views import manager

urlpatterns = [
    path("deals/", manager.deal_list, name="deal-list"),
    path("deals/export.csv", manager.deal_export, name="deal-export"),
    path("deals/queue/", manager.approval_queue, name="deal-queue"),
    path("deals/<int:deal_id>/", manager.deal_detail, name="deal-detail"),
    path("deals/<int:deal_id>/approve/", manager.deal_approve, name="deal-approve"),
    path("deals/<int:deal_id>/reject/", manager.deal_reject, name="deal-reject"),
    path("deals/<int:deal_id>/extend/", manager.deal_extend, name="deal-extend"),
    path("deals/<int:deal_id>/close/", manager.deal_close, name="deal-close"),
    path("deals/queue/badge/", manager.approval_queue_badge, name="deal-queue-badge"),
]
