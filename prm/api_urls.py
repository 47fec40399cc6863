"""One router for the whole API at /api/v1/; apps register their viewsets here."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from partners.api.tokens import ApiTokenViewSet
from partners.api.users import UserViewSet
from partners.api.views import (
    ContactViewSet,
    MeView,
    PartnerViewSet,
    RegionViewSet,
    VerticalViewSet,
)
from partners.imports.api import register as register_imports
from partners.invitations.api import InvitationViewSet
from partners.notifications import api as notifications_api
from partners.records.api import register as register_records
from partners.webhooks.api import register as register_webhooks
from prm import schema  # noqa: F401  (registers the token scheme with the schema generator)
from programs.applications.api import register as register_applications
from programs.certifications.api import register as register_certifications
from programs.deals.api import register as register_deals
from programs.leads.api import register as register_leads
from programs.strategies.api import register as register_strategies
from programs.tiers import api as tiers_api

router = DefaultRouter(trailing_slash=True)
router.register("partners", PartnerViewSet, basename="api-partner")
router.register("contacts", ContactViewSet, basename="api-contact")
router.register("regions", RegionViewSet, basename="api-region")
router.register("verticals", VerticalViewSet, basename="api-vertical")
router.register("tokens", ApiTokenViewSet, basename="api-token")
router.register("users", UserViewSet, basename="api-user")
router.register("invitations", InvitationViewSet, basename="api-invitation")
register_records(router)
register_imports(router)
notifications_api.register(router)
register_webhooks(router)
register_strategies(router)
register_deals(router)
register_leads(router)
register_certifications(router)
register_applications(router)
tiers_api.register(router)

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    *notifications_api.urlpatterns,
    *tiers_api.urlpatterns,
    *router.urls,
]
