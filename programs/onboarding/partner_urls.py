"""The partner's agreement and onboarding pages, at /partner/ in the ``partner-onboarding`` namespace."""

from django.urls import path

from programs.onboarding.views import partner

app_name = "partner-onboarding"

urlpatterns = [
    path("agreement/", partner.agreement, name="agreement"),
    path("onboarding/", partner.onboarding, name="onboarding"),
    path("onboarding/items/<int:item_id>/complete/", partner.onboarding_item_complete, name="item-complete"),
]
