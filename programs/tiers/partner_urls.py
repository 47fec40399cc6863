"""The partner's tier page, at /partner/tiers/ in the ``partner-tiers`` namespace."""

from django.urls import path

from programs.tiers.views import partner

app_name = "partner-tiers"

urlpatterns = [
    path("", partner.progress, name="progress"),
]
