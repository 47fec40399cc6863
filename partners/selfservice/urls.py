"""The partner self-service pages, included at /partner/; names live in the ``selfservice``
namespace (``{% url 'selfservice:home' %}``), apart from the manager portal's global names."""

from django.urls import include, path

from partners.notifications.urls import selfservice_urlpatterns as notifications
from partners.selfservice import contacts, documents, home, metrics, profile, timeline, users
from partners.webhooks.urls import partner_urlpatterns as webhook_pages

app_name = "selfservice"

urlpatterns = [
    path("", home.home, name="home"),
    path("profile/", profile.profile_edit, name="profile"),
    path("contacts/", contacts.contact_list, name="contacts"),
    path("contacts/new/", contacts.contact_add, name="contact-add"),
    path("contacts/<int:contact_id>/edit/", contacts.contact_edit, name="contact-edit"),
    path("contacts/<int:contact_id>/remove/", contacts.contact_remove, name="contact-remove"),
    path("documents/", documents.document_list_page, name="documents"),
    path("documents/upload/", documents.document_upload, name="document-upload"),
    path("documents/<int:document_id>/replace/", documents.document_replace, name="document-replace"),
    path("metrics/", metrics.metric_list_page, name="metrics"),
    path("timeline/", timeline.timeline, name="timeline"),
    path("notifications/", include(notifications)),
    path("users/", users.user_list, name="users"),
    path("users/<int:user_id>/deactivate/", users.user_deactivate_page, name="user-deactivate"),
    path("users/invitations/<int:invitation_id>/withdraw/", users.invitation_withdraw_page, name="invitation-withdraw"),
    path("users/invitations/<int:invitation_id>/resend/", users.invitation_resend_page, name="invitation-resend"),
    path("webhooks/", include(webhook_pages)),
]
