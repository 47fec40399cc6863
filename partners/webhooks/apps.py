from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Signed HTTP deliveries of outbox events to the subscribers' URLs (Standard Webhooks)."""

    name = "partners.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
