"""The manager portal's pages (names are global: templates use ``{% url 'partner-list' %}``)."""

from django.urls import include, path

from partners.imports.urls import manager_urlpatterns as import_pages
from partners.invitations import views as invitations
from partners.views import contacts, dashboard, documents, partner_list, partner_pages, tokens
from partners.webhooks.urls import manager_urlpatterns as webhook_pages

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("documents/<int:pk>/download/", documents.document_download, name="document-download"),
    path("partners/", partner_list.partner_list, name="partner-list"),
    path("partners/export.csv", partner_list.partner_export, name="partner-export"),
    path("partners/new/", partner_pages.partner_create, name="partner-create"),
    path("partners/<int:pk>/", partner_pages.partner_detail, name="partner-detail"),
    path("partners/<int:pk>/edit/", partner_pages.partner_edit, name="partner-edit"),
    path("partners/<int:pk>/status/", partner_pages.partner_status, name="partner-status"),
    path("partners/<int:pk>/contacts/new/", contacts.contact_add, name="partner-contact-add"),
    path("partners/<int:pk>/contacts/<int:contact_id>/edit/", contacts.contact_edit, name="partner-contact-edit"),
    path("partners/<int:pk>/contacts/<int:contact_id>/remove/", contacts.contact_remove, name="partner-contact-remove"),
    path(
        "partners/<int:pk>/contacts/<int:contact_id>/invite/", invitations.contact_invite, name="partner-contact-invite"
    ),
    path(
        "partners/<int:pk>/invitations/<int:invitation_id>/withdraw/",
        invitations.partner_invitation_withdraw,
        name="partner-invitation-withdraw",
    ),
    path(
        "partners/<int:pk>/invitations/<int:invitation_id>/resend/",
        invitations.partner_invitation_resend,
        name="partner-invitation-resend",
    ),
    path("invitations/<str:token>/", invitations.invitation_accept_page, name="invitation-accept"),
    path("settings/tokens/", tokens.token_list_page, name="settings-tokens"),
    path("settings/tokens/<str:prefix>/revoke/", tokens.token_revoke_page, name="settings-token-revoke"),
    path("settings/webhooks/", include(webhook_pages)),
    path("imports/", include(import_pages)),
]
