from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """In-app notifications and e-mail (immediate or as a daily digest) from outbox events."""

    name = "partners.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from partners.notifications.fanout import notifications_fan_out
        from partners.outbox.channels import register_channel

        register_channel("notifications", notifications_fan_out)
