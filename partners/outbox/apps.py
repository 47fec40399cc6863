from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """What happened, recorded with the change that made it happen; channels read it from here."""

    name = "partners.outbox"
    label = "outbox"
    verbose_name = "Events"
