"""The public application page and the manager portal's application pages (names are global)."""

from django.urls import path

from programs.applications.views import manager, public

urlpatterns = [
    path("become-a-partner/", public.apply, name="application-apply"),
    path("become-a-partner/thanks/", public.thanks, name="application-thanks"),
    path("applications/", manager.application_list, name="application-list"),
    path("applications/badge/", manager.queue_badge, name="application-queue-badge"),
    path("applications/dashboard/", manager.dashboard_count, name="application-dashboard-count"),
    path("applications/<int:application_id>/", manager.application_detail, name="application-detail"),
    path("applications/<int:application_id>/assign/", manager.application_assign, name="application-assign"),
    path("applications/<int:application_id>/approve/", manager.application_approve, name="application-approve"),
    path("applications/<int:application_id>/reject/", manager.application_reject, name="application-reject"),
]
