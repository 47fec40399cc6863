"""The programs app's pages: each slice brings its own URLs."""

from django.urls import include, path

urlpatterns = [
    path("", include("programs.strategies.urls")),
    path("", include("programs.deals.urls")),
    path("", include("programs.leads.urls")),
    path("", include("programs.certifications.urls")),
    path("", include("programs.onboarding.urls")),
    path("", include("programs.applications.urls")),
    path("", include("programs.tiers.urls")),
    path("partner/deals/", include("programs.deals.partner_urls")),
    path("partner/leads/", include("programs.leads.partner_urls")),
    path("partner/certifications/", include("programs.certifications.partner_urls")),
    path("partner/tiers/", include("programs.tiers.partner_urls")),
    path("partner/", include("programs.onboarding.partner_urls")),
]
