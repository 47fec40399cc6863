"""/api/v1/webhooks/ and /api/v1/webhook-event-types/: subscriptions to events, their deliveries
with every attempt, and the actions of the portal (rotate the secret, send a test event, redeliver,
pause and resume).

Administrators manage the staff subscriptions and read every one; a partner admin manages its own
organisation's (``partner`` is set to it and read-only); every other role gets 403 on the lists and
404 on a subscription it names, as for another organisation's. Views validate the shape and call
``partners.webhooks.services``; the rows come from ``partners.webhooks.selectors``.
``register(router)`` adds the viewsets to the project's router (prm/api_urls.py).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from partners.webhooks import selectors, services
from partners.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from partners.webhooks.queries import with_attempts
from prm.api import ScopedViewSet

# --- permissions ----------------------------------------------------------------------


class WebhookManagers(BasePermission):
    """Administrators and partner admins; every other role gets 403 on a list or a create. A route
    naming one subscription looks it up in the caller's scope first (``subscription_list``), so one
    outside it is a 404 for every role, the same as one that does not exist."""

    message = "Only administrators and partner admins manage webhooks."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return False
        return bool(getattr(view, "detail", False)) or selectors.may_manage_webhooks(user)

    def has_object_permission(self, request, view, obj) -> bool:
        return selectors.may_manage_webhooks(request.user)


# --- serializers ----------------------------------------------------------------------


class WebhookSerializer(serializers.ModelSerializer):
    """A subscription as integrations read and write it; the secret is never part of it (it is
    answered once, by POST and by rotate-secret)."""

    url = serializers.CharField(
        max_length=2000,
        help_text="Where the events are POSTed: https (http only where a setting allows it), never a loopback, "
        "private or link-local address.",
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=64),
        help_text="Event type names of /api/v1/webhook-event-types/, or wildcards such as `partner.*` (`*` for all).",
    )
    is_active = serializers.BooleanField(required=False, default=True)
    partner = serializers.IntegerField(
        source="partner_id",
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="The organisation whose events it receives, set when it is created (a partner admin's own, "
        "whatever the body says) and never changed by PATCH; null for a staff subscription, which receives every "
        "matching event.",
    )

    class Meta:
        model = WebhookSubscription
        fields = [
            "id", "url", "description", "event_types", "is_active", "partner", "paused_at", "paused_reason",
            "failing_since", "created_at",
        ]  # fmt: skip
        read_only_fields = ["id", "paused_at", "paused_reason", "failing_since", "created_at"]

    def validate_event_types(self, value):
        if not value:
            raise serializers.ValidationError("Choose at least one event type.")
        return value


class WebhookSecretSerializer(WebhookSerializer):
    """The subscription and its signing secret, answered once: when it is created or its secret rotated."""

    secret = serializers.CharField(
        read_only=True,
        help_text="`whsec_…`: verify the `webhook-signature` header with it. Shown only in this answer.",
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["id", "attempted_at", "status_code", "duration_ms", "response_body", "error", "request_headers"]
        read_only_fields = fields
        extra_kwargs = {
            "status_code": {"help_text": "The receiver's HTTP status; null when it did not answer (see `error`)."},
            "response_body": {"help_text": "The first 2,000 characters of the receiver's answer."},
            "request_headers": {"help_text": "The headers sent, `webhook-id` and `webhook-signature` included."},
        }


class WebhookDeliverySerializer(serializers.ModelSerializer):
    webhook_id = serializers.CharField(
        source="event.webhook_id", read_only=True, help_text="The `webhook-id` header: the same on every retry."
    )
    event_type = serializers.CharField(source="event.type", read_only=True)
    event_created_at = serializers.DateTimeField(source="event.created_at", read_only=True)
    webhook = serializers.IntegerField(source="subscription_id", read_only=True)
    attempt_count = serializers.IntegerField(source="attempts", read_only=True)
    attempts = WebhookAttemptSerializer(
        source="attempts_shown", many=True, read_only=True, help_text="Every HTTP request of it, newest first."
    )

    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "webhook", "webhook_id", "event_type", "event_created_at", "state", "attempt_count",
            "next_attempt_at", "last_status_code", "last_error", "created_at", "delivered_at", "attempts",
        ]  # fmt: skip
        read_only_fields = fields


class WebhookRedeliverSinceSerializer(serializers.Serializer):
    since = serializers.DateTimeField(help_text="Send again every delivery of an event recorded at or after this time.")


class WebhookRedeliveredSerializer(serializers.Serializer):
    redelivered = serializers.IntegerField(help_text="How many deliveries were queued again.")


class WebhookTestEventSerializer(serializers.Serializer):
    webhook_id = serializers.CharField(help_text="The `webhook-id` the test delivery carries.")
    type = serializers.CharField()


class WebhookEventTypeSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()


# --- viewsets -------------------------------------------------------------------------

NOT_FOUND = OpenApiResponse(description="No such subscription among those the caller manages.")
STATES = [state for state, _ in WebhookDelivery.State.choices]


@extend_schema_view(
    create=extend_schema(request=WebhookSerializer, responses={201: WebhookSecretSerializer}),
    partial_update=extend_schema(responses={200: WebhookSerializer, 404: NOT_FOUND}),
    destroy=extend_schema(
        responses={204: OpenApiResponse(description="Deleted, with its deliveries."), 404: NOT_FOUND}
    ),
)
class WebhookViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """Webhook subscriptions, newest first. POST answers the new subscription with its `secret`
    (`whsec_…`) once; no later answer shows it again (rotate-secret issues a new one)."""

    serializer_class = WebhookSerializer
    permission_classes = [WebhookManagers]
    filter_backends = []  # the lists take no filters (deliveries take ?state=, declared below)
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self):
        return selectors.subscription_list(user=self.request.user)

    def accepted_query_params(self) -> set[str]:
        names = super().accepted_query_params()
        return names | {"state"} if self.action == "deliveries" else names

    def _partner_id(self, serializer) -> int | None:
        """The organisation an administrator names (``subscription_create`` checks it exists); a
        partner admin's subscription is its own organisation's whatever the body says (the service
        scopes it)."""
        return serializer.validated_data.get("partner_id") if self.request.user.is_staff else None

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        subscription = services.subscription_create(
            actor=request.user,
            url=data["url"],
            event_types=data["event_types"],
            description=data.get("description", ""),
            is_active=data.get("is_active", True),
            partner_id=self._partner_id(serializer),
        )
        response = Response(WebhookSecretSerializer(subscription).data, status=status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/webhooks/{subscription.pk}/"
        return response

    def update(self, request, *args, **kwargs):
        subscription = self.get_object()
        serializer = self.get_serializer(subscription, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        updated = services.subscription_update(
            actor=request.user,
            subscription_id=subscription.pk,
            # a field left out of the body is left as it is (the partner never changes)
            url=data["url"] if "url" in request.data else None,
            event_types=data["event_types"] if "event_types" in request.data else None,
            description=data["description"] if "description" in request.data else None,
            is_active=data["is_active"] if "is_active" in request.data else None,
        )
        return Response(WebhookSerializer(updated).data)

    def destroy(self, request, *args, **kwargs):
        subscription = self.get_object()
        services.subscription_delete(actor=request.user, subscription_id=subscription.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[
            OpenApiParameter("state", OpenApiTypes.STR, enum=STATES, description="Only deliveries in this state.")
        ],
        responses={200: WebhookDeliverySerializer(many=True), 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """The subscription's deliveries, newest first, each with its event type, `webhook-id` and attempts."""
        subscription = self.get_object()
        state = request.query_params.get("state")
        if state is not None and state not in STATES:
            raise ValidationError({"state": [f"One of: {', '.join(STATES)}."]})
        rows = selectors.delivery_list(user=request.user, subscription_id=subscription.pk, state=state)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(WebhookDeliverySerializer(with_attempts(page), many=True).data)

    @extend_schema(request=None, responses={200: WebhookSecretSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """Issue a new secret, answered once; the previous one keeps signing too for a grace period,
        so receivers can switch without losing a delivery."""
        subscription = self.get_object()
        rotated = services.subscription_rotate_secret(actor=request.user, subscription_id=subscription.pk)
        return Response(WebhookSecretSerializer(rotated).data)

    @extend_schema(request=None, responses={202: WebhookTestEventSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Send a `webhook.test` event to this subscription only (its deliveries show how it went)."""
        subscription = self.get_object()
        event = services.subscription_send_test(actor=request.user, subscription_id=subscription.pk)
        return Response({"webhook_id": event.webhook_id, "type": event.type}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=WebhookRedeliverSinceSerializer, responses={202: WebhookRedeliveredSerializer, 404: NOT_FOUND}
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request, pk=None):
        """Send again every delivery of the events recorded since a time (with the same `webhook-id`s)."""
        subscription = self.get_object()
        body = WebhookRedeliverSinceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        count = services.deliveries_redeliver_since(
            actor=request.user, subscription_id=subscription.pk, since=body.validated_data["since"]
        )
        return Response({"redelivered": count}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: WebhookSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        """Stop sending to this subscription until it is resumed (events meanwhile are not delivered)."""
        subscription = self.get_object()
        paused = services.subscription_pause(
            actor=request.user, subscription_id=subscription.pk, reason="Paused by hand."
        )
        return Response(WebhookSerializer(paused).data)

    @extend_schema(request=None, responses={200: WebhookSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Resume a paused subscription: new events are delivered again (redeliver what was missed)."""
        subscription = self.get_object()
        resumed = services.subscription_resume(actor=request.user, subscription_id=subscription.pk)
        return Response(WebhookSerializer(resumed).data)

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("delivery_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={202: WebhookDeliverySerializer, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9]{1,18})/redeliver")
    def redeliver_one(self, request, pk=None, delivery_id=None):
        """Send one delivery again, now, with its event's `webhook-id`."""
        subscription = self.get_object()
        delivery = selectors.delivery_list(user=request.user, subscription_id=subscription.pk).get(pk=int(delivery_id))
        services.delivery_redeliver(actor=request.user, delivery_id=delivery.pk)
        again = selectors.delivery_get(user=request.user, delivery_id=delivery.pk)
        return Response(WebhookDeliverySerializer(again).data, status=status.HTTP_202_ACCEPTED)


class WebhookEventTypeViewSet(ScopedViewSet):
    """The event types a subscription may name (a partner admin: those its organisation receives),
    with what each means. Wildcards such as `partner.*` match every type of an object."""

    serializer_class = WebhookEventTypeSerializer
    permission_classes = [WebhookManagers]
    filter_backends = []  # a list of the registry's types, not a queryset

    def scoped_queryset(self):
        types = selectors.webhook_event_types(user=self.request.user)
        return [{"name": name, "description": text} for name, text in types.items()]

    @extend_schema(responses=WebhookEventTypeSerializer(many=True))
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(WebhookEventTypeSerializer(page, many=True).data)


def register(router) -> None:
    """Add the webhook endpoints to the API router."""
    router.register("webhooks", WebhookViewSet, basename="api-webhook")
    router.register("webhook-event-types", WebhookEventTypeViewSet, basename="api-webhook-event-type")
