"""Notification pages. ``urlpatterns`` (global names, included at /notifications/ by prm.urls) are
the manager portal's, the badge and the unsubscribe link; ``selfservice_urlpatterns`` are the
partner portal's, included at /partner/notifications/ in the ``selfservice`` namespace."""

from django.urls import path

from partners.notifications import views

urlpatterns = [
    path("", views.notification_list_page, name="notifications"),
    path("badge/", views.notification_badge, name="notification-badge"),
    path("read-all/", views.notifications_read_all_view, name="notifications-read-all"),
    path("preferences/", views.preferences_page, name="notification-preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe_page, name="notification-unsubscribe"),
    path("<int:pk>/read/", views.notification_read_view, name="notification-read"),
    path("<int:pk>/open/", views.notification_open_view, name="notification-open"),
]

selfservice_urlpatterns = [
    path("", views.partner_notification_list_page, name="notifications"),
    path("read-all/", views.partner_notifications_read_all_view, name="notifications-read-all"),
    path("preferences/", views.partner_preferences_page, name="notification-preferences"),
    path("<int:pk>/read/", views.partner_notification_read_view, name="notification-read"),
    path("<int:pk>/open/", views.partner_notification_open_view, name="notification-open"),
]
