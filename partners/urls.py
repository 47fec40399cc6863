"""The manager portal's pages (names are global: templates use ``{% url 'partner-list' %}``)."""

from django.urls import path

from partners import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("partners/", views.partner_list, name="partner-list"),
    path("partners/export.csv", views.partner_export, name="partner-export"),
    path("partners/new/", views.partner_create, name="partner-create"),
    path("partners/<int:pk>/", views.partner_detail, name="partner-detail"),
    path("partners/<int:pk>/edit/", views.partner_edit, name="partner-edit"),
    path("partners/<int:pk>/status/", views.partner_status, name="partner-status"),
    path("partners/<int:pk>/contacts/new/", views.contact_add, name="partner-contact-add"),
    path("partners/<int:pk>/contacts/<int:contact_id>/edit/", views.contact_edit, name="partner-contact-edit"),
    path("partners/<int:pk>/contacts/<int:contact_id>/remove/", views.contact_remove, name="partner-contact-remove"),
]
