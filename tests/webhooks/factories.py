"""Subscriptions written straight to the database (tests of the writes go through the services)."""

import factory

from partners.webhooks.models import WebhookSubscription
from partners.webhooks.signing import secret_new


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookSubscription

    url = "https://hooks.example.com/prm"
    event_types = factory.LazyFunction(lambda: ["*"])
    secret = factory.LazyFunction(secret_new)
    partner = None
