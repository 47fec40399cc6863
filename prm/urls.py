"""HTML pages, the admin and the API (health endpoints: prm.health)."""

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

admin.autodiscover()
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "OpenPRM administration"

urlpatterns = [
    path("", include("partners.urls")),
    path("", include("programs.urls")),
    path("partner/", include("partners.selfservice.urls")),
    path("notifications/", include("partners.notifications.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("prm.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

if settings.BENCH_FLOOR:  # `make bench` only: the hand-written floors the API and export are compared with
    from prm import bench_floors

    urlpatterns += [
        path("bench/floor/partners/", bench_floors.floor_partners),
        path("bench/floor/partners/walk/", bench_floors.floor_partners_walk),
        path("bench/floor/partners.csv", bench_floors.floor_partners_csv),
    ]

handler400 = "prm.views.error_400"
handler403 = "prm.views.error_403"
handler404 = "prm.views.error_404"
handler500 = "prm.views.error_500"
