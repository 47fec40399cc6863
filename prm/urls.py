"""HTML pages, the admin and the API (health endpoints: prm.health)."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from partners import views as partner_views

admin.autodiscover()
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "OpenPRM administration"

urlpatterns = [
    path("", partner_views.dashboard, name="dashboard"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("prm.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = "prm.views.error_400"
handler403 = "prm.views.error_403"
handler404 = "prm.views.error_404"
handler500 = "prm.views.error_500"
