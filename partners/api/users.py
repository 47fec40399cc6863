"""Provisioning for identity integrations: /api/v1/users/ (invitations: partners.invitations.api).

Administrators manage every login; a partner admin manages its own organisation's logins; every other
role gets 403. A login outside the caller's scope is a 404, as if it did not exist. POST creates the
login and e-mails the person a set-password link (it chooses its own password; the link is an
invitation, listed and withdrawn at /invitations/); PATCH changes ``name``, ``role`` and
``is_active`` (false ends sessions and tokens at once; true lets the login in again, with nothing
revoked restored).
"""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from partners.api.permissions import AdminsAndPartnerAdmins
from partners.invitations.api import visible_partner
from partners.invitations.models import Invitation
from partners.users import (
    NAME_MAX,
    user_create,
    user_deactivate,
    user_partner_id,
    user_reactivate,
    user_rename,
    user_role,
    user_role_change,
    users_manageable_by,
)
from prm.api import ScopedViewSet


class UserSerializer(serializers.Serializer):
    """A login: ``{"id", "email", "name", "role", "partner", "is_active"}``."""

    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    name = serializers.CharField(max_length=NAME_MAX, required=False)
    role = serializers.ChoiceField(choices=Invitation.Role.choices, required=False)
    partner = serializers.IntegerField(read_only=True, allow_null=True)
    is_active = serializers.BooleanField(required=False)

    def to_representation(self, user):
        return {
            "id": user.pk,
            "email": user.email,
            "name": user.get_full_name() or user.email,
            "role": user_role(user),
            "partner": user_partner_id(user),
            "is_active": user.is_active,
        }


class UserCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=NAME_MAX, allow_blank=True, required=False, default="")
    role = serializers.ChoiceField(choices=Invitation.Role.choices)
    partner = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Logins: list, read, create (the person sets its password through the e-mailed link), PATCH
    ``name``, ``role`` or ``is_active``."""

    serializer_class = UserSerializer
    permission_classes = [AdminsAndPartnerAdmins]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_queryset(self):
        return users_manageable_by(self.request.user)

    def _answer(self, user, status_code=status.HTTP_200_OK) -> Response:
        return Response(UserSerializer(self.scoped_queryset().get(pk=user.pk)).data, status=status_code)

    @extend_schema(request=UserCreateSerializer, responses={201: UserSerializer})
    def create(self, request):
        form = UserCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        user = user_create(
            actor=request.user,
            email=data["email"],
            name=data["name"],
            role=data["role"],
            partner=visible_partner(request.user, data.get("partner")),
            request=request,
        )
        return self._answer(user, status.HTTP_201_CREATED)

    @extend_schema(request=UserSerializer, responses=UserSerializer)
    def partial_update(self, request, pk=None):
        user = self.get_object()
        form = UserSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if user.pk == request.user.pk and data.get("is_active") is False:
            raise serializers.ValidationError({"is_active": ["You cannot deactivate yourself."]})
        with transaction.atomic():  # all the changes asked, or none
            if data.get("is_active") is True and not user.is_active:
                user = user_reactivate(user_id=user.pk, actor=request.user, request=request)
            if "name" in data:
                user = user_rename(user_id=user.pk, name=data["name"], actor=request.user, request=request)
            if "role" in data:
                user = user_role_change(user_id=user.pk, role=data["role"], actor=request.user, request=request)
            if data.get("is_active") is False and user.is_active:
                user_deactivate(user_id=user.pk, actor=request.user, request=request)
        return self._answer(user)
