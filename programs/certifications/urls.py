"""The manager portal's certification pages (names are global, like partners.urls)."""

from django.urls import path

from programs.certifications.views import manager

urlpatterns = [
    path("certifications/", manager.certification_list, name="certification-list"),
    path("certifications/queue/", manager.verification_queue, name="certification-queue"),
    path("certifications/queue/badge/", manager.verification_badge, name="certification-queue-badge"),
    path("certifications/definitions/", manager.definition_list, name="certification-definition-list"),
    path(
        "certifications/definitions/<int:definition_id>/", manager.definition_edit, name="certification-definition-edit"
    ),
    path("certifications/<int:certification_id>/", manager.certification_detail, name="certification-detail"),
    path("certifications/<int:certification_id>/verify/", manager.certification_verify, name="certification-verify"),
    path("certifications/<int:certification_id>/reject/", manager.certification_reject, name="certification-reject"),
    # staff and the certification's own partner logins alike (the selector scopes it)
    path(
        "certifications/<int:certification_id>/evidence/",
        manager.certification_evidence,
        name="certification-evidence",
    ),
]
