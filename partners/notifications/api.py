"""/api/v1/notifications/ (the caller's own in-app notifications), /api/v1/notification-preferences/
(the caller's own delivery choices) and /api/v1/email-bounces/ (administrators record addresses the
mail provider reported as undeliverable; the provider's integration calls it).

``register(router)`` adds the viewsets; ``urlpatterns`` holds the preferences endpoint, one object
per caller rather than a list.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError
from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from partners.notifications.models import Delivery, EmailBounce, Notification
from partners.notifications.selectors import email_bounce_list, notification_list, preferences_of
from partners.notifications.services import (
    email_bounce_record,
    notification_mark_read,
    notifications_mark_all_read,
    preferences_update,
)
from prm.api import ScopedViewSet
from prm.filters import TrueFalseFilter, filter_parameters


class NotificationFilterSet(django_filters.FilterSet):
    unread = TrueFalseFilter(method="filter_unread", help_text="true: only the unread ones.")

    def filter_unread(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(read_at__isnull=value)


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.BooleanField(source="is_read")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "category", "event_type", "title", "body", "url", "partner_id", "read", "read_at", "created_at"]
        read_only_fields = [name for name in fields if name != "read"]

    def get_url(self, notification) -> str:
        """The object's page, an absolute link (empty when there is none)."""
        if not notification.link:
            return ""
        request = self.context.get("request")
        return request.build_absolute_uri(notification.link) if request else notification.link


class ReadSerializer(serializers.Serializer):
    read = serializers.BooleanField()


@extend_schema_view(list=extend_schema(parameters=filter_parameters(NotificationFilterSet)))
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The caller's own notifications, newest first (``?unread=true`` for the unread ones). PATCH
    ``{"read": true}`` marks one read (false: unread again); another user's is a 404.
    ``POST mark-all-read/`` marks every one read."""

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = NotificationFilterSet

    def scoped_queryset(self):
        return notification_list(user=self.request.user)

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(request=ReadSerializer, responses=NotificationSerializer)
    def partial_update(self, request, pk=None):
        notification = self.get_object()
        form = ReadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        notification = notification_mark_read(
            notification_id=notification.pk, actor=request.user, read=form.validated_data["read"]
        )
        return Response(NotificationSerializer(notification, context={"request": request}).data)

    @extend_schema(
        request=None,
        responses=inline_serializer("NotificationsMarkedRead", fields={"marked": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="mark-all-read")
    def mark_all_read(self, request):
        return Response({"marked": notifications_mark_all_read(actor=request.user)})


class CategoryChoiceSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    default = serializers.ChoiceField(choices=Delivery.choices)


class PreferencesSerializer(serializers.Serializer):
    """``categories`` maps each of the caller's categories to ``immediately``, ``digest`` or ``off``;
    ``available`` (read-only) describes them."""

    time_zone = serializers.CharField(max_length=64, help_text="An IANA name such as Europe/Berlin.")
    digest_hour = serializers.IntegerField(min_value=0, max_value=23, help_text="Hour of the day, 0-23, local time.")
    categories = serializers.DictField(child=serializers.ChoiceField(choices=Delivery.choices))
    available = CategoryChoiceSerializer(many=True, read_only=True)


def _preferences_body(preferences) -> dict:
    return {
        "time_zone": preferences.time_zone,
        "digest_hour": preferences.digest_hour,
        "categories": preferences.as_dict(),
        "available": [
            {
                "code": choice.code,
                "label": choice.category.label,
                "description": choice.category.description,
                "default": choice.category.default,
            }
            for choice in preferences.choices
        ],
    }


class NotificationPreferencesView(APIView):
    """The caller's own notification preferences. PUT sets every field (a category left out of
    ``categories`` goes back to its default); PATCH sets the fields given."""

    permission_classes = [IsAuthenticated]
    serializer_class = PreferencesSerializer

    @extend_schema(responses=PreferencesSerializer)
    def get(self, request):
        return Response(_preferences_body(preferences_of(user=request.user)))

    @extend_schema(request=PreferencesSerializer, responses=PreferencesSerializer)
    def put(self, request):
        return self._update(request, partial=False)

    @extend_schema(request=PreferencesSerializer, responses=PreferencesSerializer)
    def patch(self, request):
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool):
        form = PreferencesSerializer(data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        deliveries = dict(data.get("categories") or {})
        if not partial:
            for choice in preferences_of(user=request.user).choices:
                deliveries.setdefault(choice.code, choice.category.default)
        try:
            preferences = preferences_update(
                actor=request.user,
                deliveries=deliveries,
                digest_hour=data.get("digest_hour"),
                time_zone=data.get("time_zone"),
            )
        except ValidationError as exc:  # the service names the category; the body nests it
            errors = exc.message_dict
            categories = {
                code: messages for code, messages in errors.items() if code not in ("digest_hour", "time_zone")
            }
            body = {key: value for key, value in errors.items() if key in ("digest_hour", "time_zone")}
            if categories:
                body["categories"] = categories
            raise serializers.ValidationError(body) from None
        return Response(_preferences_body(preferences))


class AdminsOnly(BasePermission):
    message = "Only administrators record bounced addresses."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user.is_authenticated and user.is_active and user.is_superuser)


class EmailBounceSerializer(serializers.ModelSerializer):
    class Meta:
        model = EmailBounce
        fields = ["id", "email", "reason", "source", "recorded_by", "recorded_at"]
        read_only_fields = ["id", "source", "recorded_by", "recorded_at"]
        extra_kwargs = {"email": {"validators": []}}  # recording an address twice is not an error


class EmailBounceViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    """Addresses that bounced (administrators only): POST ``{"email", "reason"}`` records one, after
    which no notification mail goes to it; recording it again answers 200 with the first record."""

    serializer_class = EmailBounceSerializer
    permission_classes = [AdminsOnly]

    def scoped_queryset(self):
        return email_bounce_list(user=self.request.user)

    @extend_schema(request=EmailBounceSerializer, responses={201: EmailBounceSerializer, 200: EmailBounceSerializer})
    def create(self, request):
        form = EmailBounceSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        bounce, created = email_bounce_record(
            email=form.validated_data["email"],
            reason=form.validated_data.get("reason", ""),
            actor=request.user,
            source=EmailBounce.Source.API,
        )
        return Response(
            EmailBounceSerializer(bounce).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


def register(router) -> None:
    router.register("notifications", NotificationViewSet, basename="api-notification")
    router.register("email-bounces", EmailBounceViewSet, basename="api-email-bounce")


urlpatterns = [
    path("notification-preferences/", NotificationPreferencesView.as_view(), name="api-notification-preferences"),
]
