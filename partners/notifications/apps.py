from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """In-app notifications and e-mail (immediate or as a daily digest) from outbox events."""

    name = "partners.notifications"
    label = "notifications"
    verbose_name = "Notifications"
