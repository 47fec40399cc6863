"""The import pages at /imports/ (global names, ``{% url 'import-list' %}``)."""

from django.urls import path

from partners.imports import views

manager_urlpatterns = [
    path("", views.import_list_page, name="import-list"),
    path("new/", views.import_upload_page, name="import-upload"),
    path("template/<slug:kind>.csv", views.import_template, name="import-template"),
    path("files/<int:file_id>/map/", views.import_map_page, name="import-map"),
    path("<int:pk>/", views.import_detail_page, name="import-detail"),
    path("<int:pk>/progress/", views.import_progress, name="import-progress"),
    path("<int:pk>/report.csv", views.import_report, name="import-report"),
    path("<int:pk>/commit/", views.import_commit_page, name="import-commit"),
]
