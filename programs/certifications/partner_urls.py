"""The partner's certification pages, at /partner/certifications/ in the ``partner-certifications`` namespace."""

from django.urls import path

from programs.certifications.views import partner

app_name = "partner-certifications"

urlpatterns = [
    path("", partner.certification_list, name="certification-list"),
    path("new/", partner.certification_record, name="certification-record"),
]
