from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Signed HTTP deliveries of outbox events to the subscribers' URLs (Standard Webhooks)."""

    name = "partners.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from partners.outbox.channels import register_channel
        from partners.webhooks.fanout import CHANNEL, register_test_event_type, webhooks_fan_out

        register_test_event_type()
        register_channel(CHANNEL, webhooks_fan_out)
